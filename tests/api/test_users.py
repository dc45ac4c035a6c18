"""Users, groups, current user (/admin/users*, /admin/groups*, /users, /groups, /current-user)."""
import json

import pytest

from conftest import DssError, ILLEGAL_ARGUMENT, NOT_FOUND, UNAUTHORIZED, assert_error, unique


def new_user(admin, groups=(), password="pw-Secret-1", **extra):
    login = unique("u")
    body = {"login": login, "password": password, "displayName": "User " + login,
            "sourceType": "LOCAL", "groups": list(groups), "userProfile": "DATA_SCIENTIST",
            "email": login + "@example.com"}
    body.update(extra)
    admin.post("/admin/users/", body)
    return login


def personal_client(server, admin, login):
    key = admin.post("/admin/personal-api-keys/", {"user": login, "label": "k", "description": ""})["key"]
    return server.client(key)


def test_create_get_list_user(admin):
    login = new_user(admin)
    u = admin.get("/admin/users/%s" % login)
    for f in ("login", "displayName", "email", "enabled", "groups", "userProfile", "sourceType",
              "adminProperties", "userProperties", "secrets", "credentials", "preferences", "creationDate"):
        assert f in u, f
    assert u["login"] == login and u["enabled"] is True and u["groups"] == []
    assert "password" not in u and "passwordHash" not in u
    assert "pw-Secret-1" not in json.dumps(admin.get("/admin/users/", params={"includeSettings": True}))
    logins = [x["login"] for x in admin.get("/admin/users/")]
    assert login in logins and "admin" in logins
    full = admin.get("/admin/users/", params={"includeSettings": True})
    assert all("preferences" in x for x in full)
    info = admin.get("/users/%s" % login)
    assert info == {"login": login, "displayName": "User " + login, "groups": [],
                    "email": login + "@example.com", "enabled": True}
    assert login in [x["login"] for x in admin.get("/users")]


def test_user_errors(admin):
    login = new_user(admin)
    with pytest.raises(DssError) as e:
        admin.post("/admin/users/", {"login": login, "password": "x"})
    assert_error(e, 409)
    for bad in ("", "a/b", " sp"):
        with pytest.raises(DssError) as e:
            admin.post("/admin/users/", {"login": bad})
        assert_error(e, 400, ILLEGAL_ARGUMENT)
    with pytest.raises(DssError) as e:
        admin.post("/admin/users/", {"login": unique("u"), "groups": ["no_such_group"]})
    assert "no_such_group" in assert_error(e, 404, NOT_FOUND)["message"]
    with pytest.raises(DssError) as e:
        admin.post("/admin/users/", {"login": unique("u"), "enabled": "yes"})
    assert "'enabled'" in assert_error(e, 400)["message"]
    with pytest.raises(DssError) as e:
        admin.get("/admin/users/nobody_%s" % login)
    body = assert_error(e, 404, NOT_FOUND)
    assert str(e.value).startswith("404 com.dataiku.dip.server.controllers.NotFoundException")
    for m, p in (("PUT", "/admin/users/nobody"), ("DELETE", "/admin/users/nobody"),
                 ("GET", "/admin/users/nobody/activity"), ("GET", "/users/nobody")):
        r = admin.raw(m, p, body={} if m == "PUT" else None)
        assert_error(r, 404, NOT_FOUND)


def test_update_user_and_secrets(admin):
    admin.post("/admin/groups/", {"name": unique("g"), "description": None, "sourceType": "LOCAL"})
    g = admin.get("/admin/groups/")[-1]["name"]
    login = new_user(admin)
    u = admin.get("/admin/users/%s" % login)
    u["displayName"] = "Renamed"
    u["groups"] = [g]
    u["secrets"] = [{"name": "tok", "value": "very-secret-value", "secret": True}]
    u["credentials"] = {"pgconn": {"type": "BASIC", "user": "bob", "password": "cred-pw"}}
    u["userProperties"] = {"team": "x"}
    admin.put("/admin/users/%s" % login, u)
    u2 = admin.get("/admin/users/%s" % login)
    assert u2["displayName"] == "Renamed" and u2["groups"] == [g]
    text = json.dumps(u2)
    assert "very-secret-value" not in text and "cred-pw" not in text
    assert u2["secrets"][0]["name"] == "tok" and u2["credentials"]["pgconn"]["user"] == "bob"
    # round trip of masked values keeps them: the user's own auth/info?withSecrets still sees it
    admin.put("/admin/users/%s" % login, u2)
    c = admin  # impersonate to read own secrets
    info = c.get("/auth/info", params={"withSecrets": True}, headers={"X-DKU-ProxyUser": login})
    assert {"key": "tok", "value": "very-secret-value"} in info["secrets"]
    u2["login"] = "other"
    with pytest.raises(DssError) as e:
        admin.put("/admin/users/%s" % login, u2)
    assert_error(e, 400)


def test_delete_user_and_self_deletion(server, admin):
    login = new_user(admin)
    uc = personal_client(server, admin, login)
    assert uc.get("/auth/info")["authIdentifier"] == login
    admin.delete("/admin/users/%s" % login)
    assert login not in [x["login"] for x in admin.get("/admin/users/")]
    r = uc.raw("GET", "/auth/info")  # its personal key went with it
    assert_error(r, 401, UNAUTHORIZED)
    # self-deletion: the admin key acts as user 'admin'
    r = admin.raw("DELETE", "/admin/users/admin")
    assert_error(r, 400)
    assert "admin" in [x["login"] for x in admin.get("/admin/users/")]


def test_bulk_user_operations(admin):
    a, b = unique("bu"), unique("bu")
    r = admin.raw("POST", "/admin/users/actions/bulk", body=[
        {"login": a, "password": "p", "displayName": "", "sourceType": "LOCAL", "groups": [],
         "userProfile": "DATA_SCIENTIST", "email": None},
        {"login": b, "password": "p", "groups": []},
        {"login": a, "password": "p"},
        {"login": "bad/login"}])
    assert r.status_code == 200
    res = json.loads(r.text)
    assert [x["status"] for x in res] == ["SUCCESS", "SUCCESS", "FAILURE", "FAILURE"]
    assert res[2]["login"] == a and "already exists" in res[2]["error"]
    assert res[0]["error"] is None
    res = json.loads(admin.raw("PUT", "/admin/users/actions/bulk", body=[
        {"login": a, "displayName": "AAA"}, {"login": "ghost_" + a, "displayName": "x"}]).text)
    assert [x["status"] for x in res] == ["SUCCESS", "FAILURE"]
    assert admin.get("/admin/users/%s" % a)["displayName"] == "AAA"
    res = json.loads(admin.raw("DELETE", "/admin/users/actions/bulk", body=[a, b, "ghost_" + a, "admin"]).text)
    assert [x["status"] for x in res] == ["SUCCESS", "SUCCESS", "FAILURE", "FAILURE"]
    logins = [x["login"] for x in admin.get("/admin/users/")]
    assert a not in logins and b not in logins and "admin" in logins


def test_activity(server, admin):
    login = new_user(admin)
    act = admin.get("/admin/users/%s/activity" % login)
    assert act["lastSessionActivity"] == 0
    personal_client(server, admin, login).get("/auth/info")
    act = admin.get("/admin/users/%s/activity" % login)
    assert act["lastSessionActivity"] > 0 and act["lastSuccessfulLogin"] > 0
    assert login in [x["login"] for x in admin.get("/admin/users-activity", params={"enabledUsersOnly": True})]


def test_current_user(server, admin):
    login = new_user(admin)
    uc = personal_client(server, admin, login)
    me = uc.get("/current-user")
    assert me["login"] == login and "passwordHash" not in me
    me["displayName"] = "Myself"
    me["userProperties"] = {"k": "v"}
    uc.put("/current-user", me)
    assert admin.get("/admin/users/%s" % login)["displayName"] == "Myself"
    for field, value in (("groups", ["administrators"]), ("userProfile", "ADMIN"), ("enabled", False)):
        me2 = uc.get("/current-user")
        me2[field] = value
        r = uc.raw("PUT", "/current-user", body=me2)
        assert_error(r, 403, UNAUTHORIZED)
    u = admin.get("/admin/users/%s" % login)
    assert u["groups"] == [] and u["enabled"] is True
    assert uc.get("/auth/info")["isAdmin"] is False
    # a global key without a user has no own settings
    key = admin.post("/admin/global-api-keys/", {"label": "x", "description": "",
                                                 "globalPermissions": {"admin": False}})["key"]
    r = server.client(key).raw("GET", "/current-user")
    assert_error(r, 400)


def test_groups_crud_and_permissions(server, admin):
    name = unique("grp")
    admin.post("/admin/groups/", {"name": name, "description": None, "sourceType": "LOCAL"})
    g = admin.get("/admin/groups/%s" % name)
    assert g["name"] == name and g["sourceType"] == "LOCAL" and g["admin"] is False
    assert g["mayCreateProjects"] is False
    assert name in [x["name"] for x in admin.get("/admin/groups/")]
    assert name in [x["name"] for x in admin.get("/groups")]
    login = new_user(admin, groups=[name])
    uc = personal_client(server, admin, login)
    r = uc.raw("POST", "/projects/", body={"projectKey": unique("GP"), "name": "x"})
    assert_error(r, 403)
    g["mayCreateProjects"] = True
    admin.put("/admin/groups/%s" % name, g)
    pk = unique("GP")
    uc.post("/projects/", {"projectKey": pk, "name": "x"})
    assert pk in [p["projectKey"] for p in uc.get("/projects/")]
    r = uc.raw("GET", "/admin/users/")
    assert_error(r, 403)
    g["admin"] = True
    admin.put("/admin/groups/%s" % name, g)
    assert uc.get("/auth/info")["isAdmin"] is True
    uc.get("/admin/users/")
    admin.delete("/admin/groups/%s" % name)
    assert admin.get("/admin/users/%s" % login)["groups"] == []
    assert uc.get("/auth/info")["isAdmin"] is False
    assert_error(uc.raw("GET", "/admin/users/"), 403)


def test_group_errors(admin):
    name = unique("grp")
    admin.post("/admin/groups/", {"name": name})
    with pytest.raises(DssError) as e:
        admin.post("/admin/groups/", {"name": name})
    assert_error(e, 409)
    for bad in ("", "x/y"):
        with pytest.raises(DssError) as e:
            admin.post("/admin/groups/", {"name": bad})
        assert_error(e, 400)
    with pytest.raises(DssError) as e:
        admin.post("/admin/groups/", {"name": unique("g"), "admin": "yes"})
    assert "'admin'" in assert_error(e, 400)["message"]
    g = admin.get("/admin/groups/%s" % name)
    g["mayWriteSafeCode"] = 1
    with pytest.raises(DssError) as e:
        admin.put("/admin/groups/%s" % name, g)
    assert "'mayWriteSafeCode'" in assert_error(e, 400)["message"]
    for m in ("GET", "PUT", "DELETE"):
        r = admin.raw(m, "/admin/groups/nope_%s" % name, body={} if m == "PUT" else None)
        assert_error(r, 404, NOT_FOUND)


def test_non_admin_is_refused_admin_routes(server, admin):
    login = new_user(admin)
    uc = personal_client(server, admin, login)
    for m, p in (("GET", "/admin/users/"), ("POST", "/admin/users/"), ("GET", "/admin/users/admin"),
                 ("PUT", "/admin/users/admin"), ("DELETE", "/admin/users/admin"),
                 ("POST", "/admin/users/actions/bulk"), ("GET", "/admin/users-activity"),
                 ("GET", "/admin/groups/"), ("POST", "/admin/groups/"), ("DELETE", "/admin/groups/administrators"),
                 ("GET", "/admin/global-api-keys/"), ("GET", "/admin/personal-api-keys/")):
        r = uc.raw(m, p, body={"login": "zz", "name": "zz"} if m in ("POST", "PUT") else None)
        assert_error(r, 403, UNAUTHORIZED)
        assert "passwordHash" not in r.text
    assert "zz" not in [x["login"] for x in admin.get("/admin/users/")]
    assert "administrators" in [g["name"] for g in admin.get("/admin/groups/")]
    # public listings work and carry no settings
    assert all(set(u) == {"login", "displayName", "groups", "email", "enabled"} for u in uc.get("/users"))


def test_proxy_user_impersonation(server, admin):
    login = new_user(admin)
    as_user = server.client(headers={"X-DKU-ProxyUser": login})
    info = as_user.get("/auth/info")
    assert info["authIdentifier"] == login and info["isAdmin"] is False
    assert_error(as_user.raw("GET", "/admin/users/"), 403)
    r = server.client(headers={"X-DKU-ProxyUser": "ghost_user"}).raw("GET", "/auth/info")
    assert_error(r, 404)
    uc = personal_client(server, admin, login)
    other = new_user(admin)
    r = uc.raw("GET", "/auth/info", headers={"X-DKU-ProxyUser": other})
    assert_error(r, 403, UNAUTHORIZED)
