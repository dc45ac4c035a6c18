"""dsscli: administration from the command line while the server runs on the same data dir."""
import json
import os
import subprocess
import time

import pytest

from conftest import DSSD_BIN, UNAUTHORIZED, assert_error, unique

DSSCLI_BIN = os.environ.get("DSSCLI_BIN") or os.path.join(os.path.dirname(DSSD_BIN), "dsscli")


def cli(server, *args, expect=0):
    p = subprocess.run([DSSCLI_BIN, "--data-dir", server.data_dir] + list(args),
                       capture_output=True, text=True, timeout=60)
    assert p.returncode == expect, (args, p.returncode, p.stdout, p.stderr)
    return json.loads(p.stdout) if expect == 0 else p.stderr


def test_key_created_by_cli_works_at_once(server, admin):
    k = cli(server, "api-key-create", "--admin", "--label", "from cli", "--description", "d")
    assert k["id"] and k["key"] and k["label"] == "from cli" and k["globalPermissions"]["admin"] is True
    c = server.client(k["key"])
    assert c.get("/auth/info")["authIdentifier"] == k["id"]  # first request after the commit
    c.get("/admin/users/")
    listed = admin.get("/admin/global-api-keys/")
    assert k["id"] in [x["id"] for x in listed]
    assert k["key"] not in json.dumps(listed)
    ids = [x["id"] for x in cli(server, "api-keys-list")]
    assert k["id"] in ids
    assert k["key"] not in json.dumps(cli(server, "api-keys-list"))
    assert cli(server, "api-key-delete", k["id"]) == {"deleted": k["id"]}
    # The server notices foreign commits on reads at most every ~200 ms.
    deadline = time.time() + 2
    r = c.raw("GET", "/auth/info")
    while r.status_code == 200 and time.time() < deadline:
        time.sleep(0.05)
        r = c.raw("GET", "/auth/info")
    assert_error(r, 401, UNAUTHORIZED)
    err = cli(server, "api-key-delete", k["id"], expect=1)
    assert "does not exist" in err


def test_non_admin_cli_key_and_permission_flags(server):
    k = cli(server, "api-key-create", "--may-create-projects")
    c = server.client(k["key"])
    assert_error(c.raw("GET", "/admin/users/"), 403)
    c.post("/projects/", {"projectKey": unique("CLI"), "name": "x"})


def test_users_and_groups_from_cli(server, admin):
    g = unique("cg")
    grp = cli(server, "group-create", g, "--may-create-projects", "--description", "from cli")
    assert grp["name"] == g and grp["mayCreateProjects"] is True and grp["admin"] is False
    login = unique("cu")
    u = cli(server, "user-create", login, "--password", "pw1", "--display-name", "CLI user", "--group", g)
    assert u["login"] == login and u["groups"] == [g] and "passwordHash" not in u
    assert login in [x["login"] for x in cli(server, "users-list")]
    # visible to the running server, the personal key acts as the user
    deadline = time.time() + 5
    while login not in [x["login"] for x in admin.get("/admin/users/")] and time.time() < deadline:
        time.sleep(0.05)
    assert admin.get("/admin/users/%s" % login)["displayName"] == "CLI user"
    assert g in [x["name"] for x in admin.get("/admin/groups/")]
    pk = cli(server, "api-key-create", "--user", login, "--label", "personal")
    c = server.client(pk["key"])
    info = c.get("/auth/info")
    assert info["authIdentifier"] == login and g in info["groups"]
    c.post("/projects/", {"projectKey": unique("CU"), "name": "x"})
    # errors: duplicate user, unknown group, bad flags
    assert "already exists" in cli(server, "user-create", login, expect=1)
    assert "does not exist" in cli(server, "user-create", unique("cu"), "--group", "nope_group", expect=1)
    assert "usage" in cli(server, "api-key-create", "--user", login, "--admin", expect=2)
    assert "usage" in cli(server, "no-such-command", expect=2)
    assert "usage" in cli(server, "user-create", expect=2)


def test_cli_refuses_a_non_data_dir(tmp_path):
    p = subprocess.run([DSSCLI_BIN, "--data-dir", str(tmp_path / "nothing"), "users-list"],
                       capture_output=True, text=True, timeout=60)
    assert p.returncode == 1 and "not a dssd data directory" in p.stderr
    assert not (tmp_path / "nothing").exists()
