"""Dataset data: streaming reads in the exact TSV dialect the official client parses,
writes into versions, sampling/filter/columns, partitions, clear, copy, detection,
versions and rollback (endpoints.md §2.5, §3.3.3-§3.3.4, §6.1-§6.4)."""
import csv
import gzip
import io
import json
import os
import uuid

import dateutil.parser  # noqa: F401  (the client's date parser; python3-dateutil ships with pandas)
import pytest

from conftest import DssError, ILLEGAL_ARGUMENT, NOT_FOUND, assert_error, unique


# --- the official client's reader, reproduced (dataikuapi/utils.py) -----------------------

def client_cast(value, col_type):
    try:
        if value is None:
            raise ValueError()
        if col_type in ("tinyint", "smallint", "int", "bigint"):
            return int(value)
        if col_type in ("float", "double"):
            return float(value)
        if col_type in ("date", "dateonly", "datetimenotz"):
            return dateutil.parser.parse(value) if value != "" else None
        if col_type == "boolean":
            return value.lower() == "true"
        return value
    except Exception:
        return False if col_type == "boolean" else None


def client_rows(text, columns):
    import itertools
    out = []
    for row in csv.reader(io.StringIO(text, newline=""), delimiter="\t", quotechar='"', doublequote=True):
        out.append([client_cast(v, c["type"]) if c is not None else None
                    for v, c in itertools.zip_longest(row, columns)][:len(columns)])
    return out


def wait_future(admin, state):
    """DSSFuture.wait_for_result: poll GET /futures/{id}?peek=False until hasResult."""
    import time
    deadline = time.time() + 60
    while not state.get("hasResult"):
        assert time.time() < deadline, state
        time.sleep(0.05)
        state = admin.get("/futures/%s" % state["jobId"], params={"peek": False})
    return state["result"]


def iter_rows(admin, project, name, **params):
    """What DSSDataset.iter_rows does: data/ then schema then finish-streaming."""
    sid = str(uuid.uuid4())
    q = {"format": "tsv-excel-noheader", "readSessionId": sid}
    q.update(params)
    r = admin.raw("GET", "/projects/%s/datasets/%s/data/" % (project, name), params=q, stream=True)
    assert r.status_code == 200, r.text
    assert "Content-Encoding" not in r.headers
    raw = r.raw.read().decode("utf-8")
    cols = admin.get("/projects/%s/datasets/%s/schema" % (project, name))["columns"]
    admin.call("GET", "/projects/%s/datasets/%s/finish-streaming/" % (project, name),
               params={"readSessionId": sid})
    return client_rows(raw, cols), raw


def managed(admin, project, name, columns, fmt="PARQUET_HIVE", partitioning=None):
    admin.post("/projects/%s/datasets/managed" % project,
               {"name": name, "creationSettings": {"connectionId": "filesystem_managed",
                                                   "specificSettings": {"formatOptionId": fmt}}})
    if partitioning:
        d = admin.get("/projects/%s/datasets/%s" % (project, name))
        d["partitioning"] = partitioning
        admin.put("/projects/%s/datasets/%s" % (project, name), d)
    admin.put("/projects/%s/datasets/%s/schema" % (project, name),
              {"columns": [{"name": n, "type": t} for n, t in columns]})


def write(admin, project, name, body, **params):
    q = {"format": "tsv-excel-noheader"}
    q.update(params)
    return admin.call("PUT", "/projects/%s/datasets/%s/data/" % (project, name), params=q,
                      data=body.encode("utf-8") if isinstance(body, str) else body)


def tsv(rows):
    buf = io.StringIO()
    w = csv.writer(buf, delimiter="\t", quotechar='"', doublequote=True, lineterminator="\n")
    for r in rows:
        w.writerow(r)
    return buf.getvalue()


TRICKY = [
    ["1", 'quote "inside"', "1.5", "true", "2021-03-04T05:06:07.000Z", "2021-03-04"],
    ["2", "tab\there", "-0.25", "false", "", ""],
    ["3", "new\nline and \r cr", "1e+20", "", "1999-12-31T23:59:59.000Z", "1999-12-31"],
    ["", "", "", "", "", ""],
    ["5", "UTF-8: héllo wörld ✓ 日本", "3", "TRUE", "", "2000-02-29"],
]
COLS = [("i", "int"), ("s", "string"), ("d", "double"), ("b", "boolean"), ("t", "date"), ("day", "dateonly")]


@pytest.mark.parametrize("fmt", ["PARQUET_HIVE", "CSV_EXCEL_GZIP", "CSV_UNIX_GZIP"])
def test_round_trip_tricky_values(admin, project, fmt):
    managed(admin, project, "rt", COLS, fmt)
    r = write(admin, project, "rt", tsv(TRICKY))
    assert r["records"] == len(TRICKY)
    rows, raw = iter_rows(admin, project, "rt")
    expected = client_rows(tsv(TRICKY), [{"name": n, "type": t} for n, t in COLS])
    assert rows == expected
    assert rows[0][1] == 'quote "inside"' and rows[1][1] == "tab\there"
    assert rows[2][1] == "new\nline and \r cr"
    assert rows[3] == [None, "", None, False, None, None]
    assert rows[4][3] is True
    # exact dialect: no header, \n line ends, quoting only when needed
    assert raw.startswith('1\t"quote ""inside"""\t1.5\ttrue\t2021-03-04T05:06:07.000Z\t2021-03-04\n')
    assert raw.split("\n")[1].startswith('2\t"tab\there"\t-0.25\tfalse\t\t\n'[:14])


def test_formats_header_csv_json(admin, project):
    managed(admin, project, "f", [("a", "int"), ("b", "string")])
    write(admin, project, "f", "1\tx,y\n2\t\n")
    base = "/projects/%s/datasets/f/data/" % project
    assert admin.raw("GET", base, params={"format": "tsv-excel-header"}).text == "a\tb\n1\tx,y\n2\t\n"
    assert admin.raw("GET", base, params={"format": "csv"}).text == 'a,b\n1,"x,y"\n2,\n'
    assert json.loads(admin.raw("GET", base, params={"format": "json"}).text) == [[1, "x,y"], [2, None]]
    r = admin.raw("GET", base, params={"format": "xml"})
    assert_error(r, 400, ILLEGAL_ARGUMENT)


def test_json_read_spanning_many_chunks_is_valid(admin, project):
    # More than one 256 KB stream chunk: rows in later chunks still need their separators.
    managed(admin, project, "big", [("a", "int"), ("b", "string")])
    n = 30000
    write(admin, project, "big", "".join("%d\t%s\n" % (i, "v" * 20) for i in range(n)))
    r = admin.raw("GET", "/projects/%s/datasets/big/data/" % project, params={"format": "json"})
    assert len(r.content) > 600 * 1024
    rows = json.loads(r.text)
    assert len(rows) == n
    assert sorted(row[0] for row in rows) == list(range(n))


def test_single_empty_string_column_differs_from_null(admin, project):
    managed(admin, project, "one", [("s", "string")])
    write(admin, project, "one", '""\n\nx\n')
    rows, raw = iter_rows(admin, project, "one")
    assert raw == '""\n\nx\n'
    assert rows == [[""], [None], ["x"]]


def test_columns_sampling_filter_limit(admin, project):
    managed(admin, project, "s", [("k", "int"), ("v", "string"), ("w", "double")])
    write(admin, project, "s", "".join("%d\tv%d\t%s\n" % (i, i, "" if i % 10 == 0 else i / 2) for i in range(100)))
    base = "/projects/%s/datasets/s/data/" % project
    t = admin.raw("GET", base, params={"columns": "v,k", "sampling": json.dumps(
        {"samplingMethod": "HEAD_SEQUENCIAL", "maxRecords": 3})}).text
    assert t == "v0\t0\nv1\t1\nv2\t2\n"
    t = admin.raw("GET", base, params={"sampling": json.dumps({"samplingMethod": "RANDOM_FIXED_NB", "maxRecords": 7})}).text
    lines = t.splitlines()
    assert len(lines) == 7 and len(set(lines)) == 7
    t = admin.raw("GET", base, params={"sampling": json.dumps({"samplingMethod": "RANDOM_FIXED_RATIO", "targetRatio": 0.0})}).text
    assert t == ""
    t = admin.raw("GET", base, params={"sampling": json.dumps({"samplingMethod": "RANDOM_FIXED_RATIO", "targetRatio": 1})}).text
    assert len(t.splitlines()) == 100
    t = admin.raw("GET", base, params={"filter": 'k >= 95 && v != "v97"', "columns": "k"}).text
    assert sorted(int(x) for x in t.split()) == [95, 96, 98, 99]
    t = admin.raw("GET", base, params={"filter": "isBlank(w) and k < 50", "columns": "k"}).text
    assert sorted(int(x) for x in t.split()) == [0, 10, 20, 30, 40]
    t = admin.raw("GET", base, params={"filter": 'or(k == 1, startsWith(v, "v9"))', "columns": "k"}).text
    assert sorted(int(x) for x in t.split()) == [1, 9] + list(range(90, 100))
    t = admin.raw("GET", base, params={"limit": 2, "offset": 10, "columns": "k"}).text
    assert t == "10\n11\n"
    for params in ({"sampling": json.dumps({"samplingMethod": "COLUMN_BASED", "maxRecords": 3})},
                   {"sampling": "{bad json"},
                   {"filter": "k ~ 3"},
                   {"filter": "unknownCol == 3"},
                   {"filter": "regexMatch(v, 'x')"},
                   {"columns": "nope"},
                   {"limit": "abc"}):
        assert_error(admin.raw("GET", base, params=params), 400)


def test_finish_streaming_outcomes(admin, project):
    managed(admin, project, "fs", [("a", "int")])
    write(admin, project, "fs", "1\n")
    rows, _ = iter_rows(admin, project, "fs")
    assert rows == [[1]]
    r = admin.raw("GET", "/projects/%s/datasets/fs/finish-streaming/" % project,
                  params={"readSessionId": "never-seen"})
    assert_error(r, 404)
    # a read that fails before streaming is remembered as failed
    sid = str(uuid.uuid4())
    r = admin.raw("GET", "/projects/%s/datasets/fs/data/" % project,
                  params={"readSessionId": sid, "filter": "nope == 1"})
    assert r.status_code == 400
    r = admin.raw("GET", "/projects/%s/datasets/fs/finish-streaming/" % project,
                  params={"readSessionId": sid})
    assert_error(r, 400)


def test_cut_stream_is_reported(admin, server, project):
    import socket
    managed(admin, project, "big", [("a", "bigint"), ("s", "string")])
    body = "".join("%d\t%s\n" % (i, "x" * 200) for i in range(200000))
    write(admin, project, "big", body)
    sid = str(uuid.uuid4())
    s = socket.create_connection(("127.0.0.1", server.port))
    import base64
    auth = base64.b64encode((server.admin_key + ":").encode()).decode()
    s.sendall(("GET /public/api/projects/%s/datasets/big/data/?readSessionId=%s HTTP/1.1\r\n"
               "Host: x\r\nAuthorization: Basic %s\r\n\r\n" % (project, sid, auth)).encode())
    s.recv(65536)
    s.close()
    r = admin.raw("GET", "/projects/%s/datasets/big/finish-streaming/" % project,
                  params={"readSessionId": sid})
    assert_error(r, 400)


def test_write_errors_change_nothing(admin, project):
    managed(admin, project, "w", [("a", "int"), ("b", "boolean"), ("c", "dateonly")])
    write(admin, project, "w", "1\ttrue\t2020-01-01\n")
    for body, word in [("1\ttrue\n", "Columns"), ("x\ttrue\t2020-01-01\n", "'a'"),
                       ("1\ttrue\tnot-a-date\n", "'c'"), ("1\ttrue\t2020-01-01\textra\n", "Columns")]:
        with pytest.raises(DssError) as e:
            write(admin, project, "w", body)
        assert word in assert_error(e, 400)["message"]
    with pytest.raises(DssError) as e:
        write(admin, project, "w", "1\ttrue\t2020-01-01\n", mode="replace")
    assert_error(e, 400)
    assert admin.raw("GET", "/projects/%s/datasets/w/data/" % project).text == "1\ttrue\t2020-01-01\n"
    assert admin.get("/projects/%s/datasets/w/versions" % project)["currentVersion"] == 1
    # no schema → refused
    admin.post("/projects/%s/datasets/managed" % project, {"name": "ns", "creationSettings": {}})
    with pytest.raises(DssError) as e:
        write(admin, project, "ns", "1\n")
    assert "schema" in assert_error(e, 400)["message"]


def test_versions_append_pin_rollback(admin, server, project):
    managed(admin, project, "v", [("a", "int")], "CSV_EXCEL_GZIP")
    write(admin, project, "v", "1\n2\n")
    write(admin, project, "v", "3\n", mode="append")
    assert admin.raw("GET", "/projects/%s/datasets/v/data/" % project).text == "1\n2\n3\n"
    # a reader pinned on version 2 keeps reading it while versions move on
    r = admin.raw("GET", "/projects/%s/datasets/v/data/" % project, stream=True)
    for i in range(3, 8):
        write(admin, project, "v", "%d\n" % (i * 10))
    assert r.raw.read().decode() == "1\n2\n3\n"
    r.close()
    vs = admin.get("/projects/%s/datasets/v/versions" % project)
    assert vs["currentVersion"] == 7 and [v["version"] for v in vs["versions"]] == [5, 6, 7]
    dirs = sorted(os.listdir(os.path.join(server.data_dir, "managed_datasets", project, "v")))
    assert dirs == ["v000005", "v000006", "v000007"]
    admin.post("/projects/%s/datasets/v/actions/rollback" % project, {"version": 5})
    assert admin.raw("GET", "/projects/%s/datasets/v/data/" % project).text == "50\n"
    with pytest.raises(DssError) as e:
        admin.post("/projects/%s/datasets/v/actions/rollback" % project, {"version": 1})
    assert_error(e, 400)
    info = admin.get("/projects/%s/datasets/v/info" % project)
    assert info["lastBuild"]["buildSuccess"] is True and info["currentVersion"] == 5


def test_partitions_write_read_clear(admin, project):
    managed(admin, project, "p", [("a", "int"), ("c", "string")], partitioning={
        "dimensions": [{"name": "day", "type": "time", "params": {"period": "DAY"}},
                       {"name": "country", "type": "value"}]})
    write(admin, project, "p", "1\tfr\n", partition="2020-01-01|FR")
    write(admin, project, "p", "2\tit\n", partition="2020-01-02|IT")
    write(admin, project, "p", "3\tfr\n", partition="2020-01-03|FR")
    assert admin.get("/projects/%s/datasets/p/partitions" % project) == [
        "2020-01-01|FR", "2020-01-02|IT", "2020-01-03|FR"]
    base = "/projects/%s/datasets/p/data/" % project
    t = admin.raw("GET", base, params={"partitions": "2020-01-01/2020-01-02|FR/IT", "columns": "a"}).text
    assert sorted(t.split()) == ["1", "2"]
    t = admin.raw("GET", base, params={"partitions": ["2020-01-03|FR", "2020-01-01|FR"], "columns": "a"}).text
    assert sorted(t.split()) == ["1", "3"]
    assert sorted(admin.raw("GET", base, params={"partitions": "ALL", "columns": "a"}).text.split()) == ["1", "2", "3"]
    # overwrite one partition keeps the others
    write(admin, project, "p", "9\tfr\n", partition="2020-01-01|FR")
    assert sorted(admin.raw("GET", base, params={"columns": "a"}).text.split()) == ["2", "3", "9"]
    for bad in ("2020-13-01|FR", "2020-01-01", "NP"):
        assert_error(admin.raw("GET", base, params={"partitions": bad}), 400)
    with pytest.raises(DssError) as e:
        write(admin, project, "p", "1\tfr\n")
    assert_error(e, 400)
    admin.delete("/projects/%s/datasets/p/data" % project, params={"partitions": "2020-01-02|IT"})
    assert admin.get("/projects/%s/datasets/p/partitions" % project) == ["2020-01-01|FR", "2020-01-03|FR"]
    admin.delete("/projects/%s/datasets/p/data" % project)
    assert admin.get("/projects/%s/datasets/p/partitions" % project) == []
    assert admin.raw("GET", base).text == ""


def test_unpartitioned_partitions_and_clear(admin, project):
    managed(admin, project, "u", [("a", "int")])
    write(admin, project, "u", "1\n")
    assert admin.get("/projects/%s/datasets/u/partitions" % project) == ["NP"]
    r = admin.delete("/projects/%s/datasets/u/data" % project)
    assert r["success"] is True
    assert admin.raw("GET", "/projects/%s/datasets/u/data/" % project).text == ""


def test_copy_to(admin, project):
    managed(admin, project, "src", COLS)
    write(admin, project, "src", tsv(TRICKY))
    admin.post("/projects/%s/datasets/managed" % project, {"name": "dst", "creationSettings": {
        "specificSettings": {"formatOptionId": "CSV_EXCEL_GZIP"}}})
    fut = admin.post("/projects/%s/datasets/src/actions/copyTo" % project,
                     {"targetProjectKey": project, "targetDatasetName": "dst", "syncSchema": True,
                      "writeMode": "OVERWRITE"})
    assert "jobId" in fut
    assert wait_future(admin, fut)["records"] == len(TRICKY)
    a, _ = iter_rows(admin, project, "src")
    b, _ = iter_rows(admin, project, "dst")
    assert a == b
    wait_future(admin, admin.post("/projects/%s/datasets/src/actions/copyTo" % project,
                                  {"targetProjectKey": project, "targetDatasetName": "dst",
                                   "syncSchema": True, "writeMode": "APPEND"}))
    b, _ = iter_rows(admin, project, "dst")
    assert b == a + a
    with pytest.raises(DssError) as e:
        admin.post("/projects/%s/datasets/src/actions/copyTo" % project,
                   {"targetProjectKey": project, "targetDatasetName": "missing"})
    assert_error(e, 404)
    with pytest.raises(DssError) as e:
        admin.post("/projects/%s/datasets/src/actions/copyTo" % project,
                   {"targetProjectKey": project, "targetDatasetName": "dst", "writeMode": "MERGE"})
    assert_error(e, 400)


def detect_and_save(admin, project, name, infer=False):
    """autodetect_settings() + save() as the client does them."""
    d = admin.get("/projects/%s/datasets/%s" % (project, name))
    fut = admin.post("/projects/%s/datasets/%s/actions/testAndDetectSettings/fsLike" % (project, name),
                     {"detectPossibleFormats": True, "inferStorageTypes": infer})
    res = wait_future(admin, fut)
    assert res["format"]["ok"], res
    d["formatType"] = res["format"]["type"]
    d["formatParams"] = res["format"]["params"]
    d["schema"] = res["format"]["schemaDetection"]["newSchema"]
    admin.put("/projects/%s/datasets/%s" % (project, name), d)
    return d


def test_uploaded_files_detect_and_read(admin, server, project):
    admin.post("/projects/%s/datasets/" % project, {"name": "up", "projectKey": project,
                                                   "type": "UploadedFiles", "params": {}})
    # No file yet: detection answers ok=false.
    fut = admin.post("/projects/%s/datasets/up/actions/testAndDetectSettings/fsLike" % project,
                     {"detectPossibleFormats": True})
    assert wait_future(admin, fut)["format"]["ok"] is False
    d = os.path.join(server.data_dir, "uploads", project, "up")
    os.makedirs(d)
    rows = [["id", "name", "score", "when"], ["1", 'Ann "A"', "2.5", "2020-01-01"],
            ["2", "Bob\nmultiline", "", "2021-06-30"], ["3", "Zoë, ✓", "-1", ""]]
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\n").writerows(rows)
    with open(os.path.join(d, "data.csv"), "w", encoding="utf-8") as f:
        f.write(buf.getvalue())
    s = detect_and_save(admin, project, "up", infer=True)
    assert s["formatParams"]["separator"] == ","
    assert s["formatParams"]["parseHeaderRow"] is True
    assert [c["name"] for c in s["schema"]["columns"]] == ["id", "name", "score", "when"]
    assert s["schema"]["columns"][0]["type"] == "bigint"
    got, _ = iter_rows(admin, project, "up")
    assert [r[0] for r in got] == [1, 2, 3]
    assert got[0][1] == 'Ann "A"' and got[1][1] == "Bob\nmultiline" and got[2][1] == "Zoë, ✓"
    assert got[1][2] is None and got[2][2] == -1.0
    # without type inference every column is a string, read back verbatim
    s = detect_and_save(admin, project, "up", infer=False)
    assert {c["type"] for c in s["schema"]["columns"]} == {"string"}
    got, _ = iter_rows(admin, project, "up")
    assert got == [r for r in rows[1:]]


def test_files_in_folder_and_filesystem(admin, server, project):
    folder = os.path.join(server.data_dir, "managed_folders", project, "fold1")
    os.makedirs(folder)
    with gzip.open(os.path.join(folder, "a.tsv.gz"), "wt", encoding="utf-8") as f:
        f.write("x\ty\n1\tone\n2\ttwo\n")
    admin.post("/projects/%s/datasets/" % project, {"name": "fif", "projectKey": project,
                                                   "type": "FilesInFolder", "params": {"folderSmartId": "fold1"}})
    detect_and_save(admin, project, "fif", infer=True)
    got, _ = iter_rows(admin, project, "fif")
    assert got == [[1, "one"], [2, "two"]]
    # Filesystem dataset on a connection path, partitioned by file path
    root = os.path.join(server.data_dir, "managed_datasets", "ext_" + project)
    for day, val in (("2020-01-01", "a"), ("2020-01-02", "b")):
        os.makedirs(os.path.join(root, day))
        with open(os.path.join(root, day, "f.csv"), "w") as f:
            f.write("v\n%s\n" % val)
    admin.post("/projects/%s/datasets/" % project, {
        "name": "ext", "projectKey": project, "type": "Filesystem",
        "params": {"connection": "filesystem_managed", "path": "/ext_" + project},
        "formatType": "csv", "formatParams": {"separator": ",", "style": "excel", "parseHeaderRow": True},
        "schema": {"columns": [{"name": "v", "type": "string"}]},
        "partitioning": {"filePathPattern": "%Y-%M-%D/.*",
                         "dimensions": [{"name": "d", "type": "time", "params": {"period": "DAY"}}]}})
    assert admin.get("/projects/%s/datasets/ext/partitions" % project) == ["2020-01-01", "2020-01-02"]
    base = "/projects/%s/datasets/ext/data/" % project
    assert admin.raw("GET", base).text == "a\nb\n"
    assert admin.raw("GET", base, params={"partitions": "2020-01-02"}).text == "b\n"


def test_inline_dataset(admin, project):
    admin.post("/projects/%s/datasets/" % project, {"name": "inl", "projectKey": project, "type": "Inline",
                                                   "params": {}})
    admin.put("/projects/%s/datasets/inl/schema" % project,
              {"columns": [{"name": "a", "type": "int"}, {"name": "b", "type": "string"}]})
    d = admin.get("/projects/%s/datasets/inl" % project)
    d["inlineData"] = [["1", "x"], [2, None], ["3"]]
    admin.put("/projects/%s/datasets/inl" % project, d)
    rows, _ = iter_rows(admin, project, "inl")
    # multi-column TSV cannot tell null from "" for strings: the client reads ""
    assert rows == [[1, "x"], [2, ""], [3, ""]]
    write(admin, project, "inl", "7\tseven\n", mode="append")
    rows, _ = iter_rows(admin, project, "inl")
    assert rows[-1] == [7, "seven"]
    admin.delete("/projects/%s/datasets/inl/data" % project)
    assert iter_rows(admin, project, "inl")[0] == []


def test_missing_dataset_data_routes_404(admin, project):
    for method, path in (("GET", "data/"), ("GET", "partitions"), ("DELETE", "data"),
                         ("GET", "versions"), ("PUT", "data/")):
        r = admin.raw(method, "/projects/%s/datasets/nope/%s" % (project, path))
        assert_error(r, 404, NOT_FOUND)
