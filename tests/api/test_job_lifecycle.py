"""Job lifecycle under abort and crash (semantics.md §7): POST .../jobs/{id}/abort stops a long
Python recipe (its process is killed) or a long DuckDB query quickly, a job running when the
server is SIGKILLed is FAILED after the restart; in every case the outputs keep their previous
version and a new job builds."""
import contextlib
import json
import os
import signal
import textwrap
import time

import pytest

from conftest import DssServer, unique
from pg_support import create_pg_connection, psql, require_pg
from test_jobs_visual import TERMINAL, create_recipe, job_log, managed, rows_of, set_payload
from test_python_recipes import build_ok, code_recipe, current_version, set_script

JOB_DEF = {"type": "NON_RECURSIVE_FORCED_BUILD", "refreshHiveMetastore": False,
           "autoUpdateSchemaBeforeEachRecipeRun": False}

WRITE_TWO = """
    import dataiku
    with dataiku.Dataset("out").get_writer() as w:
        w.write_tuple((1,))
        w.write_tuple((2,))
"""


def long_script(pid_file, ignore_sigterm=False):
    """Writes its pid, starts writing the output, then sleeps far longer than any test."""
    return textwrap.dedent("""
        import os, signal, time
        import dataiku
        if %r:
            signal.signal(signal.SIGTERM, signal.SIG_IGN)
        with dataiku.Dataset("out").get_writer() as w:
            for i in range(5000):
                w.write_tuple((100 + i,))
            with open(%r + ".tmp", "w") as f:
                f.write(str(os.getpid()))
            os.rename(%r + ".tmp", %r)
            print("SLEEPING NOW", flush=True)
            time.sleep(300)
    """ % (ignore_sigterm, pid_file, pid_file, pid_file))


def start_job(admin, project, output):
    d = dict(JOB_DEF, outputs=[{"type": None, "id": output, "projectKey": None, "partition": None}])
    return admin.post("/projects/%s/jobs/" % project, d)["id"]


def status(admin, project, job_id):
    return admin.get("/projects/%s/jobs/%s/" % (project, job_id))


def wait_for(pred, timeout, what):
    deadline = time.time() + timeout
    while True:
        v = pred()
        if v:
            return v
        assert time.time() < deadline, "timed out waiting for " + what
        time.sleep(0.05)


def wait_terminal(admin, project, job_id, timeout):
    return wait_for(lambda: (lambda st: st if st["baseStatus"]["state"] in TERMINAL else None)(
        status(admin, project, job_id)), timeout, "job %s to end" % job_id)


def read_pid(path):
    try:
        with open(path) as f:
            return int(f.read())
    except (OSError, ValueError):
        return None


def process_gone(pid):
    """True when `pid` no longer runs (exited and reaped, or a zombie)."""
    try:
        with open("/proc/%d/stat" % pid) as f:
            return f.read().split(") ", 1)[1].startswith("Z")
    except OSError:
        return True


def running_activity(admin, project, job_id):
    st = status(admin, project, job_id)
    acts = st.get("activities") or {}
    for a in (acts.values() if isinstance(acts, dict) else acts):
        if a.get("state") == "RUNNING":
            return a
    return None


@pytest.fixture
def pyout(admin, project):
    managed(admin, project, "src", [("x", "int")], "1\n")
    managed(admin, project, "out", [("v", "int")])
    code_recipe(admin, project, "longpy", ["src"], ["out"], WRITE_TWO)
    build_ok(admin, project, "out")
    return project


@pytest.mark.parametrize("ignore_sigterm", [False, True])
def test_abort_kills_the_python_process(admin, pyout, tmp_path, ignore_sigterm):
    project = pyout
    before = current_version(admin, project, "out")
    pid_file = str(tmp_path / "pid")
    set_script(admin, project, "longpy", long_script(pid_file, ignore_sigterm))
    job = start_job(admin, project, "out")
    pid = wait_for(lambda: read_pid(pid_file), 20, "the recipe to start")
    assert not process_gone(pid)
    act = wait_for(lambda: running_activity(admin, project, job), 5, "a running activity")
    assert status(admin, project, job)["baseStatus"]["state"] == "RUNNING"

    t0 = time.time()
    r = admin.post("/projects/%s/jobs/%s/abort" % (project, job), {})
    assert r.get("aborted") is True, r
    st = wait_terminal(admin, project, job, 10)
    # SIGTERM ends a cooperative process at once; one ignoring it is SIGKILLed after 2 s.
    assert time.time() - t0 < (5 if ignore_sigterm else 3), time.time() - t0
    assert st["baseStatus"]["state"] == "ABORTED", st["baseStatus"]
    assert st["activities"][act["activityId"]]["state"] == "ABORTED"
    assert st["globalState"]["aborted"] == 1
    wait_for(lambda: process_gone(pid), 3, "the python process to die")
    log = admin.raw("GET", "/projects/%s/jobs/%s/log" % (project, job),
                    params={"activity": act["activityId"]}).text
    assert "SLEEPING NOW" in log and "aborted" in log.lower(), log
    # The interrupted write left no trace.
    assert current_version(admin, project, "out") == before
    assert rows_of(admin, project, "out") == [[1], [2]]
    # Aborting again is harmless; a new job builds.
    again = admin.post("/projects/%s/jobs/%s/abort" % (project, job), {})
    assert again.get("aborted") is False
    set_script(admin, project, "longpy", WRITE_TWO.replace("(2,)", "(3,)"))
    build_ok(admin, project, "out")
    assert rows_of(admin, project, "out") == [[1], [3]]


def test_abort_long_duckdb_query(admin, project):
    managed(admin, project, "nums", [("x", "int")], "1\n2\n3\n")
    managed(admin, project, "q", None)
    create_recipe(admin, project, "sql_query", ["nums"], ["q"], "sq", {})
    set_payload(admin, project, "sq", "SELECT x FROM nums")
    build_ok(admin, project, "q")
    before = current_version(admin, project, "q")
    # About 10^10 joined rows: minutes of work for DuckDB.
    set_payload(admin, project, "sq",
                "SELECT count(*) AS x FROM nums, range(100000) a, range(100000) b "
                "WHERE (a.range * b.range + nums.x) % 7 = 3")
    job = start_job(admin, project, "q")
    act = wait_for(lambda: running_activity(admin, project, job), 10, "a running activity")
    time.sleep(0.5)  # let the query get going
    assert status(admin, project, job)["baseStatus"]["state"] == "RUNNING"
    t0 = time.time()
    admin.post("/projects/%s/jobs/%s/abort" % (project, job), {})
    st = wait_terminal(admin, project, job, 10)
    assert time.time() - t0 < 3, time.time() - t0
    assert st["baseStatus"]["state"] == "ABORTED", st["baseStatus"]
    assert st["activities"][act["activityId"]]["state"] == "ABORTED"
    assert current_version(admin, project, "q") == before
    assert rows_of(admin, project, "q") == [[1], [2], [3]]
    set_payload(admin, project, "sq", "SELECT x * 10 AS x FROM nums")
    build_ok(admin, project, "q")
    assert rows_of(admin, project, "q") == [[10], [20], [30]]


def test_abort_long_in_database_postgresql_query(admin, project):
    pg = require_pg()
    conn = create_pg_connection(admin, unique("pgabort"), pg)
    src, dst = unique("absrc").lower(), unique("abdst").lower()
    psql("CREATE TABLE %s (x integer); INSERT INTO %s VALUES (1), (2);" % (src, src))
    for name, table in (("pin", src), ("pout", dst)):
        admin.post("/projects/%s/datasets/" % project,
                   {"name": name, "projectKey": project, "type": "PostgreSQL",
                    "params": {"connection": conn, "mode": "table", "schema": "public", "table": table}})
    admin.put("/projects/%s/datasets/pin/schema" % project, {"columns": [{"name": "x", "type": "int"}]})
    create_recipe(admin, project, "sql_query", ["pin"], ["pout"], "pgsq", {"script": None})
    set_payload(admin, project, "pgsq", "SELECT x FROM public.%s" % src)
    build_ok(admin, project, "pout")
    set_payload(admin, project, "pgsq", "SELECT x FROM public.%s, pg_sleep(120)" % src)
    job = start_job(admin, project, "pout")
    act = wait_for(lambda: running_activity(admin, project, job), 10, "a running activity")
    wait_for(lambda: psql("SELECT count(*) FROM pg_stat_activity WHERE query LIKE '%%pg_sleep(120)%%' "
                          "AND pid <> pg_backend_pid()")[0][0] != "0", 10, "the query to run")
    t0 = time.time()
    admin.post("/projects/%s/jobs/%s/abort" % (project, job), {})
    st = wait_terminal(admin, project, job, 10)
    assert time.time() - t0 < 3, time.time() - t0
    assert st["baseStatus"]["state"] == "ABORTED", st["baseStatus"]
    assert st["activities"][act["activityId"]]["state"] == "ABORTED"
    # The statement was cancelled in the server, and the previous table is intact.
    wait_for(lambda: psql("SELECT count(*) FROM pg_stat_activity WHERE query LIKE '%%pg_sleep(120)%%' "
                          "AND state = 'active' AND pid <> pg_backend_pid()")[0][0] == "0", 5,
             "PostgreSQL to stop the query")
    assert psql("SELECT x FROM public.%s ORDER BY x" % dst) == [["1"], ["2"]]


@contextlib.contextmanager
def own_server(prefix):
    """A server of the test's own (it is SIGKILLed) with a fresh project: (server, project)."""
    s = DssServer().start()
    try:
        project = unique(prefix)
        s.client().post("/projects/", {"projectKey": project, "name": project})
        yield s, project
    finally:
        s.cleanup()


def test_sigkill_during_a_job_then_restart(tmp_path):
    with own_server("CRASH") as (s, project):
        c = s.client()
        managed(c, project, "src", [("x", "int")], "1\n")
        managed(c, project, "out", [("v", "int")])
        code_recipe(c, project, "longpy", ["src"], ["out"], WRITE_TWO)
        build_ok(c, project, "out")
        before = current_version(c, project, "out")
        pid_file = str(tmp_path / "pid")
        set_script(c, project, "longpy", long_script(pid_file))
        job = start_job(c, project, "out")
        pid = wait_for(lambda: read_pid(pid_file), 20, "the recipe to start")
        act = wait_for(lambda: running_activity(c, project, job), 5, "a running activity")

        s.stop(sig=signal.SIGKILL)
        # The recipe does not outlive the server.
        wait_for(lambda: process_gone(pid), 5, "the python process to die with the server")
        s.start()
        c = s.client()

        st = status(c, project, job)
        assert st["baseStatus"]["state"] == "FAILED", st["baseStatus"]
        failure = st["baseStatus"]["unexpectedFailure"]
        assert "restarted" in failure["message"] and "interrupted" in failure["message"], failure
        assert st["activities"][act["activityId"]]["state"] == "FAILED"
        assert any(j["def"]["id"] == job and j["state"] == "FAILED"
                   for j in c.get("/projects/%s/jobs/" % project))
        assert "interrupted" in job_log(c, project, job)
        # Outputs intact: the version being written when the server died was never committed.
        assert current_version(c, project, "out") == before
        assert rows_of(c, project, "out") == [[1], [2]]
        # A new job builds.
        set_script(c, project, "longpy", WRITE_TWO.replace("(1,)", "(7,)"))
        st = build_ok(c, project, "out")
        assert rows_of(c, project, "out") == [[7], [2]]
        assert current_version(c, project, "out") > before
        assert json.dumps(st["baseStatus"]).count("unexpectedFailure") == 0


def version_dirs(server, project, name):
    d = os.path.join(server.data_dir, "managed_datasets", project, name)
    return sorted(x for x in os.listdir(d) if x.startswith("v")) if os.path.isdir(d) else []


def test_sigkill_after_a_complete_write_discards_the_staged_version(tmp_path):
    """A recipe that finished writing its output but not its activity: the write was staged,
    so after the crash the previous version is current and the staged files are gone."""
    with own_server("STAGE") as (s, project):
        c = s.client()
        managed(c, project, "src", [("x", "int")], "1\n")
        managed(c, project, "out", [("v", "int")])
        code_recipe(c, project, "py", ["src"], ["out"], WRITE_TWO)
        build_ok(c, project, "out")
        before = current_version(c, project, "out")
        dirs_before = version_dirs(s, project, "out")
        pid_file = str(tmp_path / "pid")
        set_script(c, project, "py", textwrap.dedent("""
            import os, time
            import dataiku
            with dataiku.Dataset("out").get_writer() as w:
                w.write_tuple((99,))
            with open(%r + ".tmp", "w") as f:
                f.write(str(os.getpid()))
            os.rename(%r + ".tmp", %r)
            time.sleep(300)
        """ % (pid_file, pid_file, pid_file)))
        job = start_job(c, project, "out")
        wait_for(lambda: read_pid(pid_file), 20, "the recipe to finish writing")
        # The complete write is staged: readers still see the previous version.
        assert current_version(c, project, "out") == before
        assert rows_of(c, project, "out") == [[1], [2]]
        assert len(version_dirs(s, project, "out")) == len(dirs_before) + 1
        s.stop(sig=signal.SIGKILL)
        s.start()
        c = s.client()
        assert status(c, project, job)["baseStatus"]["state"] == "FAILED"
        assert current_version(c, project, "out") == before
        assert rows_of(c, project, "out") == [[1], [2]]
        assert version_dirs(s, project, "out") == dirs_before


def test_sigkill_during_a_duckdb_job_then_restart():
    with own_server("DKILL") as (s, project):
        c = s.client()
        managed(c, project, "nums", [("x", "int")], "1\n2\n3\n")
        managed(c, project, "q", None)
        create_recipe(c, project, "sql_query", ["nums"], ["q"], "sq", {})
        set_payload(c, project, "sq", "SELECT x FROM nums")
        build_ok(c, project, "q")
        before = current_version(c, project, "q")
        dirs_before = version_dirs(s, project, "q")
        set_payload(c, project, "sq",
                    "SELECT count(*) AS x FROM nums, range(100000) a, range(100000) b "
                    "WHERE (a.range * b.range + nums.x) % 7 = 3")
        job = start_job(c, project, "q")
        wait_for(lambda: running_activity(c, project, job), 10, "a running activity")
        time.sleep(0.5)
        s.stop(sig=signal.SIGKILL)
        s.start()
        c = s.client()
        st = status(c, project, job)
        assert st["baseStatus"]["state"] == "FAILED", st["baseStatus"]
        assert "restarted" in st["baseStatus"]["unexpectedFailure"]["message"]
        assert current_version(c, project, "q") == before
        assert rows_of(c, project, "q") == [[1], [2], [3]]
        # The half-written version directory was swept at start-up.
        assert version_dirs(s, project, "q") == dirs_before
        set_payload(c, project, "sq", "SELECT x + 1 AS x FROM nums")
        build_ok(c, project, "q")
        assert rows_of(c, project, "q") == [[2], [3], [4]]
