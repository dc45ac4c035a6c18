"""Connections: /admin/connections/*, /connections/get-names, /connections/{name}/info."""
import json
import os

import pytest

from conftest import DssError, ILLEGAL_ARGUMENT, UNAUTHORIZED, assert_error, unique

MASK = "**********"


def pg_def(name, password="s3cret-pw", **params):
    p = {"host": "127.0.0.1", "port": 5432, "db": "dss", "user": "dss", "password": password}
    p.update(params)
    return {"name": name, "type": "PostgreSQL", "params": p, "description": "pg",
            "usableBy": "ALL", "allowedGroups": []}


def non_admin_key(admin, groups=()):
    body = {"label": "na", "description": "", "globalPermissions": {"admin": False}}
    if groups:
        body = {"label": "na", "description": "", "groups": list(groups)}
    return admin.post("/admin/global-api-keys/", body)["key"]


def test_builtin_connections_exist(server, admin):
    conns = admin.get("/admin/connections/")
    assert isinstance(conns, dict)
    for name, sub in (("filesystem_managed", "managed_datasets"), ("filesystem_folders", "managed_folders")):
        item = conns[name]
        assert item["name"] == name and item["id"] == name
        assert item["type"] == "Filesystem" and item["label"] == "Filesystem"
        assert item["params"]["root"] == os.path.join(os.path.realpath(server.data_dir), sub) or \
            item["params"]["root"] == os.path.join(server.data_dir, sub)
    assert conns["filesystem_managed"]["allowManagedDatasets"] is True
    assert conns["filesystem_folders"]["allowManagedFolders"] is True


def test_create_get_update_delete_postgres(admin):
    name = unique("pg")
    admin.post("/admin/connections/", pg_def(name))
    d = admin.get("/admin/connections/%s" % name)
    assert d["type"] == "PostgreSQL"
    assert d["params"]["host"] == "127.0.0.1" and d["params"]["port"] == 5432
    assert d["params"]["password"] == MASK
    assert "s3cret-pw" not in json.dumps(admin.get("/admin/connections/"))
    assert "s3cret-pw" not in json.dumps(d)
    # Round trip of the masked value and omission both keep the stored password
    d["description"] = "edited"
    admin.put("/admin/connections/%s" % name, d)
    d2 = admin.get("/admin/connections/%s" % name)
    assert d2["description"] == "edited" and d2["params"]["password"] == MASK
    del d2["params"]["password"]
    admin.put("/admin/connections/%s" % name, d2)
    assert admin.get("/admin/connections/%s" % name)["params"]["password"] == MASK
    # a new password replaces it (still masked)
    d2["params"]["password"] = "other"
    admin.put("/admin/connections/%s" % name, d2)
    info = admin.get("/connections/%s/info" % name)
    assert info["type"] == "PostgreSQL"
    assert "password" not in info["params"] and "password" not in json.dumps(info).lower().replace("password\"", "")
    assert info["params"]["db"] == "dss"
    assert name in admin.get("/connections/get-names", params={"type": "PostgreSQL"})
    assert name in admin.get("/connections/get-names", params={"type": "all"})
    assert name not in admin.get("/connections/get-names", params={"type": "Filesystem"})
    assert "filesystem_managed" in admin.get("/connections/get-names", params={"type": "Filesystem"})
    admin.delete("/admin/connections/%s" % name)
    with pytest.raises(DssError) as e:
        admin.get("/admin/connections/%s" % name)
    body = assert_error(e, 404, ILLEGAL_ARGUMENT)
    assert body["detailedMessage"] == "Connection '%s' does not exist" % name


def test_secret_properties_are_masked(admin):
    name = unique("pgp")
    d = pg_def(name, properties=[{"name": "sslpassword", "value": "pp1"},
                                 {"name": "sslmode", "value": "disable"},
                                 {"name": "token", "value": "tok", "secret": True}])
    admin.post("/admin/connections/", d)
    got = admin.get("/admin/connections/%s" % name)
    text = json.dumps(got)
    assert "pp1" not in text and "tok\"" not in text
    assert {"name": "sslmode", "value": "disable"} in got["params"]["properties"]
    admin.put("/admin/connections/%s" % name, got)
    info = admin.get("/connections/%s/info" % name)
    assert [p["name"] for p in info["params"]["properties"]] == ["sslmode"]


def test_filesystem_connection_validation(admin):
    name = unique("fs")
    with pytest.raises(DssError) as e:
        admin.post("/admin/connections/", {"name": name, "type": "Filesystem", "params": {"root": "relative/dir"}})
    body = assert_error(e, 400, ILLEGAL_ARGUMENT)
    assert "'root'" in body["message"]
    with pytest.raises(DssError) as e:
        admin.post("/admin/connections/", {"name": name, "type": "Filesystem", "params": {}})
    assert "'root'" in assert_error(e, 400)["message"]
    admin.post("/admin/connections/", {"name": name, "type": "Filesystem", "params": {"root": "/tmp/x"}})
    assert admin.get("/admin/connections/%s" % name)["params"]["root"] == "/tmp/x"
    with pytest.raises(DssError) as e:
        admin.post("/admin/connections/", {"name": name, "type": "Filesystem", "params": {"root": "/tmp/y"}})
    assert_error(e, 409)
    assert admin.get("/admin/connections/%s" % name)["params"]["root"] == "/tmp/x"


@pytest.mark.parametrize("params,field", [
    ({"port": 0}, "port"), ({"port": 70000}, "port"), ({"port": "abc"}, "port"), ({"port": 1.5}, "port"),
    ({"host": ""}, "host"), ({"host": 3}, "host"), ({"db": None}, "db"), ({"user": ""}, "user"),
    ({"password": 12}, "password"), ({"properties": "x"}, "properties"),
])
def test_postgres_validation_names_param(admin, params, field):
    name = unique("bad")
    d = pg_def(name)
    d["params"].update(params)
    if params.get("db", 1) is None:
        del d["params"]["db"]
    with pytest.raises(DssError) as e:
        admin.post("/admin/connections/", d)
    body = assert_error(e, 400, ILLEGAL_ARGUMENT)
    assert "'%s'" % field in body["message"], body
    assert name not in admin.get("/admin/connections/")


def test_bad_type_name_and_body(admin):
    with pytest.raises(DssError) as e:
        admin.post("/admin/connections/", {"name": unique("x"), "type": "EC2", "params": {}})
    assert "EC2" in assert_error(e, 400)["message"]
    for bad in ("", "a/b"):
        with pytest.raises(DssError) as e:
            admin.post("/admin/connections/", {"name": bad, "type": "Filesystem", "params": {"root": "/tmp"}})
        assert_error(e, 400)
    r = admin.raw("POST", "/admin/connections/", data="[1,2]")
    assert_error(r, 400)
    with pytest.raises(DssError) as e:
        admin.post("/admin/connections/", {"name": unique("x"), "type": "Filesystem", "params": {"root": "/t"},
                                           "usableBy": "SOME"})
    assert "usableBy" in assert_error(e, 400)["message"]


def test_update_errors(admin):
    name = unique("pgu")
    admin.post("/admin/connections/", pg_def(name))
    d = admin.get("/admin/connections/%s" % name)
    d["name"] = "renamed"
    with pytest.raises(DssError) as e:
        admin.put("/admin/connections/%s" % name, d)
    assert_error(e, 400)
    d["name"] = name
    d["params"]["port"] = -1
    with pytest.raises(DssError) as e:
        admin.put("/admin/connections/%s" % name, d)
    assert "'port'" in assert_error(e, 400)["message"]
    assert admin.get("/admin/connections/%s" % name)["params"]["port"] == 5432
    with pytest.raises(DssError) as e:
        admin.put("/admin/connections/nope_%s" % name, d)
    assert_error(e, 404, ILLEGAL_ARGUMENT)
    with pytest.raises(DssError) as e:
        admin.delete("/admin/connections/nope_%s" % name)
    assert_error(e, 404, ILLEGAL_ARGUMENT)
    with pytest.raises(DssError) as e:
        admin.get("/connections/nope_%s/info" % name)
    assert_error(e, 404, ILLEGAL_ARGUMENT)


def test_builtins_cannot_be_deleted(admin):
    for name in ("filesystem_managed", "filesystem_folders"):
        with pytest.raises(DssError) as e:
            admin.delete("/admin/connections/%s" % name)
        assert "built" in assert_error(e, 400)["message"]
        assert name in admin.get("/admin/connections/")




def test_builtins_recreated_after_restart(fresh_server):
    c = fresh_server.client()
    assert "filesystem_managed" in c.get("/admin/connections/")
    fresh_server.restart()
    c = fresh_server.client()
    assert set(["filesystem_managed", "filesystem_folders"]) <= set(c.get("/admin/connections/"))

def test_non_admin_access(server, admin):
    key = non_admin_key(admin)
    user = server.client(key)
    for method, path in (("GET", "/admin/connections/"), ("GET", "/admin/connections/filesystem_managed"),
                         ("DELETE", "/admin/connections/filesystem_managed")):
        r = user.raw(method, path)
        assert_error(r, 403, UNAUTHORIZED)
    r = user.raw("POST", "/admin/connections/", body={"name": "x", "type": "Filesystem", "params": {"root": "/tmp"}})
    assert_error(r, 403)
    assert "x" not in admin.get("/admin/connections/")
    # Restricted connection: hidden from get-names and its info refused
    name = unique("restricted")
    d = pg_def(name)
    d["usableBy"] = "ALLOWED"
    d["allowedGroups"] = ["administrators"]
    admin.post("/admin/connections/", d)
    assert name not in user.get("/connections/get-names", params={"type": "all"})
    assert "filesystem_managed" in user.get("/connections/get-names", params={"type": "all"})
    r = user.raw("GET", "/connections/%s/info" % name)
    assert_error(r, 403)
    info = user.get("/connections/filesystem_managed/info")
    assert info["type"] == "Filesystem"
