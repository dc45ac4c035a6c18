"""Futures (spec endpoints.md §2.2, §3.8; semantics.md §10)."""
import pytest

from conftest import NOT_FOUND, UNAUTHORIZED, assert_error


def test_unknown_future_is_404(admin):
    r = admin.raw("GET", "/futures/nosuchfuture", params={"peek": False})
    assert_error(r, 404, NOT_FOUND)
    r = admin.raw("DELETE", "/futures/nosuchfuture")
    assert_error(r, 404, NOT_FOUND)


def test_list_futures_is_an_array(admin):
    for params in ({"withScenarios": False, "withNotScenarios": True, "allUsers": False},
                   {"withScenarios": True, "withNotScenarios": False, "allUsers": True}, None):
        out = admin.get("/futures/", params=params)
        assert isinstance(out, list)
        for s in out:
            assert "jobId" in s and s["alive"] is True


def test_bad_boolean_is_400(admin):
    r = admin.raw("GET", "/futures/", params={"allUsers": "maybe"})
    assert_error(r, 400)


def test_futures_need_credentials(server):
    import requests
    r = requests.get(server.url + "/public/api/futures/")
    assert_error(r, 401, UNAUTHORIZED)


def _folder(admin, project, name):
    return admin.post("/projects/%s/managedfolders/" % project, {"name": name})["id"]


def _upload(admin, project, fid, path, data):
    r = admin.raw("POST", "/projects/%s/managedfolders/%s/contents/%s" % (project, fid, path),
                  files={"file": ("", data, {"Expires": "0"})})
    assert r.status_code == 200, r.text


def test_real_task_lifecycle_and_listing(server, admin, project):
    import os
    src = _folder(admin, project, "src")
    dst = _folder(admin, project, "dst")
    # A sparse 2 GB file makes the copy long enough to observe it running and abort it.
    root = os.path.join(server.data_dir, "managed_folders", project, src)
    _upload(admin, project, src, "small.txt", b"x")
    with open(os.path.join(root, "huge.bin"), "wb") as f:
        f.truncate(2 * 1024 ** 3)
    state = admin.post("/projects/%s/managedfolders/%s/actions/copyTo" % (project, src),
                       {"targetProjectKey": project, "targetFolderId": dst, "writeMode": "OVERWRITE"})
    fid = state["jobId"]
    assert state["hasResult"] is False and state["alive"] is True
    listed = admin.get("/futures/", params={"withScenarios": False, "withNotScenarios": True,
                                            "allUsers": False})
    assert fid in [s["jobId"] for s in listed]
    assert fid not in [s["jobId"] for s in admin.get("/futures/", params={"withNotScenarios": False})]
    st = admin.get("/futures/%s" % fid, params={"peek": True})
    assert st["jobId"] == fid and st["hasResult"] is False and "result" not in st
    admin.delete("/futures/%s" % fid)
    # The client polls GET /futures/{id}?peek=False until hasResult; an aborted future must
    # answer with an error so that it stops.
    import time
    deadline = time.time() + 30
    while True:
        r = admin.raw("GET", "/futures/%s" % fid, params={"peek": False})
        if r.status_code >= 400:
            break
        assert r.json()["hasResult"] is False
        assert time.time() < deadline, "abort did not stop the copy"
        time.sleep(0.05)
    body = assert_error(r, 409, "com.dataiku.dip.exceptions.AbortedException")
    assert "aborted" in body["message"]
    assert fid not in [s["jobId"] for s in admin.get("/futures/")]
    # The partial copy never became visible.
    dst_dir = os.path.join(server.data_dir, "managed_folders", project, dst)
    names = os.listdir(dst_dir) if os.path.isdir(dst_dir) else []  # aborted before any file
    assert "huge.bin" not in names and not [n for n in names if n.startswith(".dssd-tmp-")]


def test_failed_task_answers_with_its_error(server, admin, project):
    src = _folder(admin, project, "src")
    dst = _folder(admin, project, "dst")
    _upload(admin, project, src, "clash", b"file in the source")
    _upload(admin, project, dst, "clash/inner.txt", b"a directory in the target")
    state = admin.post("/projects/%s/managedfolders/%s/actions/copyTo" % (project, src),
                       {"targetProjectKey": project, "targetFolderId": dst})
    r = admin.raw("GET", "/futures/%s" % state["jobId"], params={"peek": False, "waitMs": 10000})
    body = assert_error(r, 400, "java.lang.IllegalArgumentException")
    assert "clash" in body["message"]
    # Still reported on later polls, with peek too.
    assert_error(admin.raw("GET", "/futures/%s" % state["jobId"], params={"peek": True}), 400)
