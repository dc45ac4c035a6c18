"""HTTP transport to dssd: base URL, authentication, errors."""
import json
import os

import requests

PREFIX = "/dip/publicapi"


class DataikuException(Exception):
    """An error answered by dssd (its errorType and message) or a failed stream."""

    def __init__(self, message, error_type=None, status=None):
        super().__init__(message)
        self.error_type = error_type
        self.status = status


def backend_url():
    url = os.environ.get("DKU_BACKEND_URL")
    if not url:
        raise DataikuException("DKU_BACKEND_URL is not set: the dataiku package needs the URL of the "
                               "dssd server (set by dssd inside recipes)")
    return url.rstrip("/")


def default_project_key():
    key = os.environ.get("DKU_CURRENT_PROJECT_KEY")
    if not key:
        raise DataikuException("No current project: DKU_CURRENT_PROJECT_KEY is not set (it is set by "
                               "dssd inside recipes); use 'PROJECT.name' identifiers instead")
    return key


def auth_headers():
    ticket = os.environ.get("DKU_API_TICKET")
    if ticket:
        return {"X-DKU-APITicket": ticket}
    key = os.environ.get("DKU_API_KEY")
    if key:
        return {"Authorization": requests.auth._basic_auth_str(key, "")}
    raise DataikuException("No credentials: DKU_API_TICKET (inside recipes) or DKU_API_KEY must be set")


_session = None


def session():
    global _session
    if _session is None:
        _session = requests.Session()
    return _session


def _raise_for(resp):
    if resp.status_code < 400:
        return resp
    try:
        body = resp.json()
        msg = body.get("message") or resp.text
        etype = body.get("errorType")
    except ValueError:
        msg, etype = resp.text, None
    raise DataikuException("%s (HTTP %d%s)" % (msg, resp.status_code, ", " + etype if etype else ""),
                           error_type=etype, status=resp.status_code)


def request(method, path, body=None, params=None, data=None, files=None, stream=False, headers=None):
    """Sends a request to dssd; returns the response, raises DataikuException on >= 400."""
    h = auth_headers()
    if headers:
        h.update(headers)
    if body is not None:
        data = json.dumps(body)
    resp = session().request(method, backend_url() + PREFIX + path, params=params, data=data,
                             files=files, stream=stream, headers=h)
    if stream:
        # urllib3 closes the raw stream at EOF by default, and io.TextIOWrapper / csv.reader
        # then fail with "I/O operation on closed file" instead of seeing the end of the data.
        resp.raw.auto_close = False
    return _raise_for(resp)


def json_call(method, path, body=None, params=None):
    resp = request(method, path, body=body, params=params)
    if not resp.content:
        return None
    return resp.json()


def quote(s):
    return requests.utils.quote(s, safe="")


def json_call_files(method, path, files):
    resp = request(method, path, files=files)
    if not resp.content:
        return None
    try:
        return resp.json()
    except ValueError:
        return resp.text
