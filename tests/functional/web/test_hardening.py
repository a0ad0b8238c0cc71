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


@pytest.mark.parametrize("root", ["/tasks", "/nosuch", "\xff\xfe"])
def test_virtual_hosting_headers_from_a_client_are_ignored(testapp, alice, root):
    """``X-Vhm-Root`` would re-root traversal (every path a 404) or, not UTF-8, a 500."""
    task = testapp.post_json("/tasks", {"title": "a"}, headers=alice.headers).json
    headers = {**alice.headers, "X-Vhm-Root": root, "X-Vhm-Host": "http://evil.example"}
    assert testapp.get(f"/tasks/{task['id']}", headers=headers).json["id"] == task["id"]
    created = testapp.post_json("/tasks", {"title": "b"}, headers=headers, status=201)
    assert created.headers["Location"].startswith("http://example.com/tasks/")


def test_the_docs_page_may_load_its_own_scripts(testapp):
    directives = csp_directives(testapp.get("/docs", status=200))
    assert directives["script-src"] == {"'self'"}


def csp_directives(response) -> dict[str, set[str]]:
    """The response's Content-Security-Policy as {directive: its sources}."""
    policy = response.headers["Content-Security-Policy"]
    parts = (part.split() for part in policy.split(";") if part.strip())
    return {name: set(sources) for name, *sources in parts}


def test_the_docs_page_has_a_strict_policy_of_its_own(testapp):
    """Swagger UI may load what this server serves, nothing inline, and is never framed."""
    directives = csp_directives(testapp.get("/docs", status=200))
    assert directives["default-src"] == {"'none'"}
    assert directives["frame-ancestors"] == {"'none'"}
    for kind in ("script-src", "style-src", "connect-src"):
        assert directives[kind] == {"'self'"}, kind
    assert not any(source.startswith(("'unsafe", "http", "*"))
                   for sources in directives.values() for source in sources)


# Paths that start like the docs page but are not it keep the API's policy.
NOT_THE_DOCS_PAGE = ["/docsx", "/docs/", "/docs/../", "/docs/..%2f", "/docs/../tasks",
                     "/docs/nothing", "/docs/assets/", "/docs/swagger-ui/",
                     "/docs/swagger-ui/oauth2-redirect.html", "/docs/swagger-ui/index.html",
                     "/docs/assets/docs.js", "/docs/swagger-ui/swagger-ui-bundle.js"]


@pytest.mark.parametrize("path", NOT_THE_DOCS_PAGE)
def test_only_the_docs_page_escapes_the_api_policy(testapp, path):
    response = testapp.get(path, status="*")
    assert response.headers["Content-Security-Policy"].startswith(API_CSP)
    assert "frame-ancestors 'none'" in response.headers["Content-Security-Policy"]
