"""General settings, instance variables, instance info and logs."""
import pytest

from conftest import DssError, ILLEGAL_ARGUMENT, NOT_FOUND, UNAUTHORIZED, assert_error


def non_admin(server, admin):
    key = admin.post("/admin/global-api-keys/", {"label": "na", "description": "",
                                                  "globalPermissions": {"admin": False}})["key"]
    return server.client(key)


def test_general_settings_defaults(admin):
    s = admin.get("/admin/general-settings")
    assert s["maxRunningActivities"] == 5
    assert s["datasetVersionsToKeep"] == 3
    assert s["impersonation"]["userRules"] == [] and s["impersonation"]["groupRules"] == []


def test_general_settings_round_trip_and_warnings(admin):
    s = admin.get("/admin/general-settings")
    s["maxRunningActivities"] = 7
    s["impersonation"]["userRules"].append({"scope": "GLOBAL", "type": "IDENTITY", "dssUser": "admin",
                                            "ruleFrom": "", "targetUnix": "", "targetHadoop": ""})
    s["myCustomThing"] = {"a": [1, 2]}
    r = admin.put("/admin/general-settings", s)
    assert isinstance(r["warnings"], list) and len(r["warnings"]) == 1
    assert "myCustomThing" in r["warnings"][0]
    s2 = admin.get("/admin/general-settings")
    assert s2["maxRunningActivities"] == 7
    assert s2["myCustomThing"] == {"a": [1, 2]}
    assert s2["impersonation"]["userRules"][0]["dssUser"] == "admin"
    s2["maxRunningActivities"] = 5
    del s2["myCustomThing"]
    assert admin.put("/admin/general-settings", s2)["warnings"] == []
    assert "myCustomThing" not in admin.get("/admin/general-settings")


@pytest.mark.parametrize("field,value", [
    ("maxRunningActivities", "5"), ("maxRunningActivities", 0), ("datasetVersionsToKeep", 1.5),
    ("impersonation", []), ("nodeName", 3), ("sqlQueryTimeoutSeconds", -1),
])
def test_general_settings_type_errors(admin, field, value):
    before = admin.get("/admin/general-settings")
    s = dict(before)
    s[field] = value
    with pytest.raises(DssError) as e:
        admin.put("/admin/general-settings", s)
    body = assert_error(e, 400, ILLEGAL_ARGUMENT)
    assert "'%s'" % field in body["message"]
    assert admin.get("/admin/general-settings") == before


def test_impersonation_rule_errors(admin):
    s = admin.get("/admin/general-settings")
    s["impersonation"]["groupRules"] = [{"type": "NOPE", "dssGroup": "g"}]
    with pytest.raises(DssError) as e:
        admin.put("/admin/general-settings", s)
    assert "impersonation.groupRules[0].type" in assert_error(e, 400)["message"]


def test_settings_persist_across_restart(fresh_server):
    c = fresh_server.client()
    s = c.get("/admin/general-settings")
    s["datasetVersionsToKeep"] = 9
    c.put("/admin/general-settings", s)
    c.put("/admin/variables/", {"v1": "x", "n": 3})
    node = c.get("/instance-info")["nodeId"]
    fresh_server.restart()
    c = fresh_server.client()
    assert c.get("/admin/general-settings")["datasetVersionsToKeep"] == 9
    assert c.get("/admin/variables/") == {"v1": "x", "n": 3}
    assert c.get("/instance-info")["nodeId"] == node


def test_instance_variables(admin):
    admin.put("/admin/variables/", {"a": 1, "b": "two", "nested": {"x": [1]}})
    assert admin.get("/admin/variables/") == {"a": 1, "b": "two", "nested": {"x": [1]}}
    admin.put("/admin/variables/", {"a": 2})
    assert admin.get("/admin/variables/") == {"a": 2}
    with pytest.raises(DssError) as e:
        admin.put("/admin/variables/", [1, 2])
    assert_error(e, 400)
    assert admin.get("/admin/variables/") == {"a": 2}




def test_logs(server, admin):
    logs = admin.get("/admin/logs/")
    assert "dssd.log" in logs
    content = admin.get("/admin/logs/dssd.log")
    assert isinstance(content, str) and "dssd listening" in content
    for bad in ("..%2Fconfig.json", "config.json", "port", "..%2F..%2Fetc%2Fpasswd"):
        r = admin.raw("GET", "/admin/logs/" + bad)
        assert r.status_code in (400, 404), (bad, r.text)
        assert "bindAddress" not in r.text and "root:" not in r.text
    r = admin.raw("GET", "/admin/logs/nope.log")
    assert_error(r, 404, NOT_FOUND)

def test_instance_info(server, admin):
    info = admin.get("/instance-info")
    assert info["nodeType"] == "DESIGN"
    assert info["nodeId"] and info["nodeName"] == admin.get("/admin/general-settings")["nodeName"]
    assert info["dssVersion"]
    user = non_admin(server, admin)
    assert user.get("/instance-info")["nodeId"] == info["nodeId"]


def test_admin_routes_refused_to_non_admin(server, admin):
    user = non_admin(server, admin)
    for method, path in (("GET", "/admin/general-settings"), ("PUT", "/admin/general-settings"),
                         ("GET", "/admin/variables/"), ("PUT", "/admin/variables/"),
                         ("GET", "/admin/logs/"), ("GET", "/admin/logs/dssd.log")):
        r = user.raw(method, path, body={} if method == "PUT" else None)
        assert_error(r, 403, UNAUTHORIZED)
        assert "maxRunningActivities" not in r.text and "dssd listening" not in r.text
    assert admin.get("/admin/general-settings")["maxRunningActivities"] >= 1
