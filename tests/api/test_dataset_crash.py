"""Crash safety of versioned dataset writes: SIGKILL during a write leaves the previous
version current and whole; uncommitted version directories are swept at start-up."""
import os
import signal
import threading
import time

import requests

from conftest import DssServer


def setup_dataset(c, project):
    c.post("/projects/", {"projectKey": project, "name": project})
    c.post("/projects/%s/datasets/managed" % project,
           {"name": "d", "creationSettings": {"specificSettings": {"formatOptionId": "CSV_EXCEL_GZIP"}}})
    c.put("/projects/%s/datasets/d/schema" % project,
          {"columns": [{"name": "i", "type": "bigint"}, {"name": "s", "type": "string"}]})


def test_sigkill_during_write_keeps_previous_version(tmp_path):
    s = DssServer(data_dir=str(tmp_path)).start()
    try:
        c = s.client()
        setup_dataset(c, "CRASH")
        old = "".join("%d\told\n" % i for i in range(1000))
        c.call("PUT", "/projects/CRASH/datasets/d/data/", data=old.encode())
        big = ("".join("%d\t%s\n" % (i, "n" * 50) for i in range(1500000))).encode()
        url = s.url + "/public/api/projects/CRASH/datasets/d/data/"
        key = s.admin_key
        t = threading.Thread(target=lambda: _put_ignore(url, key, big))
        t.start()
        # Kill once the server is busy writing the new version (its draft directory exists)
        ddir = os.path.join(str(tmp_path), "managed_datasets", "CRASH", "d")
        deadline = time.time() + 60
        while time.time() < deadline and len(os.listdir(ddir)) < 2:
            time.sleep(0.005)
        assert len(os.listdir(ddir)) >= 2, "the write never started a new version"
        s.proc.send_signal(signal.SIGKILL)
        s.proc.wait()
        t.join()
        s.proc = None
        s.log.close()
        assert sorted(os.listdir(ddir)) == ["v000001", "v000002"]
        s.start()
        c = s.client()
        assert sorted(os.listdir(ddir)) == ["v000001"]
        r = c.raw("GET", "/projects/CRASH/datasets/d/data/")
        assert r.status_code == 200
        assert r.text == old
        assert c.get("/projects/CRASH/datasets/d/versions")["currentVersion"] == 1
        # the dataset keeps working: the next write becomes version 2
        c.call("PUT", "/projects/CRASH/datasets/d/data/", data=b"7\tnew\n")
        assert c.raw("GET", "/projects/CRASH/datasets/d/data/").text == "7\tnew\n"
    finally:
        s.cleanup()


def _put_ignore(url, key, body):
    try:
        requests.put(url, data=body, auth=(key, ""), timeout=120)
    except requests.RequestException:
        pass


def test_orphan_version_dirs_swept_at_start(tmp_path):
    s = DssServer(data_dir=str(tmp_path)).start()
    try:
        c = s.client()
        setup_dataset(c, "SWEEP")
        c.call("PUT", "/projects/SWEEP/datasets/d/data/", data=b"1\ta\n")
        s.stop(signal.SIGKILL)
        ddir = os.path.join(str(tmp_path), "managed_datasets", "SWEEP", "d")
        os.makedirs(os.path.join(ddir, "v000009"))
        with open(os.path.join(ddir, "v000009", "part-00000.csv.gz"), "wb") as f:
            f.write(b"\x1f\x8b garbage")
        s.start()
        assert sorted(os.listdir(ddir)) == ["v000001"]
        assert s.client().raw("GET", "/projects/SWEEP/datasets/d/data/").text == "1\ta\n"
    finally:
        s.cleanup()
