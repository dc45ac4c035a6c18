"""Python recipes run by jobs (semantics.md §6, §7): the recipe is created as dataikuapi creates
code recipes (recipePrototype + creationSettings.script), built through the jobs route, and its
script uses the in-repo `dataiku` package (datasets, folders, variables, SQL, api_client) with
the job's ticket. Outputs are read back through the public API."""
import json
import os
import textwrap

import pytest
import requests

from conftest import unique
from pg_support import create_pg_connection, require_pg
from test_folders import create_folder, get_file, put_file
from test_jobs_visual import build, job_log, managed, rows_of, same_rows, schema_of

SALES = [("id", "int"), ("region", "string"), ("amount", "double"), ("big", "bigint"),
         ("ok", "boolean"), ("day", "date")]
SALES_ROWS = ("1\tEU\t10.5\t10000000000\ttrue\t2024-01-02T00:00:00.000Z\n"
              "2\tUS\t20\t-3\tfalse\t2024-02-03T00:00:00.000Z\n"
              "3\tEU\t4.5\t7\t\t\n"
              "4\t\"A\tPAC\"\t\t0\ttrue\t2024-03-04T00:00:00.000Z\n")


def code_recipe(admin, project, name, inputs, outputs, script):
    """What dataikuapi's CodeRecipeCreator sends for a python recipe."""
    proto = {"type": "python", "name": name, "projectKey": project,
             "inputs": {"main": {"items": [{"ref": r, "deps": []} for r in inputs]}} if inputs else {},
             "outputs": {"main": {"items": [{"ref": r, "appendMode": False} for r in outputs]}}}
    return admin.post("/projects/%s/recipes/" % project,
                      {"recipePrototype": proto,
                       "creationSettings": {"script": textwrap.dedent(script)}})["name"]


def set_script(admin, project, recipe, script):
    s = admin.get("/projects/%s/recipes/%s" % (project, recipe))
    s["payload"] = textwrap.dedent(script)
    admin.put("/projects/%s/recipes/%s" % (project, recipe), s)


def build_ok(admin, project, output, **kw):
    st = build(admin, project, output, **kw)
    if st["baseStatus"]["state"] != "DONE":
        pytest.fail("job %s: %s\n%s" % (st["baseStatus"]["state"], st["baseStatus"].get("unexpectedFailure"),
                                         job_log(admin, project, st["id"])), pytrace=False)
    return st


def current_version(admin, project, name):
    return admin.get("/projects/%s/datasets/%s/versions" % (project, name))["currentVersion"]


def activity_log(admin, project, st):
    """The log of the job's only activity, read with ?activity= as the client does."""
    acts = st.get("activities") or {}
    ids = list(acts.keys()) if isinstance(acts, dict) else [a.get("activityId") or a.get("id") for a in acts]
    assert len(ids) == 1, st
    r = admin.raw("GET", "/projects/%s/jobs/%s/log" % (project, st["id"]), params={"activity": ids[0]})
    assert r.status_code == 200, r.text
    return r.text


@pytest.fixture
def sales(admin, project):
    managed(admin, project, "sales", SALES, SALES_ROWS)
    return project


def test_read_apis_and_dtypes(admin, sales):
    """get_dataframe (typed from the schema), iter_rows, iter_dataframes, read_schema; the
    script's stdout and stderr end up in the activity log."""
    managed(admin, sales, "echo", None)
    code_recipe(admin, sales, "rd", ["sales"], ["echo"], """
        import sys
        import dataiku
        import pandas as pd
        ds = dataiku.Dataset("sales")
        print("SCHEMA", [(c["name"], c["type"]) for c in ds.read_schema()])
        df = ds.get_dataframe()
        print("DTYPES", {c: str(t) for c, t in df.dtypes.items()})
        assert str(df["id"].dtype) == "Int32", df.dtypes
        assert str(df["big"].dtype) == "Int64", df.dtypes
        assert df["amount"].dtype == "float64", df.dtypes
        assert str(df["ok"].dtype) == "boolean", df.dtypes
        assert str(df["day"].dtype).startswith("datetime64"), df.dtypes
        assert df["region"].tolist()[:2] == ["EU", "US"] and df["region"].iloc[3] == "A\\tPAC"
        assert df["region"].isna().sum() == 0 and pd.isna(df["amount"].iloc[3])
        assert df["big"].iloc[3] == 0 and df["big"].iloc[0] == 10000000000
        assert pd.isna(df["ok"].iloc[2]) and bool(df["ok"].iloc[0]) is True
        assert df["day"].iloc[1].strftime("%Y-%m-%d") == "2024-02-03" and pd.isna(df["day"].iloc[2])
        rows = list(ds.iter_rows())
        assert len(rows) == 4 and rows[1]["id"] == 2 and rows[1]["region"] == "US" and rows[1]["amount"] == 20.0
        assert rows[2]["ok"] is None and rows[0]["ok"] is True
        chunks = list(ds.iter_dataframes(chunksize=3))
        assert [len(c) for c in chunks] == [3, 1], [len(c) for c in chunks]
        assert pd.concat(chunks, ignore_index=True)["id"].tolist() == [1, 2, 3, 4]
        assert str(chunks[1]["id"].dtype) == "Int32"
        sub = ds.get_dataframe(columns=["region", "id"], limit=2)
        assert list(sub.columns) == ["region", "id"] and len(sub) == 2
        print("READ-OK rows=%d" % len(df))
        print("A-WARNING-ON-STDERR", file=sys.stderr)
        dataiku.Dataset("echo").write_with_schema(df[["id", "region"]])
    """)
    st = build_ok(admin, sales, "echo")
    log = activity_log(admin, sales, st)
    assert "READ-OK rows=4" in log and "A-WARNING-ON-STDERR" in log
    assert "('big', 'bigint')" in log
    assert rows_of(admin, sales, "echo") == [[1, "EU"], [2, "US"], [3, "EU"], [4, "A\tPAC"]]


def test_write_apis(admin, sales):
    """write_with_schema, write_dataframe, write_schema_from_dataframe, get_writer with
    write_row_dict / write_tuple, all outputs of one recipe."""
    for n in ("by_region", "typed", "manual"):
        managed(admin, sales, n, None)
    code_recipe(admin, sales, "wr", ["sales"], ["by_region", "typed", "manual"], """
        import dataiku
        import pandas as pd
        df = dataiku.Dataset("sales").get_dataframe()
        agg = df.groupby("region", as_index=False)["amount"].sum().sort_values("region")
        dataiku.Dataset("by_region").write_with_schema(agg)

        t = pd.DataFrame({"n": pd.Series([1, None, 3], dtype="Int64"), "f": [0.5, 1.5, None],
                          "s": ["x", None, "z\\"q"], "b": [True, False, True],
                          "ts": pd.to_datetime(["2024-01-01 10:00:00", None, "2024-05-06"])})
        out = dataiku.Dataset("typed")
        out.write_schema_from_dataframe(t)
        print("TYPED-SCHEMA", [(c["name"], c["type"]) for c in out.read_schema()])
        out.write_dataframe(t)

        m = dataiku.Dataset("manual")
        m.write_schema([{"name": "k", "type": "string"}, {"name": "v", "type": "int"}])
        with m.get_writer() as w:
            w.write_row_dict({"k": "a", "v": 1})
            w.write_tuple(("b", 2))
            w.write_row_dict({"k": "c"})
    """)
    build_ok(admin, sales, "by_region")
    assert schema_of(admin, sales, "by_region") == [("region", "string"), ("amount", "double")]
    same_rows(rows_of(admin, sales, "by_region"), [["A\tPAC", 0.0], ["EU", 15.0], ["US", 20.0]])
    assert schema_of(admin, sales, "typed") == [("n", "bigint"), ("f", "double"), ("s", "string"),
                                                ("b", "boolean"), ("ts", "date")]
    rows = rows_of(admin, sales, "typed")
    assert [r[:4] for r in rows] == [[1, 0.5, "x", True], [None, 1.5, None, False], [3, None, 'z"q', True]]
    assert rows[0][4].startswith("2024-01-01T10:00:00") and rows[1][4] is None
    assert rows[2][4].startswith("2024-05-06T00:00:00")
    assert rows_of(admin, sales, "manual") == [["a", 1], ["b", 2], ["c", None]]


def test_folder_variables_and_api_client(admin, sales):
    fid = create_folder(admin, sales)
    assert put_file(admin, sales, fid, "in/hello.txt", b"hello from the test").status_code == 200
    admin.put("/projects/%s/variables/" % sales, {"standard": {"color": "blue", "n": 3},
                                                  "local": {"color": "red"}})
    managed(admin, sales, "summary", None)
    code_recipe(admin, sales, "fv", ["sales"], ["summary"], """
        import dataiku
        f = dataiku.Folder("%s")
        with f.get_download_stream("/in/hello.txt") as s:
            text = s.read().decode("utf-8")
        assert text == "hello from the test", text
        f.upload_data("/out/report.txt", "rows=%%d" %% len(dataiku.Dataset("sales").get_dataframe()))
        f.upload_stream("/out/raw.bin", b"\\x00\\x01\\x02")
        paths = f.list_paths_in_partition()
        print("PATHS", paths)
        assert paths == ["/in/hello.txt", "/out/raw.bin", "/out/report.txt"], paths
        v = dataiku.get_custom_variables()
        assert v["color"] == "red" and v["n"] == "3", v
        assert dataiku.get_custom_variables(typed=True)["n"] == 3
        try:
            client = dataiku.api_client()
            keys = client.list_project_keys()
            how = "client:" + ",".join(k for k in keys if k == "%s")
        except ImportError as e:
            assert "dataikuapi" in str(e), e
            how = "no-dataikuapi"
        print("API-CLIENT", how)
        with dataiku.Dataset("summary").get_writer() as w:
            pass
    """ % (fid, sales))
    s = admin.get("/projects/%s/recipes/fv" % sales)
    assert "Folder(" in s["payload"]
    admin.put("/projects/%s/datasets/summary/schema" % sales, {"columns": [{"name": "x", "type": "string"}]})
    st = build_ok(admin, sales, "summary")
    assert get_file(admin, sales, fid, "out/report.txt").content == b"rows=4"
    assert get_file(admin, sales, fid, "out/raw.bin").content == b"\x00\x01\x02"
    log = activity_log(admin, sales, st)
    try:
        import subprocess
        has_client = subprocess.run(["/usr/bin/python3", "-c", "import dataikuapi"],
                                    capture_output=True).returncode == 0
    except OSError:
        has_client = False
    assert ("API-CLIENT client:%s" % sales if has_client else "API-CLIENT no-dataikuapi") in log, log


def test_api_client_is_bound_to_the_job_ticket(admin, sales, tmp_path):
    """dataiku.api_client() with a minimal dataikuapi-compatible module on sys.path: it gets the
    backend URL and the ticket, and the ticket works (and is revoked when the job ends)."""
    pkg = tmp_path / "dataikuapi"
    pkg.mkdir()
    (pkg / "__init__.py").write_text(textwrap.dedent("""
        import requests
        class DSSClient(object):
            def __init__(self, host, api_key=None, internal_ticket=None):
                self.host, self.api_key, self.internal_ticket = host, api_key, internal_ticket
            def list_project_keys(self):
                r = requests.get(self.host + "/dip/publicapi/projects/",
                                 headers={"X-DKU-APITicket": self.internal_ticket})
                r.raise_for_status()
                return [p["projectKey"] for p in r.json()]
    """))
    os.chmod(str(tmp_path), 0o755)
    managed(admin, sales, "out", [("ticket", "string")])
    code_recipe(admin, sales, "ac", ["sales"], ["out"], """
        import sys
        sys.path.insert(0, %r)
        import dataiku
        c = dataiku.api_client()
        assert c.internal_ticket and c.api_key is None
        assert %r in c.list_project_keys()
        with dataiku.Dataset("out").get_writer() as w:
            w.write_tuple((c.internal_ticket,))
    """ % (str(tmp_path), sales))
    build_ok(admin, sales, "out")
    ticket = rows_of(admin, sales, "out")[0][0]
    r = requests.get(admin.base_url + "/public/api/projects/", headers={"X-DKU-APITicket": ticket})
    assert r.status_code == 401, (r.status_code, r.text)


def test_sql_executor_on_duckdb(admin, sales):
    managed(admin, sales, "q", None)
    code_recipe(admin, sales, "sq", ["sales"], ["q"], """
        import dataiku
        ex = dataiku.SQLExecutor2(connection="@duckdb")
        df = ex.query_to_df("SELECT region, count(*) AS n, sum(amount) AS total FROM sales GROUP BY region ORDER BY region")
        print(df.dtypes)
        assert df["n"].tolist() == [1, 2, 1], df
        dataiku.Dataset("q").write_with_schema(df)
    """)
    build_ok(admin, sales, "q")
    assert rows_of(admin, sales, "q") == [["A\tPAC", 1, None], ["EU", 2, 15.0], ["US", 1, 20.0]]


def test_sql_executor_on_postgresql(admin, sales):
    require_pg()
    conn = create_pg_connection(admin, unique("pgpy"))
    managed(admin, sales, "pgq", None)
    code_recipe(admin, sales, "pq", ["sales"], ["pgq"], """
        import dataiku
        df = dataiku.SQLExecutor2(connection=%r).query_to_df(
            "SELECT x, x * 1.5 AS y, 'v' || x AS s FROM generate_series(1, 3) AS x")
        assert str(df["x"].dtype) in ("Int32", "Int64"), df.dtypes
        dataiku.Dataset("pgq").write_with_schema(df)
    """ % conn)
    build_ok(admin, sales, "pgq")
    assert rows_of(admin, sales, "pgq") == [[1, 1.5, "v1"], [2, 3.0, "v2"], [3, 4.5, "v3"]]


def test_failing_recipe_fails_the_job_and_keeps_the_previous_output(admin, sales):
    managed(admin, sales, "kept", None)
    code_recipe(admin, sales, "fl", ["sales"], ["kept"], """
        import dataiku
        dataiku.Dataset("kept").write_with_schema(dataiku.Dataset("sales").get_dataframe()[["id"]])
    """)
    build_ok(admin, sales, "kept")
    before = current_version(admin, sales, "kept")
    set_script(admin, sales, "fl", """
        import dataiku

        def compute(n):
            raise ValueError("no luck with %d rows" % n)

        with dataiku.Dataset("kept").get_writer() as w:
            for i in range(1000):
                w.write_tuple((i,))
            compute(1000)
    """)
    st = build(admin, sales, "kept")
    assert st["baseStatus"]["state"] == "FAILED", st["baseStatus"]
    failure = st["baseStatus"]["unexpectedFailure"]
    assert "ValueError: no luck with 1000 rows" in failure["message"], failure
    assert "Traceback" in failure["detailedMessage"] and "compute" in failure["detailedMessage"]
    assert st["globalState"]["failed"] == 1
    log = activity_log(admin, sales, st)
    assert "Traceback (most recent call last)" in log and 'line 5, in compute' in log, log
    assert "ValueError: no luck with 1000 rows" in job_log(admin, sales, st["id"])
    # The interrupted write was discarded: the previous version and rows stay.
    assert current_version(admin, sales, "kept") == before
    assert rows_of(admin, sales, "kept") == [[1], [2], [3], [4]]


def test_recipe_failing_after_a_complete_write_keeps_version_and_schema(admin, sales):
    managed(admin, sales, "kept2", None)
    code_recipe(admin, sales, "fl2", ["sales"], ["kept2"], """
        import dataiku
        dataiku.Dataset("kept2").write_with_schema(dataiku.Dataset("sales").get_dataframe()[["id"]])
    """)
    build_ok(admin, sales, "kept2")
    before = current_version(admin, sales, "kept2")
    schema_before = admin.get("/projects/%s/datasets/kept2/schema" % sales)["columns"]
    set_script(admin, sales, "fl2", """
        import dataiku
        df = dataiku.Dataset("sales").get_dataframe()
        df["extra"] = "x"
        dataiku.Dataset("kept2").write_with_schema(df)
        raise RuntimeError("failed after writing")
    """)
    st = build(admin, sales, "kept2")
    assert st["baseStatus"]["state"] == "FAILED", st["baseStatus"]
    assert "failed after writing" in st["baseStatus"]["unexpectedFailure"]["message"]
    # Outputs flip only when the activity succeeds: version, rows and schema are as before.
    assert current_version(admin, sales, "kept2") == before
    assert rows_of(admin, sales, "kept2") == [[1], [2], [3], [4]]
    assert admin.get("/projects/%s/datasets/kept2/schema" % sales)["columns"] == schema_before


def test_exit_code_and_syntax_error(admin, sales):
    managed(admin, sales, "o", [("x", "int")])
    code_recipe(admin, sales, "ex", ["sales"], ["o"], "import sys\nprint('bye')\nsys.exit(3)\n")
    st = build(admin, sales, "o")
    assert st["baseStatus"]["state"] == "FAILED"
    assert "code 3" in json.dumps(st["baseStatus"]["unexpectedFailure"])
    set_script(admin, sales, "ex", "def broken(:\n    pass\n")
    st = build(admin, sales, "o")
    assert st["baseStatus"]["state"] == "FAILED"
    assert "SyntaxError" in st["baseStatus"]["unexpectedFailure"]["message"]


def test_large_data_streams_through_the_recipe(admin, sales):
    """300k rows (~40 MB as text) written with get_writer then read back with iter_rows and
    iter_dataframes: the recipe's memory stays far below the data size."""
    managed(admin, sales, "big", None)
    managed(admin, sales, "big_count", None)
    code_recipe(admin, sales, "bw", ["sales"], ["big"], """
        import resource
        import dataiku
        out = dataiku.Dataset("big")
        out.write_schema([{"name": "i", "type": "bigint"}, {"name": "pad", "type": "string"}])
        base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        pad = "p" * 120
        with out.get_writer() as w:
            for i in range(300000):
                w.write_tuple((i, pad))
        grown = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - base) // 1024
        print("WRITE-RSS-GROWTH-MB", grown)
        assert grown < 25, grown
    """)
    code_recipe(admin, sales, "br", ["big"], ["big_count"], """
        import resource
        import dataiku
        ds = dataiku.Dataset("big")
        base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        n = s = 0
        for r in ds.iter_rows():
            n += 1
            s += r["i"]
        m = 0
        for df in ds.iter_dataframes(chunksize=50000):
            assert len(df) <= 50000
            m += len(df)
        grown = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - base) // 1024
        print("READ-RSS-GROWTH-MB", grown)
        assert grown < 60, grown
        out = dataiku.Dataset("big_count")
        out.write_schema([{"name": "n", "type": "bigint"}, {"name": "m", "type": "bigint"},
                          {"name": "s", "type": "bigint"}])
        with out.get_writer() as w:
            w.write_tuple((n, m, s))
    """)
    build_ok(admin, sales, "big_count", job_type="RECURSIVE_FORCED_BUILD")
    assert rows_of(admin, sales, "big_count") == [[300000, 300000, 299999 * 300000 // 2]]
