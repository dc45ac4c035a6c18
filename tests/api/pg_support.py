"""PostgreSQL helpers for API tests: the test cluster's coordinates, psql access, and DSS
connections pointing at it.

When the DSSD_TEST_PG_* variables are absent the tests that need PostgreSQL are skipped; when
they are set but the server cannot be reached the tests fail (never skip silently)."""
import os
import subprocess

import pytest

PG_VARS = ("DSSD_TEST_PG_HOST", "DSSD_TEST_PG_PORT", "DSSD_TEST_PG_USER",
           "DSSD_TEST_PG_PASSWORD", "DSSD_TEST_PG_DB")


def pg_settings():
    """The test cluster's coordinates, or pytest.skip when not configured."""
    if not all(os.environ.get(v) for v in PG_VARS):
        pytest.skip("DSSD_TEST_PG_* not set (run through scripts/test.sh)")
    return {
        "host": os.environ["DSSD_TEST_PG_HOST"],
        "port": int(os.environ["DSSD_TEST_PG_PORT"]),
        "user": os.environ["DSSD_TEST_PG_USER"],
        "password": os.environ["DSSD_TEST_PG_PASSWORD"],
        "db": os.environ["DSSD_TEST_PG_DB"],
    }


def psql(sql, settings=None):
    """Runs SQL with psql (independent of dssd) and returns the rows as lists of strings
    (unaligned, tab-separated). Raises on any error."""
    s = settings or pg_settings()
    env = dict(os.environ, PGPASSWORD=s["password"])
    out = subprocess.run(
        ["psql", "-X", "-q", "-A", "-t", "-F", "\t", "-v", "ON_ERROR_STOP=1", "-h", s["host"],
         "-p", str(s["port"]), "-U", s["user"], "-d", s["db"], "-c", sql],
        env=env, capture_output=True, text=True, timeout=60)
    if out.returncode != 0:
        raise AssertionError("psql failed (%s): %s" % (out.returncode, out.stderr))
    return [line.split("\t") for line in out.stdout.splitlines() if line != ""]


def require_pg():
    """Settings of a reachable test cluster: skips when unset, fails when unreachable."""
    s = pg_settings()
    psql("SELECT 1", s)
    return s


def create_pg_connection(client, name, settings=None, **overrides):
    """Creates a PostgreSQL DSS connection `name` through the admin API."""
    s = dict(settings or pg_settings())
    params = {"host": s["host"], "port": s["port"], "db": s["db"], "user": s["user"],
              "password": s["password"]}
    usable_by = overrides.pop("usableBy", "ALL")
    groups = overrides.pop("allowedGroups", [])
    params.update(overrides)
    client.post("/admin/connections/", {"name": name, "type": "PostgreSQL", "params": params,
                                        "usableBy": usable_by, "allowedGroups": groups})
    return name
