"""Recipes (endpoints.md §3.5): creation as the dataikuapi creators send it, settings round
trips, validation by compilation, status, schema updates, metadata, rename, deletion."""
import json

import pytest

from conftest import DssError, ILLEGAL_ARGUMENT, NOT_FOUND, assert_error

SALES = [("id", "int"), ("region", "string"), ("amount", "double")]
SINGLE_OUT = {"createOutputDataset": True,
              "outputDatasetSettings": {"connectionId": "filesystem_managed", "typeOptionId": None,
                                        "specificSettings": {"formatOptionId": "CSV_EXCEL_GZIP", "overrideSQLSchema": False},
                                        "partitioningOptionId": "NP"},
              "createOutputFolder": None, "outputFolderSettings": None}


def make_dataset(admin, project, name, columns=SALES):
    admin.post("/projects/%s/datasets/managed" % project,
               {"name": name, "creationSettings": {"connectionId": "filesystem_managed",
                                                   "specificSettings": {"formatOptionId": "CSV_EXCEL_GZIP"}}})
    if columns:
        admin.put("/projects/%s/datasets/%s/schema" % (project, name),
                  {"columns": [{"name": n, "type": t} for n, t in columns]})


def proto(project, rtype, inputs, outputs, name=None):
    return {"type": rtype, "name": name, "projectKey": project,
            "inputs": {"main": {"items": [{"ref": r} for r in inputs]}} if inputs else {},
            "outputs": {"main": {"items": [{"ref": r, "appendMode": False} for r in outputs]}}}


def create(admin, project, rtype, inputs, outputs, name=None, settings=None):
    return admin.post("/projects/%s/recipes/" % project,
                      {"recipePrototype": proto(project, rtype, inputs, outputs, name),
                       "creationSettings": settings if settings is not None else dict(SINGLE_OUT)})


@pytest.fixture
def sales(admin, project):
    make_dataset(admin, project, "sales")
    return project


def test_grouping_creation_creates_output_and_seeds_payload(admin, sales):
    settings = dict(SINGLE_OUT, groupKey="region")
    r = create(admin, sales, "grouping", ["sales"], ["by_region"], settings=settings)
    assert r["name"] == "compute_by_region"
    ds = admin.get("/projects/%s/datasets/by_region" % sales)
    assert ds["managed"] is True and ds["params"]["connection"] == "filesystem_managed"
    s = admin.get("/projects/%s/recipes/compute_by_region" % sales)
    assert s["recipe"]["type"] == "grouping" and s["recipe"]["name"] == "compute_by_region"
    assert s["recipe"]["inputs"]["main"]["items"][0]["ref"] == "sales"
    assert s["recipe"]["outputs"]["main"]["items"][0] == {"ref": "by_region", "appendMode": False}
    assert isinstance(s["payload"], str)
    p = json.loads(s["payload"])
    assert p["keys"] == [{"column": "region"}] and p["values"] == [] and p["globalCount"] is False
    items = admin.get("/projects/%s/recipes/" % sales)
    assert [i["name"] for i in items] == ["compute_by_region"]
    assert items[0]["type"] == "grouping" and items[0]["inputs"]["main"]["items"][0]["ref"] == "sales"


def test_save_round_trip_and_schema_update(admin, sales):
    create(admin, sales, "grouping", ["sales"], ["agg"], name="grp", settings=dict(SINGLE_OUT, groupKey="region"))
    s = admin.get("/projects/%s/recipes/grp" % sales)
    p = json.loads(s["payload"])
    p["values"].append({"column": "amount", "sum": True, "avg": True})
    p["globalCount"] = True
    s["payload"] = json.dumps(p)
    s["recipe"]["myExtraField"] = {"kept": [1, 2]}
    s["recipe"]["tags"] = ["t1"]
    res = admin.put("/projects/%s/recipes/grp" % sales, s)
    assert any("myExtraField" in w for w in res["warnings"])
    back = admin.get("/projects/%s/recipes/grp" % sales)
    assert back["recipe"]["myExtraField"] == {"kept": [1, 2]} and back["recipe"]["tags"] == ["t1"]
    assert json.loads(back["payload"])["values"][0]["sum"] is True
    # The output schema the recipe produces, then applied as RequiredSchemaUpdates.apply does.
    upd = admin.get("/projects/%s/recipes/grp/schema-update" % sales)
    assert upd["totalIncompatibilities"] == 1
    comp = upd["computables"][0]
    assert comp["type"] == "DATASET" and comp["datasetName"] == "agg" and comp["id"] == "agg"
    assert comp["newSchema"]["columns"] == [{"name": "region", "type": "string"}, {"name": "count", "type": "bigint"},
                                            {"name": "amount_avg", "type": "double"}, {"name": "amount_sum", "type": "double"}]
    admin.post("/projects/%s/recipes/grp/actions/updateOutputSchema" % sales,
               {"computableType": "DATASET", "computableId": "agg", "newSchema": comp["newSchema"],
                "dropAndRecreate": True, "synchronizeMetastore": True})
    cols = admin.get("/projects/%s/datasets/agg/schema" % sales)["columns"]
    assert [c["name"] for c in cols] == ["region", "count", "amount_avg", "amount_sum"]
    assert admin.get("/projects/%s/recipes/grp/schema-update" % sales)["totalIncompatibilities"] == 0
    with pytest.raises(DssError) as e:
        admin.post("/projects/%s/recipes/grp/actions/updateOutputSchema" % sales,
                   {"computableType": "DATASET", "computableId": "sales", "newSchema": comp["newSchema"]})
    assert_error(e, 400)


def test_save_refuses_what_does_not_compile(admin, sales):
    create(admin, sales, "grouping", ["sales"], ["agg2"], name="grp2")
    s = admin.get("/projects/%s/recipes/grp2" % sales)
    before = s["payload"]
    p = json.loads(before)
    p["keys"] = [{"column": "no_such_column"}]
    s["payload"] = json.dumps(p)
    with pytest.raises(DssError) as e:
        admin.put("/projects/%s/recipes/grp2" % sales, s)
    body = assert_error(e, 400, ILLEGAL_ARGUMENT)
    assert "no_such_column" in body["message"]
    assert admin.get("/projects/%s/recipes/grp2" % sales)["payload"] == before


def test_prepare_alias_and_unknown_processor(admin, sales):
    r = create(admin, sales, "prepare", ["sales"], ["prepared"])
    s = admin.get("/projects/%s/recipes/%s" % (sales, r["name"]))
    assert s["recipe"]["type"] == "shaker"
    p = json.loads(s["payload"])
    assert p["steps"] == []
    p["steps"].append({"metaType": "PROCESSOR", "type": "ColumnRenamer", "params": {"renamings": [{"from": "region", "to": "zone"}]}})
    s["payload"] = json.dumps(p)
    admin.put("/projects/%s/recipes/%s" % (sales, r["name"]), s)
    p["steps"].append({"metaType": "PROCESSOR", "type": "MagicProcessor", "params": {}})
    s["payload"] = json.dumps(p)
    with pytest.raises(DssError) as e:
        admin.put("/projects/%s/recipes/%s" % (sales, r["name"]), s)
    body = assert_error(e, 400)
    assert "step #2" in body["message"] and "MagicProcessor" in body["message"]
    upd = admin.get("/projects/%s/recipes/%s/schema-update" % (sales, r["name"]))
    assert [c["name"] for c in upd["computables"][0]["newSchema"]["columns"]] == ["id", "zone", "amount"]


def test_join_and_stack_take_virtual_inputs(admin, sales):
    make_dataset(admin, sales, "regions", [("region", "string"), ("label", "string")])
    r = admin.post("/projects/%s/recipes/" % sales, {
        "recipePrototype": {"type": "join", "name": None, "projectKey": sales, "inputs": {},
                            "outputs": {"main": {"items": [{"ref": "joined", "appendMode": False}]}}},
        "creationSettings": dict(SINGLE_OUT, virtualInputs=["sales", "regions"])})
    s = admin.get("/projects/%s/recipes/%s" % (sales, r["name"]))
    assert [i["ref"] for i in s["recipe"]["inputs"]["main"]["items"]] == ["sales", "regions"]
    p = json.loads(s["payload"])
    assert [v["index"] for v in p["virtualInputs"]] == [0, 1]
    j = p["joins"][0]
    assert j["table1"] == 0 and j["table2"] == 1 and j["on"][0]["column1"]["name"] == "region"
    j["type"] = "INNER"
    s["payload"] = json.dumps(p)
    admin.put("/projects/%s/recipes/%s" % (sales, r["name"]), s)
    cols = admin.get("/projects/%s/recipes/%s/schema-update" % (sales, r["name"]))["computables"][0]["newSchema"]["columns"]
    assert [c["name"] for c in cols] == ["id", "region", "amount", "label"]
    j["on"][0]["column2"]["name"] = "nope"
    s["payload"] = json.dumps(p)
    with pytest.raises(DssError) as e:
        admin.put("/projects/%s/recipes/%s" % (sales, r["name"]), s)
    assert "nope" in assert_error(e, 400)["message"]
    st = admin.post("/projects/%s/recipes/" % sales, {
        "recipePrototype": {"type": "vstack", "name": "stk", "projectKey": sales, "inputs": {},
                            "outputs": {"main": {"items": [{"ref": "stacked", "appendMode": False}]}}},
        "creationSettings": dict(SINGLE_OUT, virtualInputs=["sales", "regions"])})
    p = json.loads(admin.get("/projects/%s/recipes/stk" % sales)["payload"])
    assert p["mode"] == "UNION" and len(p["virtualInputs"]) == 2


def test_code_recipes(admin, sales):
    make_dataset(admin, sales, "py_out", None)
    r = admin.post("/projects/%s/recipes/" % sales, {
        "recipePrototype": proto(sales, "python", ["sales"], ["py_out"], "py"),
        "creationSettings": {"script": "print('hi')\n", "partitioningOptionId": "copy:dataset:sales"}})
    assert r["name"] == "py"
    s = admin.get("/projects/%s/recipes/py" % sales)
    assert s["payload"] == "print('hi')\n"
    assert s["recipe"]["params"]["envSelection"]["envMode"] == "INHERIT"
    s["payload"] = "import dataiku\n"
    admin.put("/projects/%s/recipes/py" % sales, s)
    assert admin.get("/projects/%s/recipes/py" % sales)["payload"] == "import dataiku\n"
    make_dataset(admin, sales, "sq_out", None)
    admin.post("/projects/%s/recipes/" % sales, {
        "recipePrototype": proto(sales, "sql_query", ["sales"], ["sq_out"], "sq"),
        "creationSettings": {"script": None}})
    st = admin.get("/projects/%s/recipes/sq/status" % sales)
    assert st["selectedEngine"]["type"] == "SQL"


def test_status(admin, sales):
    create(admin, sales, "sort", ["sales"], ["sorted"], name="srt")
    st = admin.get("/projects/%s/recipes/srt/status" % sales)
    assert st["selectedEngine"]["type"] == "DSS"
    assert {e["type"] for e in st["engines"]} >= {"DSS", "SQL"}
    msgs = st["allMessagesForFrontend"]
    # An empty sort ('orders' is empty) is reported, not hidden.
    assert msgs.get("maxSeverity") == "ERROR"
    assert "orders" in msgs["messages"][0]["message"]


def test_metadata(admin, sales):
    create(admin, sales, "sync", ["sales"], ["copy"], name="cp")
    m = admin.get("/projects/%s/recipes/cp/metadata" % sales)
    assert m["tags"] == [] and "custom" in m
    m["tags"] = ["a", "b"]
    m["description"] = "copies"
    m["custom"] = {"kv": {"k": "v"}}
    admin.put("/projects/%s/recipes/cp/metadata" % sales, m)
    m2 = admin.get("/projects/%s/recipes/cp/metadata" % sales)
    assert m2["tags"] == ["a", "b"] and m2["description"] == "copies" and m2["custom"] == {"kv": {"k": "v"}}
    assert admin.get("/projects/%s/recipes/cp" % sales)["recipe"]["tags"] == ["a", "b"]


def test_rename_and_delete(admin, sales):
    create(admin, sales, "sync", ["sales"], ["c1"], name="old_name")
    admin.post("/projects/%s/actions/renameRecipe" % sales, {"oldName": "old_name", "newName": "new_name"})
    with pytest.raises(DssError) as e:
        admin.get("/projects/%s/recipes/old_name" % sales)
    assert_error(e, 404, NOT_FOUND)
    assert admin.get("/projects/%s/recipes/new_name" % sales)["recipe"]["name"] == "new_name"
    create(admin, sales, "sync", ["sales"], ["c2"], name="other")
    with pytest.raises(DssError) as e:
        admin.post("/projects/%s/actions/renameRecipe" % sales, {"oldName": "new_name", "newName": "other"})
    assert_error(e, 409)
    admin.delete("/projects/%s/recipes/new_name" % sales)
    with pytest.raises(DssError) as e:
        admin.get("/projects/%s/recipes/new_name" % sales)
    assert_error(e, 404)
    with pytest.raises(DssError) as e:
        admin.delete("/projects/%s/recipes/new_name" % sales)
    assert_error(e, 404)
    # The output dataset stays.
    admin.get("/projects/%s/datasets/c1" % sales)


def test_creation_errors_change_nothing(admin, sales):
    with pytest.raises(DssError) as e:
        create(admin, sales, "grouping", ["ghost"], ["g_out"])
    assert_error(e, 404)
    with pytest.raises(DssError) as e:
        admin.get("/projects/%s/datasets/g_out" % sales)
    assert_error(e, 404)
    with pytest.raises(DssError) as e:
        create(admin, sales, "grouping", ["sales"], ["not_there"], settings={"createOutputDataset": False})
    assert_error(e, 404)
    with pytest.raises(DssError) as e:
        create(admin, sales, "teleport", ["sales"], ["x1"])
    assert_error(e, 400)
    with pytest.raises(DssError) as e:
        admin.post("/projects/%s/recipes/" % sales, {"creationSettings": {}})
    assert_error(e, 400)
    create(admin, sales, "sync", ["sales"], ["dup_out"], name="dup")
    with pytest.raises(DssError) as e:
        create(admin, sales, "sync", ["sales"], ["dup_out2"], name="dup")
    assert_error(e, 409)
    with pytest.raises(DssError) as e:
        admin.get("/projects/%s/datasets/dup_out2" % sales)
    assert_error(e, 404)
    # A dataset has one producing recipe.
    with pytest.raises(DssError) as e:
        create(admin, sales, "sync", ["sales"], ["dup_out"], name="second_writer")
    assert "already the output" in assert_error(e, 400)["message"]
    with pytest.raises(DssError) as e:
        create(admin, sales, "sync", ["sales"], ["bad/name"], name="bad name")
    assert_error(e, 400)
    assert sorted(r["name"] for r in admin.get("/projects/%s/recipes/" % sales)) == ["dup"]


def test_topn_and_split_use_existing_outputs(admin, sales):
    for n in ("top", "s1", "s2"):
        make_dataset(admin, sales, n, None)
    admin.post("/projects/%s/recipes/" % sales, {"recipePrototype": proto(sales, "topn", ["sales"], ["top"], "tn"), "creationSettings": {}})
    s = admin.get("/projects/%s/recipes/tn" % sales)
    p = json.loads(s["payload"])
    p["orders"] = [{"column": "amount", "desc": True}]
    p["firstRows"] = 2
    s["payload"] = json.dumps(p)
    admin.put("/projects/%s/recipes/tn" % sales, s)
    admin.post("/projects/%s/recipes/" % sales, {"recipePrototype": proto(sales, "split", ["sales"], ["s1", "s2"], "sp"), "creationSettings": {}})
    s = admin.get("/projects/%s/recipes/sp" % sales)
    p = json.loads(s["payload"])
    p.update({"splitMode": "VALUES", "column": "region", "valueSplits": [{"value": "EU", "outputIndex": 0}], "defaultOutputIndex": 1})
    s["payload"] = json.dumps(p)
    admin.put("/projects/%s/recipes/sp" % sales, s)
    upd = admin.get("/projects/%s/recipes/sp/schema-update" % sales)
    assert sorted(c["id"] for c in upd["computables"]) == ["s1", "s2"]
