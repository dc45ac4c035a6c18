"""Shared fixtures for black-box API tests.

Every test talks to a real dssd process started on 127.0.0.1 port 0 with a temporary data
directory. Requests are sent the way the official `dataikuapi` client sends them: HTTP Basic
with the key as user name and an empty password, JSON bodies without a Content-Type header,
booleans as `True`/`False` in query strings.
"""
import json
import os
import shutil
import signal
import subprocess
import tempfile
import time

import pytest
import requests

DSSD_BIN = os.environ.get("DSSD_BIN") or os.path.join(
    os.path.dirname(__file__), "..", "..", "build", "release", "src", "app", "dssd")
PREFIX = "/dip/publicapi"


class DssError(Exception):
    def __init__(self, resp):
        self.status = resp.status_code
        try:
            self.body = resp.json()
        except ValueError:
            self.body = {"message": resp.text}
        super().__init__("%s %s: %s" % (self.status, self.body.get("errorType"), self.body.get("message")))


class Client:
    """A minimal stand-in for dataikuapi.DSSClient's transport (same wire behaviour)."""

    def __init__(self, base_url, api_key=None, headers=None):
        self.base_url = base_url
        self.session = requests.Session()
        if api_key is not None:
            self.session.auth = requests.auth.HTTPBasicAuth(api_key, "")
        if headers:
            self.session.headers.update(headers)

    def raw(self, method, path, body=None, params=None, data=None, files=None, stream=False,
            headers=None, prefix=PREFIX):
        if body is not None:
            data = json.dumps(body)
        return self.session.request(method, self.base_url + prefix + path, params=params,
                                    data=data, files=files, stream=stream, headers=headers)

    def call(self, method, path, body=None, params=None, **kw):
        """Returns parsed JSON (or text) on success; raises DssError on >= 400."""
        r = self.raw(method, path, body=body, params=params, **kw)
        if r.status_code >= 400:
            raise DssError(r)
        if not r.content:
            return None
        try:
            return r.json()
        except ValueError:
            return r.text

    def get(self, path, **kw):
        return self.call("GET", path, **kw)

    def post(self, path, body=None, **kw):
        return self.call("POST", path, body=body, **kw)

    def put(self, path, body=None, **kw):
        return self.call("PUT", path, body=body, **kw)

    def delete(self, path, **kw):
        return self.call("DELETE", path, **kw)


class DssServer:
    def __init__(self, data_dir=None, extra_args=()):
        self.owns_dir = data_dir is None
        self.data_dir = data_dir or tempfile.mkdtemp(prefix="dssd-test-")
        self.extra_args = list(extra_args)
        self.proc = None
        self.port = None
        self.first_output = ""

    def start(self):
        port_file = os.path.join(self.data_dir, "run", "port")
        if os.path.exists(port_file):
            os.unlink(port_file)
        self.log = open(os.path.join(self.data_dir, "stdout.log"), "ab")
        self.proc = subprocess.Popen([DSSD_BIN, "--data-dir", self.data_dir, "--port", "0"] + self.extra_args,
                                     stdout=self.log, stderr=subprocess.STDOUT)
        deadline = time.time() + 60
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError("dssd exited with %s: %s" % (self.proc.returncode, self.output()))
            if os.path.exists(port_file):
                with open(port_file) as f:
                    txt = f.read().strip()
                if txt:
                    self.port = int(txt)
                    break
            time.sleep(0.05)
        else:
            raise RuntimeError("dssd did not start: " + self.output())
        return self

    def output(self):
        try:
            with open(os.path.join(self.data_dir, "stdout.log"), "rb") as f:
                return f.read().decode("utf-8", "replace")
        except OSError:
            return ""

    @property
    def url(self):
        return "http://127.0.0.1:%d" % self.port

    @property
    def admin_key(self):
        with open(os.path.join(self.data_dir, "admin-key")) as f:
            return f.read().strip()

    def client(self, key=None, headers=None):
        return Client(self.url, self.admin_key if key is None else key, headers=headers)

    def stop(self, sig=signal.SIGTERM, timeout=60):
        if self.proc is None:
            return None
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
            try:
                self.proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        rc = self.proc.returncode
        self.proc = None
        self.log.close()
        return rc

    def restart(self, sig=signal.SIGTERM):
        self.stop(sig)
        return self.start()

    def cleanup(self):
        rc = self.stop()
        if self.owns_dir:
            shutil.rmtree(self.data_dir, ignore_errors=True)
        return rc


@pytest.fixture(scope="module")
def server():
    s = DssServer().start()
    yield s
    rc = s.cleanup()
    # A clean SIGTERM shutdown exits 0; sanitizer reports make it non-zero.
    assert rc == 0, "dssd exited with %s:\n%s" % (rc, s.output()[-5000:])


@pytest.fixture
def fresh_server():
    s = DssServer().start()
    yield s
    s.cleanup()


@pytest.fixture(scope="module")
def admin(server):
    return server.client()


_counter = [0]


def unique(prefix="T"):
    _counter[0] += 1
    return "%s_%d_%d" % (prefix, os.getpid(), _counter[0])


@pytest.fixture
def project(admin):
    key = unique("PRJ")
    admin.post("/projects/", {"projectKey": key, "name": key, "owner": None, "settings": None,
                              "description": None, "permissions": [], "tags": []})
    return key


def assert_error(excinfo_or_resp, status, error_type=None, code=None):
    """Checks an error response: status, DSS errorType and (optionally) code."""
    if isinstance(excinfo_or_resp, requests.Response):
        r = excinfo_or_resp
        assert r.status_code == status, r.text
        body = r.json()
    else:
        e = excinfo_or_resp.value if hasattr(excinfo_or_resp, "value") else excinfo_or_resp
        assert e.status == status, str(e)
        body = e.body
    for k in ("errorType", "message", "detailedMessage"):
        assert k in body, body
    if error_type:
        assert body["errorType"] == error_type, body
    if code:
        assert body.get("code") == code, body
    return body


NOT_FOUND = "com.dataiku.dip.server.controllers.NotFoundException"
UNAUTHORIZED = "com.dataiku.dip.exceptions.UnauthorizedException"
ILLEGAL_ARGUMENT = "java.lang.IllegalArgumentException"
