"""Authorization matrix generated from the route table.

GET /public/api/openapi.json lists every operation with its declared access level
(x-dss-access). For EVERY operation this test checks that
  - no key, an invalid key and an expired key get 401,
  - a key lacking the needed grant gets 403 and no data,
  - a key holding the grant gets neither 401 nor 403.
Routes added later are covered automatically; a new access level must be added to GRANTS
below (test_every_access_level_is_covered fails until it is).

Keys with precise grants are global API keys carrying per-project grants ("projects" map),
created through POST /admin/global-api-keys/ like an administrator would.
"""
import os
import re

import pytest
import requests

from conftest import DssServer, UNAUTHORIZED

PROJECT = "AUTHZ_P"
ROUTE_CPP = os.path.join(os.path.dirname(__file__), "..", "..", "src", "api", "route.cpp")

# key name -> key definition (besides type/id/hash)
KEYS = {
    "nothing": {"globalPermissions": {}},
    "creator": {"globalPermissions": {"mayCreateProjects": True}},
    "p_read": {"projects": {PROJECT: {"readProjectContent": True}}},
    "p_write": {"projects": {PROJECT: {"writeProjectContent": True}}},
    "p_admin": {"projects": {PROJECT: {"admin": True}}},
    "p_run": {"projects": {PROJECT: {"runScenarios": True}}},
    "p_export": {"projects": {PROJECT: {"exportDatasetsData": True, "readProjectContent": True}}},
    "expired": {"globalPermissions": {"admin": True}, "expiresOn": 1000},
}

# access level -> (key lacking it, or None when every valid key holds it; key holding it)
GRANTS = {
    "AUTHENTICATED": (None, "admin"),
    "GLOBAL_ADMIN": ("creator", "admin"),
    "MAY_CREATE_PROJECTS": ("p_admin", "creator"),
    "PROJECT_READ_CONTENT": ("p_run", "p_read"),
    "PROJECT_WRITE_CONTENT": ("p_read", "p_write"),
    "PROJECT_ADMIN": ("p_write", "p_admin"),
    "PROJECT_RUN_SCENARIOS": ("p_read", "p_run"),
    "PROJECT_EXPORT_DATASETS_DATA": ("p_write", "p_export"),
}

ERROR_KEYS = {"errorType", "message", "detailedMessage", "code", "detailedMessageHTML",
              "stackTraceStr", "requestId"}


@pytest.fixture(scope="module")
def env():
    s = DssServer().start()
    admin = s.client()
    admin.post("/projects/", {"projectKey": PROJECT, "name": PROJECT})
    secrets = {"admin": s.admin_key}
    for name, extra in KEYS.items():
        created = admin.post("/admin/global-api-keys/",
                             dict(extra, label="authz " + name, description=""))
        secrets[name] = created["key"]
    ops = requests.get(s.url + "/public/api/openapi.json", auth=(s.admin_key, "")).json()
    yield s, secrets, ops
    assert s.cleanup() == 0


def operations(openapi):
    """(method, path template, access, root?) for every operation; destructive project
    deletion last so the shared project exists for everything else."""
    out = []
    for path, methods in openapi["paths"].items():
        for method, op in methods.items():
            out.append((method.upper(), path, op["x-dss-access"], bool(op.get("x-dss-root-path"))))
    out.sort(key=lambda o: (o[0] == "DELETE" and o[1] == "/projects/{projectKey}", o[0] == "DELETE"))
    return out


def fill(path):
    def value(m):
        name = m.group(1)
        if name == "projectKey":
            return PROJECT
        if name == "folderId":
            return "ROOT"  # the one project folder that always exists
        return "authz_x"
    return re.sub(r"\{([^}]+)\}", value, path)


def call(server, method, path, root, key=None, auth=None):
    url = server.url + ("" if root else "/public/api") + fill(path)
    kw = {"timeout": 30}
    if key is not None:
        kw["auth"] = (key, "")
    if auth is not None:
        kw["headers"] = {"Authorization": auth}
    body = None if method in ("GET", "DELETE") else "{}"
    return requests.request(method, url, data=body, **kw)


def test_every_access_level_is_covered(env):
    with open(ROUTE_CPP) as f:
        src = f.read()
    fn = src[src.index("AccessName"):]
    fn = fn[:fn.index("\n}\n")]
    levels = set(re.findall(r'return "([A-Z_]+)";', fn))
    assert levels, "could not read the access levels from route.cpp"
    assert levels <= set(GRANTS), "add grants for: %s" % sorted(levels - set(GRANTS))
    _, _, openapi = env
    used = {o[2] for o in operations(openapi)}
    assert used <= set(GRANTS), sorted(used - set(GRANTS))


def test_openapi_lists_every_route(env):
    import subprocess
    from conftest import DSSD_BIN
    out = subprocess.run([DSSD_BIN, "--routes"], capture_output=True, text=True, timeout=30).stdout
    n_routes = len([l for l in out.splitlines() if l.strip()])
    _, _, openapi = env
    assert len(operations(openapi)) == n_routes
    assert n_routes >= 20


def test_unauthenticated_is_401_everywhere(env):
    server, secrets, openapi = env
    failures = []
    for method, path, access, root in operations(openapi):
        for label, kw in (("no key", {}), ("invalid key", {"key": "not-a-real-key"}),
                          ("expired key", {"key": secrets["expired"]}),
                          ("garbage header", {"auth": "Basic !!!"})):
            r = call(server, method, path, root, **kw)
            ok = r.status_code == 401
            if ok:
                try:
                    ok = r.json().get("errorType") == UNAUTHORIZED
                except ValueError:
                    ok = False
            if not ok:
                failures.append("%s %s [%s]: %s %s" % (method, path, label, r.status_code,
                                                        r.text[:120]))
    assert not failures, "\n".join(failures)


def test_lacking_grant_is_403_without_data(env):
    server, secrets, openapi = env
    failures = []
    checked = 0
    for method, path, access, root in operations(openapi):
        lacking, _ = GRANTS[access]
        if lacking is None:
            continue
        r = call(server, method, path, root, key=secrets[lacking])
        checked += 1
        if r.status_code != 403:
            failures.append("%s %s [%s with %s]: %s %s" % (method, path, access, lacking,
                                                           r.status_code, r.text[:120]))
            continue
        body = r.json()
        if body.get("errorType") != UNAUTHORIZED or set(body) - ERROR_KEYS:
            failures.append("%s %s: 403 body carries data: %s" % (method, path, r.text[:200]))
    assert checked > 0
    assert not failures, "\n".join(failures)
    # the project is untouched by all those refused calls
    admin = server.client()
    assert admin.get("/projects/%s" % PROJECT)["projectKey"] == PROJECT


def test_holding_grant_is_neither_401_nor_403(env):
    server, secrets, openapi = env
    failures = []
    for method, path, access, root in operations(openapi):
        _, holder = GRANTS[access]
        r = call(server, method, path, root, key=secrets[holder])
        if r.status_code in (401, 403):
            failures.append("%s %s [%s with %s]: %s %s" % (method, path, access, holder,
                                                           r.status_code, r.text[:160]))
        if access == "AUTHENTICATED" and method == "GET":
            # any valid key passes authentication (object-level checks may still refuse)
            r = call(server, method, path, root, key=secrets["nothing"])
            if r.status_code == 401:
                failures.append("%s %s: valid key got 401" % (method, path))
    assert not failures, "\n".join(failures)
