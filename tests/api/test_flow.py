"""Flow graph and flow zones (endpoints.md §3.10), driven like dataikuapi's DSSProjectFlow."""
import json

import pytest

from conftest import DssError, NOT_FOUND, assert_error


def make_dataset(admin, project, name, columns=(("id", "int"), ("v", "string"))):
    admin.post("/projects/%s/datasets/managed" % project,
               {"name": name, "creationSettings": {"connectionId": "filesystem_managed",
                                                   "specificSettings": {"formatOptionId": "CSV_EXCEL_GZIP"}}})
    admin.put("/projects/%s/datasets/%s/schema" % (project, name),
              {"columns": [{"name": n, "type": t} for n, t in columns]})


def make_sync(admin, project, name, src, dst):
    return admin.post("/projects/%s/recipes/" % project, {
        "recipePrototype": {"type": "sync", "name": name, "projectKey": project,
                            "inputs": {"main": {"items": [{"ref": src}]}},
                            "outputs": {"main": {"items": [{"ref": dst, "appendMode": False}]}}},
        "creationSettings": {"createOutputDataset": None, "outputDatasetSettings": None,
                             "createOutputFolder": None, "outputFolderSettings": None}})


@pytest.fixture
def chain(admin, project):
    """a -> r1 -> b -> r2 -> c, plus an isolated dataset d."""
    for n in ("a", "b", "c", "d"):
        make_dataset(admin, project, n)
    make_sync(admin, project, "r1", "a", "b")
    make_sync(admin, project, "r2", "b", "c")
    return project


def test_graph_nodes_by_plain_name(admin, chain):
    g = admin.get("/projects/%s/flow/graph/" % chain)
    nodes = g["nodes"]
    assert set(nodes) == {"a", "b", "c", "d", "r1", "r2"}
    assert nodes["a"] == {"type": "COMPUTABLE_DATASET", "ref": "a", "predecessors": [], "successors": ["r1"]}
    assert nodes["r1"]["type"] == "RUNNABLE_RECIPE"
    assert nodes["r1"]["predecessors"] == ["a"] and nodes["r1"]["successors"] == ["b"]
    assert nodes["b"]["predecessors"] == ["r1"] and nodes["b"]["successors"] == ["r2"]
    assert nodes["c"]["successors"] == [] and nodes["d"]["predecessors"] == []
    # What DSSRecipe.run does: the first successor of the recipe is the job output.
    assert nodes[nodes["r2"]["successors"][0]]["type"] == "COMPUTABLE_DATASET"


def test_graph_unknown_project(admin):
    with pytest.raises(DssError) as e:
        admin.get("/projects/NOPE_NOT_THERE/flow/graph/")
    assert e.value.status in (403, 404)


def test_cycle_is_refused(admin, chain):
    # c -> a would close a -> b -> c -> a.
    with pytest.raises(DssError) as e:
        make_sync(admin, chain, "r3", "c", "a")
    body = assert_error(e, 400)
    assert "cycle" in body["message"]
    assert "r3" not in admin.get("/projects/%s/flow/graph/" % chain)["nodes"]
    # Saving an existing recipe into a cycle is refused too, and leaves it unchanged.
    s = admin.get("/projects/%s/recipes/r1" % chain)
    s["recipe"]["inputs"]["main"]["items"] = [{"ref": "c", "deps": []}]
    with pytest.raises(DssError) as e:
        admin.put("/projects/%s/recipes/r1" % chain, s)
    assert_error(e, 400)
    assert admin.get("/projects/%s/recipes/r1" % chain)["recipe"]["inputs"]["main"]["items"][0]["ref"] == "a"


def test_default_zone_holds_everything(admin, chain):
    zones = admin.get("/projects/%s/flow/zones" % chain)
    assert zones[0]["id"] == "default"
    d = admin.get("/projects/%s/flow/zones/default" % chain)
    assert {"objectId": "a", "objectType": "DATASET"} in d["items"]
    assert {"objectId": "r1", "objectType": "RECIPE"} in d["items"]
    for k in ("id", "name", "color", "items", "shared"):
        assert k in d


def test_zone_lifecycle_and_exact_item_serialisation(admin, chain):
    z = admin.post("/projects/%s/flow/zones" % chain, {"name": "Prep", "color": "#ff0000"})
    zid = z["id"]
    assert z["name"] == "Prep" and z["color"] == "#ff0000" and z["items"] == [] and z["shared"] == []
    # add_item: one smart ref; the zone comes back.
    z = admin.post("/projects/%s/flow/zones/%s/items" % (chain, zid), {"objectId": "a", "objectType": "DATASET"})
    # get_zone_of_object compares json.dumps of the client's ref with the item's.
    client_ref = {"objectId": "a", "objectType": "DATASET"}
    raw = admin.raw("GET", "/projects/%s/flow/zones/%s" % (chain, zid)).json()
    assert [json.dumps(i) for i in raw["items"]] == [json.dumps(client_ref)]
    # add_items: several; moving twice does not duplicate.
    z = admin.post("/projects/%s/flow/zones/%s/add-items" % (chain, zid),
                   [{"objectId": "r1", "objectType": "RECIPE"}, {"objectId": "a", "objectType": "DATASET"}])
    assert [json.dumps(i) for i in z["items"]] == [json.dumps(client_ref),
                                                   json.dumps({"objectId": "r1", "objectType": "RECIPE"})]
    d = admin.get("/projects/%s/flow/zones/default" % chain)
    assert client_ref not in d["items"]
    assert {"objectId": "b", "objectType": "DATASET"} in d["items"]
    # Moving to another zone takes it out of the first.
    z2 = admin.post("/projects/%s/flow/zones" % chain, {"name": "Other"})
    assert z2["color"] == "#2ab1ac"
    admin.post("/projects/%s/flow/zones/%s/items" % (chain, z2["id"]), {"objectId": "r1", "objectType": "RECIPE"})
    assert admin.get("/projects/%s/flow/zones/%s" % (chain, zid))["items"] == [client_ref]
    # Shared objects.
    z = admin.post("/projects/%s/flow/zones/%s/shared" % (chain, zid), {"objectId": "b", "objectType": "DATASET"})
    assert z["shared"] == [{"objectId": "b", "objectType": "DATASET"}]
    g = admin.get("/projects/%s/flow/zones/%s/graph" % (chain, zid))["nodes"]
    assert set(g) == {"a", "b"}
    assert g["a"]["successors"] == []  # r1 is not in the zone
    z = admin.delete("/projects/%s/flow/zones/%s/shared/DATASET/b" % (chain, zid))
    assert z["shared"] == []
    with pytest.raises(DssError) as e:
        admin.delete("/projects/%s/flow/zones/%s/shared/DATASET/b" % (chain, zid))
    assert_error(e, 404)
    # Settings save (DSSFlowZoneSettings.save sends the whole zone back).
    raw["name"] = "Preparation"
    raw["color"] = "#00ff00"
    admin.put("/projects/%s/flow/zones/%s" % (chain, zid), raw)
    z = admin.get("/projects/%s/flow/zones/%s" % (chain, zid))
    assert z["name"] == "Preparation" and z["color"] == "#00ff00" and z["items"] == [client_ref]
    # Delete: items fall back to the default zone.
    admin.delete("/projects/%s/flow/zones/%s" % (chain, zid))
    with pytest.raises(DssError) as e:
        admin.get("/projects/%s/flow/zones/%s" % (chain, zid))
    assert_error(e, 404, NOT_FOUND)
    assert client_ref in admin.get("/projects/%s/flow/zones/default" % chain)["items"]


def test_zone_errors(admin, chain):
    z = admin.post("/projects/%s/flow/zones" % chain, {"name": "E"})
    with pytest.raises(DssError) as e:
        admin.post("/projects/%s/flow/zones/%s/items" % (chain, z["id"]), {"objectId": "ghost", "objectType": "DATASET"})
    assert_error(e, 404)
    with pytest.raises(DssError) as e:
        admin.post("/projects/%s/flow/zones/%s/items" % (chain, z["id"]), {"objectId": "a", "objectType": "BOGUS"})
    assert_error(e, 400)
    with pytest.raises(DssError) as e:
        admin.post("/projects/%s/flow/zones" % chain, {"color": "#000000"})
    assert_error(e, 400)
    with pytest.raises(DssError) as e:
        admin.delete("/projects/%s/flow/zones/default" % chain)
    assert_error(e, 400)
    assert admin.get("/projects/%s/flow/zones/%s" % (chain, z["id"]))["items"] == []


def test_rename_and_delete_recipe_follow_zones(admin, chain):
    z = admin.post("/projects/%s/flow/zones" % chain, {"name": "R"})
    admin.post("/projects/%s/flow/zones/%s/items" % (chain, z["id"]), {"objectId": "r2", "objectType": "RECIPE"})
    admin.post("/projects/%s/actions/renameRecipe" % chain, {"oldName": "r2", "newName": "r2b"})
    assert admin.get("/projects/%s/flow/zones/%s" % (chain, z["id"]))["items"] == [{"objectId": "r2b", "objectType": "RECIPE"}]
    g = admin.get("/projects/%s/flow/graph/" % chain)["nodes"]
    assert "r2" not in g and g["b"]["successors"] == ["r2b"]
    admin.delete("/projects/%s/recipes/r2b" % chain)
    assert admin.get("/projects/%s/flow/zones/%s" % (chain, z["id"]))["items"] == []
    assert admin.get("/projects/%s/flow/graph/" % chain)["nodes"]["c"]["predecessors"] == []
