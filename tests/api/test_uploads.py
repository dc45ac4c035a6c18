"""Uploaded files of UploadedFiles datasets (spec endpoints.md §3.3.4, §6.3)."""
import base64
import os
import socket
import time

import pytest

from conftest import ILLEGAL_ARGUMENT, NOT_FOUND, assert_error, unique


def create_upload_dataset(admin, project, name):
    # What DSSProject.create_upload_dataset sends.
    r = admin.raw("POST", "/projects/%s/datasets/" % project,
                  body={"name": name, "projectKey": project, "type": "UploadedFiles",
                        "params": {"uploadConnection": "filesystem_managed"}})
    if r.status_code == 404 and r.json().get("code") == "ERR_ROUTE_NOT_FOUND":
        pytest.skip("dataset creation route not merged yet")
    assert r.status_code < 400, r.text


def add_file(admin, project, ds, filename, data, params=None):
    # What DSSDataset.uploaded_add_file sends: files={"file": (filename, fp)}.
    return admin.raw("POST", "/projects/%s/datasets/%s/uploaded/files" % (project, ds),
                     files={"file": (filename, data)}, params=params)


def list_files(admin, project, ds):
    return admin.get("/projects/%s/datasets/%s/uploaded/files" % (project, ds))


def upload_dir(server, project, ds):
    return os.path.join(server.data_dir, "uploads", project, ds)


def test_unknown_dataset(admin, project):
    r = add_file(admin, project, "nosuchds", "a.csv", b"a\n1\n")
    assert_error(r, 404, NOT_FOUND)
    assert_error(admin.raw("GET", "/projects/%s/datasets/nosuchds/uploaded/files" % project), 404)


def test_add_list_overwrite(server, admin, project):
    ds = unique("up")
    create_upload_dataset(admin, project, ds)
    assert list_files(admin, project, ds) == []
    files = {"data.csv": b"a,b\n1,2\n", "été 2024 €.csv": "x,y\né,€\n".encode(), "with space.tsv": b"q\tr\n"}
    for name, data in files.items():
        r = add_file(admin, project, ds, name, data)
        assert r.status_code == 200, r.text
    listed = list_files(admin, project, ds)
    assert sorted(f["name"] for f in listed) == sorted(files)
    for f in listed:
        assert f["path"] == "/" + f["name"]
        assert f["size"] == len(files[f["name"]])
        assert f["lastModified"] > 1e12
        with open(os.path.join(upload_dir(server, project, ds), f["name"]), "rb") as fh:
            assert fh.read() == files[f["name"]]
    # Same name again replaces the file.
    assert add_file(admin, project, ds, "data.csv", b"a,b\n3,4\n5,6\n").status_code == 200
    sizes = {f["name"]: f["size"] for f in list_files(admin, project, ds)}
    assert sizes["data.csv"] == 12 and len(sizes) == 3
    # Empty filename: ?filename= supplies it.
    r = add_file(admin, project, ds, "", b"z\n", params={"filename": "named.csv"})
    assert r.status_code == 200, r.text
    assert "named.csv" in [f["name"] for f in list_files(admin, project, ds)]


def test_bad_names_and_bodies_change_nothing(server, admin, project):
    ds = unique("up")
    create_upload_dataset(admin, project, ds)
    # (A NUL cannot reach the server this way: urllib3 sends it percent-encoded.)
    for bad in ("../escape.csv", "a/b.csv", "..", ".dssd-tmp-x"):
        r = add_file(admin, project, ds, bad, b"x")
        assert_error(r, 400, ILLEGAL_ARGUMENT)
    assert_error(add_file(admin, project, ds, "", b"x"), 400)
    r = admin.raw("POST", "/projects/%s/datasets/%s/uploaded/files" % (project, ds), data=b"not multipart")
    assert_error(r, 400, ILLEGAL_ARGUMENT)
    assert list_files(admin, project, ds) == []
    assert not os.path.exists(os.path.join(server.data_dir, "escape.csv"))
    assert not os.path.exists(os.path.join(server.data_dir, "uploads", project, "escape.csv"))


def test_dataset_of_another_type_is_refused(admin, project):
    name = unique("fs")
    r = admin.raw("POST", "/projects/%s/datasets/" % project,
                  body={"name": name, "projectKey": project, "type": "Filesystem",
                        "params": {"connection": "filesystem_managed", "path": "/x"}})
    if r.status_code == 404:
        pytest.skip("dataset creation route not merged yet")
    assert r.status_code < 400, r.text
    r = add_file(admin, project, name, "a.csv", b"a\n")
    assert_error(r, 400)


def test_cut_upload_is_never_visible(server, admin, project):
    ds = unique("up")
    create_upload_dataset(admin, project, ds)
    assert add_file(admin, project, ds, "keep.csv", b"k\n1\n").status_code == 200
    b = "cutboundary"
    head = ("POST /dip/publicapi/projects/%s/datasets/%s/uploaded/files HTTP/1.1\r\nHost: x\r\n"
            "Authorization: Basic %s\r\nContent-Type: multipart/form-data; boundary=%s\r\n"
            "Content-Length: 50000000\r\n\r\n--%s\r\nContent-Disposition: form-data; name=\"file\"; "
            "filename=\"partial.csv\"\r\n\r\n" %
            (project, ds, base64.b64encode((server.admin_key + ":").encode()).decode(), b, b))
    s = socket.create_connection(("127.0.0.1", server.port))
    s.sendall(head.encode() + b"a,b\n" * 1000000)
    s.close()
    time.sleep(0.5)
    assert [f["name"] for f in list_files(admin, project, ds)] == ["keep.csv"]
    deadline = time.time() + 5
    while time.time() < deadline:
        left = sorted(os.listdir(upload_dir(server, project, ds)))
        if left == ["keep.csv"]:
            break
        time.sleep(0.1)
    assert left == ["keep.csv"]


def test_large_upload_streamed(server, admin, project):
    ds = unique("up")
    create_upload_dataset(admin, project, ds)
    size = 40 * 1024 * 1024
    data = os.urandom(1 << 20) * 40
    r = add_file(admin, project, ds, "big.bin", data)
    assert r.status_code == 200, r.text
    assert list_files(admin, project, ds)[0]["size"] == size
    with open(os.path.join(upload_dir(server, project, ds), "big.bin"), "rb") as fh:
        assert fh.read() == data
