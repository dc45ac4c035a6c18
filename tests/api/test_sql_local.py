"""Extension: SQL queries on the built-in engine (connection "@duckdb" + projectKey), where the
project's file-based datasets are views. Driven the way dataikuapi's DSSSQLQuery is:
POST /sql/queries/, one GET .../stream, GET .../finish-streaming."""
import csv
import io
import json

import pytest

from conftest import DssError, assert_error, unique
from test_dataset_data import managed, tsv, write
from test_sql import cast, sql_body, stream_raw


def run(admin, project, query, **extra):
    body = sql_body(query, connection="@duckdb", projectKey=project, **extra)
    started = admin.post("/sql/queries/", body)
    r = stream_raw(admin, started["queryId"])
    assert r.status_code == 200, r.text
    text = r.raw.read().decode("utf-8")
    rows = list(csv.reader(io.StringIO(text), delimiter="\t", quotechar='"', doublequote=True))
    return started, [cast(started["schema"], row) for row in rows]


@pytest.fixture
def sales(admin, project):
    managed(admin, project, "sales", [("region", "string"), ("amount", "bigint"),
                                      ("price", "double")])
    write(admin, project, "sales", tsv([["north", "3", "1.5"], ["south", "4", "2.25"],
                                        ["north", "5", ""], ["west\tside", "1", "0.5"]]))
    return "sales"


def test_query_over_project_datasets(admin, project, sales):
    started, rows = run(admin, project,
                        "SELECT region, sum(amount) AS total, count(price) AS n FROM sales "
                        "GROUP BY region ORDER BY region")
    assert [c["name"] for c in started["schema"]] == ["region", "total", "n"]
    assert [c["type"] for c in started["schema"]] == ["string", "bigint", "bigint"]
    assert rows == [["north", 8, 1], ["south", 4, 1], ["west\tside", 1, 1]]
    admin.call("GET", "/sql/queries/%s/finish-streaming" % started["queryId"])


def test_json_format_and_pre_queries(admin, project, sales):
    body = sql_body("SELECT amount * (SELECT k FROM factor) AS x FROM sales ORDER BY x",
                    connection="@duckdb", projectKey=project,
                    pre=["CREATE TEMP TABLE factor AS SELECT 10 AS k"])
    started = admin.post("/sql/queries/", body)
    assert started["schema"][0]["type"] == "int" or started["schema"][0]["type"] == "bigint"
    r = stream_raw(admin, started["queryId"], fmt="json")
    assert json.loads(r.text) == [[10], [30], [40], [50]]


def test_reads_the_version_current_at_start(admin, project, sales):
    body = sql_body("SELECT count(*) AS n FROM sales", connection="@duckdb", projectKey=project)
    started = admin.post("/sql/queries/", body)
    # A write after the query started does not change what it reads.
    write(admin, project, "sales", tsv([["east", "9", "1"]]))
    text = stream_raw(admin, started["queryId"]).text
    assert text == "4\n"
    _, rows = run(admin, project, "SELECT count(*) AS n FROM sales")
    assert rows == [[1]]


def test_files_outside_the_datasets_are_refused(admin, project, sales, tmp_path):
    secret = tmp_path / "secret.csv"
    secret.write_text("a\nsecret\n")
    for q in ("SELECT * FROM read_csv('%s')" % secret,
              "COPY (SELECT 1) TO '%s'" % (tmp_path / "out.csv"),
              "ATTACH '%s' AS x" % (tmp_path / "x.db")):
        with pytest.raises(DssError) as e:
            admin.post("/sql/queries/", sql_body(q, connection="@duckdb", projectKey=project))
        assert_error(e, 400)
    assert not (tmp_path / "out.csv").exists()
    assert not (tmp_path / "x.db").exists()
    # Settings cannot be turned back on by the query itself.
    with pytest.raises(DssError) as e:
        admin.post("/sql/queries/", sql_body("SET enable_external_access = true",
                                             connection="@duckdb", projectKey=project))
    assert_error(e, 400)


def test_errors(admin, project, sales):
    with pytest.raises(DssError) as e:
        admin.post("/sql/queries/", sql_body("SELECT 1", connection="@duckdb"))
    assert_error(e, 400)
    assert "projectKey" in e.value.body["message"]
    with pytest.raises(DssError) as e:
        admin.post("/sql/queries/", sql_body("SELEC oops FROM sales", connection="@duckdb",
                                             projectKey=project))
    assert_error(e, 400)
    assert "syntax" in e.value.body["message"].lower()
    with pytest.raises(DssError) as e:
        admin.post("/sql/queries/", sql_body("SELECT * FROM no_such_dataset",
                                             connection="@duckdb", projectKey=project))
    assert_error(e, 400)
    assert "no_such_dataset" in e.value.body["message"]
    with pytest.raises(DssError) as e:
        admin.post("/sql/queries/", sql_body("SELECT 1", connection="@duckdb",
                                             projectKey=unique("NOPE")))
    assert e.value.status in (403, 404)


def test_read_content_is_required(admin, server, project, sales):
    k = admin.post("/projects/%s/apikeys/" % project,
                   {"label": "meta", "description": "",
                    "projectPrivileges": {"readDashboards": True}})
    c = server.client(k["key"])
    with pytest.raises(DssError) as e:
        c.post("/sql/queries/", sql_body("SELECT * FROM sales", connection="@duckdb",
                                         projectKey=project))
    assert_error(e, 403)
    k = admin.post("/projects/%s/apikeys/" % project,
                   {"label": "reader", "description": "",
                    "projectPrivileges": {"readProjectContent": True}})
    c = server.client(k["key"])
    started = c.post("/sql/queries/", sql_body("SELECT count(*) FROM sales",
                                               connection="@duckdb", projectKey=project))
    assert c.raw("GET", "/sql/queries/%s/stream" % started["queryId"]).text == "4\n"
