"""Dataset definitions: creation of every type, settings round-trip, schema, metadata, info,
usages, rename, delete (endpoints.md §3.3.1-§3.3.2)."""
import pytest

from conftest import DssError, ILLEGAL_ARGUMENT, NOT_FOUND, assert_error, unique


def create(admin, project, name, type_, params=None, **extra):
    body = {"name": name, "projectKey": project, "type": type_, "params": params or {}}
    body.update(extra)
    return admin.post("/projects/%s/datasets/" % project, body)


def test_create_each_type_and_list(admin, project):
    create(admin, project, "fs", "Filesystem", {"connection": "filesystem_managed", "path": "/x"},
           formatType="csv", formatParams={"separator": ",", "style": "excel"})
    create(admin, project, "up", "UploadedFiles", {})
    create(admin, project, "fif", "FilesInFolder", {"folderSmartId": "abcd1234"})
    create(admin, project, "inl", "Inline", {})
    listed = admin.get("/projects/%s/datasets/" % project)
    names = {d["name"]: d for d in listed}
    assert set(names) == {"fs", "up", "fif", "inl"}
    for d in listed:
        assert d["projectKey"] == project
        assert "columns" in d["schema"]
    assert names["fs"]["params"]["connection"] == "filesystem_managed"
    assert names["up"]["type"] == "UploadedFiles"


def test_list_by_tags(admin, project):
    create(admin, project, "a", "Inline", {}, tags=["t1"])
    create(admin, project, "b", "Inline", {}, tags=["t2"])
    got = [d["name"] for d in admin.get("/projects/%s/datasets/" % project, params={"tags": ["t1"]})]
    assert got == ["a"]


def test_create_errors_name_the_field(admin, project):
    cases = [
        ({"name": "x", "type": "NoSuchType", "params": {}}, "type"),
        ({"name": "x", "type": "Filesystem", "params": {}}, "params.connection"),
        ({"name": "x", "type": "Filesystem", "params": {"connection": 3}}, "params.connection"),
        ({"name": "x", "type": "FilesInFolder", "params": {}}, "params.folderSmartId"),
        ({"name": "x", "type": "Inline", "params": {}, "formatType": "xls"}, "formatType"),
        ({"name": "x", "type": "Filesystem", "params": {"connection": "filesystem_managed"},
          "formatType": "csv", "formatParams": {"separator": ";;"}}, "formatParams.separator"),
        ({"name": "x", "type": "Inline", "params": {},
          "schema": {"columns": [{"name": "a", "type": "varchar"}]}}, "varchar"),
        ({"name": "x", "type": "Inline", "params": {},
          "partitioning": {"dimensions": [{"name": "d", "type": "time", "params": {"period": "WEEK"}}]}},
         "period"),
    ]
    for body, field in cases:
        with pytest.raises(DssError) as e:
            admin.post("/projects/%s/datasets/" % project, body)
        b = assert_error(e, 400, ILLEGAL_ARGUMENT)
        assert field in b["message"], (body, b)
    with pytest.raises(DssError) as e:
        admin.post("/projects/%s/datasets/" % project, {"name": "bad name!", "type": "Inline"})
    assert_error(e, 400, code="ERR_INVALID_NAME")
    with pytest.raises(DssError) as e:
        create(admin, project, "x", "Filesystem", {"connection": "nope"})
    assert_error(e, 404, NOT_FOUND, "ERR_CONNECTION_UNKNOWN")
    # Nothing was created by the failures.
    assert admin.get("/projects/%s/datasets/" % project) == []


def test_duplicate_is_409(admin, project):
    create(admin, project, "d", "Inline")
    with pytest.raises(DssError) as e:
        create(admin, project, "d", "Inline")
    assert_error(e, 409)


def test_unknown_project_is_404(admin):
    with pytest.raises(DssError) as e:
        admin.get("/projects/NOPE_PROJECT/datasets/")
    assert_error(e, 404)


def test_managed_creation_formats_and_partitioning(admin, project):
    base = "/projects/%s/datasets/managed" % project
    admin.post(base, {"name": "pq", "creationSettings": {"connectionId": "filesystem_managed",
                                                          "specificSettings": {"formatOptionId": "PARQUET_HIVE"}}})
    admin.post(base, {"name": "cg", "creationSettings": {"connectionId": "filesystem_managed",
                                                          "specificSettings": {"formatOptionId": "CSV_EXCEL_GZIP"}}})
    pq = admin.get("/projects/%s/datasets/pq" % project)
    cg = admin.get("/projects/%s/datasets/cg" % project)
    assert pq["managed"] is True and pq["type"] == "Filesystem" and pq["formatType"] == "parquet"
    assert cg["formatType"] == "csv" and cg["formatParams"]["compress"] == "gz"
    assert pq["params"]["connection"] == "filesystem_managed"
    # partitioning copied from another dataset
    create(admin, project, "src", "Inline", {}, partitioning={"dimensions": [{"name": "day", "type": "time", "params": {"period": "DAY"}}]})
    admin.post(base, {"name": "cp", "creationSettings": {"connectionId": "filesystem_managed",
                                                          "partitioningOptionId": "copy:dataset:src"}})
    cp = admin.get("/projects/%s/datasets/cp" % project)
    assert cp["partitioning"]["dimensions"][0]["name"] == "day"
    for cs, code in [({"specificSettings": {"formatOptionId": "AVRO"}}, 400),
                     ({"connectionId": "nope"}, 404),
                     ({"partitioningOptionId": "copy:dataset:missing"}, 404),
                     ({"partitioningOptionId": "bogus"}, 400)]:
        with pytest.raises(DssError) as e:
            admin.post(base, {"name": unique("m"), "creationSettings": cs})
        assert_error(e, code)


def test_settings_round_trip_keeps_unknown_fields(admin, project):
    create(admin, project, "s", "Inline")
    d = admin.get("/projects/%s/datasets/s" % project)
    d["description"] = "hello"
    d["myCustomThing"] = {"nested": [1, 2]}
    d["params"]["extra"] = "kept"
    r = admin.put("/projects/%s/datasets/s" % project, d)
    assert any("myCustomThing" in w for w in r["warnings"])
    d2 = admin.get("/projects/%s/datasets/s" % project)
    assert d2["description"] == "hello"
    assert d2["myCustomThing"] == {"nested": [1, 2]}
    assert d2["params"]["extra"] == "kept"
    assert d2["versionTag"]["versionNumber"] >= 1
    # type may not change; a bad definition changes nothing
    d2["type"] = "Filesystem"
    with pytest.raises(DssError) as e:
        admin.put("/projects/%s/datasets/s" % project, d2)
    assert_error(e, 400)
    assert admin.get("/projects/%s/datasets/s" % project)["type"] == "Inline"
    with pytest.raises(DssError) as e:
        admin.put("/projects/%s/datasets/nope" % project, d)
    assert_error(e, 404, NOT_FOUND, "ERR_DATASET_UNKNOWN")


def test_schema_get_put_and_validation(admin, project):
    create(admin, project, "sc", "Inline")
    assert admin.get("/projects/%s/datasets/sc/schema" % project)["columns"] == []
    cols = [{"name": n, "type": t} for n, t in [("a", "string"), ("b", "tinyint"), ("c", "smallint"),
            ("d", "int"), ("e", "bigint"), ("f", "float"), ("g", "double"), ("h", "boolean"),
            ("i", "date"), ("j", "dateonly"), ("k", "datetimenotz"), ("l", "array"), ("m", "map"),
            ("n", "object"), ("o", "geopoint")]]
    r = admin.put("/projects/%s/datasets/sc/schema" % project, {"columns": cols})
    assert [c["name"] for c in r["columns"]] == [c["name"] for c in cols]
    assert admin.get("/projects/%s/datasets/sc/schema" % project)["columns"][3]["type"] == "int"
    for bad, word in [({"columns": [{"name": "a", "type": "text"}]}, "text"),
                      ({"columns": [{"name": "a", "type": "int"}, {"name": "a", "type": "int"}]}, "Duplicate"),
                      ({"columns": [{"type": "int"}]}, "name"),
                      ({"nocolumns": []}, "columns")]:
        with pytest.raises(DssError) as e:
            admin.put("/projects/%s/datasets/sc/schema" % project, bad)
        assert word in assert_error(e, 400)["message"]
    assert len(admin.get("/projects/%s/datasets/sc/schema" % project)["columns"]) == len(cols)


def test_metadata_and_exists(admin, project):
    create(admin, project, "md", "Inline", {}, tags=["x"])
    m = admin.get("/projects/%s/datasets/md/metadata" % project)
    assert m["tags"] == ["x"] and "checklists" in m and "custom" in m
    m["tags"] = ["y", "z"]
    m["description"] = "desc"
    m["custom"] = {"kv": {"k": "v"}}
    r = admin.put("/projects/%s/datasets/md/metadata" % project, m)
    assert r["tags"] == ["y", "z"]
    d = admin.get("/projects/%s/datasets/md" % project)
    assert d["tags"] == ["y", "z"] and d["description"] == "desc"
    assert admin.get("/projects/%s/datasets/md/metadata" % project)["custom"]["kv"]["k"] == "v"
    # exists() of the client: any >= 400 on metadata
    r = admin.raw("GET", "/projects/%s/datasets/missing/metadata" % project)
    assert_error(r, 404, NOT_FOUND)


def test_info_and_usages(admin, project):
    admin.post("/projects/%s/datasets/managed" % project, {"name": "i1", "creationSettings": {}})
    info = admin.get("/projects/%s/datasets/i1/info" % project)
    assert info["dataset"]["name"] == "i1"
    assert admin.get("/projects/%s/datasets/i1/usages" % project) == []


def test_rename_and_delete(admin, server, project):
    import os
    admin.post("/projects/%s/datasets/managed" % project, {"name": "r1", "creationSettings": {}})
    admin.put("/projects/%s/datasets/r1/schema" % project, {"columns": [{"name": "a", "type": "int"}]})
    admin.call("PUT", "/projects/%s/datasets/r1/data/" % project, data=b"1\n2\n")
    admin.post("/projects/%s/actions/renameDataset" % project, {"oldName": "r1", "newName": "r2"})
    with pytest.raises(DssError) as e:
        admin.get("/projects/%s/datasets/r1" % project)
    assert_error(e, 404)
    r = admin.raw("GET", "/projects/%s/datasets/r2/data/" % project)
    assert r.text == "1\n2\n"
    with pytest.raises(DssError) as e:
        admin.post("/projects/%s/actions/renameDataset" % project, {"oldName": "r2", "newName": "bad name"})
    assert_error(e, 400)
    with pytest.raises(DssError) as e:
        admin.post("/projects/%s/actions/renameDataset" % project, {"oldName": "zz", "newName": "r3"})
    assert_error(e, 404)
    ddir = os.path.join(server.data_dir, "managed_datasets", project, "r2")
    assert os.path.isdir(ddir)
    admin.delete("/projects/%s/datasets/r2" % project, params={"dropData": True})
    assert not os.path.exists(ddir)
    with pytest.raises(DssError) as e:
        admin.delete("/projects/%s/datasets/r2" % project)
    assert_error(e, 404)


def test_delete_without_drop_keeps_files_but_recreate_is_empty(admin, server, project):
    import os
    admin.post("/projects/%s/datasets/managed" % project, {"name": "k", "creationSettings": {}})
    admin.put("/projects/%s/datasets/k/schema" % project, {"columns": [{"name": "a", "type": "int"}]})
    admin.call("PUT", "/projects/%s/datasets/k/data/" % project, data=b"1\n")
    admin.delete("/projects/%s/datasets/k" % project, params={"dropData": False})
    admin.post("/projects/%s/datasets/managed" % project, {"name": "k", "creationSettings": {}})
    admin.put("/projects/%s/datasets/k/schema" % project, {"columns": [{"name": "a", "type": "int"}]})
    assert admin.raw("GET", "/projects/%s/datasets/k/data/" % project).text == ""
