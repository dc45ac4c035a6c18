"""SQL query API (spec endpoints.md §3.9, §2.5) against the real PostgreSQL of scripts/test.sh,
driven exactly as dataikuapi's DSSSQLQuery does: POST /sql/queries/, one GET .../stream parsed
with csv.reader(delimiter='\\t', quotechar='"', doublequote=True) and cast by the returned
schema, then GET .../finish-streaming."""
import csv
import io
import json
import os
import time
import itertools

import dateutil.parser
import pytest

from conftest import assert_error, unique
from pg_support import create_pg_connection, psql, require_pg


def sql_body(query, connection=None, pre=None, post=None, **extra):
    # All keys always present, nulls included — what DSSClient.sql_query sends.
    body = {"query": query, "preQueries": pre, "postQueries": post, "connection": connection,
            "database": None, "datasetFullName": None, "projectKey": None, "type": "sql",
            "extraConf": {}, "scriptSteps": None, "scriptInputSchema": None,
            "scriptOutputSchema": None, "scriptReportLocation": None,
            "datetimenotzReadMode": "AS_IS", "dateonlyReadMode": "AS_IS",
            "readTimestampWithoutTimezoneAsString": True, "readDateAsString": False}
    body.update(extra)
    return body


def cast(schema, row):
    """dataikuapi's caster (utils.py) re-implemented: positional, zip_longest, None on error."""
    out = []
    for col, val in itertools.zip_longest(schema, row):
        if col is None:
            out.append(None)
            continue
        t = col["type"]
        try:
            if t in ("tinyint", "smallint", "int", "bigint"):
                out.append(int(val))
            elif t in ("float", "double"):
                out.append(float(val))
            elif t in ("date", "dateonly", "datetimenotz"):
                out.append(dateutil.parser.parse(val) if val else None)
            elif t == "boolean":
                out.append(val.lower() == "true")
            else:
                out.append(val)
        except Exception:
            out.append(None)
    return out


def stream_raw(client, query_id, fmt="tsv-excel-noheader"):
    r = client.raw("GET", "/sql/queries/%s/stream" % query_id, params={"format": fmt},
                   stream=True)
    return r


def read_rows(client, query_id, schema):
    r = stream_raw(client, query_id)
    assert r.status_code == 200, r.text
    assert "Content-Encoding" not in r.headers
    text = r.raw.read(decode_content=False).decode("utf-8")
    reader = csv.reader(io.StringIO(text, newline=""), delimiter="\t", quotechar='"',
                        doublequote=True)
    return [cast(schema, row) for row in reader]


def finish(client, query_id):
    return client.raw("GET", "/sql/queries/%s/finish-streaming" % query_id)


@pytest.fixture(scope="module")
def pg():
    return require_pg()


@pytest.fixture(scope="module")
def conn(admin, pg):
    return create_pg_connection(admin, unique("pg"), pg)


def test_types_nulls_and_special_strings_round_trip(admin, conn, pg):
    table = unique("t_types").lower()
    psql("""CREATE TABLE %s (i2 smallint, i4 integer, i8 bigint, f4 real, f8 double precision,
              num numeric(10,3), b boolean, s text, v varchar(12), d date, ts timestamp,
              tz timestamptz);
            INSERT INTO %s VALUES
              (1, 100000, 9000000000, 1.5, 2.25, 12.345, true, 'plain', 'abc', '2024-02-29',
               '2024-01-02 03:04:05.5', '2024-01-02 03:04:05+02'),
              (NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL),
              (-2, -3, -4, -0.5, 1e300, -0.001, false, E'tab\\there "q" nl\\nend', 'éàü漢字',
               '1999-12-31', '1999-12-31 23:59:59', '1999-12-31 23:59:59+00'),
              (3, 4, 5, 0, 0, 0, false, '', 'x', NULL, NULL, NULL);""" % (table, table))
    resp = admin.post("/sql/queries/", sql_body("SELECT * FROM %s ORDER BY i8 NULLS LAST" % table,
                                                conn))
    assert isinstance(resp["queryId"], str) and resp["queryId"]
    schema = resp["schema"]
    assert isinstance(schema, list), "schema must be a JSON array (spec §3.9)"
    assert [c["name"] for c in schema] == ["i2", "i4", "i8", "f4", "f8", "num", "b", "s", "v",
                                           "d", "ts", "tz"]
    assert [c["type"] for c in schema] == ["smallint", "int", "bigint", "float", "double",
                                           "double", "boolean", "string", "string", "dateonly",
                                           "datetimenotz", "date"]
    assert schema[8]["length"] == 12
    assert schema[0]["originalType"] == "int2"
    rows = read_rows(admin, resp["queryId"], schema)
    assert len(rows) == 4
    r0, r1, r2, r3 = rows  # ordered by i8: -4, 5, 9000000000, NULL
    assert r0[:7] == [-2, -3, -4, -0.5, 1e300, -0.001, False]
    assert r0[7] == 'tab\there "q" nl\nend'
    assert r0[8] == "éàü漢字"
    assert r0[9].date().isoformat() == "1999-12-31"
    assert r0[10].isoformat() == "1999-12-31T23:59:59"
    assert r0[11].isoformat() == "1999-12-31T23:59:59+00:00"
    assert r1[:3] == [3, 4, 5]
    assert r1[7] == ""  # empty string stays empty
    assert r1[9:] == [None, None, None]
    assert r2[:7] == [1, 100000, 9000000000, 1.5, 2.25, 12.345, True]
    assert r2[7:9] == ["plain", "abc"]
    assert r2[9].date().isoformat() == "2024-02-29"
    assert r2[10].isoformat() == "2024-01-02T03:04:05.500000"
    # timestamptz is an instant: rendered in UTC.
    assert r2[11].isoformat() == "2024-01-02T01:04:05+00:00"
    # All-NULL row: numbers/dates None, boolean False (client semantics), strings "".
    assert r3[:6] == [None] * 6 and r3[6] is False and r3[9:] == [None] * 3
    assert r3[7] == "" and r3[8] == ""
    f = finish(admin, resp["queryId"])
    assert f.status_code == 200 and f.content == b""


def test_json_format(admin, conn):
    resp = admin.post("/sql/queries/", sql_body(
        "SELECT 1 AS a, 'x\ty' AS b, NULL::int AS c, true AS d, 2.5::float8 AS e", conn))
    r = stream_raw(admin, resp["queryId"], fmt="json")
    assert r.status_code == 200
    assert json.loads(r.text) == [[1, "x\ty", None, True, 2.5]]
    assert finish(admin, resp["queryId"]).status_code == 200


def test_syntax_error_is_reported_at_post(admin, conn):
    r = admin.raw("POST", "/sql/queries/", body=sql_body("SELEC 1", conn))
    body = assert_error(r, 400, code="ERR_SQL_QUERY_FAILED")
    assert "syntax error" in body["message"]


def test_unknown_table_is_reported(admin, conn):
    r = admin.raw("POST", "/sql/queries/", body=sql_body("SELECT * FROM no_such_table_xyz", conn))
    body = assert_error(r, 404, code="ERR_SQL_TABLE_NOT_FOUND")
    assert "no_such_table_xyz" in body["message"]


def test_error_mid_stream_is_reported_by_finish_streaming(admin, conn):
    # The first rows succeed (so POST does), a later row divides by zero.
    q = "SELECT 100 / (5000 - x) AS v FROM generate_series(1, 10000) x"
    resp = admin.post("/sql/queries/", sql_body(q, conn))
    r = stream_raw(admin, resp["queryId"])
    cut = False
    try:
        r.raw.read(decode_content=False)
    except Exception:  # urllib3 raises on a chunked body cut before its last chunk
        cut = True
    assert cut, "a failing stream must be cut, not ended cleanly"
    f = finish(admin, resp["queryId"])
    body = assert_error(f, 400, code="ERR_SQL_QUERY_FAILED")
    assert "division by zero" in body["message"]


def test_wrong_password_gives_clear_error(admin, pg):
    name = create_pg_connection(admin, unique("pgbad"), pg, password="not-the-password")
    r = admin.raw("POST", "/sql/queries/", body=sql_body("SELECT 1", name))
    body = assert_error(r, 502, code="ERR_SQL_AUTHENTICATION_FAILED")
    assert "password authentication failed" in body["message"]
    assert pg["user"] in body["message"]


def test_server_down_gives_clear_error(admin, pg):
    import socket
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    free_port = s.getsockname()[1]
    s.close()  # nothing listens there now
    name = create_pg_connection(admin, unique("pgdown"), pg, port=free_port)
    r = admin.raw("POST", "/sql/queries/", body=sql_body("SELECT 1", name))
    body = assert_error(r, 502, code="ERR_SQL_DB_UNREACHABLE")
    assert "127.0.0.1:%d" % free_port in body["message"]
    t = admin.get("/connections/%s/test" % name)
    assert t["ok"] is False and "Cannot connect" in t["message"]


def test_connection_test_route(admin, conn):
    t = admin.get("/connections/%s/test" % conn)
    assert t["ok"] is True
    assert "PostgreSQL" in t["serverVersion"]


def test_pre_and_post_queries(admin, conn):
    marker = unique("t_marker").lower()
    psql("CREATE TABLE %s (note text)" % marker)
    resp = admin.post("/sql/queries/", sql_body(
        "SELECT v * 2 AS w FROM tmp_pre", conn,
        pre=["CREATE TEMP TABLE tmp_pre AS SELECT 21 AS v"],
        post=["INSERT INTO %s VALUES ('post ran')" % marker]))
    # Post-queries run after the stream, not before.
    assert psql("SELECT count(*) FROM %s" % marker) == [["0"]]
    rows = read_rows(admin, resp["queryId"], resp["schema"])
    assert rows == [[42]]
    assert finish(admin, resp["queryId"]).status_code == 200
    assert psql("SELECT note FROM %s" % marker) == [["post ran"]]


def test_failing_pre_query(admin, conn):
    r = admin.raw("POST", "/sql/queries/", body=sql_body("SELECT 1", conn, pre=["SELEKT 2"]))
    body = assert_error(r, 400, code="ERR_SQL_QUERY_FAILED")
    assert "Pre-query" in body["message"] and "syntax error" in body["message"]


def test_failing_post_query_is_reported_by_finish_streaming(admin, conn):
    resp = admin.post("/sql/queries/", sql_body("SELECT 1 AS a", conn,
                                                post=["INSERT INTO nowhere_xyz VALUES (1)"]))
    assert read_rows(admin, resp["queryId"], resp["schema"]) == [[1]]
    body = assert_error(finish(admin, resp["queryId"]), 404)
    assert "Post-query" in body["message"] and "nowhere_xyz" in body["message"]


def test_result_streams_exactly_once(admin, conn):
    resp = admin.post("/sql/queries/", sql_body("SELECT 1 AS a", conn))
    assert read_rows(admin, resp["queryId"], resp["schema"]) == [[1]]
    assert_error(stream_raw(admin, resp["queryId"]), 409)
    assert_error(admin.raw("GET", "/sql/queries/nope/stream"), 404, code="ERR_SQL_QUERY_UNKNOWN")
    assert_error(finish(admin, "nope"), 404, code="ERR_SQL_QUERY_UNKNOWN")


def test_finish_before_stream_is_an_error(admin, conn):
    resp = admin.post("/sql/queries/", sql_body("SELECT 1 AS a", conn))
    assert_error(finish(admin, resp["queryId"]), 409)
    assert read_rows(admin, resp["queryId"], resp["schema"]) == [[1]]
    assert finish(admin, resp["queryId"]).status_code == 200


def test_bad_requests(admin, conn):
    assert_error(admin.raw("POST", "/sql/queries/", body=sql_body("", conn)), 400)
    assert_error(admin.raw("POST", "/sql/queries/", body=sql_body("SELECT 1", None)), 400)
    assert_error(admin.raw("POST", "/sql/queries/",
                           body=sql_body("SELECT 1", conn, datasetFullName="P.d")), 400)
    assert_error(admin.raw("POST", "/sql/queries/", body=sql_body("SELECT 1", conn, type="hive")),
                 400)
    r = admin.raw("POST", "/sql/queries/", body=sql_body("SELECT 1", "no_such_conn_xyz"))
    assert r.status_code == 404 and "no_such_conn_xyz" in r.json()["message"]
    assert_error(admin.raw("POST", "/sql/queries/", body=sql_body("SELECT 1", conn, pre="x")), 400)
    r = admin.raw("POST", "/sql/queries/", data="{not json")
    assert r.status_code == 400


def test_large_result_streams(admin, conn):
    n = 200000
    resp = admin.post("/sql/queries/", sql_body(
        "SELECT x, md5(x::text) AS h FROM generate_series(1, %d) x" % n, conn))
    rows = read_rows(admin, resp["queryId"], resp["schema"])
    assert len(rows) == n
    assert rows[-1][0] == n and rows[123][0] == 124
    assert finish(admin, resp["queryId"]).status_code == 200


def test_abandoned_queries_are_closed(fresh_server, pg):
    c = fresh_server.client()
    settings = c.get("/admin/general-settings")
    settings["sqlQueryTimeoutSeconds"] = 1
    c.put("/admin/general-settings", settings)
    name = create_pg_connection(c, unique("pgab"), pg)
    app = unique("abandon")
    resp = c.post("/sql/queries/", sql_body("SELECT 1 AS a", name,
                                            pre=["SET application_name = '%s'" % app]))
    count_sql = "SELECT count(*) FROM pg_stat_activity WHERE application_name = '%s'" % app
    assert psql(count_sql) == [["1"]]
    deadline = time.time() + 15
    while psql(count_sql) != [["0"]]:
        assert time.time() < deadline, "abandoned query's connection was not closed"
        time.sleep(0.3)
    assert_error(stream_raw(c, resp["queryId"]), 409)
    body = assert_error(finish(c, resp["queryId"]), 409)
    assert "abandoned" in body["message"]
