"""dataiku.Folder: managed folder contents through dssd."""
import requests

from dataiku.core import intercom
from dataiku.core.intercom import DataikuException


def _quote_path(path):
    return requests.utils.quote(path if path.startswith("/") else "/" + path, safe="/")


class Folder(object):
    """A managed folder: Folder("id") in the current project, or Folder("PROJ.id")."""

    def __init__(self, lookup, project_key=None, ignore_flow=False):
        if project_key is None and "." in lookup:
            project_key, lookup = lookup.split(".", 1)
        self.project_key = project_key or intercom.default_project_key()
        self.odb_id = lookup
        self.short_name = lookup

    @property
    def _path(self):
        return "/projects/%s/managedfolders/%s" % (intercom.quote(self.project_key), intercom.quote(self.odb_id))

    def get_info(self):
        return intercom.json_call("GET", self._path)

    def get_id(self):
        return self.odb_id

    def list_paths_in_partition(self, partition=""):
        """Paths (with a leading '/') of every file in the folder."""
        items = (intercom.json_call("GET", self._path + "/contents") or {}).get("items", [])
        return sorted(i["path"] if i["path"].startswith("/") else "/" + i["path"] for i in items)

    def list_contents(self):
        return intercom.json_call("GET", self._path + "/contents")

    def get_download_stream(self, path):
        """A file-like object reading the file's bytes (use as a context manager)."""
        resp = intercom.request("GET", self._path + "/contents" + _quote_path(path), stream=True)
        resp.raw.decode_content = True
        return _Stream(resp)

    def read_bytes(self, path):
        with self.get_download_stream(path) as s:
            return s.read()

    def upload_stream(self, path, f):
        """Uploads the content of a file-like object to `path` (overwrites)."""
        files = {"file": ("", f, {"Expires": "0"})}
        return intercom.json_call_files("POST", self._path + "/contents" + _quote_path(path), files)

    def upload_data(self, path, data):
        """Uploads bytes (or str, encoded as UTF-8) to `path`."""
        if isinstance(data, str):
            data = data.encode("utf-8")
        return self.upload_stream(path, data)

    def upload_file(self, path, file_path):
        with open(file_path, "rb") as f:
            return self.upload_stream(path, f)

    def delete_path(self, path):
        intercom.request("DELETE", self._path + "/contents" + _quote_path(path))


class _Stream(object):
    def __init__(self, resp):
        self._resp = resp

    def read(self, n=-1):
        if n is None or n < 0:
            return self._resp.raw.read()
        return self._resp.raw.read(n)

    def __iter__(self):
        return self._resp.iter_content(65536)

    def close(self):
        self._resp.close()

    def __enter__(self):
        return self

    def __exit__(self, *a):
        self.close()
        return False
