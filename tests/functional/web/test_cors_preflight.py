"""OPTIONS requests never tell whether their target exists (contract section 1).

A CORS preflight carries no credentials (the Fetch standard forbids them), so it is
answered from the route alone: which methods and headers the route allows. Were it
answered by walking the resource tree, an anonymous ``OPTIONS /users/root`` (200) and
``OPTIONS /users/nosuchuser`` (401) would tell anyone which accounts exist. Each pair
below names one existing and one missing target of the same route; every OPTIONS request
must get the same answer for both, whatever its headers and whether CORS is on or off.
The CORS settings themselves are tested in tests/functional/ops/test_ops_settings.py.
"""

from __future__ import annotations

from typing import Any

import pytest
import webtest

from tests.support.api import create_task
from tests.support.lists import create_list

ORIGIN = "https://app.example.com"
MISSING_ID = "987654321"

# (existing, missing) for each route, formatted with alice's task and list ids.
PAIRS = [
    ("/users/alice", "/users/nosuchuser"),
    ("/tasks/{task}", f"/tasks/{MISSING_ID}"),
    ("/tasks/{task}/history", f"/tasks/{MISSING_ID}/history"),
    ("/tasks/{task}/shares", f"/tasks/{MISSING_ID}/shares"),
    ("/tasks/{task}/shares/bob", f"/tasks/{MISSING_ID}/shares/bob"),
    ("/lists/{list}", f"/lists/{MISSING_ID}"),
    ("/lists/{list}/tasks", f"/lists/{MISSING_ID}/tasks"),
    ("/lists/{list}/shares", f"/lists/{MISSING_ID}/shares"),
    ("/lists/{list}/shares/bob", f"/lists/{MISSING_ID}/shares/bob"),
]

PREFLIGHT = {"Origin": ORIGIN, "Access-Control-Request-Method": "GET"}
# What an OPTIONS request may carry: a browser's preflight (for a method the route has or
# not, from a listed origin or not), a bare OPTIONS, or one sent with someone's token.
HEADER_SETS = {
    "preflight": PREFLIGHT,
    "preflight-with-headers": {**PREFLIGHT, "Access-Control-Request-Method": "DELETE",
                               "Access-Control-Request-Headers": "Authorization, If-Match"},
    "preflight-unknown-method": {**PREFLIGHT, "Access-Control-Request-Method": "POST"},
    "unlisted-origin": {**PREFLIGHT, "Origin": "https://evil.example.com"},
    "bare": {},
    "bob's-token": "bob",
}


@pytest.fixture(params=["cors-on", "cors-off"])
def app_under_test(request: pytest.FixtureRequest, make_app: Any) -> webtest.TestApp:
    settings = {"taskservice__cors_origins": ORIGIN} if request.param == "cors-on" else {}
    return webtest.TestApp(make_app(**settings), extra_environ={"HTTP_HOST": "example.com"})


def answer(app: webtest.TestApp, path: str, headers: dict) -> tuple[int, dict, Any]:
    """Status, headers and body of ``OPTIONS path``, less what differs on every request."""
    response = app.options(path, headers=headers, status="*")
    kept = {k: v for k, v in response.headers.items() if k != "X-Request-Id"}
    body = response.json if response.body else None
    if isinstance(body, dict):
        body.pop("request_id", None)
    return response.status_int, kept, body


@pytest.mark.parametrize("kind", sorted(HEADER_SETS))
@pytest.mark.parametrize(("existing", "missing"), PAIRS)
def test_options_answers_alike_whether_or_not_the_target_exists(
    app_under_test, alice, bob, existing, missing, kind
):
    ids = {"task": create_task(alice)["id"], "list": create_list(alice)["id"]}
    headers = HEADER_SETS[kind]
    if headers == "bob":
        headers = bob.headers  # bob may view none of alice's things
    assert answer(app_under_test, existing.format(**ids), headers) == answer(
        app_under_test, missing, headers
    )


@pytest.mark.parametrize(("path", "method"), [
    ("/users/nosuchuser", "DELETE"), (f"/tasks/{MISSING_ID}", "PATCH"),
    (f"/tasks/{MISSING_ID}/history", "GET"), (f"/tasks/{MISSING_ID}/shares/bob", "PUT"),
    (f"/lists/{MISSING_ID}", "PUT"), (f"/lists/{MISSING_ID}/shares", "GET"),
])
def test_a_preflight_gets_the_routes_cors_headers_for_any_target(make_app, path, method):
    app = webtest.TestApp(make_app(taskservice__cors_origins=ORIGIN))
    response = app.options(path, status=200, headers={
        "Origin": ORIGIN, "Access-Control-Request-Method": method,
        "Access-Control-Request-Headers": "Authorization, Content-Type, If-Match"})
    assert response.headers["Access-Control-Allow-Origin"] == ORIGIN
    assert method in response.headers["Access-Control-Allow-Methods"].split(",")
    allowed = response.headers["Access-Control-Allow-Headers"].lower().split(",")
    assert {"authorization", "content-type", "if-match"} <= {h.strip() for h in allowed}


def test_a_preflight_refuses_a_method_the_route_does_not_have(make_app):
    app = webtest.TestApp(make_app(taskservice__cors_origins=ORIGIN))
    response = app.options(f"/tasks/{MISSING_ID}/history", status=400, headers={
        "Origin": ORIGIN, "Access-Control-Request-Method": "DELETE"})
    assert "DELETE" not in response.headers.get("Access-Control-Allow-Methods", "")
