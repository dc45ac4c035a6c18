"""Project configuration routes: delete, metadata, settings, permissions, variables, tags,
timeline, interest (spec endpoints.md §3.1, §3.11; semantics.md §4, §10)."""
import os
import time

import pytest

from conftest import DssError, ILLEGAL_ARGUMENT, NOT_FOUND, assert_error, unique


def new_project(admin, **extra):
    key = unique("PRJ")
    body = {"projectKey": key, "name": key, "owner": None, "settings": None,
            "description": None, "permissions": [], "tags": []}
    body.update(extra)
    admin.post("/projects/", body)
    return key


# --- delete ---------------------------------------------------------------------------------

def test_delete_returns_finished_future_and_removes_everything(server, admin):
    key = new_project(admin)
    admin.put("/projects/%s/variables/" % key, {"standard": {"a": 1}, "local": {}})
    r = admin.raw("DELETE", "/projects/%s" % key, params={"clearManagedDatasets": True,
                                                           "clearOutputManagedFolders": False,
                                                           "clearJobAndScenarioLogs": True,
                                                           "wait": True})
    assert r.status_code == 200, r.text
    state = r.json()
    # DSSFuture.get_result_wait_if_needed: no jobId → ret["result"]
    assert "jobId" not in state
    assert state["hasResult"] is True
    assert state["result"]["success"] is True
    with pytest.raises(DssError) as e:
        admin.get("/projects/%s" % key)
    assert_error(e, 404, NOT_FOUND, "ERR_PROJECT_UNKNOWN_PROJECT_KEY")
    assert key not in [p["projectKey"] for p in admin.get("/projects/")]
    # Deleted metadata does not come back with the same key
    admin.post("/projects/", {"projectKey": key, "name": "again"})
    assert admin.get("/projects/%s/variables/" % key) == {"standard": {}, "local": {}}
    # And the timeline restarts
    items = admin.get("/projects/%s/timeline" % key)["items"]
    assert [i["action"] for i in items] == ["PROJECT_CREATE"]


def test_delete_clears_logs_by_default_and_keeps_datasets_unless_asked(server, admin):
    key = new_project(admin)
    d = server.data_dir
    jobs = os.path.join(d, "jobs", key, "J1")
    data = os.path.join(d, "managed_datasets", key, "ds", "v000001")
    for p in (jobs, data):
        os.makedirs(p)
        with open(os.path.join(p, "f"), "w") as f:
            f.write("x")
    state = admin.delete("/projects/%s" % key, params={"wait": False})
    # wait=False: a future to poll, as DSSFuture does
    assert state.get("jobId"), state
    deadline = time.time() + 30
    while True:
        st = admin.get("/futures/%s" % state["jobId"], params={"peek": False})
        if st.get("hasResult"):
            break
        assert time.time() < deadline, st
        time.sleep(0.05)
    assert st["result"]["success"] is True
    with pytest.raises(DssError) as e:
        admin.get("/projects/%s" % key)
    assert_error(e, 404, NOT_FOUND)
    assert not os.path.exists(os.path.join(d, "jobs", key))
    assert os.path.exists(data)

    key2 = new_project(admin)
    data2 = os.path.join(d, "managed_datasets", key2, "ds")
    logs2 = os.path.join(d, "scenarios", key2, "S")
    for p in (data2, logs2):
        os.makedirs(p)
    res = admin.delete("/projects/%s" % key2, params={"clearManagedDatasets": "true",
                                                      "clearJobAndScenarioLogs": "False"})
    assert res["hasResult"]
    assert not os.path.exists(os.path.join(d, "managed_datasets", key2))
    assert os.path.exists(logs2)


def test_delete_unknown_and_bad_flags(admin):
    with pytest.raises(DssError) as e:
        admin.delete("/projects/NOPE_%s" % unique())
    assert_error(e, 404, NOT_FOUND)
    key = new_project(admin)
    with pytest.raises(DssError) as e:
        admin.delete("/projects/%s" % key, params={"clearManagedDatasets": "maybe"})
    body = assert_error(e, 400)
    assert "clearManagedDatasets" in body["message"]
    assert admin.get("/projects/%s" % key)["projectKey"] == key


# --- metadata -------------------------------------------------------------------------------

def test_metadata_roundtrip_and_summary(admin):
    key = new_project(admin, description="first")
    m = admin.get("/projects/%s/metadata" % key)
    assert m["label"] == key
    assert m["description"] == "first"
    assert m["custom"] == {"kv": {}}
    assert m["checklists"] == {"checklists": []}
    assert m["tags"] == []
    m["label"] = "Renamed"
    m["shortDesc"] = "short"
    m["tags"] = ["a", "b"]
    m["custom"]["kv"]["k"] = {"nested": [1, 2]}
    m["checklists"]["checklists"].append({"title": "todo", "items": [{"text": "x", "done": False}]})
    m["customFields"] = {"cf": 3}
    admin.put("/projects/%s/metadata" % key, m)
    m2 = admin.get("/projects/%s/metadata" % key)
    for k in ("label", "shortDesc", "tags", "custom", "checklists", "customFields"):
        assert m2[k] == m[k]
    s = admin.get("/projects/%s" % key)
    assert s["name"] == "Renamed" and s["tags"] == ["a", "b"] and s["shortDesc"] == "short"
    assert key in [p["projectKey"] for p in admin.get("/projects/", params={"tags": "b"})]


@pytest.mark.parametrize("bad,field", [
    ({"label": 3}, "label"),
    ({"tags": "a"}, "tags"),
    ({"custom": []}, "custom"),
    ({"custom": {"kv": []}}, "custom.kv"),
    ({"checklists": {"checklists": {}}}, "checklists.checklists"),
    ({"label": ""}, "label"),
])
def test_metadata_bad_fields_change_nothing(admin, bad, field):
    key = new_project(admin)
    before = admin.get("/projects/%s/metadata" % key)
    with pytest.raises(DssError) as e:
        admin.put("/projects/%s/metadata" % key, bad)
    body = assert_error(e, 400, ILLEGAL_ARGUMENT)
    assert "'%s'" % field in body["message"]
    assert admin.get("/projects/%s/metadata" % key) == before


# --- settings -------------------------------------------------------------------------------

def test_settings_roundtrip_with_warnings(admin):
    key = new_project(admin)
    s = admin.get("/projects/%s/settings" % key)
    assert "permissions" not in s
    assert s["settings"]["codeEnvs"]["python"]["mode"] in ("INHERIT", "USE_BUILTIN_MODE")
    assert s["exposedObjects"] == {"objects": []}
    # What DSSProjectSettings helpers do
    s["settings"]["codeEnvs"]["python"] = {"useBuiltinEnv": False, "envName": "py39",
                                           "mode": "EXPLICIT_ENV"}
    s["settings"]["container"] = {"containerMode": "EXPLICIT_CONTAINER", "containerConf": "k8s"}
    s["settings"]["cluster"] = {"clusterMode": "EXPLICIT_CLUSTER", "clusterId": "c1"}
    s["settings"]["somethingNew"] = {"x": 1}
    s["exposedObjects"]["objects"].append({"type": "DATASET", "localName": "ds",
                                           "rules": [{"targetProject": "OTHER"}]})
    s["futureField"] = [1, 2, 3]
    res = admin.put("/projects/%s/settings" % key, s)
    assert any("futureField" in w for w in res["warnings"])
    assert len(res["warnings"]) == 1
    s2 = admin.get("/projects/%s/settings" % key)
    assert s2["settings"] == s["settings"]
    assert s2["exposedObjects"] == s["exposedObjects"]
    assert s2["futureField"] == [1, 2, 3]
    # known-field-only PUT: no warnings
    del s2["futureField"]
    assert admin.put("/projects/%s/settings" % key, s2)["warnings"] == []


@pytest.mark.parametrize("mutate,field", [
    (lambda s: s.__setitem__("settings", []), "settings"),
    (lambda s: s["settings"]["codeEnvs"].__setitem__("python", "x"), "settings.codeEnvs.python"),
    (lambda s: s["settings"]["codeEnvs"]["python"].__setitem__("mode", "WHATEVER"),
     "settings.codeEnvs.python.mode"),
    (lambda s: s["settings"]["container"].__setitem__("containerMode", 3),
     "settings.container.containerMode"),
    (lambda s: s.__setitem__("exposedObjects", {"objects": {}}), "exposedObjects.objects"),
    (lambda s: s["exposedObjects"].__setitem__("objects", [{"type": 1}]),
     "exposedObjects.objects[0].type"),
])
def test_settings_wrong_type_names_field(admin, mutate, field):
    key = new_project(admin)
    before = admin.get("/projects/%s/settings" % key)
    s = admin.get("/projects/%s/settings" % key)
    mutate(s)
    with pytest.raises(DssError) as e:
        admin.put("/projects/%s/settings" % key, s)
    body = assert_error(e, 400, ILLEGAL_ARGUMENT)
    assert "'%s'" % field in body["message"], body
    assert admin.get("/projects/%s/settings" % key) == before


def test_settings_never_touch_permissions(admin):
    key = new_project(admin, permissions=[{"group": "administrators", "readProjectContent": True}])
    s = admin.get("/projects/%s/settings" % key)
    s["permissions"] = []
    res = admin.put("/projects/%s/settings" % key, s)
    assert any("permissions" in w for w in res["warnings"])
    perms = admin.get("/projects/%s/permissions" % key)["permissions"]
    assert perms[0]["group"] == "administrators"


# --- permissions ----------------------------------------------------------------------------

def test_permissions_roundtrip(admin):
    key = new_project(admin)
    p = admin.get("/projects/%s/permissions" % key)
    assert p["owner"] == "admin"
    assert p["permissions"] == []
    p["permissions"] = [{"group": "administrators", "readProjectContent": True,
                         "writeProjectContent": False},
                        {"user": "admin", "runScenarios": True}]
    admin.put("/projects/%s/permissions" % key, p)
    p2 = admin.get("/projects/%s/permissions" % key)
    assert p2["owner"] == "admin"
    assert p2["permissions"][0]["group"] == "administrators"
    assert p2["permissions"][0]["readProjectContent"] is True
    assert p2["permissions"][0]["admin"] is False
    assert p2["permissions"][1]["user"] == "admin"
    assert p2["permissions"][1]["runScenarios"] is True


@pytest.mark.parametrize("body,status,needle", [
    ({"owner": "nobody_such", "permissions": []}, 404, "nobody_such"),
    ({"owner": 3, "permissions": []}, 400, "'owner'"),
    ({"permissions": {}}, 400, "'permissions'"),
    ({"permissions": [{"readProjectContent": True}]}, 400, "permissions[0]"),
    ({"permissions": [{"group": "g", "user": "u"}]}, 400, "permissions[0]"),
    ({"permissions": [{"group": "g", "admin": "yes"}]}, 400, "permissions[0].admin"),
    ({"permissions": [{"group": "g", "flyToTheMoon": True}]}, 400, "flyToTheMoon"),
    ({"permissions": [{"group": ""}]}, 400, "permissions[0].group"),
])
def test_permissions_validation(admin, body, status, needle):
    key = new_project(admin)
    before = admin.get("/projects/%s/permissions" % key)
    with pytest.raises(DssError) as e:
        admin.put("/projects/%s/permissions" % key, body)
    b = assert_error(e, status)
    assert needle in b["message"], b
    assert admin.get("/projects/%s/permissions" % key) == before


# --- variables ------------------------------------------------------------------------------

def test_variables_roundtrip_and_validation(admin):
    key = new_project(admin)
    assert admin.get("/projects/%s/variables/" % key) == {"standard": {}, "local": {}}
    v = {"standard": {"s": "x", "n": 3, "o": {"a": [1]}}, "local": {"l": True, "n": 4}}
    admin.put("/projects/%s/variables/" % key, v)
    assert admin.get("/projects/%s/variables" % key) == v
    for bad, needle in (({"standard": {}}, "'local'"), ({"local": {}}, "'standard'"),
                        ({"standard": [], "local": {}}, "'standard'"),
                        ({"standard": {}, "local": {}, "other": {}}, "'other'")):
        with pytest.raises(DssError) as e:
            admin.put("/projects/%s/variables/" % key, bad)
        assert needle in assert_error(e, 400)["message"]
    assert admin.get("/projects/%s/variables/" % key) == v


def test_resolved_variables(admin):
    key = new_project(admin)
    admin.put("/projects/%s/variables/" % key,
              {"standard": {"a": 1, "b": "std", "c": {"x": 1}}, "local": {"b": "loc", "d": False}})
    typed = admin.get("/projects/%s/variables-resolved" % key, params={"typed": "true"})
    assert typed["a"] == 1 and typed["b"] == "loc" and typed["c"] == {"x": 1} and typed["d"] is False
    untyped = admin.get("/projects/%s/variables-resolved" % key, params={"typed": "false"})
    assert untyped["a"] == "1" and untyped["b"] == "loc" and untyped["d"] == "false"
    assert untyped["c"] == '{"x":1}'


def test_resolved_variables_include_instance_variables(admin):
    key = new_project(admin)
    old = admin.get("/admin/variables/")
    try:
        admin.put("/admin/variables/", {"inst_only": "i", "a": "instance", "num": 7})
        admin.put("/projects/%s/variables/" % key, {"standard": {"a": "project"}, "local": {}})
        r = admin.get("/projects/%s/variables-resolved" % key, params={"typed": "true"})
        assert r["inst_only"] == "i" and r["a"] == "project" and r["num"] == 7
        r = admin.get("/projects/%s/variables-resolved" % key, params={"typed": "false"})
        assert r["num"] == "7"
    finally:
        admin.put("/admin/variables/", old)


# --- tags, timeline, interest ---------------------------------------------------------------

def test_tags(admin):
    key = new_project(admin, tags=["red"])
    t = admin.get("/projects/%s/tags" % key)
    assert "red" in t["tags"] and t["tags"]["red"]["color"].startswith("#")
    admin.put("/projects/%s/tags" % key, {"tags": {"red": {"color": "#ff0000"}, "new": {}}})
    t = admin.get("/projects/%s/tags" % key)["tags"]
    assert t["red"]["color"] == "#ff0000"
    assert "new" in t
    with pytest.raises(DssError) as e:
        admin.put("/projects/%s/tags" % key, {"tags": {"x": {"color": 5}}})
    assert "color" in assert_error(e, 400)["message"]
    with pytest.raises(DssError) as e:
        admin.put("/projects/%s/tags" % key, {"tags": ["x"]})
    assert_error(e, 400)
    assert admin.get("/projects/%s/tags" % key)["tags"]["red"]["color"] == "#ff0000"


def test_timeline_records_every_change(admin):
    key = new_project(admin)
    admin.put("/projects/%s/variables/" % key, {"standard": {}, "local": {}})
    admin.put("/projects/%s/tags" % key, {"tags": {}})
    admin.put("/projects/%s/metadata" % key, admin.get("/projects/%s/metadata" % key))
    admin.put("/projects/%s/settings" % key, admin.get("/projects/%s/settings" % key))
    admin.put("/projects/%s/permissions" % key, admin.get("/projects/%s/permissions" % key))
    tl = admin.get("/projects/%s/timeline" % key)
    for k in ("allContributors", "items", "createdBy", "createdOn", "lastModifiedBy",
              "lastModifiedOn"):
        assert k in tl
    actions = [i["action"] for i in tl["items"]]
    assert actions == ["PROJECT_PERMISSIONS_CHANGE", "PROJECT_SETTINGS_CHANGE",
                       "PROJECT_METADATA_CHANGE", "PROJECT_TAGS_CHANGE",
                       "PROJECT_VARIABLES_CHANGE", "PROJECT_CREATE"]
    assert tl["createdBy"] == "admin"
    assert [c["login"] for c in tl["allContributors"]] == ["admin"]
    assert tl["lastModifiedOn"] >= tl["createdOn"] > 0
    short = admin.get("/projects/%s/timeline" % key, params={"itemCount": 2})
    assert [i["action"] for i in short["items"]] == actions[:2]
    with pytest.raises(DssError) as e:
        admin.get("/projects/%s/timeline" % key, params={"itemCount": "lots"})
    assert "itemCount" in assert_error(e, 400)["message"]


def test_interest_zero_by_default(admin):
    key = new_project(admin)
    assert admin.get("/projects/%s/interest" % key) == {"starCount": 0, "watchCount": 0}


def test_unknown_project_everywhere_is_404(admin):
    missing = "MISSING_" + unique()
    for method, path in (("GET", "/metadata"), ("GET", "/settings"), ("GET", "/permissions"),
                         ("GET", "/variables/"), ("GET", "/variables-resolved"), ("GET", "/tags"),
                         ("GET", "/timeline"), ("GET", "/interest"), ("PUT", "/metadata"),
                         ("PUT", "/variables/")):
        r = admin.raw(method, "/projects/" + missing + path,
                      body={"standard": {}, "local": {}} if method == "PUT" else None)
        assert_error(r, 404, NOT_FOUND)
