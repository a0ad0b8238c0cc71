"""Hardening every response carries: nosniff, no caching of authenticated answers, a CSP.

Checked in-process (webtest). The limits waitress enforces are in
tests/system/test_hardening.py; brute force on logins in
tests/functional/accounts/test_password_throttle.py.
"""

from __future__ import annotations

import pytest

API_CSP = "default-src 'none'"


# -- security headers ------------------------------------------------------------------------


@pytest.mark.parametrize("path", ["/__version__", "/tasks", "/no/such/thing", "/__api__", "/docs"])
def test_every_response_says_nosniff(testapp, path):
    response = testapp.get(path, status="*")
    assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_authenticated_responses_are_never_stored_by_caches(testapp, alice):
    for path in ("/users/me", "/tasks"):
        response = testapp.get(path, headers=alice.headers)
        assert response.headers["Cache-Control"] == "no-store"
    rejected = testapp.get("/tasks", headers={"Authorization": "Bearer nonsense"}, status=401)
    assert rejected.headers["Cache-Control"] == "no-store"


@pytest.mark.parametrize("path", ["/tasks", "/users/me", "/__api__", "/__heartbeat__"])
def test_api_responses_forbid_all_content(testapp, alice, path):
    response = testapp.get(path, headers=alice.headers, status="*")
    assert response.headers["Content-Security-Policy"].startswith(API_CSP)


def test_the_docs_page_may_load_its_own_scripts(testapp):
    response = testapp.get("/docs", status=200)
    assert API_CSP not in response.headers.get("Content-Security-Policy", "")
