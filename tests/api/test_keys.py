"""API keys: global (/admin/global-api-keys*, legacy /admin/globalAPIKeys), personal, project."""
import json
import time

import pytest

from conftest import DssError, ILLEGAL_ARGUMENT, NOT_FOUND, UNAUTHORIZED, assert_error, unique

GLOBAL_FIELDS = ("id", "key", "label", "description", "createdOn", "createdBy", "dssUserForImpersonation",
                 "groups", "expiresOn", "expiry", "globalPermissions", "projects")


def create_global(admin, **body):
    b = {"label": "lbl", "description": "desc", "globalPermissions": {"admin": False}}
    b.update(body)
    return admin.post("/admin/global-api-keys/", b)


def new_user(admin, groups=()):
    login = unique("ku")
    admin.post("/admin/users/", {"login": login, "password": "pw", "groups": list(groups)})
    return login


def test_global_key_lifecycle(server, admin):
    created = create_global(admin)
    assert created["id"] and created["key"] and created["messages"]["error"] is False
    for f in GLOBAL_FIELDS:
        assert f in created, f
    assert created["groups"] is None and created["createdBy"] == "admin"
    secret = created["key"]
    listed = admin.get("/admin/global-api-keys/")
    item = [k for k in listed if k["id"] == created["id"]][0]
    assert "key" in item and item["key"] is None
    assert secret not in json.dumps(listed) and "hash" not in item
    got = admin.get("/admin/global-api-keys/%s" % created["id"])
    assert got["key"] is None and got["label"] == "lbl" and secret not in json.dumps(got)
    assert admin.get("/admin/globalAPIKeys/%s" % secret)["id"] == created["id"]
    # the key works and is not admin
    kc = server.client(secret)
    assert kc.get("/auth/info")["authIdentifier"] == created["id"]
    assert_error(kc.raw("GET", "/admin/users/"), 403, UNAUTHORIZED)
    got["label"] = "relabelled"
    got["globalPermissions"]["admin"] = True
    admin.put("/admin/global-api-keys/%s" % created["id"], got)
    assert admin.get("/admin/global-api-keys/%s" % created["id"])["label"] == "relabelled"
    kc.get("/admin/users/")  # now admin
    admin.delete("/admin/global-api-keys/%s" % created["id"])
    assert_error(kc.raw("GET", "/auth/info"), 401, UNAUTHORIZED)
    assert created["id"] not in [k["id"] for k in admin.get("/admin/global-api-keys/")]


def test_global_key_errors(admin):
    k = create_global(admin)
    for m in ("GET", "PUT", "DELETE"):
        r = admin.raw(m, "/admin/global-api-keys/nope", body={} if m == "PUT" else None)
        assert_error(r, 404, NOT_FOUND)
    assert_error(admin.raw("GET", "/admin/globalAPIKeys/not-a-secret"), 404, NOT_FOUND)
    with pytest.raises(DssError) as e:
        create_global(admin, globalPermissions={"admin": "yes"})
    assert "'admin'" in assert_error(e, 400, ILLEGAL_ARGUMENT)["message"]
    with pytest.raises(DssError) as e:
        create_global(admin, expiresOn="tomorrow")
    assert "expiresOn" in assert_error(e, 400)["message"]
    with pytest.raises(DssError) as e:
        admin.post("/admin/global-api-keys/", {"label": "g", "groups": ["no_such_group"]})
    assert_error(e, 404)
    # the secret/hash can never be changed
    d = admin.get("/admin/global-api-keys/%s" % k["id"])
    d["key"] = "my-own-chosen-secret"
    with pytest.raises(DssError) as e:
        admin.put("/admin/global-api-keys/%s" % k["id"], d)
    assert "'key'" in assert_error(e, 400)["message"]
    d["key"] = k["key"]  # sending back the real secret is harmless
    admin.put("/admin/global-api-keys/%s" % k["id"], d)
    d["key"] = None
    d["hash"] = "0" * 64
    with pytest.raises(DssError) as e:
        admin.put("/admin/global-api-keys/%s" % k["id"], d)
    assert_error(e, 400)


def test_group_based_global_key(server, admin):
    g = unique("kg")
    admin.post("/admin/groups/", {"name": g, "mayCreateProjects": True})
    k = admin.post("/admin/global-api-keys/", {"label": "gk", "description": "", "groups": [g]})
    assert k["groups"] == [g]
    kc = server.client(k["key"])
    pk = unique("GK")
    kc.post("/projects/", {"projectKey": pk, "name": "x"})
    assert_error(kc.raw("GET", "/admin/users/"), 403)


def test_global_key_project_grants(server, admin, project):
    other = unique("OTH")
    admin.post("/projects/", {"projectKey": other, "name": "o"})
    k = create_global(admin, projects={project: {"readProjectContent": True}})
    assert k["projects"][project]["readProjectContent"] is True
    kc = server.client(k["key"])
    assert kc.get("/projects/%s" % project)["projectKey"] == project
    assert [p["projectKey"] for p in kc.get("/projects/")] == [project]
    assert_error(kc.raw("GET", "/projects/%s" % other), 403, UNAUTHORIZED)
    assert_error(kc.raw("PUT", "/projects/%s/tags" % project, body={"tags": []}), 403)
    with pytest.raises(DssError) as e:
        create_global(admin, projects={project: {"readProjectContent": "y"}})
    assert_error(e, 400)


def test_expired_key_is_401(server, admin):
    k = create_global(admin, expiresOn=int(time.time() * 1000) - 1000)
    r = server.client(k["key"]).raw("GET", "/auth/info")
    body = assert_error(r, 401, UNAUTHORIZED)
    assert "expired" in body["message"]
    soon = create_global(admin, expiresOn=int(time.time() * 1000) + 600000)
    assert server.client(soon["key"]).get("/auth/info")["authIdentifier"] == soon["id"]
    d = admin.get("/admin/global-api-keys/%s" % soon["id"])
    d["expiresOn"] = 1
    admin.put("/admin/global-api-keys/%s" % soon["id"], d)
    assert_error(server.client(soon["key"]).raw("GET", "/auth/info"), 401)


def test_personal_keys(server, admin, project):
    g = unique("pg")
    admin.post("/admin/groups/", {"name": g})
    login = new_user(admin, groups=[g])
    perms = admin.get("/projects/%s/permissions" % project)
    perms["permissions"].append({"group": g, "readProjectContent": True})
    admin.put("/projects/%s/permissions" % project, perms)
    k = admin.post("/admin/personal-api-keys/", {"user": login, "label": "pk", "description": "d"})
    assert k["id"] and k["key"] and k["user"] == login
    uc = server.client(k["key"])
    info = uc.get("/auth/info")
    assert info["authIdentifier"] == login and g in info["groups"]
    # acts exactly as its user: reads the project through the group, cannot write or admin it
    assert uc.get("/projects/%s" % project)["projectKey"] == project
    assert_error(uc.raw("PUT", "/projects/%s/tags" % project, body={"tags": ["x"]}), 403)
    assert_error(uc.raw("GET", "/admin/connections/"), 403)
    # own keys
    own = uc.post("/personal-api-keys/", {"label": "mine", "description": ""})
    assert own["key"] and own["user"] == login
    mine = uc.get("/personal-api-keys/")
    assert sorted(x["id"] for x in mine) == sorted([k["id"], own["id"]])
    assert all(x["key"] is None for x in mine) and own["key"] not in json.dumps(mine)
    d = uc.get("/personal-api-keys/%s" % own["id"])
    assert d["user"] == login and d["key"] is None
    d["label"] = "renamed"
    uc.put("/personal-api-keys/%s" % own["id"], d)
    assert uc.get("/personal-api-keys/%s" % own["id"])["label"] == "renamed"
    # another user cannot see, edit or delete them
    other = new_user(admin)
    oc = server.client(admin.post("/admin/personal-api-keys/", {"user": other, "label": "o"})["key"])
    assert own["id"] not in [x["id"] for x in oc.get("/personal-api-keys/")]
    for m in ("GET", "PUT", "DELETE"):
        r = oc.raw(m, "/personal-api-keys/%s" % own["id"], body=d if m == "PUT" else None)
        assert_error(r, 404, NOT_FOUND)
    assert uc.get("/personal-api-keys/%s" % own["id"])["label"] == "renamed"
    # admins see all
    everything = admin.get("/admin/personal-api-keys/")
    assert {k["id"], own["id"]} <= {x["id"] for x in everything}
    assert all(x["key"] is None for x in everything)
    admin.get("/personal-api-keys/%s" % own["id"])
    uc.delete("/personal-api-keys/%s" % own["id"])
    assert_error(server.client(own["key"]).raw("GET", "/auth/info"), 401)
    with pytest.raises(DssError) as e:
        admin.post("/admin/personal-api-keys/", {"user": "ghost_user_x", "label": "x"})
    assert_error(e, 404)
    with pytest.raises(DssError) as e:
        admin.post("/admin/personal-api-keys/", {"label": "x"})
    assert "'user'" in assert_error(e, 400)["message"]


def test_personal_key_needs_a_user(server, admin):
    k = create_global(admin)
    r = server.client(k["key"]).raw("POST", "/personal-api-keys/", body={"label": "x"})
    assert_error(r, 400)


def test_project_keys(server, admin, project):
    other = unique("OTH")
    admin.post("/projects/", {"projectKey": other, "name": "o"})
    k = admin.post("/projects/%s/apikeys/" % project, {"label": "pk", "description": "",
                                                       "projectPrivileges": {"readProjectContent": True}})
    assert k["id"] and k["key"] and k["projectKey"] == project and k["type"] == "PROJECT"
    kc = server.client(k["key"])
    assert kc.get("/projects/%s" % project)["projectKey"] == project
    assert [p["projectKey"] for p in kc.get("/projects/")] == [project]
    assert_error(kc.raw("GET", "/projects/%s" % other), 403)
    assert_error(kc.raw("PUT", "/projects/%s/tags" % project, body={"tags": []}), 403)
    assert_error(kc.raw("GET", "/admin/users/"), 403)
    assert_error(kc.raw("GET", "/projects/%s/apikeys/" % project), 403)
    listed = admin.get("/projects/%s/apikeys/" % project)
    assert [x["id"] for x in listed] == [k["id"]] and listed[0]["key"] is None
    assert admin.get("/projects/%s/apikeys/" % other) == []
    assert_error(admin.raw("GET", "/projects/%s/apikeys/%s" % (other, k["id"])), 404)
    d = admin.get("/projects/%s/apikeys/%s" % (project, k["id"]))
    d["privileges"] = ["WRITE_CONF"]
    admin.put("/projects/%s/apikeys/%s" % (project, k["id"]), d)
    kc.put("/projects/%s/tags" % project, {"tags": {}})
    # a project key does not appear among global keys
    assert k["id"] not in [x["id"] for x in admin.get("/admin/global-api-keys/")]
    with pytest.raises(DssError) as e:
        admin.post("/projects/%s/apikeys/" % project, {"label": "x", "privileges": ["FLY"]})
    assert "FLY" in assert_error(e, 400)["message"]
    admin.delete("/projects/%s/apikeys/%s" % (project, k["id"]))
    assert_error(kc.raw("GET", "/projects/%s" % project), 401)


def test_project_key_dies_with_project(server, admin):
    pk = unique("DIE")
    admin.post("/projects/", {"projectKey": pk, "name": "x"})
    k = admin.post("/projects/%s/apikeys/" % pk, {"label": "x", "privileges": ["ADMIN"]})
    kc = server.client(k["key"])
    kc.get("/projects/%s" % pk)
    admin.delete("/projects/%s" % pk)
    admin.post("/projects/", {"projectKey": pk, "name": "again"})
    assert_error(kc.raw("GET", "/projects/%s" % pk), 401)


def test_project_admin_manages_project_keys(server, admin, project):
    login = new_user(admin)
    perms = admin.get("/projects/%s/permissions" % project)
    perms["permissions"].append({"user": login, "admin": True})
    admin.put("/projects/%s/permissions" % project, perms)
    uc = server.client(admin.post("/admin/personal-api-keys/", {"user": login, "label": "x"})["key"])
    k = uc.post("/projects/%s/apikeys/" % project, {"label": "by-user", "privileges": ["READ_CONF"]})
    assert k["createdBy"] == login
    reader = new_user(admin)
    perms["permissions"].append({"user": reader, "readProjectContent": True})
    admin.put("/projects/%s/permissions" % project, perms)
    rc = server.client(admin.post("/admin/personal-api-keys/", {"user": reader, "label": "x"})["key"])
    assert_error(rc.raw("GET", "/projects/%s/apikeys/" % project), 403)
    assert_error(rc.raw("POST", "/projects/%s/apikeys/" % project, body={"label": "x"}), 403)


def test_secrets_never_in_gets(server, admin):
    k = create_global(admin)
    p = admin.post("/admin/personal-api-keys/", {"user": "admin", "label": "x"})
    for path in ("/admin/global-api-keys/", "/admin/personal-api-keys/", "/personal-api-keys/",
                 "/admin/global-api-keys/%s" % k["id"], "/personal-api-keys/%s" % p["id"]):
        text = admin.raw("GET", path).text
        assert k["key"] not in text and p["key"] not in text and '"hash"' not in text, path
