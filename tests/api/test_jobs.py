"""Jobs over HTTP: the protocol the official client uses (POST /jobs/, poll the status until
DONE/FAILED/ABORTED, logs, abort) and its errors."""
import time

import pytest

from conftest import DssError, assert_error, NOT_FOUND, ILLEGAL_ARGUMENT


def job_def(output, job_type="NON_RECURSIVE_FORCED_BUILD", partition=None):
    # Exactly what DSSDataset.build() sends: type and projectKey null.
    return {"type": job_type, "refreshHiveMetastore": False, "autoUpdateSchemaBeforeEachRecipeRun": False,
            "outputs": [{"type": None, "id": output, "projectKey": None, "partition": partition}]}


def test_unknown_output_is_404_and_creates_no_job(admin, project):
    with pytest.raises(DssError) as e:
        admin.post("/projects/%s/jobs/" % project, job_def("no_such_dataset"))
    body = assert_error(e, 404, NOT_FOUND)
    assert "no_such_dataset" in body["message"]
    assert admin.get("/projects/%s/jobs/" % project) == []


def test_bad_job_definitions_are_400(admin, project):
    for bad in ({"type": "RECURSIVE_BUILD"}, {"outputs": "x"}, {"outputs": []},
                {"type": "WHENEVER", "outputs": [{"id": "x"}]}, {"outputs": [{"type": "DATASET"}]}):
        with pytest.raises(DssError) as e:
            admin.post("/projects/%s/jobs/" % project, bad)
        assert_error(e, 400, ILLEGAL_ARGUMENT)
    r = admin.raw("POST", "/projects/%s/jobs/" % project, data="{not json")
    assert r.status_code == 400


def test_unknown_job_is_404(admin, project):
    for path in ("/jobs/build_x_NP_2020-01-01T00-00-00.000/", "/jobs/nope/log", ):
        with pytest.raises(DssError) as e:
            admin.get("/projects/%s%s" % (project, path))
        assert_error(e, 404, NOT_FOUND, "ERR_JOB_UNKNOWN")
    with pytest.raises(DssError) as e:
        admin.post("/projects/%s/jobs/nope/abort" % project, {})
    assert_error(e, 404, NOT_FOUND)


def test_jobs_of_unknown_project(admin):
    with pytest.raises(DssError) as e:
        admin.get("/projects/NOPE_NOT_HERE/jobs/")
    assert e.value.status in (403, 404)
