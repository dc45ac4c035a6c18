"""Durability: everything acknowledged survives a SIGKILL and a restart on the same data dir."""
import signal

from conftest import DssServer, unique


def test_state_survives_sigkill():
    s = DssServer().start()
    try:
        c = s.client()
        folder = c.post("/project-folders/ROOT/children", params={"name": "kept"})
        sub = c.post("/project-folders/%s/children" % folder["id"], params={"name": "sub"})
        c.put("/project-folders/%s/settings" % folder["id"],
              {"name": "kept2", "owner": "admin",
               "permissions": [{"group": "administrators", "read": True}]})
        keys = []
        for i in range(3):
            key = unique("RST")
            keys.append(key)
            c.post("/projects/", {"projectKey": key, "name": "n%d" % i, "tags": ["t%d" % i],
                                  "permissions": []},
                   params={"projectFolderId": sub["id"]} if i == 0 else None)
        k0 = keys[0]
        c.put("/projects/%s/variables/" % k0, {"standard": {"a": 1, "s": "x"}, "local": {"l": [1]}})
        c.put("/projects/%s/permissions" % k0,
              {"owner": "admin", "permissions": [{"group": "administrators", "runScenarios": True}]})
        meta = c.get("/projects/%s/metadata" % k0)
        meta["label"] = "relabelled"
        meta["custom"]["kv"]["k"] = "v"
        c.put("/projects/%s/metadata" % k0, meta)
        st = c.get("/projects/%s/settings" % k0)
        st["settings"]["container"] = {"containerMode": "NONE"}
        st["extra"] = {"kept": True}
        c.put("/projects/%s/settings" % k0, st)
        c.put("/projects/%s/tags" % k0, {"tags": {"t0": {"color": "#123456"}}})
        c.delete("/projects/%s" % keys[2])
        timeline = c.get("/projects/%s/timeline" % k0)
        before = {
            "list": sorted(p["projectKey"] for p in c.get("/projects/")),
            "vars": c.get("/projects/%s/variables/" % k0),
            "perms": c.get("/projects/%s/permissions" % k0),
            "meta": c.get("/projects/%s/metadata" % k0),
            "settings": c.get("/projects/%s/settings" % k0),
            "tags": c.get("/projects/%s/tags" % k0),
            "folder": c.get("/project-folders/%s" % folder["id"]),
            "folder_settings": c.get("/project-folders/%s/settings" % folder["id"]),
            "locate": c.get("/project-folders/locate-project/%s" % k0),
        }

        s.stop(sig=signal.SIGKILL)
        s.start()
        c = s.client()
        after = {
            "list": sorted(p["projectKey"] for p in c.get("/projects/")),
            "vars": c.get("/projects/%s/variables/" % k0),
            "perms": c.get("/projects/%s/permissions" % k0),
            "meta": c.get("/projects/%s/metadata" % k0),
            "settings": c.get("/projects/%s/settings" % k0),
            "tags": c.get("/projects/%s/tags" % k0),
            "folder": c.get("/project-folders/%s" % folder["id"]),
            "folder_settings": c.get("/project-folders/%s/settings" % folder["id"]),
            "locate": c.get("/project-folders/locate-project/%s" % k0),
        }
        assert after == before
        assert keys[0] in after["list"] and keys[1] in after["list"]
        assert keys[2] not in after["list"]
        assert after["meta"]["label"] == "relabelled"
        assert after["settings"]["extra"] == {"kept": True}
        assert after["locate"]["id"] == sub["id"]
        assert c.get("/projects/%s/timeline" % k0)["items"] == timeline["items"]
        # the same admin key still works, and the server accepts writes again
        c.put("/projects/%s/variables/" % k0, {"standard": {}, "local": {}})
        assert c.get("/projects/%s/variables/" % k0) == {"standard": {}, "local": {}}
    finally:
        s.cleanup()
