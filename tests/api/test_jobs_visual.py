"""Visual and SQL recipes run by jobs (semantics.md §6, §7): datasets with known rows, recipes
created as dataikuapi creates them, built through the jobs route, outputs read back through
data/. On DuckDB for managed datasets; in-database when inputs and output share a PostgreSQL
connection (when DSSD_TEST_PG_* are set)."""
import json
import time

import pytest

from conftest import unique
from pg_support import create_pg_connection, psql, require_pg

SALES = [("id", "int"), ("region", "string"), ("amount", "double")]
SALES_ROWS = "1\tEU\t10.5\n2\tUS\t20\n3\tEU\t4.5\n4\tAPAC\t\n"
SINGLE_OUT = {"createOutputDataset": True,
              "outputDatasetSettings": {"connectionId": "filesystem_managed", "typeOptionId": None,
                                        "specificSettings": {"formatOptionId": "CSV_EXCEL_GZIP",
                                                             "overrideSQLSchema": False},
                                        "partitioningOptionId": "NP"},
              "createOutputFolder": None, "outputFolderSettings": None}
TERMINAL = ("DONE", "FAILED", "ABORTED")


def managed(admin, project, name, columns, rows=None, fmt="CSV_EXCEL_GZIP"):
    admin.post("/projects/%s/datasets/managed" % project,
               {"name": name, "creationSettings": {"connectionId": "filesystem_managed",
                                                   "specificSettings": {"formatOptionId": fmt}}})
    if columns:
        admin.put("/projects/%s/datasets/%s/schema" % (project, name),
                  {"columns": [{"name": n, "type": t} for n, t in columns]})
    if rows is not None:
        admin.call("PUT", "/projects/%s/datasets/%s/data/" % (project, name),
                   params={"format": "tsv-excel-noheader"}, data=rows.encode("utf-8"))


def create_recipe(admin, project, rtype, inputs, outputs, name, settings=None):
    proto = {"type": rtype, "name": name, "projectKey": project,
             "inputs": {"main": {"items": [{"ref": r} for r in inputs]}} if inputs else {},
             "outputs": {"main": {"items": [{"ref": r, "appendMode": False} for r in outputs]}}}
    return admin.post("/projects/%s/recipes/" % project,
                      {"recipePrototype": proto,
                       "creationSettings": settings if settings is not None else dict(SINGLE_OUT)})["name"]


def set_payload(admin, project, recipe, update):
    """Loads the recipe, applies `update` to the payload (a dict for visual recipes, or the
    new text for code recipes) and saves it."""
    s = admin.get("/projects/%s/recipes/%s" % (project, recipe))
    if isinstance(update, str):
        s["payload"] = update
    else:
        p = json.loads(s["payload"])
        update(p)
        s["payload"] = json.dumps(p)
    admin.put("/projects/%s/recipes/%s" % (project, recipe), s)


def build(admin, project, output, job_type="NON_RECURSIVE_FORCED_BUILD"):
    """What DSSDataset.build() does, then waits for the end. Returns the final status."""
    job = admin.post("/projects/%s/jobs/" % project,
                     {"type": job_type, "refreshHiveMetastore": False,
                      "autoUpdateSchemaBeforeEachRecipeRun": False,
                      "outputs": [{"type": None, "id": output, "projectKey": None, "partition": None}]})
    deadline = time.time() + 120
    while True:
        st = admin.get("/projects/%s/jobs/%s/" % (project, job["id"]), params={"waitForChangeMs": 5000})
        if st["baseStatus"]["state"] in TERMINAL:
            st["id"] = job["id"]
            return st
        assert time.time() < deadline, "job did not finish: %s" % st
        time.sleep(0.05)


def build_ok(admin, project, output, **kw):
    st = build(admin, project, output, **kw)
    assert st["baseStatus"]["state"] == "DONE", (st["baseStatus"].get("unexpectedFailure"),
                                                 job_log(admin, project, st["id"]))
    return st


def job_log(admin, project, job_id):
    r = admin.raw("GET", "/projects/%s/jobs/%s/log" % (project, job_id))
    assert r.status_code == 200, r.text
    return r.text


def rows_of(admin, project, name):
    r = admin.raw("GET", "/projects/%s/datasets/%s/data/" % (project, name), params={"format": "json"})
    assert r.status_code == 200, r.text
    return r.json()


def schema_of(admin, project, name):
    return [(c["name"], c["type"]) for c in admin.get("/projects/%s/datasets/%s/schema" % (project, name))["columns"]]


def same_rows(actual, expected):
    key = lambda r: json.dumps(r, sort_keys=True)
    assert sorted(actual, key=key) == sorted(expected, key=key)


@pytest.fixture
def sales(admin, project):
    managed(admin, project, "sales", SALES, SALES_ROWS)
    return project


def test_grouping_builds_and_updates_output_schema(admin, sales):
    r = create_recipe(admin, sales, "grouping", ["sales"], ["by_region"], "grp",
                      dict(SINGLE_OUT, groupKey="region"))

    def upd(p):
        p["values"] = [{"column": "amount", "sum": True, "avg": True, "max": True}]
        p["globalCount"] = True
    set_payload(admin, sales, r, upd)
    st = build_ok(admin, sales, "by_region")
    assert st["globalState"]["done"] == 1 and st["globalState"]["total"] == 1
    # DSS updates the output schema on build.
    assert schema_of(admin, sales, "by_region") == [("region", "string"), ("count", "bigint"),
                                                    ("amount_max", "double"), ("amount_avg", "double"),
                                                    ("amount_sum", "double")]
    same_rows(rows_of(admin, sales, "by_region"),
              [["EU", 2, 10.5, 7.5, 15], ["US", 1, 20, 20, 20], ["APAC", 1, None, None, None]])
    log = job_log(admin, sales, st["id"])
    assert "DuckDB" in log and "Wrote 3 records to by_region" in log
    # A rebuild writes a new version with the same rows.
    build_ok(admin, sales, "by_region")
    v = admin.get("/projects/%s/datasets/by_region/versions" % sales)
    assert v["currentVersion"] >= 2
    same_rows(rows_of(admin, sales, "by_region"),
              [["EU", 2, 10.5, 7.5, 15], ["US", 1, 20, 20, 20], ["APAC", 1, None, None, None]])


def test_join(admin, sales):
    managed(admin, sales, "regions", [("region", "string"), ("label", "string")],
            "EU\tEurope\nUS\tUnited States\nLATAM\tLatin America\n")
    r = admin.post("/projects/%s/recipes/" % sales, {
        "recipePrototype": {"type": "join", "name": "jn", "projectKey": sales, "inputs": {},
                            "outputs": {"main": {"items": [{"ref": "joined", "appendMode": False}]}}},
        "creationSettings": dict(SINGLE_OUT, virtualInputs=["sales", "regions"])})["name"]

    def upd(p):
        p["joins"][0]["type"] = "LEFT"
    set_payload(admin, sales, r, upd)
    build_ok(admin, sales, "joined")
    assert schema_of(admin, sales, "joined") == [("id", "int"), ("region", "string"), ("amount", "double"),
                                                 ("label", "string")]
    same_rows(rows_of(admin, sales, "joined"),
              [[1, "EU", 10.5, "Europe"], [2, "US", 20, "United States"], [3, "EU", 4.5, "Europe"],
               [4, "APAC", None, None]])

    def inner(p):
        p["joins"][0]["type"] = "INNER"
    set_payload(admin, sales, r, inner)
    build_ok(admin, sales, "joined")
    same_rows(rows_of(admin, sales, "joined"),
              [[1, "EU", 10.5, "Europe"], [2, "US", 20, "United States"], [3, "EU", 4.5, "Europe"]])


def test_prepare(admin, sales):
    r = create_recipe(admin, sales, "prepare", ["sales"], ["prepared"], "prep")

    def upd(p):
        p["steps"] = [
            {"metaType": "PROCESSOR", "type": "RemoveRowsOnEmpty",
             "params": {"appliesTo": "SINGLE_COLUMN", "columns": ["amount"], "keep": False}},
            {"metaType": "PROCESSOR", "type": "ColumnRenamer",
             "params": {"renamings": [{"from": "region", "to": "zone"}]}},
            {"metaType": "PROCESSOR", "type": "CreateColumnWithGREL",
             "params": {"column": "label", "expression": "zone + \"-\" + id"}},
            {"metaType": "PROCESSOR", "type": "StringTransformer",
             "params": {"appliesTo": "SINGLE_COLUMN", "columns": ["zone"], "mode": "TO_LOWER"}},
        ]
    set_payload(admin, sales, r, upd)
    build_ok(admin, sales, "prepared")
    cols = schema_of(admin, sales, "prepared")
    assert [c[0] for c in cols] == ["id", "zone", "amount", "label"]
    same_rows(rows_of(admin, sales, "prepared"),
              [[1, "eu", 10.5, "EU-1"], [2, "us", 20, "US-2"], [3, "eu", 4.5, "EU-3"]])


def test_chain_of_visual_recipes_with_recursive_build(admin, sales):
    """sales -> sort -> sorted -> split -> (big, small); a recursive build of 'big' runs both."""
    srt = create_recipe(admin, sales, "sort", ["sales"], ["sorted"], "srt")
    set_payload(admin, sales, srt, lambda p: p.update({"orders": [{"column": "id", "desc": True}]}))
    managed(admin, sales, "big", None)
    managed(admin, sales, "small", None)
    create_recipe(admin, sales, "split", ["sorted"], ["big", "small"], "spl", {})
    set_payload(admin, sales, "spl", lambda p: p.update({
        "splitMode": "RANGE", "column": "amount",
        "rangeSplits": [{"min": 10, "max": 1000, "outputIndex": 0}], "defaultOutputIndex": 1}))
    st = build_ok(admin, sales, "big", job_type="RECURSIVE_FORCED_BUILD")
    assert st["globalState"]["done"] == 2
    # Sorted output keeps its order.
    assert rows_of(admin, sales, "sorted") == [[4, "APAC", None], [3, "EU", 4.5], [2, "US", 20], [1, "EU", 10.5]]
    same_rows(rows_of(admin, sales, "big"), [[1, "EU", 10.5], [2, "US", 20]])
    same_rows(rows_of(admin, sales, "small"), [[3, "EU", 4.5], [4, "APAC", None]])


def test_smart_rebuild_after_schema_update_runs_nothing(admin, sales):
    """The schema a build sets on its output is part of that build: a smart rebuild right
    after runs nothing; new input data makes it run again."""
    create_recipe(admin, sales, "distinct", ["sales"], ["regions_seen"], "dst")
    set_payload(admin, sales, "dst", lambda p: p.update({"keys": [{"column": "region"}]}))
    st = build_ok(admin, sales, "regions_seen", job_type="RECURSIVE_BUILD")
    assert st["globalState"]["total"] == 1
    same_rows(rows_of(admin, sales, "regions_seen"), [["EU"], ["US"], ["APAC"]])
    st = build_ok(admin, sales, "regions_seen", job_type="RECURSIVE_BUILD")
    assert st["globalState"]["total"] == 0
    admin.call("PUT", "/projects/%s/datasets/sales/data/" % sales, params={"mode": "append"},
               data=b"5\tLATAM\t1\n")
    st = build_ok(admin, sales, "regions_seen", job_type="RECURSIVE_BUILD")
    assert st["globalState"]["total"] == 1
    same_rows(rows_of(admin, sales, "regions_seen"), [["EU"], ["US"], ["APAC"], ["LATAM"]])


def test_partitioned_sync_builds_one_partition(admin, project):
    part = {"dimensions": [{"name": "region", "type": "value"}]}
    for n in ("psrc", "pdst"):
        managed(admin, project, n, [("id", "int"), ("amount", "double")])
        d = admin.get("/projects/%s/datasets/%s" % (project, n))
        d["partitioning"] = part
        admin.put("/projects/%s/datasets/%s" % (project, n), d)
    for region, rows in (("EU", "1\t10.5\n3\t4.5\n"), ("US", "2\t20\n")):
        admin.call("PUT", "/projects/%s/datasets/psrc/data/" % project,
                   params={"partition": region}, data=rows.encode())
    create_recipe(admin, project, "sync", ["psrc"], ["pdst"], "psync", {})
    job = admin.post("/projects/%s/jobs/" % project,
                     {"type": "NON_RECURSIVE_FORCED_BUILD",
                      "outputs": [{"id": "pdst", "type": "DATASET", "partition": "EU"}]})
    deadline = time.time() + 60
    while True:
        st = admin.get("/projects/%s/jobs/%s/" % (project, job["id"]), params={"waitForChangeMs": 5000})
        if st["baseStatus"]["state"] in TERMINAL:
            break
        assert time.time() < deadline
    assert st["baseStatus"]["state"] == "DONE", st["baseStatus"].get("unexpectedFailure")
    assert admin.get("/projects/%s/datasets/pdst/partitions" % project) == ["EU"]
    same_rows(rows_of(admin, project, "pdst"), [[1, 10.5], [3, 4.5]])


def test_stack_window_topn_sampling(admin, sales):
    managed(admin, sales, "more_sales", SALES, "5\tUS\t7\n")
    admin.post("/projects/%s/recipes/" % sales, {
        "recipePrototype": {"type": "vstack", "name": "stk", "projectKey": sales, "inputs": {},
                            "outputs": {"main": {"items": [{"ref": "all_sales", "appendMode": False}]}}},
        "creationSettings": dict(SINGLE_OUT, virtualInputs=["sales", "more_sales"])})
    create_recipe(admin, sales, "window", ["all_sales"], ["ranked"], "win")
    set_payload(admin, sales, "win", lambda p: p.update({
        "windows": [{"partitioningColumns": ["region"], "enablePartitioning": True,
                     "orders": [{"column": "id", "desc": False}], "enableOrdering": True}],
        "rowNumber": True, "values": [{"column": "amount", "sum": True}]}))
    create_recipe(admin, sales, "topn", ["ranked"], ["top2"], "tn")
    set_payload(admin, sales, "tn", lambda p: p.update({
        "orders": [{"column": "id", "desc": True}], "firstRows": 2, "keys": [], "retrievedColumns": ["id", "region"]}))
    create_recipe(admin, sales, "sampling", ["all_sales"], ["us_only"], "smp")
    set_payload(admin, sales, "smp", lambda p: p.update({
        "filter": {"enabled": True, "uiData": {"mode": "&&", "conditions": [
            {"input": "region", "operator": "== [string]", "string": "US"}]}},
        "selection": {"samplingMethod": "FULL"}}))
    st = build_ok(admin, sales, "top2", job_type="RECURSIVE_BUILD")
    assert st["globalState"]["done"] == 3
    same_rows(rows_of(admin, sales, "all_sales"),
              [[1, "EU", 10.5], [2, "US", 20], [3, "EU", 4.5], [4, "APAC", None], [5, "US", 7]])
    ranked = rows_of(admin, sales, "ranked")
    cols = [c[0] for c in schema_of(admin, sales, "ranked")]
    by_id = {r[cols.index("id")]: dict(zip(cols, r)) for r in ranked}
    assert by_id[5]["row_number"] == 2 and by_id[2]["row_number"] == 1
    assert by_id[5]["amount_sum"] == 27 and by_id[3]["amount_sum"] == 15
    same_rows(rows_of(admin, sales, "top2"), [[5, "US"], [4, "APAC"]])
    build_ok(admin, sales, "us_only")
    same_rows(rows_of(admin, sales, "us_only"), [[2, "US", 20], [5, "US", 7]])


def test_pivot_probes_values(admin, sales):
    r = create_recipe(admin, sales, "pivot", ["sales"], ["pivoted"], "pvt")
    set_payload(admin, sales, r, lambda p: p.update({
        "explicitIdentifiers": [],
        "pivots": [{"keyColumns": ["region"], "valueLimit": "NO_LIMIT", "globalCount": False,
                    "valuesColumns": [{"column": "amount", "sum": True}]}]}))
    build_ok(admin, sales, "pivoted")
    cols = [c[0] for c in schema_of(admin, sales, "pivoted")]
    assert set(cols) == {"APAC_amount_sum", "EU_amount_sum", "US_amount_sum"}
    rows = rows_of(admin, sales, "pivoted")
    assert len(rows) == 1
    assert dict(zip(cols, rows[0])) == {"APAC_amount_sum": None, "EU_amount_sum": 15, "US_amount_sum": 20}


def test_sql_query_on_duckdb(admin, sales):
    r = create_recipe(admin, sales, "sql_query", ["sales"], ["sq_out"], "sq")
    set_payload(admin, sales, r,
                "SELECT region, count(*) AS n, sum(amount) AS total\nFROM sales\nGROUP BY region;\n")
    build_ok(admin, sales, "sq_out")
    assert schema_of(admin, sales, "sq_out") == [("region", "string"), ("n", "bigint"), ("total", "double")]
    same_rows(rows_of(admin, sales, "sq_out"), [["EU", 2, 15], ["US", 1, 20], ["APAC", 1, None]])


def test_sql_error_fails_the_job_with_the_message(admin, sales):
    r = create_recipe(admin, sales, "sql_query", ["sales"], ["bad_out"], "bad")
    set_payload(admin, sales, r, "SELEC region FROM sales")
    st = build(admin, sales, "bad_out")
    assert st["baseStatus"]["state"] == "FAILED"
    assert st["globalState"]["failed"] == 1
    fail = st["baseStatus"]["unexpectedFailure"]
    assert "syntax error" in fail["message"] and "SELEC" in fail["message"]
    assert "syntax error" in job_log(admin, sales, st["id"])
    # Nothing was written and the (empty) output schema is unchanged.
    assert admin.get("/projects/%s/datasets/bad_out/versions" % sales)["currentVersion"] == 0
    # An unknown column is a SQL error too.
    set_payload(admin, sales, r, "SELECT nope FROM sales")
    st = build(admin, sales, "bad_out")
    assert st["baseStatus"]["state"] == "FAILED"
    assert "nope" in st["baseStatus"]["unexpectedFailure"]["message"]


def test_recipe_broken_by_input_schema_change_fails_clearly(admin, sales):
    r = create_recipe(admin, sales, "grouping", ["sales"], ["g2"], "g2r", dict(SINGLE_OUT, groupKey="region"))
    admin.put("/projects/%s/datasets/sales/schema" % sales,
              {"columns": [{"name": "id", "type": "int"}, {"name": "zone", "type": "string"},
                           {"name": "amount", "type": "double"}]})
    st = build(admin, sales, "g2")
    assert st["baseStatus"]["state"] == "FAILED"
    assert "region" in st["baseStatus"]["unexpectedFailure"]["message"]


def test_sql_script_needs_a_sql_connection(admin, sales):
    managed(admin, sales, "script_out", [("x", "int")])
    create_recipe(admin, sales, "sql_script", ["sales"], ["script_out"], "scr", {"script": "SELECT 1"})
    st = build(admin, sales, "script_out")
    assert st["baseStatus"]["state"] == "FAILED"
    assert "PostgreSQL" in st["baseStatus"]["unexpectedFailure"]["message"]


# ---------------------------------------------------------------------------------------
# PostgreSQL


@pytest.fixture(scope="module")
def pg():
    return require_pg()


@pytest.fixture
def pg_sales(admin, project, pg):
    conn = create_pg_connection(admin, unique("pgjobs"), pg)
    src = unique("jsales").lower()
    psql("CREATE TABLE %s (id integer, region text, amount double precision);"
         "INSERT INTO %s VALUES (1, 'EU', 10.5), (2, 'US', 20), (3, 'EU', 4.5), (4, 'APAC', NULL);"
         % (src, src))
    admin.post("/projects/%s/datasets/" % project,
               {"name": "pg_sales", "projectKey": project, "type": "PostgreSQL",
                "params": {"connection": conn, "mode": "table", "schema": "public", "table": src}})
    admin.put("/projects/%s/datasets/pg_sales/schema" % project,
              {"columns": [{"name": n, "type": t} for n, t in SALES]})
    return project, conn


def pg_output(admin, project, conn, name):
    table = unique(name).lower()
    admin.post("/projects/%s/datasets/" % project,
               {"name": name, "projectKey": project, "type": "PostgreSQL",
                "params": {"connection": conn, "mode": "table", "schema": "public", "table": table}})
    return table


def test_pg_to_pg_grouping_runs_in_database(admin, pg_sales):
    project, conn = pg_sales
    table = pg_output(admin, project, conn, "pg_by_region")
    create_recipe(admin, project, "grouping", ["pg_sales"], ["pg_by_region"], "pg_grp",
                  {"groupKey": "region", "createOutputDataset": False})
    set_payload(admin, project, "pg_grp", lambda p: p.update(
        {"values": [{"column": "amount", "sum": True}], "globalCount": True}))
    st = build_ok(admin, project, "pg_by_region")
    log = job_log(admin, project, st["id"])
    assert "in-database on PostgreSQL connection '%s'" % conn in log
    # The table exists in PostgreSQL, written by PostgreSQL itself.
    same_rows([[r[0], int(r[1]), None if r[2] == "" else float(r[2])]
               for r in psql("SELECT region, count, amount_sum FROM public.%s" % table)],
              [["EU", 2, 15.0], ["US", 1, 20.0], ["APAC", 1, None]])
    assert schema_of(admin, project, "pg_by_region") == [("region", "string"), ("count", "bigint"),
                                                         ("amount_sum", "double")]
    same_rows(rows_of(admin, project, "pg_by_region"), [["EU", 2, 15], ["US", 1, 20], ["APAC", 1, None]])
    # The table is made from the output schema.
    assert psql("SELECT column_name, data_type FROM information_schema.columns WHERE table_name = '%s' "
                "ORDER BY ordinal_position" % table) == [
        ["region", "text"], ["count", "bigint"], ["amount_sum", "double precision"]]
    # Rebuilding replaces the table.
    build_ok(admin, project, "pg_by_region")
    assert psql("SELECT count(*) FROM public.%s" % table) == [["3"]]


def test_pg_sql_query_in_database_and_error(admin, pg_sales):
    project, conn = pg_sales
    src = admin.get("/projects/%s/datasets/pg_sales" % project)["params"]["table"]
    table = pg_output(admin, project, conn, "pg_q")
    create_recipe(admin, project, "sql_query", ["pg_sales"], ["pg_q"], "pg_sq", {"script": None})
    set_payload(admin, project, "pg_sq", "SELECT id, amount * 2 AS twice FROM public.%s WHERE amount > 5" % src)
    st = build_ok(admin, project, "pg_q")
    assert "in-database" in job_log(admin, project, st["id"])
    assert schema_of(admin, project, "pg_q") == [("id", "int"), ("twice", "double")]
    same_rows(rows_of(admin, project, "pg_q"), [[1, 21], [2, 40]])
    set_payload(admin, project, "pg_sq", "SELECT id FROM public.%s WHERE" % src)
    st = build(admin, project, "pg_q")
    assert st["baseStatus"]["state"] == "FAILED"
    assert "syntax error" in st["baseStatus"]["unexpectedFailure"]["message"]
    # The failed build left the previous table in place.
    assert psql("SELECT count(*) FROM public.%s" % table) == [["2"]]


def test_pg_input_to_managed_output_runs_on_duckdb(admin, pg_sales):
    project, conn = pg_sales
    create_recipe(admin, project, "grouping", ["pg_sales"], ["local_by_region"], "mix_grp",
                  dict(SINGLE_OUT, groupKey="region"))
    set_payload(admin, project, "mix_grp", lambda p: p.update({"values": [{"column": "amount", "sum": True}]}))
    st = build_ok(admin, project, "local_by_region")
    assert "DuckDB" in job_log(admin, project, st["id"])
    same_rows(rows_of(admin, project, "local_by_region"), [["EU", 15], ["US", 20], ["APAC", None]])


def test_managed_input_to_pg_output_runs_on_duckdb_and_copies(admin, pg_sales):
    project, conn = pg_sales
    cols = [("id", "int"), ("s", "string"), ("t", "date"), ("b", "boolean"), ("x", "double")]
    managed(admin, project, "local", cols,
            '1\t""\t2020-01-31T12:00:00.000Z\ttrue\t1.5\n'
            '2\t\t\t\t\n'
            '3\t"quote ""x"", comma\ttab"\t1999-12-31T23:59:59.000Z\tfalse\t-2\n')
    table = pg_output(admin, project, conn, "pg_copy")
    create_recipe(admin, project, "sync", ["local"], ["pg_copy"], "to_pg", {"createOutputDataset": False})
    st = build_ok(admin, project, "pg_copy")
    log = job_log(admin, project, st["id"])
    assert "DuckDB" in log and "Wrote 3 records to pg_copy (PostgreSQL table" in log
    assert schema_of(admin, project, "pg_copy") == cols
    # NULL and the empty string stay distinct; timestamps keep their instant.
    got = psql("SELECT id, replace(coalesce(s, '<null>'), E'\\t', '<TAB>'), to_char(t AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS'), "
               "b, x FROM public.%s ORDER BY id" % table)
    assert got == [["1", "", "2020-01-31 12:00:00", "t", "1.5"],
                   ["2", "<null>", "", "", ""],
                   ["3", 'quote "x", comma<TAB>tab', "1999-12-31 23:59:59", "f", "-2"]]
    # (PostgreSQL datasets render instants without milliseconds.)
    same_rows([[r[0], r[1], r[2] and r[2].replace(".000Z", "Z"), r[3], r[4]]
               for r in rows_of(admin, project, "pg_copy")],
              [[1, "", "2020-01-31T12:00:00Z", True, 1.5], [2, None, None, None, None],
               [3, 'quote "x", comma\ttab', "1999-12-31T23:59:59Z", False, -2]])
    # A failing recipe leaves the table as it was.
    admin.delete("/projects/%s/recipes/to_pg" % project)
    create_recipe(admin, project, "sql_query", ["local"], ["pg_copy"], "to_pg_q", {"script": None})
    set_payload(admin, project, "to_pg_q", "SELECT id, s FROM local WHERE")
    st = build(admin, project, "pg_copy")
    assert st["baseStatus"]["state"] == "FAILED"
    assert "syntax error" in st["baseStatus"]["unexpectedFailure"]["message"]
    assert psql("SELECT count(*) FROM public.%s" % table) == [["3"]]
    # A SQL query into PostgreSQL takes the schema of its result.
    set_payload(admin, project, "to_pg_q", "SELECT id * 10 AS id10, upper(s) AS big FROM local WHERE id <> 2")
    build_ok(admin, project, "pg_copy")
    assert schema_of(admin, project, "pg_copy") == [("id10", "int"), ("big", "string")]
    same_rows(rows_of(admin, project, "pg_copy"), [[10, ""], [30, 'QUOTE "X", COMMA\tTAB']])


def test_pg_sql_script_writes_its_output(admin, pg_sales):
    project, conn = pg_sales
    src = admin.get("/projects/%s/datasets/pg_sales" % project)["params"]["table"]
    table = pg_output(admin, project, conn, "pg_scripted")
    create_recipe(admin, project, "sql_script", ["pg_sales"], ["pg_scripted"], "pg_scr", {"script": None})
    set_payload(admin, project, "pg_scr",
                "DROP TABLE IF EXISTS public.%s;\nCREATE TABLE public.%s AS SELECT region, max(amount) AS top "
                "FROM public.%s GROUP BY region;\n" % (table, table, src))
    st = build_ok(admin, project, "pg_scripted")
    assert "SQL script on PostgreSQL connection" in job_log(admin, project, st["id"])
    assert schema_of(admin, project, "pg_scripted") == [("region", "string"), ("top", "double")]
    same_rows(rows_of(admin, project, "pg_scripted"), [["EU", 10.5], ["US", 20], ["APAC", None]])
    # A failing statement rolls the whole script back.
    set_payload(admin, project, "pg_scr",
                "DELETE FROM public.%s;\nINSERT INTO public.%s VALUES ('x', 1, 2);\n" % (table, table))
    st = build(admin, project, "pg_scripted")
    assert st["baseStatus"]["state"] == "FAILED"
    assert "INSERT has more expressions" in st["baseStatus"]["unexpectedFailure"]["message"]
    assert psql("SELECT count(*) FROM public.%s" % table) == [["3"]]


def test_failed_output_keeps_every_output_of_the_activity_unchanged(admin, sales):
    """split -> (big: managed, bad: Inline, which recipes cannot write): the activity fails on
    'bad' after writing 'big', and 'big' keeps its previous version, rows and schema."""
    managed(admin, sales, "big", [("id", "int")], "7\n")
    admin.post("/projects/%s/datasets/" % sales,
               {"name": "bad", "projectKey": sales, "type": "Inline", "params": {},
                "schema": {"columns": [{"name": "id", "type": "int"}]}, "inlineData": []})
    create_recipe(admin, sales, "split", ["sales"], ["big", "bad"], "spl2", {})
    set_payload(admin, sales, "spl2", lambda p: p.update({
        "splitMode": "RANGE", "column": "amount",
        "rangeSplits": [{"min": 10, "max": 1000, "outputIndex": 0}], "defaultOutputIndex": 1}))
    versions = admin.get("/projects/%s/datasets/big/versions" % sales)
    st = build(admin, sales, "big")
    assert st["baseStatus"]["state"] == "FAILED", st["baseStatus"]
    assert "bad" in job_log(admin, sales, st["id"])
    assert admin.get("/projects/%s/datasets/big/versions" % sales) == versions
    assert rows_of(admin, sales, "big") == [[7]]
    assert schema_of(admin, sales, "big") == [("id", "int")]
