"""Project folders (spec endpoints.md §3.2)."""
import pytest

from conftest import DssError, NOT_FOUND, assert_error, unique


def new_project(admin, folder=None):
    key = unique("PF")
    params = {"projectFolderId": folder} if folder else None
    admin.post("/projects/", {"projectKey": key, "name": key, "permissions": [], "tags": []},
               params=params)
    return key


def test_root_always_exists(admin):
    root = admin.get("/project-folders/ROOT")
    assert root["id"] == "ROOT"
    assert root.get("parentId") is None
    assert isinstance(root["childrenIds"], list) and isinstance(root["projectKeys"], list)


def test_create_get_children_and_unique_names(admin):
    name = unique("f")
    child = admin.post("/project-folders/ROOT/children", params={"name": name})
    assert child["name"] == name and child["parentId"] == "ROOT"
    assert child["childrenIds"] == [] and child["projectKeys"] == []
    assert child["id"] in admin.get("/project-folders/ROOT")["childrenIds"]
    assert admin.get("/project-folders/%s" % child["id"]) == child
    with pytest.raises(DssError) as e:
        admin.post("/project-folders/ROOT/children", params={"name": name})
    assert_error(e, 409)
    with pytest.raises(DssError) as e:
        admin.post("/project-folders/ROOT/children")
    assert "name" in assert_error(e, 400)["message"]
    with pytest.raises(DssError) as e:
        admin.post("/project-folders/NOPE/children", params={"name": "x"})
    assert_error(e, 404, NOT_FOUND)
    # same name under another parent is fine
    sub = admin.post("/project-folders/%s/children" % child["id"], params={"name": name})
    assert sub["parentId"] == child["id"]


def test_projects_placed_located_and_moved(admin):
    f1 = admin.post("/project-folders/ROOT/children", params={"name": unique("f")})
    f2 = admin.post("/project-folders/ROOT/children", params={"name": unique("f")})
    in_root = new_project(admin)
    in_f1 = new_project(admin, folder=f1["id"])
    assert admin.get("/project-folders/locate-project/%s" % in_root)["id"] == "ROOT"
    assert in_root in admin.get("/project-folders/ROOT")["projectKeys"]
    loc = admin.get("/project-folders/locate-project/%s" % in_f1)
    assert loc["id"] == f1["id"] and in_f1 in loc["projectKeys"]
    assert in_f1 not in admin.get("/project-folders/ROOT")["projectKeys"]
    with pytest.raises(DssError) as e:
        admin.post("/projects/", {"projectKey": unique("PF"), "name": "x"},
                   params={"projectFolderId": "NOPE"})
    assert_error(e, 404)

    admin.post("/project-folders/%s/projects/%s/move" % (f1["id"], in_f1),
               params={"destination": f2["id"]})
    assert admin.get("/project-folders/locate-project/%s" % in_f1)["id"] == f2["id"]
    assert admin.get("/project-folders/%s" % f1["id"])["projectKeys"] == []
    # wrong source folder
    with pytest.raises(DssError) as e:
        admin.post("/project-folders/%s/projects/%s/move" % (f1["id"], in_f1),
                   params={"destination": "ROOT"})
    assert_error(e, 400)
    with pytest.raises(DssError) as e:
        admin.post("/project-folders/%s/projects/%s/move" % (f2["id"], in_f1),
                   params={"destination": "NOPE"})
    assert_error(e, 404)
    assert admin.get("/project-folders/locate-project/%s" % in_f1)["id"] == f2["id"]
    tl = admin.get("/projects/%s/timeline" % in_f1)["items"]
    assert tl[0]["action"] == "PROJECT_MOVE"


def test_delete_only_empty_and_never_root(admin):
    f = admin.post("/project-folders/ROOT/children", params={"name": unique("f")})
    sub = admin.post("/project-folders/%s/children" % f["id"], params={"name": "sub"})
    with pytest.raises(DssError) as e:
        admin.delete("/project-folders/%s" % f["id"])
    assert "not empty" in assert_error(e, 400)["message"]
    key = new_project(admin, folder=sub["id"])
    with pytest.raises(DssError) as e:
        admin.delete("/project-folders/%s" % sub["id"])
    assert "not empty" in assert_error(e, 400)["message"]
    admin.delete("/projects/%s" % key)
    admin.delete("/project-folders/%s" % sub["id"])
    admin.delete("/project-folders/%s" % f["id"])
    with pytest.raises(DssError) as e:
        admin.get("/project-folders/%s" % f["id"])
    assert_error(e, 404, NOT_FOUND)
    with pytest.raises(DssError) as e:
        admin.delete("/project-folders/ROOT")
    assert_error(e, 400)
    assert admin.get("/project-folders/ROOT")["id"] == "ROOT"


def test_settings(admin):
    f = admin.post("/project-folders/ROOT/children", params={"name": unique("f")})
    other = admin.post("/project-folders/ROOT/children", params={"name": unique("f")})
    s = admin.get("/project-folders/%s/settings" % f["id"])
    assert s["owner"] == "admin" and s["name"] == f["name"] and s["permissions"] == []
    s["name"] = "renamed_" + f["id"]
    s["permissions"] = [{"group": "administrators", "read": True, "writeContents": True}]
    admin.put("/project-folders/%s/settings" % f["id"], s)
    s2 = admin.get("/project-folders/%s/settings" % f["id"])
    assert s2["name"] == s["name"]
    assert s2["permissions"][0]["group"] == "administrators"
    assert s2["permissions"][0]["writeContents"] is True
    assert s2["permissions"][0]["admin"] is False
    assert admin.get("/project-folders/%s" % f["id"])["name"] == s["name"]
    for bad, status in (({"name": other["name"]}, 409), ({"owner": "nobody_x"}, 404),
                        ({"permissions": [{"read": True}]}, 400),
                        ({"permissions": [{"group": "g", "read": "yes"}]}, 400),
                        ({"name": 5}, 400), ({"name": "a/b"}, 400)):
        with pytest.raises(DssError) as e:
            admin.put("/project-folders/%s/settings" % f["id"], bad)
        assert_error(e, status)
    assert admin.get("/project-folders/%s/settings" % f["id"]) == s2


def test_move_folder_no_cycles(admin):
    a = admin.post("/project-folders/ROOT/children", params={"name": unique("a")})
    b = admin.post("/project-folders/%s/children" % a["id"], params={"name": "b"})
    c = admin.post("/project-folders/%s/children" % b["id"], params={"name": "c"})
    for dest in (a["id"], b["id"], c["id"]):
        with pytest.raises(DssError) as e:
            admin.post("/project-folders/%s/move" % a["id"], params={"destination": dest})
        assert_error(e, 400)
    with pytest.raises(DssError) as e:
        admin.post("/project-folders/ROOT/move", params={"destination": a["id"]})
    assert_error(e, 400)
    admin.post("/project-folders/%s/move" % c["id"], params={"destination": "ROOT"})
    assert admin.get("/project-folders/%s" % c["id"])["parentId"] == "ROOT"
    assert c["id"] not in admin.get("/project-folders/%s" % b["id"])["childrenIds"]
    assert c["id"] in admin.get("/project-folders/ROOT")["childrenIds"]


def test_default_for_project_creation(admin):
    a = admin.post("/project-folders/ROOT/children", params={"name": unique("a")})
    d = admin.get("/project-folders/%s/default-for-project-creation" % a["id"])
    assert d["id"] == a["id"]  # admin may write anywhere
    with pytest.raises(DssError) as e:
        admin.get("/project-folders/NOPE/default-for-project-creation")
    assert_error(e, 404)
