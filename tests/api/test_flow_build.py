"""A Flow of five recipes (prepare -> grouping -> join -> window -> python), created as the
official client creates them, built recursively, then smart-rebuilt after upstream changes:
only the affected part runs (semantics.md §7, RECURSIVE_BUILD)."""
import json

import pytest

from conftest import DssError, assert_error

from test_jobs_visual import build_ok, create_recipe, rows_of, same_rows, set_payload

ORDERS_CSV = "id,customer,amount\n1,a,10\n2,a,5\n3,b,7\n4,c,1\n5,b,3\n"
CUSTOMERS_CSV = "customer,country\na,FR\nb,FR\nc,IT\n"

PYTHON = """import dataiku
df = dataiku.Dataset("ranked").get_dataframe()
df["top"] = df["rank"] == 1
print("python saw", len(df), "rows")
dataiku.Dataset("final").write_with_schema(df)
"""


def upload_dataset(admin, project, name, text):
    """create_upload_dataset + uploaded_add_file + autodetect_settings(infer) + save."""
    admin.post("/projects/%s/datasets/" % project,
               {"projectKey": project, "name": name, "type": "UploadedFiles",
                "params": {"uploadConnection": "filesystem_managed"}})
    upload(admin, project, name, text)
    fut = admin.post("/projects/%s/datasets/%s/actions/testAndDetectSettings/fsLike" %
                     (project, name), {"detectPossibleFormats": True, "inferStorageTypes": True})
    while not fut.get("hasResult"):
        fut = admin.get("/futures/%s" % fut["jobId"], params={"peek": "false"})
    det = fut["result"]
    d = admin.get("/projects/%s/datasets/%s" % (project, name))
    d["formatType"] = det["format"]["type"]
    d["formatParams"] = det["format"]["params"]
    d["schema"] = det["format"]["schemaDetection"]["newSchema"]
    admin.put("/projects/%s/datasets/%s" % (project, name), d)


def upload(admin, project, name, text):
    admin.call("POST", "/projects/%s/datasets/%s/uploaded/files" % (project, name),
               files={"file": (name + ".csv", text.encode("utf-8"))})


def ran(status):
    """{recipe name: reason} of the activities a job ran."""
    return {a["recipeName"]: a.get("reason", "") for a in status["activities"].values()}


@pytest.fixture
def flow(admin, project):
    upload_dataset(admin, project, "orders", ORDERS_CSV)
    upload_dataset(admin, project, "customers", CUSTOMERS_CSV)
    create_recipe(admin, project, "shaker", ["orders"], ["orders_prep"], "prep")
    set_payload(admin, project, "prep", lambda p: p["steps"].append(
        {"type": "CreateColumnWithGREL", "metaType": "PROCESSOR", "disabled": False,
         "preview": False, "params": {"column": "amount2", "expression": "amount * 2"}}))
    create_recipe(admin, project, "grouping", ["orders_prep"], ["by_cust"], "group",
                  settings={**json.loads(json.dumps(SINGLE)), "groupKey": "customer"})
    set_payload(admin, project, "group", lambda p: p["values"].append(
        {"column": "amount2", "sum": True, "type": "bigint"}))
    # The join's condition is guessed from the column both inputs share: by_cust has not been
    # built, so its columns are what the grouping will produce.
    create_recipe(admin, project, "join", ["by_cust", "customers"], ["joined"], "join")
    create_recipe(admin, project, "window", ["joined"], ["ranked"], "win")

    def window(p):
        p["windows"] = [{"enablePartitioning": True, "partitioningColumns": ["country"],
                         "enableOrdering": True,
                         "orders": [{"column": "amount2_sum", "desc": True}]}]
        p["rank"] = True
    set_payload(admin, project, "win", window)
    create_recipe(admin, project, "python", ["ranked"], ["final"], "py",
                  settings={**json.loads(json.dumps(SINGLE)), "script": PYTHON})
    return project


SINGLE = {"createOutputDataset": True,
          "outputDatasetSettings": {"connectionId": "filesystem_managed", "typeOptionId": None,
                                    "specificSettings": {"formatOptionId": "PARQUET_HIVE"},
                                    "partitioningOptionId": "NP"}}


def test_downstream_recipes_see_computed_schemas(admin, flow):
    join = json.loads(admin.get("/projects/%s/recipes/join" % flow)["payload"])
    on = join["joins"][0]["on"]
    assert [(c["column1"]["name"], c["column2"]["name"]) for c in on] == [("customer", "customer")]
    # Stored schemas follow DSS: set by schema-update or a build, not by saving recipes.
    assert admin.get("/projects/%s/datasets/by_cust/schema" % flow)["columns"] == []
    upd = admin.get("/projects/%s/recipes/group/schema-update" % flow)
    assert [c["name"] for c in upd["computables"][0]["newSchema"]["columns"]] == [
        "customer", "amount2_sum"]
    build_ok(admin, flow, "by_cust", job_type="RECURSIVE_BUILD")
    cols = admin.get("/projects/%s/datasets/by_cust/schema" % flow)["columns"]
    assert [c["name"] for c in cols] == ["customer", "amount2_sum"]


def test_save_checks_against_the_columns_inputs_will_have(admin, flow):
    # amount2 exists only once the prepare recipe runs; saving a recipe that uses a column
    # no upstream recipe produces is refused, naming it.
    with pytest.raises(DssError) as e:
        set_payload(admin, flow, "group", lambda p: p["values"].append(
            {"column": "amount3", "sum": True}))
    assert_error(e, 400)
    assert "amount3" in e.value.body["message"]


def test_recursive_build_then_smart_rebuilds(admin, flow):
    st = build_ok(admin, flow, "final", job_type="RECURSIVE_BUILD")
    assert set(ran(st)) == {"prep", "group", "join", "win", "py"}
    same_rows(rows_of(admin, flow, "final"),
              [["a", 30, "FR", 1, True], ["b", 20, "FR", 2, False], ["c", 2, "IT", 1, True]])

    # Nothing changed: nothing runs.
    st = build_ok(admin, flow, "final", job_type="RECURSIVE_BUILD")
    assert ran(st) == {}

    # New customers file: the join and what follows run, not the prepare or the grouping.
    upload(admin, flow, "customers", "customer,country\na,FR\nb,IT\nc,IT\n")
    st = build_ok(admin, flow, "final", job_type="RECURSIVE_BUILD")
    assert set(ran(st)) == {"join", "win", "py"}
    assert "customers" in ran(st)["join"]
    same_rows(rows_of(admin, flow, "final"),
              [["a", 30, "FR", 1, True], ["b", 20, "IT", 1, True], ["c", 2, "IT", 2, False]])

    # The prepare recipe changes: everything downstream of it runs.
    set_payload(admin, flow, "prep", lambda p: p["steps"][0]["params"].update(
        {"expression": "amount * 3"}))
    st = build_ok(admin, flow, "final", job_type="RECURSIVE_BUILD")
    assert set(ran(st)) == {"prep", "group", "join", "win", "py"}
    assert "changed" in ran(st)["prep"]
    same_rows(rows_of(admin, flow, "final"),
              [["a", 45, "FR", 1, True], ["b", 30, "IT", 1, True], ["c", 3, "IT", 2, False]])

    # Building an intermediate dataset smartly runs only what it needs (nothing now).
    st = build_ok(admin, flow, "joined", job_type="RECURSIVE_BUILD")
    assert ran(st) == {}
    st = build_ok(admin, flow, "joined", job_type="RECURSIVE_FORCED_BUILD")
    assert set(ran(st)) == {"prep", "group", "join"}
