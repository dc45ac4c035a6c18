"""Transport, errors and the first project routes."""
import pytest
import requests

from conftest import (DssError, ILLEGAL_ARGUMENT, NOT_FOUND, UNAUTHORIZED, assert_error, unique)


def test_both_prefixes_and_trailing_slash(server, admin):
    for prefix in ("/dip/publicapi", "/public/api"):
        for path in ("/projects", "/projects/"):
            r = admin.raw("GET", path, prefix=prefix)
            assert r.status_code == 200, r.text
            assert isinstance(r.json(), list)


def test_headers_on_every_response(server, admin):
    for r in (admin.raw("GET", "/projects/"), admin.raw("GET", "/nope")):
        assert r.headers["DSS-API-Version"] == "1"
        assert "DSS-Version" in r.headers
        assert r.headers["Content-Type"] == "application/json;charset=utf-8"
        assert "Content-Encoding" not in r.headers
        assert r.headers.get("X-Request-Id")


def test_auth_schemes(server):
    key = server.admin_key
    ok = [requests.get(server.url + "/public/api/auth/info", auth=(key, "")),
          requests.get(server.url + "/public/api/auth/info", auth=("", key)),
          requests.get(server.url + "/public/api/auth/info", headers={"Authorization": "Bearer " + key})]
    for r in ok:
        assert r.status_code == 200, r.text
        assert r.json()["authIdentifier"] == "admin"


def test_missing_and_invalid_keys_are_401(server):
    r = requests.get(server.url + "/public/api/projects/")
    assert_error(r, 401, UNAUTHORIZED)
    r = requests.get(server.url + "/public/api/projects/", auth=("not-a-key", ""))
    assert_error(r, 401, UNAUTHORIZED)
    r = requests.get(server.url + "/public/api/projects/", headers={"Authorization": "Digest x"})
    assert_error(r, 401, UNAUTHORIZED)


def test_unknown_route_is_404_json(admin):
    r = admin.raw("GET", "/no/such/route")
    assert_error(r, 404, NOT_FOUND)


def test_create_and_get_project(admin):
    key = unique("P")
    admin.post("/projects/", {"projectKey": key, "name": "My project", "owner": None,
                              "settings": None, "description": None, "permissions": [], "tags": ["t1"]})
    summary = admin.get("/projects/%s" % key)
    assert summary["projectKey"] == key
    assert summary["name"] == "My project"
    assert key in [p["projectKey"] for p in admin.get("/projects/")]
    assert key in [p["projectKey"] for p in admin.get("/projects/", params={"tags": ["t1", "zz"]})]
    assert key not in [p["projectKey"] for p in admin.get("/projects/", params={"tags": ["zz"]})]


def test_project_creation_errors_change_nothing(admin):
    key = unique("P")
    admin.post("/projects/", {"projectKey": key, "name": "x"})
    with pytest.raises(DssError) as e:
        admin.post("/projects/", {"projectKey": key, "name": "again"})
    assert_error(e, 409)
    assert admin.get("/projects/%s" % key)["name"] == "x"
    with pytest.raises(DssError) as e:
        admin.post("/projects/", {"projectKey": "bad key!", "name": "x"})
    assert_error(e, 400, ILLEGAL_ARGUMENT, "ERR_PROJECT_INVALID_PROJECT_KEY")
    with pytest.raises(DssError) as e:
        admin.post("/projects/", {"projectKey": unique("P"), "name": 12})
    body = assert_error(e, 400)
    assert "'name'" in body["message"]
    r = admin.raw("POST", "/projects/", data="{not json")
    assert_error(r, 400)


def test_unknown_project_is_404_for_admin(admin):
    with pytest.raises(DssError) as e:
        admin.get("/projects/DOES_NOT_EXIST")
    assert_error(e, 404, NOT_FOUND, "ERR_PROJECT_UNKNOWN_PROJECT_KEY")


def test_openapi_lists_routes(admin):
    doc = admin.get("/openapi.json")
    assert "/projects/{projectKey}" in doc["paths"]
    assert doc["paths"]["/projects/"]["post"]["x-dss-access"] == "MAY_CREATE_PROJECTS"
