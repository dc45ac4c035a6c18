"""Dataset metrics and checks (endpoints.md §3.3.5, semantics.md §5.5): probes basic, records
and col_stats computed by DuckDB on file datasets and in-database on PostgreSQL datasets, last
values and history per partition / ALL, numericRange checks, and errors that change nothing."""
import json
import os
import statistics

import pytest

from conftest import ILLEGAL_ARGUMENT, NOT_FOUND, DssError, assert_error
from pg_support import create_pg_connection, psql, require_pg

# id int, x double, name string; empty unquoted field = null.
ROWS = "1\t1.5\ta\n2\t2.5\tb\n3\t\ta\n4\t4\t\n5\t-1\tc\n"
X = [1.5, 2.5, 4.0, -1.0]


def ds_path(project, name, suffix=""):
    return "/projects/%s/datasets/%s%s" % (project, name, suffix)


def managed(admin, project, name, columns, fmt="CSV_EXCEL_GZIP", partitioning=None):
    admin.post("/projects/%s/datasets/managed" % project,
               {"name": name, "creationSettings": {"connectionId": "filesystem_managed",
                                                   "specificSettings": {"formatOptionId": fmt}}})
    if partitioning:
        d = admin.get(ds_path(project, name))
        d["partitioning"] = partitioning
        admin.put(ds_path(project, name), d)
    admin.put(ds_path(project, name, "/schema"),
              {"columns": [{"name": n, "type": t} for n, t in columns]})


def write(admin, project, name, body, **params):
    q = {"format": "tsv-excel-noheader"}
    q.update(params)
    return admin.call("PUT", ds_path(project, name, "/data/"), params=q, data=body.encode("utf-8"))


def compute_ids(admin, project, name, ids, partition=""):
    # The client sends partition as an empty value, never drops it.
    return admin.post(ds_path(project, name, "/actions/computeMetricsFromIds"),
                      {"metricIds": ids}, params={"partition": partition})


def last(admin, project, name, partition="NP"):
    """{metric id: lastValues} as the client reads get_last_metric_values()."""
    res = admin.get(ds_path(project, name, "/metrics/last/%s" % partition))
    return {m["metric"]["id"]: m["lastValues"] for m in res["metrics"]}


def only_value(last_values, partition):
    assert len(last_values) == 1, last_values
    lv = last_values[0]
    assert lv["partition"] == partition
    return lv["value"], lv["dataType"]


@pytest.fixture
def sample(admin, project):
    managed(admin, project, "s", [("id", "int"), ("x", "double"), ("name", "string")])
    write(admin, project, "s", ROWS)
    return "s"


def test_col_stats_exact_values(admin, project, sample):
    ids = ["records:COUNT_RECORDS"]
    for agg in ("MIN", "MAX", "AVG", "SUM", "COUNT", "STDDEV", "COUNT_NULL", "COUNT_DISTINCT"):
        ids += ["col_stats:%s:id" % agg, "col_stats:%s:x" % agg]
    ids += ["col_stats:MIN:name", "col_stats:MAX:name", "col_stats:COUNT:name",
            "col_stats:COUNT_NULL:name", "col_stats:COUNT_DISTINCT:name"]
    report = compute_ids(admin, project, sample, ids)
    assert report["partition"] == "NP"
    assert {c["metricId"] for c in report["computed"]} == set(ids)

    lv = last(admin, project, sample)
    assert set(lv) == set(ids)
    got = {k: only_value(v, "NP") for k, v in lv.items()}
    assert got["records:COUNT_RECORDS"] == ("5", "BIGINT")
    assert got["col_stats:MIN:id"] == ("1", "BIGINT")
    assert got["col_stats:MAX:id"] == ("5", "BIGINT")
    assert got["col_stats:SUM:id"] == ("15", "BIGINT")
    assert got["col_stats:COUNT:id"] == ("5", "BIGINT")
    assert got["col_stats:COUNT_NULL:id"] == ("0", "BIGINT")
    assert got["col_stats:COUNT_DISTINCT:id"] == ("5", "BIGINT")
    assert got["col_stats:AVG:id"][1] == "DOUBLE" and float(got["col_stats:AVG:id"][0]) == 3.0
    assert float(got["col_stats:STDDEV:id"][0]) == pytest.approx(statistics.stdev([1, 2, 3, 4, 5]))

    assert got["col_stats:COUNT:x"] == ("4", "BIGINT")
    assert got["col_stats:COUNT_NULL:x"] == ("1", "BIGINT")
    assert got["col_stats:COUNT_DISTINCT:x"] == ("4", "BIGINT")
    for agg, want in (("MIN", -1.0), ("MAX", 4.0), ("SUM", 7.0), ("AVG", 1.75)):
        value, dtype = got["col_stats:%s:x" % agg]
        assert dtype == "DOUBLE" and float(value) == want, (agg, value)
    assert float(got["col_stats:STDDEV:x"][0]) == pytest.approx(statistics.stdev(X), rel=1e-12)

    assert got["col_stats:MIN:name"] == ("a", "STRING")
    assert got["col_stats:MAX:name"] == ("c", "STRING")
    assert got["col_stats:COUNT:name"] == ("4", "BIGINT")
    assert got["col_stats:COUNT_NULL:name"] == ("1", "BIGINT")
    assert got["col_stats:COUNT_DISTINCT:name"] == ("3", "BIGINT")


def test_basic_probe_counts_files_and_bytes(admin, server, project, sample):
    # Default computeMetrics (no body, no probes on the dataset): basic + records.
    r = admin.raw("POST", ds_path(project, sample, "/actions/computeMetrics"),
                  params={"partition": ""})
    assert r.status_code == 200, r.text
    lv = last(admin, project, sample)
    assert set(lv) == {"basic:COUNT_COLUMNS", "basic:SIZE", "basic:COUNT_FILES",
                       "records:COUNT_RECORDS"}
    version = admin.get(ds_path(project, sample, "/versions"))["currentVersion"]
    vdir = [os.path.join(server.data_dir, "managed_datasets", project, sample, d)
            for d in os.listdir(os.path.join(server.data_dir, "managed_datasets", project, sample))
            if d.startswith("v") and int(d[1:]) == version]
    assert len(vdir) == 1
    files = [os.path.join(dp, f) for dp, _, fs in os.walk(vdir[0]) for f in fs
             if f.startswith("part-")]
    assert files
    assert only_value(lv["basic:COUNT_FILES"], "NP") == (str(len(files)), "BIGINT")
    assert only_value(lv["basic:SIZE"], "NP") == (str(sum(os.path.getsize(f) for f in files)),
                                                  "BIGINT")
    assert only_value(lv["basic:COUNT_COLUMNS"], "NP") == ("3", "BIGINT")
    assert only_value(lv["records:COUNT_RECORDS"], "NP") == ("5", "BIGINT")
    # "" maps to NP on reads too
    assert last(admin, project, sample, "NP") == last(admin, project, sample, "ALL")


def test_uploaded_file_size(admin, server, project):
    admin.post("/projects/%s/datasets/" % project,
               {"name": "up", "projectKey": project, "type": "UploadedFiles", "params": {},
                "formatType": "csv",
                "formatParams": {"separator": ",", "quoteChar": '"', "escapeChar": "\\",
                                 "style": "excel", "parseHeaderRow": True, "charset": "utf8"},
                "schema": {"columns": [{"name": "a", "type": "bigint"}]}})
    d = os.path.join(server.data_dir, "uploads", project, "up")
    os.makedirs(d)
    with open(os.path.join(d, "one.csv"), "w") as f:
        f.write("a\n1\n2\n")
    with open(os.path.join(d, "two.csv"), "w") as f:
        f.write("a\n10\n")
    compute_ids(admin, project, "up", ["basic:SIZE", "basic:COUNT_FILES", "records:COUNT_RECORDS",
                                       "col_stats:SUM:a"])
    lv = last(admin, project, "up")
    assert only_value(lv["basic:SIZE"], "NP")[0] == str(6 + 5)
    assert only_value(lv["basic:COUNT_FILES"], "NP")[0] == "2"
    assert only_value(lv["records:COUNT_RECORDS"], "NP")[0] == "3"
    assert only_value(lv["col_stats:SUM:a"], "NP")[0] == "13"


def test_probes_body_and_dataset_probes(admin, project, sample):
    probes = [{"type": "col_stats", "enabled": True, "meta": {"name": "Columns"},
               "configuration": {"aggregates": [{"aggregated": "MAX", "column": "x"},
                                                {"aggregated": "COUNT_NULL", "column": "name"}]}},
              {"type": "records", "enabled": False}]
    rep = admin.post(ds_path(project, sample, "/actions/computeMetrics"), probes,
                     params={"partition": ""})
    assert sorted(c["metricId"] for c in rep["computed"]) == ["col_stats:COUNT_NULL:name",
                                                               "col_stats:MAX:x"]
    assert set(last(admin, project, sample)) == {"col_stats:COUNT_NULL:name", "col_stats:MAX:x"}
    # Probes saved on the dataset are what a body-less compute uses.
    d = admin.get(ds_path(project, sample))
    d["metrics"] = {"probes": [{"type": "col_stats", "enabled": True, "configuration": {
        "aggregates": [{"aggregated": "MIN", "column": "id"}]}}]}
    admin.put(ds_path(project, sample), d)
    rep = admin.post(ds_path(project, sample, "/actions/computeMetrics"),
                     params={"partition": ""})
    assert [(c["metricId"], c["value"]) for c in rep["computed"]] == [("col_stats:MIN:id", "1")]
    with pytest.raises(DssError) as e:
        admin.post(ds_path(project, sample, "/actions/computeMetrics"),
                   [{"type": "python", "enabled": True}])
    assert_error(e, 400, ILLEGAL_ARGUMENT)


def test_history_grows(admin, project, sample):
    compute_ids(admin, project, sample, ["records:COUNT_RECORDS", "col_stats:MAX:id"])
    write(admin, project, sample, "6\t0\tz\n", mode="append")
    compute_ids(admin, project, sample, ["records:COUNT_RECORDS"])
    h = admin.get(ds_path(project, sample, "/metrics/history/NP"),
                  params={"metricLookup": "records:COUNT_RECORDS"})
    assert [v["value"] for v in h["values"]] == ["5", "6"]
    assert h["metric"]["id"] == "records:COUNT_RECORDS"
    assert h["lastValue"]["value"] == "6"
    assert h["from"] <= h["to"] and h["values"][0]["time"] <= h["values"][1]["time"]
    # JSON lookup, as get_metric_history sends for a metric dict
    h2 = admin.get(ds_path(project, sample, "/metrics/history/NP"),
                   params={"metricLookup": json.dumps({"metricId": "col_stats:MAX:id"})})
    assert [v["value"] for v in h2["values"]] == ["5"]
    assert only_value(last(admin, project, sample)["records:COUNT_RECORDS"], "NP")[0] == "6"
    # last values keep the metric not recomputed
    assert only_value(last(admin, project, sample)["col_stats:MAX:id"], "NP")[0] == "5"
    with pytest.raises(DssError) as e:
        admin.get(ds_path(project, sample, "/metrics/history/NP"))
    assert_error(e, 400, ILLEGAL_ARGUMENT)


def test_metrics_follow_rename_and_end_with_delete(admin, project, sample):
    compute_ids(admin, project, sample, ["records:COUNT_RECORDS"])
    admin.post("/projects/%s/actions/renameDataset" % project, {"oldName": sample, "newName": "s2"})
    assert only_value(last(admin, project, "s2")["records:COUNT_RECORDS"], "NP")[0] == "5"
    admin.delete(ds_path(project, "s2"), params={"dropData": "true"})
    # A new dataset under an old name starts without metrics or history.
    for name in ("s", "s2"):
        managed(admin, project, name, [("id", "int")])
        assert last(admin, project, name) == {}
        h = admin.get(ds_path(project, name, "/metrics/history/NP"),
                      params={"metricLookup": "records:COUNT_RECORDS"})
        assert h["values"] == []


def check(label, metric_id, **bounds):
    c = {"type": "numericRange", "metricId": metric_id, "computeOnBuildMode": "NO",
         "meta": {"label": label, "name": label}}
    for k, v in bounds.items():
        c[k] = v
        c[k + "Enabled"] = True
    return c


def test_run_checks_outcomes(admin, project, sample):
    d = admin.get(ds_path(project, sample))
    d["metricsChecks"] = {"runOnBuild": False, "checks": [
        check("ok", "records:COUNT_RECORDS", minimum=1, maximum=10, softMaximum=8),
        check("warn", "records:COUNT_RECORDS", maximum=10, softMaximum=3),
        check("err", "col_stats:MAX:x", minimum=5),
        check("soft_off", "records:COUNT_RECORDS", softMaximum=3)]}
    d["metricsChecks"]["checks"][3]["softMaximumEnabled"] = False
    admin.put(ds_path(project, sample), d)
    res = admin.post(ds_path(project, sample, "/actions/runChecks"), params={"partition": ""})
    outcomes = {r["checkId"]: r["value"]["outcome"] for r in res["results"]}
    assert outcomes == {"check:CHECK:ok": "OK", "check:CHECK:warn": "WARNING",
                        "check:CHECK:err": "ERROR", "check:CHECK:soft_off": "OK"}
    # The metrics the checks needed were computed; outcomes show as check metrics.
    lv = last(admin, project, sample)
    assert only_value(lv["records:COUNT_RECORDS"], "NP")[0] == "5"
    assert only_value(lv["col_stats:MAX:x"], "NP")[0] in ("4", "4.0")
    assert only_value(lv["check:CHECK:warn"], "NP")[0] == "WARNING"
    # A list of check ids (the client's body) selects them; names work too.
    res = admin.post(ds_path(project, sample, "/actions/runChecks"), ["check:CHECK:err", "ok"],
                     params={"partition": ""})
    assert sorted((r["checkId"], r["value"]["outcome"]) for r in res["results"]) == [
        ("check:CHECK:err", "ERROR"), ("check:CHECK:ok", "OK")]
    with pytest.raises(DssError) as e:
        admin.post(ds_path(project, sample, "/actions/runChecks"), ["check:CHECK:nope"])
    assert_error(e, 400, ILLEGAL_ARGUMENT)
    assert "nope" in e.value.body["message"]


def test_partitioned_dataset_per_partition_and_all(admin, project):
    managed(admin, project, "p", [("a", "int")], fmt="PARQUET_HIVE",
            partitioning={"dimensions": [{"name": "country", "type": "value"}]})
    write(admin, project, "p", "1\n2\n", partition="FR")
    write(admin, project, "p", "10\n", partition="IT")
    ids = ["records:COUNT_RECORDS", "col_stats:SUM:a", "basic:COUNT_FILES"]
    assert compute_ids(admin, project, "p", ids, partition="FR")["partition"] == "FR"
    compute_ids(admin, project, "p", ids, partition="IT")
    assert compute_ids(admin, project, "p", ids, partition="")["partition"] == "ALL"
    fr = last(admin, project, "p", "FR")
    assert only_value(fr["records:COUNT_RECORDS"], "FR")[0] == "2"
    assert only_value(fr["col_stats:SUM:a"], "FR")[0] == "3"
    assert only_value(fr["basic:COUNT_FILES"], "FR")[0] == "1"
    it = last(admin, project, "p", "IT")
    assert only_value(it["records:COUNT_RECORDS"], "IT")[0] == "1"
    alls = last(admin, project, "p", "ALL")
    assert only_value(alls["records:COUNT_RECORDS"], "ALL")[0] == "3"
    assert only_value(alls["col_stats:SUM:a"], "ALL")[0] == "13"
    assert only_value(alls["basic:COUNT_FILES"], "ALL")[0] == "2"
    # history is kept per partition
    write(admin, project, "p", "3\n", partition="FR", mode="append")
    compute_ids(admin, project, "p", ["records:COUNT_RECORDS"], partition="FR")
    hfr = admin.get(ds_path(project, "p", "/metrics/history/FR"),
                    params={"metricLookup": "records:COUNT_RECORDS"})
    assert [v["value"] for v in hfr["values"]] == ["2", "3"]
    hall = admin.get(ds_path(project, "p", "/metrics/history/ALL"),
                     params={"metricLookup": "records:COUNT_RECORDS"})
    assert [v["value"] for v in hall["values"]] == ["3"]
    with pytest.raises(DssError) as e:
        compute_ids(admin, project, "p", ids, partition="FR|x")
    assert_error(e, 400, ILLEGAL_ARGUMENT)


def test_errors_change_nothing(admin, project, sample):
    compute_ids(admin, project, sample, ["records:COUNT_RECORDS"])
    before = admin.get(ds_path(project, sample, "/metrics/last/NP"))
    bad = [(["records:COUNT_RECORDS", "col_stats:MAX:nope"], "nope"),
           (["records:COUNT_RECORDS", "foo:BAR"], "foo:BAR"),
           (["col_stats:MEDIAN:x"], "col_stats:MEDIAN:x"),
           (["col_stats:AVG:name"], "name")]
    for ids, named in bad:
        with pytest.raises(DssError) as e:
            compute_ids(admin, project, sample, ids)
        body = assert_error(e, 400, ILLEGAL_ARGUMENT)
        assert named in body["message"]
    with pytest.raises(DssError) as e:
        compute_ids(admin, project, sample, ["records:COUNT_RECORDS"], partition="X")
    assert_error(e, 400, ILLEGAL_ARGUMENT)
    with pytest.raises(DssError) as e:
        admin.post(ds_path(project, sample, "/actions/computeMetricsFromIds"), {"metricIds": []})
    assert_error(e, 400, ILLEGAL_ARGUMENT)
    # a check on an unknown metric fails before any compute
    d = admin.get(ds_path(project, sample))
    d["metricsChecks"] = {"checks": [check("c1", "col_stats:MIN:id", minimum=0),
                                     check("c2", "col_stats:MIN:ghost", minimum=0)]}
    admin.put(ds_path(project, sample), d)
    with pytest.raises(DssError) as e:
        admin.post(ds_path(project, sample, "/actions/runChecks"))
    assert_error(e, 400, ILLEGAL_ARGUMENT)
    assert admin.get(ds_path(project, sample, "/metrics/last/NP")) == before
    h = admin.get(ds_path(project, sample, "/metrics/history/NP"),
                  params={"metricLookup": "records:COUNT_RECORDS"})
    assert len(h["values"]) == 1
    for method, suffix, body in (
            ("POST", "/actions/computeMetricsFromIds", {"metricIds": ["records:COUNT_RECORDS"]}),
            ("POST", "/actions/computeMetrics", None),
            ("POST", "/actions/runChecks", None),
            ("GET", "/metrics/last/NP", None)):
        r = admin.raw(method, ds_path(project, "ghost", suffix), body=body,
                      params={"partition": ""})
        assert_error(r, 404, NOT_FOUND, "ERR_DATASET_UNKNOWN")
    r = admin.raw("GET", ds_path(project, "ghost", "/metrics/history/NP"),
                  params={"metricLookup": "records:COUNT_RECORDS"})
    assert_error(r, 404, NOT_FOUND, "ERR_DATASET_UNKNOWN")


def test_inline_dataset_records_without_files(admin, project):
    admin.post("/projects/%s/datasets/" % project,
               {"name": "inl", "projectKey": project, "type": "Inline", "params": {},
                "schema": {"columns": [{"name": "v", "type": "int"}]},
                "inlineData": [[3], [4], [None]]})
    rep = compute_ids(admin, project, "inl", ["records:COUNT_RECORDS", "basic:SIZE",
                                              "col_stats:AVG:v", "col_stats:COUNT_NULL:v"])
    got = {c["metricId"]: c["value"] for c in rep["computed"]}
    # Inline data has no files: SIZE has no value and is left out.
    assert got == {"records:COUNT_RECORDS": "3", "col_stats:AVG:v": "3.5",
                   "col_stats:COUNT_NULL:v": "1"}


# --- PostgreSQL: computed in-database -----------------------------------------------------

@pytest.fixture(scope="module")
def pg():
    return require_pg()


def test_postgresql_table_in_database(admin, project, pg):
    from conftest import unique
    conn = create_pg_connection(admin, unique("pgm"), pg)
    t = unique("metrics").lower()
    psql("""CREATE TABLE %s (id integer, country text, amount double precision);
            INSERT INTO %s VALUES (1, 'FR', 10.5), (2, 'IT', 20), (3, 'FR', NULL),
                                  (4, 'DE', -1.5);""" % (t, t))
    cols = [{"name": "id", "type": "int"}, {"name": "country", "type": "string"},
            {"name": "amount", "type": "double"}]
    admin.post("/projects/%s/datasets/" % project,
               {"name": "pgt", "projectKey": project, "type": "PostgreSQL",
                "params": {"connection": conn, "mode": "table", "schema": "public", "table": t},
                "schema": {"columns": cols, "userModified": True}})
    ids = ["records:COUNT_RECORDS", "basic:SIZE", "basic:COUNT_COLUMNS", "col_stats:SUM:amount",
           "col_stats:AVG:amount", "col_stats:STDDEV:id", "col_stats:COUNT_NULL:amount",
           "col_stats:COUNT_DISTINCT:country", "col_stats:MIN:country", "col_stats:MAX:id"]
    compute_ids(admin, project, "pgt", ids)
    got = {k: only_value(v, "NP") for k, v in last(admin, project, "pgt").items()}
    assert got["records:COUNT_RECORDS"] == ("4", "BIGINT")
    # Only PostgreSQL knows the table's on-disk size: the value proves where it ran.
    size = psql("SELECT pg_total_relation_size('public.%s'::regclass)" % t)[0][0]
    assert got["basic:SIZE"] == (size, "BIGINT")
    assert got["basic:COUNT_COLUMNS"] == ("3", "BIGINT")
    assert got["col_stats:SUM:amount"][1] == "DOUBLE"
    assert float(got["col_stats:SUM:amount"][0]) == 29.0
    assert float(got["col_stats:AVG:amount"][0]) == pytest.approx(29.0 / 3)
    assert float(got["col_stats:STDDEV:id"][0]) == pytest.approx(statistics.stdev([1, 2, 3, 4]))
    assert got["col_stats:COUNT_NULL:amount"] == ("1", "BIGINT")
    assert got["col_stats:COUNT_DISTINCT:country"] == ("3", "BIGINT")
    assert got["col_stats:MIN:country"] == ("DE", "STRING")
    assert got["col_stats:MAX:id"] == ("4", "BIGINT")

    # Column-partitioned: a partition's rows only, stored under the partition.
    admin.post("/projects/%s/datasets/" % project,
               {"name": "pgp", "projectKey": project, "type": "PostgreSQL",
                "params": {"connection": conn, "mode": "table", "schema": "public", "table": t},
                "schema": {"columns": cols, "userModified": True},
                "partitioning": {"dimensions": [{"name": "country", "type": "value"}]}})
    compute_ids(admin, project, "pgp", ["records:COUNT_RECORDS", "col_stats:SUM:id"], partition="FR")
    fr = last(admin, project, "pgp", "FR")
    assert only_value(fr["records:COUNT_RECORDS"], "FR")[0] == "2"
    assert only_value(fr["col_stats:SUM:id"], "FR")[0] == "4"
    compute_ids(admin, project, "pgp", ["records:COUNT_RECORDS"], partition="")
    assert only_value(last(admin, project, "pgp", "ALL")["records:COUNT_RECORDS"], "ALL")[0] == "4"
    # Unknown column: refused before PostgreSQL is asked anything.
    with pytest.raises(DssError) as e:
        compute_ids(admin, project, "pgt", ["col_stats:MIN:nope"])
    assert_error(e, 400, ILLEGAL_ARGUMENT)
