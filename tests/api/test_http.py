"""Cross-cutting HTTP behaviour (spec endpoints.md §1.3, §1.4; semantics.md §0-§3): limits,
timeouts, keep-alive, bodies on GET/DELETE, percent-decoding, path tricks, query parsing,
graceful shutdown and the route listing."""
import json
import os
import re
import signal
import socket
import subprocess
import threading
import time

import pytest
import requests

from conftest import (DSSD_BIN, DssServer, ILLEGAL_ARGUMENT, NOT_FOUND, assert_error, unique)


@pytest.fixture(scope="module")
def small():
    """A server with small limits and timeouts."""
    s = DssServer(extra_args=["--max-body-bytes", "4096", "--max-header-bytes", "8192",
                              "--header-timeout-ms", "2000", "--io-timeout-ms", "2000"]).start()
    yield s
    rc = s.cleanup()
    assert rc == 0, s.output()[-3000:]


def auth_header(key):
    import base64
    return "Basic " + base64.b64encode((key + ":").encode()).decode()


def raw_request(port, data, timeout=5.0):
    """Sends raw bytes and returns everything read until the server closes or timeout."""
    s = socket.create_connection(("127.0.0.1", port), timeout=timeout)
    try:
        s.sendall(data)
        out = b""
        while True:
            try:
                chunk = s.recv(65536)
            except socket.timeout:
                break
            if not chunk:
                break
            out += chunk
        return out
    finally:
        s.close()


def parse_response(raw):
    head, _, body = raw.partition(b"\r\n\r\n")
    status = int(head.split(b" ")[1])
    return status, head.decode("latin-1"), body


def test_header_too_large_is_431_json(small):
    r = requests.get(small.url + "/public/api/projects/", auth=(small.admin_key, ""),
                     headers={"X-Big": "a" * 20000})
    body = assert_error(r, 431)
    assert "header" in body["message"].lower()
    # the server still serves
    assert requests.get(small.url + "/public/api/projects/", auth=(small.admin_key, "")).ok


def test_body_too_large_is_413_json_and_server_keeps_serving(small):
    c = small.client()
    big = json.dumps({"projectKey": unique("BIG"), "name": "x" * 10000})
    r = c.raw("POST", "/projects/", data=big)
    body = assert_error(r, 413)
    assert "4096" in body["message"]
    # chunked upload without Content-Length is cut as well
    def gen():
        for _ in range(10):
            yield b"x" * 1000
    r = c.raw("POST", "/projects/", data=gen())
    assert_error(r, 413)
    # nothing was created, and other requests are served
    assert all(p["name"] != "x" * 10000 for p in c.get("/projects/"))
    key = unique("SMALL")
    c.post("/projects/", {"projectKey": key, "name": "ok"})
    assert c.get("/projects/%s" % key)["name"] == "ok"


def test_slow_header_is_cut_and_never_stalls_others(small):
    s = socket.create_connection(("127.0.0.1", small.port), timeout=10)
    start = time.time()
    s.sendall(b"GET /public/api/projects/ HTTP/1.1\r\nHost: x\r\nX-Slow: ")
    # while it dribbles, other connections are served promptly
    c = small.client()
    for _ in range(5):
        t0 = time.time()
        assert isinstance(c.get("/projects/"), list)
        assert time.time() - t0 < 1.0  # well before the 2 s header timeout
    closed_after = None
    try:
        while True:
            chunk = s.recv(4096)
            if not chunk:
                closed_after = time.time() - start
                break
    except (ConnectionResetError, socket.timeout):
        closed_after = time.time() - start
    s.close()
    assert closed_after is not None
    assert 1.9 <= closed_after < 8, closed_after


def test_keep_alive_reuse(server, admin):
    s = socket.create_connection(("127.0.0.1", server.port), timeout=5)
    req = ("GET /public/api/projects/ HTTP/1.1\r\nHost: x\r\nAuthorization: %s\r\n\r\n"
           % auth_header(server.admin_key)).encode()
    f = s.makefile("rb")
    for _ in range(3):
        s.sendall(req)
        status = f.readline()
        assert b" 200 " in status
        length = None
        while True:
            line = f.readline()
            if line in (b"\r\n", b""):
                break
            k, _, v = line.decode().partition(":")
            if k.lower() == "content-length":
                length = int(v)
            assert not (k.lower() == "connection" and "close" in v.lower())
        assert isinstance(json.loads(f.read(length)), list)
    s.close()
    # requests.Session reuses its pooled connection too
    sess = requests.Session()
    sess.auth = (server.admin_key, "")
    r1 = sess.get(server.url + "/public/api/projects/")
    sock1 = r1.raw._connection.sock if r1.raw._connection else None
    r2 = sess.get(server.url + "/public/api/auth/info")
    assert r1.ok and r2.ok
    del sock1


def test_bodies_on_get_and_delete(admin):
    key = unique("BODY")
    admin.post("/projects/", {"projectKey": key, "name": key})
    r = admin.raw("GET", "/projects/%s" % key, body={"extension": "x"})
    assert r.status_code == 200 and r.json()["projectKey"] == key
    r = admin.raw("DELETE", "/projects/%s" % key, body=["a", "b"])
    assert r.status_code == 200, r.text
    assert admin.raw("GET", "/projects/%s" % key).status_code == 404


def test_percent_decoding_and_double_slashes(server, admin):
    key = unique("PCT")
    admin.post("/projects/", {"projectKey": key, "name": key})
    encoded = "".join("%%%02X" % ord(c) for c in key)
    r = admin.raw("GET", "/projects/%s" % encoded)
    assert r.status_code == 200 and r.json()["projectKey"] == key
    # `//` from a host given with a trailing slash, and doubled slashes inside the path
    r = requests.get(server.url + "//dip/publicapi//projects//%s" % key, auth=(server.admin_key, ""))
    assert r.status_code == 200 and r.json()["projectKey"] == key
    # a bad escape is a 400 JSON
    # (sent raw: requests would re-encode it as %25ZZ)
    raw = raw_request(server.port, ("GET /public/api/projects/%%ZZ HTTP/1.1\r\nHost: x\r\n"
                                    "Authorization: %s\r\nConnection: close\r\n\r\n"
                                    % auth_header(server.admin_key)).encode())
    status, head, body = parse_response(raw)
    assert status == 400 and "errorType" in json.loads(body)


@pytest.mark.parametrize("path", [
    "/public/api/projects/..",
    "/public/api/projects/../../etc/passwd",
    "/public/api/../../etc/passwd",
    "/public/api/projects/%2E%2E/settings",
    "/public/api/projects/A%2FB/settings",
    "/public/api/projects/..%2F..%2Fmetadata.sqlite",
    "/public/api/%2E%2E/admin-key",
    "/admin-key",
    "/metadata.sqlite",
])
def test_path_tricks_never_escape(server, path):
    raw = raw_request(server.port, ("GET %s HTTP/1.1\r\nHost: x\r\nAuthorization: %s\r\n"
                                    "Connection: close\r\n\r\n"
                                    % (path, auth_header(server.admin_key))).encode())
    status, head, body = parse_response(raw)
    assert status in (400, 404), raw[:300]
    assert "application/json" in head
    j = json.loads(body)
    assert "errorType" in j and "message" in j
    assert server.admin_key.encode() not in body
    assert b"SQLite format" not in body


def test_boolean_query_values(admin):
    key = unique("BOOL")
    admin.post("/projects/", {"projectKey": key, "name": key})
    admin.put("/projects/%s/variables/" % key, {"standard": {"n": 1}, "local": {}})
    for v in ("True", "true", "TRUE", "1"):
        assert admin.get("/projects/%s/variables-resolved" % key, params={"typed": v})["n"] == 1
    for v in ("False", "false", "0"):
        assert admin.get("/projects/%s/variables-resolved" % key, params={"typed": v})["n"] == "1"
    with pytest.raises(Exception) as e:
        admin.get("/projects/%s/variables-resolved" % key, params={"typed": "perhaps"})
    body = assert_error(e, 400, ILLEGAL_ARGUMENT)
    assert "typed" in body["message"]


def test_repeated_query_keys(admin):
    a, b, c = unique("RA"), unique("RB"), unique("RC")
    admin.post("/projects/", {"projectKey": a, "name": a, "tags": ["ta"]})
    admin.post("/projects/", {"projectKey": b, "name": b, "tags": ["tb"]})
    admin.post("/projects/", {"projectKey": c, "name": c, "tags": ["tc"]})
    keys = [p["projectKey"] for p in admin.get("/projects/", params={"tags": ["ta", "tb"]})]
    assert a in keys and b in keys and c not in keys
    # percent-encoded values in repeated keys
    admin.post("/projects/", {"projectKey": unique("RD"), "name": "d", "tags": ["t d&x"]})
    keys = [p["name"] for p in admin.get("/projects/", params={"tags": ["zz", "t d&x"]})]
    assert keys == ["d"]


def test_routes_listing():
    out = subprocess.run([DSSD_BIN, "--routes"], capture_output=True, text=True, timeout=30)
    assert out.returncode == 0
    lines = out.stdout.splitlines()
    assert any(l.split()[:2] == ["GET", "/projects/"] for l in lines)
    assert any(l.split()[:2] == ["DELETE", "/projects/{projectKey}"] and "PROJECT_ADMIN" in l
               for l in lines)
    assert any(l.split()[:2] == ["GET", "/project-folders/{folderId}"] for l in lines)


def test_sigterm_drains_in_flight_request_then_exits_0():
    s = DssServer().start()
    try:
        key = unique("DRAIN")
        body = json.dumps({"projectKey": key, "name": "drained"}).encode()
        sock = socket.create_connection(("127.0.0.1", s.port), timeout=10)
        head = ("POST /dip/publicapi/projects/ HTTP/1.1\r\nHost: x\r\nAuthorization: %s\r\n"
                "Content-Length: %d\r\n\r\n" % (auth_header(s.admin_key), len(body))).encode()
        sock.sendall(head + body[:10])
        time.sleep(0.3)
        s.proc.send_signal(signal.SIGTERM)
        time.sleep(0.5)
        assert s.proc.poll() is None, "exited before the in-flight request finished"
        sock.sendall(body[10:])
        f = sock.makefile("rb")
        status = f.readline()
        assert b" 200 " in status, status
        sock.close()
        assert s.proc.wait(timeout=30) == 0
        # and the acknowledged project is there after restart
        s.proc = None
        s.log.close()
        s.start()
        assert s.client().get("/projects/%s" % key)["name"] == "drained"
    finally:
        s.cleanup()


def test_access_log_lines_are_json():
    s = DssServer().start()
    try:
        admin = s.client()
        odd = '/projects/%22quote%5Cback%C3%A9'
        admin.raw("GET", odd)
        admin.raw("GET", "/projects/")
    finally:
        assert s.stop() == 0  # the log is flushed on shutdown
    with open(os.path.join(s.data_dir, "run", "access.log"), "rb") as f:
        entries = [json.loads(l) for l in f.read().splitlines()]  # every line parses
    e = [e for e in entries if e["path"].endswith(odd)][-1]
    assert e["method"] == "GET" and e["status"] in (403, 404)
    assert re.match(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$", e["ts"])
    assert isinstance(e["micros"], int) and e["requestId"]
    assert any(e["path"].endswith("/projects/") and e["status"] == 200 for e in entries)
    s.cleanup()
