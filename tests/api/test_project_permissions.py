"""Project and project-folder permissions end to end, with real users and personal keys:
what permission entries grant, owner rights, and folder visibility (semantics.md §1.3, §1.4)."""
import pytest

from conftest import DssError, DssServer, UNAUTHORIZED, assert_error


@pytest.fixture(scope="module")
def env():
    s = DssServer().start()
    admin = s.client()
    for key, perms in (("PERM_A", [{"group": "analysts", "readProjectContent": True}]),
                       ("PERM_B", []), ("PERM_C", [])):
        admin.post("/projects/", {"projectKey": key, "name": key, "permissions": perms})
    admin.post("/admin/groups/", {"name": "analysts"})
    admin.post("/admin/groups/", {"name": "creators", "mayCreateProjects": True})
    clients = {"admin": admin}
    for login, groups in (("alice", ["analysts"]), ("bob", []), ("carol", ["creators"])):
        admin.post("/admin/users/", {"login": login, "password": "pw", "groups": groups})
        k = admin.post("/admin/personal-api-keys/", {"user": login, "label": "t", "description": ""})
        clients[login] = s.client(k["key"])
    yield clients
    assert s.cleanup() == 0


def forbidden(fn, *a, **kw):
    with pytest.raises(DssError) as e:
        fn(*a, **kw)
    return assert_error(e, 403, UNAUTHORIZED)


def test_read_grant_from_group(env):
    alice = env["alice"]
    keys = [p["projectKey"] for p in alice.get("/projects/")]
    assert "PERM_A" in keys and "PERM_B" not in keys
    assert alice.get("/projects/PERM_A")["projectKey"] == "PERM_A"
    assert alice.get("/projects/PERM_A/variables/") == {"standard": {}, "local": {}}
    body = forbidden(alice.get, "/projects/PERM_B")
    assert "PERM_B" in body["message"]
    forbidden(alice.put, "/projects/PERM_A/variables/", {"standard": {"x": 1}, "local": {}})
    forbidden(alice.get, "/projects/PERM_A/metadata")
    forbidden(alice.get, "/projects/PERM_A/permissions")
    forbidden(alice.delete, "/projects/PERM_A")
    # an unknown project looks the same as an inaccessible one to non-admins
    forbidden(alice.get, "/projects/NO_SUCH_PROJECT")


def test_user_entry_grants_write_and_timeline_names_contributor(env):
    admin, alice = env["admin"], env["alice"]
    perms = admin.get("/projects/PERM_A/permissions")
    perms["permissions"].append({"user": "alice", "writeProjectContent": True})
    admin.put("/projects/PERM_A/permissions", perms)
    alice.put("/projects/PERM_A/variables/", {"standard": {"by": "alice"}, "local": {}})
    alice.put("/projects/PERM_A/tags", {"tags": {"x": {"color": "#000000"}}})
    forbidden(alice.get, "/projects/PERM_A/settings")
    tl = admin.get("/projects/PERM_A/timeline")
    assert tl["items"][0]["user"] == "alice"
    assert tl["lastModifiedBy"] == "alice"
    assert {c["login"] for c in tl["allContributors"]} >= {"alice", "admin"}
    # revoking takes effect at once
    perms["permissions"] = [p for p in perms["permissions"] if p.get("user") != "alice"]
    admin.put("/projects/PERM_A/permissions", perms)
    forbidden(alice.put, "/projects/PERM_A/variables/", {"standard": {}, "local": {}})


def test_owner_is_project_admin(env):
    admin, bob = env["admin"], env["bob"]
    forbidden(bob.get, "/projects/PERM_C")
    admin.put("/projects/PERM_C/permissions", {"owner": "bob", "permissions": []})
    assert bob.get("/projects/PERM_C/permissions")["owner"] == "bob"
    s = bob.get("/projects/PERM_C/settings")
    bob.put("/projects/PERM_C/settings", s)
    m = bob.get("/projects/PERM_C/metadata")
    m["label"] = "bob's"
    bob.put("/projects/PERM_C/metadata", m)
    assert "PERM_C" in [p["projectKey"] for p in bob.get("/projects/")]
    res = bob.delete("/projects/PERM_C")
    assert res["result"]["success"]
    with pytest.raises(DssError) as e:
        admin.get("/projects/PERM_C")
    assert_error(e, 404)


def test_project_creation_rights_and_folders(env):
    admin, carol, alice = env["admin"], env["carol"], env["alice"]
    forbidden(alice.post, "/projects/", {"projectKey": "ALICE_P", "name": "x"})
    carol.post("/projects/", {"projectKey": "CAROL_P", "name": "x"})
    assert carol.get("/projects/CAROL_P/permissions")["owner"] == "carol"
    f = admin.post("/project-folders/ROOT/children", params={"name": "team"})
    forbidden(carol.post, "/projects/", {"projectKey": "CAROL_Q", "name": "x"},
              params={"projectFolderId": f["id"]})
    with pytest.raises(DssError):
        carol.get("/projects/CAROL_Q")
    forbidden(carol.post, "/project-folders/%s/children" % f["id"], params={"name": "sub"})
    # default folder for carol from `team` is ROOT (she may not write into team)
    settings = admin.get("/project-folders/%s/settings" % f["id"])
    settings["permissions"] = [{"group": "creators", "read": True}]
    admin.put("/project-folders/%s/settings" % f["id"], settings)
    assert carol.get("/project-folders/%s/default-for-project-creation" % f["id"])["id"] == "ROOT"
    settings["permissions"] = [{"group": "creators", "read": True, "writeContents": True}]
    admin.put("/project-folders/%s/settings" % f["id"], settings)
    assert carol.get("/project-folders/%s/default-for-project-creation" % f["id"])["id"] == f["id"]
    carol.post("/projects/", {"projectKey": "CAROL_Q", "name": "x"},
               params={"projectFolderId": f["id"]})
    assert carol.get("/project-folders/locate-project/CAROL_Q")["id"] == f["id"]
    sub = carol.post("/project-folders/%s/children" % f["id"], params={"name": "sub"})
    # carol owns `sub`: she may rename and delete it, but not administer `team`
    forbidden(carol.get, "/project-folders/%s/settings" % f["id"])
    carol.put("/project-folders/%s/settings" % sub["id"], {"name": "sub2"})
    carol.delete("/project-folders/%s" % sub["id"])


def test_folders_list_only_readable_projects(env):
    admin, alice = env["admin"], env["alice"]
    f = admin.post("/project-folders/ROOT/children", params={"name": "mixed"})
    hidden = admin.post("/project-folders/ROOT/children", params={"name": "hidden"})
    for key in ("PERM_A", "PERM_B"):
        admin.post("/project-folders/ROOT/projects/%s/move" % key, params={"destination": f["id"]})
    assert sorted(admin.get("/project-folders/%s" % f["id"])["projectKeys"]) == ["PERM_A", "PERM_B"]
    forbidden(alice.get, "/project-folders/%s" % f["id"])
    admin.put("/project-folders/%s/settings" % f["id"],
              {"permissions": [{"group": "analysts", "read": True}]})
    seen = alice.get("/project-folders/%s" % f["id"])
    assert seen["projectKeys"] == ["PERM_A"]
    root = alice.get("/project-folders/ROOT")
    assert f["id"] in root["childrenIds"] and hidden["id"] not in root["childrenIds"]
    # alice may read PERM_A but not move it (needs project admin)
    forbidden(alice.post, "/project-folders/%s/projects/PERM_A/move" % f["id"],
              params={"destination": "ROOT"})
    assert alice.get("/project-folders/locate-project/PERM_A")["id"] == f["id"]
    forbidden(alice.get, "/project-folders/locate-project/PERM_B")
    forbidden(alice.delete, "/project-folders/%s" % hidden["id"])
