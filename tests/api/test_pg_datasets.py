"""PostgreSQL datasets (table and query modes, column partitioning), externalSQL schema
detection and SQL tables import (endpoints.md §3.3.4), against the real PostgreSQL of
scripts/test.sh. Data is read through the same GET .../data/ route as every dataset."""
import csv
import io
import time

import pytest

from conftest import assert_error, unique
from pg_support import create_pg_connection, psql, require_pg


@pytest.fixture(scope="module")
def pg():
    return require_pg()


@pytest.fixture(scope="module")
def conn(admin, pg):
    return create_pg_connection(admin, unique("pgds"), pg)


@pytest.fixture(scope="module")
def sales():
    t = unique("sales").lower()
    psql("""CREATE TABLE %s (id integer, country text, amount double precision, note text);
            INSERT INTO %s VALUES (1, 'FR', 10.5, 'a'), (2, 'IT', 20, E'tab\\there'),
                                  (3, 'FR', 30.25, NULL), (4, 'DE', -1, 'é');""" % (t, t))
    return t


def wait_future(client, state):
    if "jobId" not in state:
        return state["result"]
    deadline = time.time() + 60
    while not state.get("hasResult"):
        assert time.time() < deadline, "future did not finish"
        time.sleep(0.2)
        state = client.get("/futures/%s" % state["jobId"], params={"peek": "false"})
    return state["result"]


def read_data(client, project, name, **params):
    params.setdefault("format", "tsv-excel-noheader")
    r = client.raw("GET", "/projects/%s/datasets/%s/data/" % (project, name), params=params)
    assert r.status_code == 200, r.text
    return list(csv.reader(io.StringIO(r.content.decode("utf-8"), newline=""), delimiter="\t",
                           quotechar='"', doublequote=True))


def create_pg_dataset(client, project, name, params, **extra):
    body = {"name": name, "projectKey": project, "type": "PostgreSQL", "params": params}
    body.update(extra)
    return client.post("/projects/%s/datasets/" % project, body)


def test_table_dataset_detect_and_read(admin, project, conn, sales):
    create_pg_dataset(admin, project, "sales", {"connection": conn, "mode": "table",
                                                 "schema": "public", "table": sales})
    det = admin.post("/projects/%s/datasets/sales/actions/testAndDetectSettings/externalSQL" %
                     project)
    cols = det["schemaDetection"]["newSchema"]["columns"]
    assert [(c["name"], c["type"]) for c in cols] == [
        ("id", "int"), ("country", "string"), ("amount", "double"), ("note", "string")]
    admin.put("/projects/%s/datasets/sales/schema" % project, {"columns": cols})
    rows = read_data(admin, project, "sales")
    assert sorted(rows) == sorted([["1", "FR", "10.5", "a"], ["2", "IT", "20", "tab\there"],
                                   ["3", "FR", "30.25", ""], ["4", "DE", "-1", "é"]])


def test_query_dataset(admin, project, conn, sales):
    create_pg_dataset(admin, project, "big", {"connection": conn, "mode": "query",
                                               "query": "SELECT id, amount * 2 AS twice FROM %s "
                                                        "WHERE amount > 0" % sales})
    det = admin.post("/projects/%s/datasets/big/actions/testAndDetectSettings/externalSQL" %
                     project)
    cols = det["schemaDetection"]["newSchema"]["columns"]
    assert [(c["name"], c["type"]) for c in cols] == [("id", "int"), ("twice", "double")]
    admin.put("/projects/%s/datasets/big/schema" % project, {"columns": cols})
    assert sorted(read_data(admin, project, "big")) == [["1", "21"], ["2", "40"], ["3", "60.5"]]


def test_partitioned_by_column(admin, project, conn, sales):
    create_pg_dataset(admin, project, "bycountry",
                      {"connection": conn, "mode": "table", "schema": "public", "table": sales},
                      schema={"columns": [{"name": "id", "type": "int"},
                                          {"name": "country", "type": "string"},
                                          {"name": "amount", "type": "double"},
                                          {"name": "note", "type": "string"}],
                              "userModified": True},
                      partitioning={"dimensions": [{"name": "country", "type": "value"}]})
    fr = read_data(admin, project, "bycountry", partitions="FR")
    assert sorted(r[0] for r in fr) == ["1", "3"]
    assert all(r[1] == "FR" for r in fr)
    # Partitions are listed from the table's distinct values.
    assert admin.get("/projects/%s/datasets/bycountry/partitions" % project) == ["DE", "FR", "IT"]


def test_partitions_by_time_and_value_listed_in_database(admin, project, conn):
    t = unique("events").lower()
    psql("""CREATE TABLE %s (ts timestamp, kind text, n int);
            INSERT INTO %s VALUES ('2024-01-05 10:00', 'a', 1), ('2024-01-05 23:30', 'b', 2),
                                  ('2024-02-01 00:00', 'a', 3), (NULL, 'a', 4),
                                  ('2024-03-09 08:15', NULL, 5);""" % (t, t))
    schema = {"columns": [{"name": "ts", "type": "datetimenotz"}, {"name": "kind", "type": "string"},
                          {"name": "n", "type": "int"}], "userModified": True}
    create_pg_dataset(admin, project, "bymonth",
                      {"connection": conn, "mode": "table", "schema": "public", "table": t},
                      schema=schema,
                      partitioning={"dimensions": [{"name": "ts", "type": "time",
                                                    "params": {"period": "MONTH"}}]})
    assert admin.get("/projects/%s/datasets/bymonth/partitions" % project) == [
        "2024-01", "2024-02", "2024-03"]
    create_pg_dataset(admin, project, "byhourkind",
                      {"connection": conn, "mode": "table", "schema": "public", "table": t},
                      schema=schema,
                      partitioning={"dimensions": [{"name": "ts", "type": "time",
                                                    "params": {"period": "HOUR"}},
                                                   {"name": "kind", "type": "value"}]})
    ids = admin.get("/projects/%s/datasets/byhourkind/partitions" % project)
    assert ids == ["2024-01-05-10|a", "2024-01-05-23|b", "2024-02-01-00|a"]
    # Each listed id reads back its rows.
    assert [r[2] for r in read_data(admin, project, "byhourkind", partitions=ids[1])] == ["2"]


def test_missing_table_is_reported(admin, project, conn):
    create_pg_dataset(admin, project, "ghost", {"connection": conn, "mode": "table",
                                                 "schema": "public", "table": "no_such_tbl_q"})
    r = admin.raw("POST", "/projects/%s/datasets/ghost/actions/testAndDetectSettings/externalSQL"
                  % project)
    body = assert_error(r, 404, code="ERR_SQL_TABLE_NOT_FOUND")
    assert "no_such_tbl_q" in body["message"]


def test_tables_import(admin, project, conn, sales):
    schemas = admin.get("/projects/%s/datasets/tables-import/actions/list-schemas" % project,
                        params={"connectionName": conn})
    assert "public" in schemas and "pg_catalog" not in schemas
    listing = admin.get("/projects/%s/datasets/tables-import/actions/list-tables" % project,
                        params={"connectionName": conn, "schemaName": "public"})
    tables = wait_future(admin, listing)["tables"]
    assert {"schema": "public", "table": sales} in [
        {"schema": t.get("schema"), "table": t["table"]} for t in tables]
    prep = admin.post("/projects/%s/datasets/tables-import/actions/prepare-from-keys" % project,
                      {"keys": [{"connectionName": conn, "schema": "public", "name": sales}]})
    assert "jobId" in prep
    candidates = wait_future(admin, prep)
    cand = candidates["sqlImportCandidates"]
    assert len(cand) == 1 and cand[0]["table"] == sales
    name = cand[0]["datasetName"]
    done = admin.post("/projects/%s/datasets/tables-import/actions/execute-from-candidates" %
                      project, candidates)
    result = wait_future(admin, done)
    assert [d["name"] for d in result["importedDatasets"]] == [name]
    ds = admin.get("/projects/%s/datasets/%s" % (project, name))
    assert ds["type"] == "PostgreSQL" and ds["params"]["table"] == sales
    assert [c["name"] for c in ds["schema"]["columns"]] == ["id", "country", "amount", "note"]
    assert len(read_data(admin, project, name)) == 4


def test_tables_import_bad_requests(admin, project, conn):
    base = "/projects/%s/datasets/tables-import/actions/" % project
    assert_error(admin.raw("GET", base + "list-schemas"), 400)
    r = admin.raw("GET", base + "list-schemas", params={"connectionName": "nope_conn_x"})
    assert r.status_code == 404 and "nope_conn_x" in r.json()["message"]
    assert_error(admin.raw("POST", base + "prepare-from-keys", body={"keys": []}), 400)
    # A missing table fails the future: GET /futures/{id} answers with the error.
    prep = admin.post(base + "prepare-from-keys",
                      {"keys": [{"connectionName": conn, "schema": "public",
                                 "name": "absent_tbl_zz"}]})
    deadline = time.time() + 30
    while True:
        r = admin.raw("GET", "/futures/%s" % prep["jobId"], params={"peek": "false"})
        if r.status_code >= 400 or r.json().get("hasResult"):
            break
        assert time.time() < deadline
        time.sleep(0.2)
    assert r.status_code == 404 and "absent_tbl_zz" in r.json()["message"]
