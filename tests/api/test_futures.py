"""Futures (spec endpoints.md §2.2, §3.8; semantics.md §10)."""
import pytest

from conftest import NOT_FOUND, UNAUTHORIZED, assert_error


def test_unknown_future_is_404(admin):
    r = admin.raw("GET", "/futures/nosuchfuture", params={"peek": False})
    assert_error(r, 404, NOT_FOUND)
    r = admin.raw("DELETE", "/futures/nosuchfuture")
    assert_error(r, 404, NOT_FOUND)


def test_list_futures_is_an_array(admin):
    for params in ({"withScenarios": False, "withNotScenarios": True, "allUsers": False},
                   {"withScenarios": True, "withNotScenarios": False, "allUsers": True}, None):
        out = admin.get("/futures/", params=params)
        assert isinstance(out, list)
        for s in out:
            assert "jobId" in s and s["alive"] is True


def test_bad_boolean_is_400(admin):
    r = admin.raw("GET", "/futures/", params={"allUsers": "maybe"})
    assert_error(r, 400)


def test_futures_need_credentials(server):
    import requests
    r = requests.get(server.url + "/public/api/futures/")
    assert_error(r, 401, UNAUTHORIZED)
