"""Managed folders (spec endpoints.md §3.4): definitions, contents, uploads, path safety."""
import hashlib
import os
import socket
import time

import pytest
import requests

from conftest import ILLEGAL_ARGUMENT, NOT_FOUND, assert_error, unique


def quote(path):
    # What DSSManagedFolder does: requests.utils.quote(path), '/' kept.
    return requests.utils.quote(path)


def create_folder(admin, project, name=None):
    name = name or unique("folder")
    body = {"name": name, "projectKey": project, "type": None,
            "params": {"connection": "filesystem_folders", "path": "/${projectKey}/${odbId}"}}
    out = admin.post("/projects/%s/managedfolders/" % project, body)
    return out["id"]


def put_file(admin, project, fid, path, data):
    # Exactly DSSManagedFolder.put_file: _perform_json_upload with files={"file": ("", f, {...})}.
    r = admin.raw("POST", "/projects/%s/managedfolders/%s/contents/%s" % (project, fid, quote(path)),
                  files={"file": ("", data, {"Expires": "0"})})
    return r


def get_file(admin, project, fid, path):
    return admin.raw("GET", "/projects/%s/managedfolders/%s/contents/%s" % (project, fid, quote(path)),
                     stream=True)


def contents(admin, project, fid):
    return admin.get("/projects/%s/managedfolders/%s/contents" % (project, fid))["items"]


def folder_dir(server, project, fid):
    return os.path.join(server.data_dir, "managed_folders", project, fid)


def raw_http(server, request_bytes, read_reply=True):
    s = socket.create_connection(("127.0.0.1", server.port))
    s.sendall(request_bytes)
    reply = b""
    if read_reply:
        s.settimeout(10)
        try:
            while True:
                chunk = s.recv(65536)
                if not chunk:
                    break
                reply += chunk
                if b"\r\n\r\n" in reply and (b"}" in reply.split(b"\r\n\r\n", 1)[1]):
                    break
        except socket.timeout:
            pass
    s.close()
    return reply


def test_create_list_get_update_rename_delete(server, admin, project):
    fid = create_folder(admin, project, "My folder")
    assert isinstance(fid, str) and fid
    listed = admin.get("/projects/%s/managedfolders/" % project)
    assert [f["id"] for f in listed] == [fid]
    d = admin.get("/projects/%s/managedfolders/%s" % (project, fid))
    assert d["name"] == "My folder"
    assert d["type"] == "Filesystem"
    assert d["projectKey"] == project
    assert d["params"]["connection"] == "filesystem_folders"
    assert d["params"]["path"] == "/${projectKey}/${odbId}"
    assert d["partitioning"]["dimensions"] == []
    # Settings round-trip (DSSManagedFolderSettings.save sends back what GET returned).
    d["description"] = "desc"
    d["tags"] = ["a", "b"]
    admin.put("/projects/%s/managedfolders/%s" % (project, fid), d)
    d2 = admin.get("/projects/%s/managedfolders/%s" % (project, fid))
    assert d2["description"] == "desc" and d2["tags"] == ["a", "b"]
    assert d2["versionTag"]["versionNumber"] > d["versionTag"]["versionNumber"]
    # Changing the id is refused and changes nothing.
    bad = dict(d2, id="other")
    assert_error(admin.raw("PUT", "/projects/%s/managedfolders/%s" % (project, fid), body=bad), 400)
    admin.post("/projects/%s/actions/renameManagedFolder" % project, {"id": fid, "newName": "Renamed"})
    assert admin.get("/projects/%s/managedfolders/%s" % (project, fid))["name"] == "Renamed"
    # Names are unique in a project.
    other = create_folder(admin, project, "Other")
    r = admin.raw("POST", "/projects/%s/actions/renameManagedFolder" % project,
                  body={"id": other, "newName": "Renamed"})
    assert_error(r, 409)
    r = admin.raw("POST", "/projects/%s/managedfolders/" % project, body={"name": "Renamed"})
    assert_error(r, 409)
    # Delete removes the definition and the contents.
    assert put_file(admin, project, fid, "x.txt", b"x").status_code == 200
    assert os.path.isdir(folder_dir(server, project, fid))
    admin.delete("/projects/%s/managedfolders/%s" % (project, fid))
    assert_error(admin.raw("GET", "/projects/%s/managedfolders/%s" % (project, fid)), 404, NOT_FOUND)
    assert not os.path.exists(folder_dir(server, project, fid))
    assert [f["id"] for f in admin.get("/projects/%s/managedfolders/" % project)] == [other]


def test_creation_errors(admin, project):
    base = "/projects/%s/managedfolders/" % project
    assert_error(admin.raw("POST", base, body={"projectKey": project}), 400, ILLEGAL_ARGUMENT)
    assert_error(admin.raw("POST", base, body={"name": "x", "type": "S3"}), 400)
    r = admin.raw("POST", base, body={"name": "x", "params": {"connection": "nope"}})
    assert r.status_code == 404, r.text
    r = admin.raw("POST", base, body={"name": "x", "params": {"path": "../../escape"}})
    assert_error(r, 400)
    r = admin.raw("POST", base, body={"name": "x", "params": {"path": "/"}})
    assert_error(r, 400)
    assert_error(admin.raw("POST", base, body="not an object"), 400)
    assert_error(admin.raw("GET", "/projects/NOPE_NO_PROJECT/managedfolders/"), 404)
    assert admin.get(base) == []  # nothing was created


def test_put_get_list_delete_files(server, admin, project):
    fid = create_folder(admin, project)
    r = put_file(admin, project, fid, "/data/a.csv", b"a,b\n1,2\n")
    assert r.status_code == 200, r.text
    assert r.json()["path"] == "/data/a.csv" and r.json()["size"] == 8
    names = ["/été €/naïve file.txt", "/with space.txt", "/deep/er/path/x.bin", "/data/b.csv"]
    payloads = {}
    for i, n in enumerate(names):
        payloads[n] = os.urandom(1000 * (i + 1)) + b"\r\n--" + b"x" * i
        assert put_file(admin, project, fid, n, payloads[n]).status_code == 200
    items = contents(admin, project, fid)
    assert [it["path"] for it in items] == sorted(["/data/a.csv"] + names)
    for it in items:
        assert it["lastModified"] > 1e12 and it["size"] >= 0
    for n, data in payloads.items():
        r = get_file(admin, project, fid, n)
        assert r.status_code == 200
        assert r.headers.get("Content-Encoding") is None
        assert r.raw.read() == data
    # Overwrite replaces the content.
    assert put_file(admin, project, fid, "/data/a.csv", b"new").status_code == 200
    assert get_file(admin, project, fid, "/data/a.csv").content == b"new"
    # Also works without a leading slash and with the /public/api prefix.
    r = admin.raw("GET", "/projects/%s/managedfolders/%s/contents/data/a.csv" % (project, fid),
                  prefix="/public/api")
    assert r.content == b"new"
    # Delete a file, then a directory.
    admin.delete("/projects/%s/managedfolders/%s/contents/%s" % (project, fid, quote("/with space.txt")))
    assert_error(get_file(admin, project, fid, "/with space.txt"), 404, NOT_FOUND)
    admin.delete("/projects/%s/managedfolders/%s/contents/deep" % (project, fid))
    paths = [it["path"] for it in contents(admin, project, fid)]
    assert "/deep/er/path/x.bin" not in paths and "/data/b.csv" in paths
    r = admin.raw("DELETE", "/projects/%s/managedfolders/%s/contents/nothing.txt" % (project, fid))
    assert_error(r, 404, NOT_FOUND)
    # A directory is not a file.
    assert_error(get_file(admin, project, fid, "/data"), 404)
    assert_error(put_file(admin, project, fid, "/data", b"x"), 400)
    # A file is not a directory.
    assert_error(put_file(admin, project, fid, "/data/b.csv/inner", b"x"), 400)
    # Unknown folder.
    assert_error(put_file(admin, project, "NOFOLDER", "/x", b"x"), 404)
    assert_error(get_file(admin, project, "NOFOLDER", "/x"), 404)


def test_path_escapes_are_refused(server, admin, project):
    fid = create_folder(admin, project)
    assert put_file(admin, project, fid, "ok.txt", b"fine").status_code == 200
    root = folder_dir(server, project, fid)
    outside = os.path.join(server.data_dir, "secret-%s.txt" % fid)
    with open(outside, "w") as f:
        f.write("secret")
    os.symlink(os.path.dirname(outside), os.path.join(root, "link-out"))
    os.symlink(outside, os.path.join(root, "file-link-out"))
    os.symlink(os.path.join(root, "ok.txt"), os.path.join(root, "inside-link"))
    base = server.url + "/public/api/projects/%s/managedfolders/%s/contents/" % (project, fid)
    auth = (server.admin_key, "")
    escapes = ["%2E%2E/%2E%2E/%2E%2E/admin-key", "..%2F..%2Fadmin-key", "a/%2E%2E/%2E%2E/x",
               "%2Fetc%2Fpasswd", "a%5C..%5C..%5Cadmin-key", "x%00y", "link-out/" + os.path.basename(outside),
               "file-link-out", ".dssd-tmp-abc"]
    for e in escapes:
        r = requests.get(base + e, auth=auth)
        assert_error(r, 400, ILLEGAL_ARGUMENT)
        r = requests.post(base + e, auth=auth, files={"file": ("", b"pwned", {"Expires": "0"})})
        assert_error(r, 400, ILLEGAL_ARGUMENT)
        r = requests.delete(base + e, auth=auth)
        assert_error(r, 400, ILLEGAL_ARGUMENT)
    # Raw socket, so that no client normalises the dot segments.
    req = ("GET /public/api/projects/%s/managedfolders/%s/contents/../../../../admin-key HTTP/1.1\r\n"
           "Host: x\r\nAuthorization: Basic %s\r\nConnection: close\r\n\r\n" %
           (project, fid, __import__("base64").b64encode((server.admin_key + ":").encode()).decode()))
    reply = raw_http(server, req.encode())
    assert reply.split(b"\r\n")[0].split(b" ")[1] in (b"400", b"404"), reply[:200]
    assert server.admin_key.encode() not in reply
    with open(outside) as f:
        assert f.read() == "secret"  # nothing was written through the link
    # Links staying inside the folder work; links are not listed.
    assert requests.get(base + "inside-link", auth=auth).content == b"fine"
    assert [it["path"] for it in contents(admin, project, fid)] == ["/ok.txt"]


def test_malformed_and_cut_uploads_leave_nothing(server, admin, project):
    fid = create_folder(admin, project)
    assert put_file(admin, project, fid, "keep.txt", b"old content").status_code == 200
    url = "/projects/%s/managedfolders/%s/contents/keep.txt" % (project, fid)
    # Not multipart at all.
    r = admin.raw("POST", url, data=b"raw bytes")
    body = assert_error(r, 400, ILLEGAL_ARGUMENT)
    assert "multipart" in body["message"]
    # Multipart without its closing boundary (complete Content-Length): refused, old file kept.
    b = "BOUNDARYxyz"
    payload = ("--%s\r\nContent-Disposition: form-data; name=\"file\"; filename=\"\"\r\n\r\n"
               "partial new content" % b).encode()
    r = admin.raw("POST", url, data=payload, headers={"Content-Type": "multipart/form-data; boundary=" + b})
    body = assert_error(r, 400, ILLEGAL_ARGUMENT)
    assert body["code"] == "ERR_UPLOAD_MALFORMED_MULTIPART"
    # No file part.
    r = admin.raw("POST", url, files={"json": (None, "{}")})
    assert_error(r, 400)
    # Connection cut mid-body.
    head = ("POST /public/api%s HTTP/1.1\r\nHost: x\r\nAuthorization: Basic %s\r\n"
            "Content-Type: multipart/form-data; boundary=%s\r\nContent-Length: 10000000\r\n\r\n" %
            (url, __import__("base64").b64encode((server.admin_key + ":").encode()).decode(), b))
    first = ("--%s\r\nContent-Disposition: form-data; name=\"file\"; filename=\"\"\r\n\r\n" % b).encode()
    raw_http(server, head.encode() + first + b"z" * 500000, read_reply=False)
    time.sleep(0.5)
    assert get_file(admin, project, fid, "keep.txt").content == b"old content"
    assert [it["path"] for it in contents(admin, project, fid)] == ["/keep.txt"]
    # No temporary file survives the failed uploads.
    deadline = time.time() + 5
    while time.time() < deadline:
        left = [n for n in os.listdir(folder_dir(server, project, fid)) if n != "keep.txt"]
        if not left:
            break
        time.sleep(0.1)
    assert left == []


def test_large_file_round_trip_streamed(server, admin, project):
    fid = create_folder(admin, project)
    size = 64 * 1024 * 1024 + 123
    block = os.urandom(1 << 20)

    class Gen:
        # A file-like object streamed by requests without holding it all in memory.
        def __init__(self):
            self.left = size
            self.h = hashlib.sha256()

        def read(self, n=-1):
            if self.left <= 0:
                return b""
            n = self.left if n is None or n < 0 else min(n, self.left)
            out = (block * (n // len(block) + 1))[:n]
            self.left -= n
            self.h.update(out)
            return out

    g = Gen()
    r = put_file(admin, project, fid, "big/blob.bin", g)
    assert r.status_code == 200, r.text
    assert r.json()["size"] == size
    r = get_file(admin, project, fid, "big/blob.bin")
    h = hashlib.sha256()
    n = 0
    for chunk in r.iter_content(1 << 20):
        h.update(chunk)
        n += len(chunk)
    assert n == size
    assert h.hexdigest() == g.h.hexdigest()


def test_copy_to_with_future(server, admin, project):
    src = create_folder(admin, project)
    dst = create_folder(admin, project)
    for p in ("a.txt", "sub/b.txt"):
        assert put_file(admin, project, src, p, p.encode() * 3).status_code == 200
    assert put_file(admin, project, dst, "stale.txt", b"x").status_code == 200
    state = admin.post("/projects/%s/managedfolders/%s/actions/copyTo" % (project, src),
                       {"targetProjectKey": project, "targetFolderId": dst, "writeMode": "OVERWRITE"})
    assert state["hasResult"] is False and state["jobId"]
    deadline = time.time() + 30
    while True:
        st = admin.get("/futures/%s" % state["jobId"], params={"peek": False})
        if st.get("hasResult"):
            break
        assert time.time() < deadline
        time.sleep(0.05)
    assert st["result"]["filesCopied"] == 2
    assert [it["path"] for it in contents(admin, project, dst)] == ["/a.txt", "/sub/b.txt"]
    assert get_file(admin, project, dst, "sub/b.txt").content == b"sub/b.txt" * 3
    # APPEND keeps the target's other files.
    assert put_file(admin, project, dst, "extra.txt", b"e").status_code == 200
    state = admin.post("/projects/%s/managedfolders/%s/actions/copyTo" % (project, src),
                       {"targetProjectKey": project, "targetFolderId": dst, "writeMode": "APPEND"})
    st = admin.get("/futures/%s" % state["jobId"], params={"peek": False, "waitMs": 10000})
    assert st["hasResult"] is True
    assert "/extra.txt" in [it["path"] for it in contents(admin, project, dst)]
    # Bad requests change nothing.
    r = admin.raw("POST", "/projects/%s/managedfolders/%s/actions/copyTo" % (project, src),
                  body={"targetFolderId": dst, "writeMode": "SIDEWAYS"})
    assert_error(r, 400)
    r = admin.raw("POST", "/projects/%s/managedfolders/%s/actions/copyTo" % (project, src),
                  body={"targetFolderId": "NOPE"})
    assert_error(r, 404)


def test_sigkill_during_large_upload_leaves_previous_files_intact(fresh_server):
    import base64
    import signal
    server = fresh_server
    admin = server.client()
    project = unique("CRASH")
    admin.post("/projects/", {"projectKey": project, "name": project})
    fid = create_folder(admin, project)
    previous = {"keep/one.csv": os.urandom(100000), "two.bin": os.urandom(5000)}
    for p, data in previous.items():
        assert put_file(admin, project, fid, p, data).status_code == 200
    # Also an upload that replaces an existing file, cut by the crash.
    b = "crashboundary123"
    total = 600 * 1024 * 1024
    head = ("POST /public/api/projects/%s/managedfolders/%s/contents/two.bin HTTP/1.1\r\n"
            "Host: x\r\nAuthorization: Basic %s\r\n"
            "Content-Type: multipart/form-data; boundary=%s\r\nContent-Length: %d\r\n\r\n" %
            (project, fid, base64.b64encode((server.admin_key + ":").encode()).decode(), b,
             total + 200))
    part = ("--%s\r\nContent-Disposition: form-data; name=\"file\"; filename=\"\"\r\n"
            "Content-Type: {'Expires': '0'}\r\n\r\n" % b).encode()
    s = socket.create_connection(("127.0.0.1", server.port))
    s.sendall(head.encode() + part)
    block = os.urandom(1 << 20)
    root = folder_dir(server, project, fid)
    sent = 0
    while sent < 300 * 1024 * 1024:  # hundreds of MB streamed, then the server dies
        s.sendall(block)
        sent += len(block)
    # The partial upload exists on disk as a hidden temporary file...
    deadline = time.time() + 10
    while time.time() < deadline:
        tmp = [n for n in os.listdir(root) if n.startswith(".dssd-tmp-")]
        if tmp and os.path.getsize(os.path.join(root, tmp[0])) > 100 * 1024 * 1024:
            break
        time.sleep(0.05)
    assert tmp, "the upload never reached the disk"
    # ... and is never listed nor served while in progress.
    assert sorted(it["path"] for it in contents(admin, project, fid)) == ["/keep/one.csv", "/two.bin"]
    server.proc.send_signal(signal.SIGKILL)
    server.proc.wait()
    s.close()
    server.stop()
    server.start()
    admin = server.client()
    items = contents(admin, project, fid)
    assert sorted(it["path"] for it in items) == ["/keep/one.csv", "/two.bin"]
    for p, data in previous.items():
        assert get_file(admin, project, fid, p).content == data
    # The start-up sweep removed the partial file.
    assert [n for n in os.listdir(root) if n.startswith(".dssd-tmp-")] == []
