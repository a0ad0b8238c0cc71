"""Every operation of ``GET /__api__`` × each single scope → the contract's status (section 15).

The operations come from the OpenAPI document, so an endpoint added tomorrow is in the
matrix without anyone listing it. The scope each one needs is derived here from the
contract's words (:func:`needed_scope`), never read from the service's declarations: an
operation the contract's rules do not place fails the matrix until someone places it.

Each request is sent twice in the same state (a savepoint rolled back after each): with an
unrestricted token, which gives its normal status, and with a token holding one scope.
Holding the scope the request needs (or the request needing none), the status is the
normal one; lacking it, the request is the scope's 403 -- unless its normal status is the
404 of a resource the caller may not reach, which comes first.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from functools import partial
from typing import Any

import pytest
import webtest
from pyramid.authorization import Allow, Authenticated
from pyramid.interfaces import IRoutesMapper

from taskservice import make_config
from taskservice.db.interfaces import ISessionFactory
from taskservice.db.session import make_session_factory
from taskservice.openapi.responses import Outcome
from taskservice.web.services import DocumentedService
from tests.support.api import Client, assert_error, create_task
from tests.support.constants import TEST_SETTINGS
from tests.support.openapi import operations, resolve
from tests.support.scoped import (
    SCOPES,
    assert_insufficient_scope,
    create_hook,
    insufficient_scope_challenge,
    mint,
    needed_scope,
    resolve_publicly,
    token_object,
)

PLACEHOLDER = re.compile(r"\{([^}]+)\}")


@dataclass(frozen=True)
class Call:
    method: str
    path: str
    body: Any = None  # None: no body

    def __str__(self) -> str:
        return f"{self.method} {self.path}"


@dataclass(frozen=True)
class World:
    """What the matrix's placeholders name: the caller's task, list and webhook (the
    task in the list and shared, the list shared, with ``other``), and another user."""

    caller: Client
    other: str
    ids: dict[str, str]  # by the collection an ``{id}`` follows

    def paths(self, template: str) -> Iterator[str]:
        """``template`` with real values: ``{username}`` under /users both the caller's own
        name and another's, elsewhere (a share) another's."""
        for username in self._usernames(template):
            yield PLACEHOLDER.sub(partial(self._value, template, username), template)

    def _usernames(self, template: str) -> list[str]:
        if "{username}" not in template:
            return [self.other]  # one path, whatever the name
        if template.startswith("/users/"):
            return [self.caller.username, self.other]
        return [self.other]

    def _value(self, template: str, username: str, found: re.Match[str]) -> str:
        if found.group(1) == "username":
            return username
        collection = template[:found.start()].rstrip("/").rsplit("/", 1)[-1]
        if found.group(1) != "id" or collection not in self.ids:
            raise LookupError(f"the matrix has nothing for {found.group(0)} in {template}: "
                              "give the world one")
        return self.ids[collection]


def example_body(document: dict, operation: dict) -> Any:
    """The example of the operation's request body (a named component), or None."""
    if "requestBody" not in operation:
        return None
    schema = operation["requestBody"]["content"]["application/json"]["schema"]
    return resolve(document, schema)["example"]


def within(body: Any, world: World, scope: str) -> Any:
    """``body``, asking for no more than a token holding ``scope`` may give where it asks
    for scopes and lists (a token never mints one beyond its own): that scope, and the
    world's list."""
    if not isinstance(body, dict) or "scopes" not in body:
        return body
    return {**body, "scopes": [scope], "lists": [world.ids["lists"]]}


def calls(document: dict, world: World, scope: str) -> Iterator[Call]:
    """Every operation with real paths and its example body; every GET also as a HEAD."""
    for template, method, operation in operations(document):
        body = within(example_body(document, operation), world, scope)
        for path in world.paths(template):
            yield Call(method.upper(), path, body)
            if method == "get":
                yield Call("HEAD", path)


@pytest.fixture(params=["user", "admin"])
def world(request, register, monkeypatch) -> World:
    """The caller is named as the document's examples name a user (``alice``, with the
    tests' password, which is also the examples'), so the examples' bodies fit them."""
    resolve_publicly(monkeypatch)
    caller = register("alice", admin=request.param == "admin")
    other = register("bob")
    testapp, headers = caller.testapp, caller.headers
    listed = testapp.post_json("/lists", {"name": "l"}, headers=headers, status=201).json
    task = create_task(caller, list=listed["id"], due_at="2030-01-03T09:00:00Z",
                       recurrence={"rule": "FREQ=WEEKLY"})
    for path in (f"/tasks/{task['id']}", f"/lists/{listed['id']}"):
        testapp.put_json(f"{path}/shares/{other.username}", {"permission": "view"},
                         headers=headers, status=201)
    hook, spare = create_hook(caller), token_object(caller, name="spare")
    return World(caller, other.username, {"tasks": task["id"], "lists": listed["id"],
                                          "webhooks": hook["id"], "tokens": spare["id"]})


@pytest.fixture
def send(connection):
    """``send(call, client)``: the response to ``call``, whatever it changed undone."""

    def send(call: Call, client: Client) -> Any:
        savepoint = connection.begin_nested()
        try:
            body = None if call.body is None else json.dumps(call.body).encode()
            return client.testapp.request(
                call.path, method=call.method, headers=client.headers, body=body,
                content_type="application/json" if body else None, status="*")
        finally:
            savepoint.rollback()

    return send


def mismatch(call: Call, scope: str, normal: Any, got: Any) -> str | None:
    """What is wrong with ``got``, the response to ``call`` with only ``scope``, given
    ``normal``, the unrestricted token's; None when it is what section 15 says."""
    needed = needed_scope(call.method, call.path)
    if needed is None or needed == scope or normal.status_int == 404:
        expected = normal.status_int
        return None if got.status_int == expected else (
            f"{call}: {got.status_int}, expected {expected} as unrestricted")
    try:
        if call.method == "HEAD":  # no body: the status and the challenge
            assert got.status_int == 403
            assert got.headers.getall("WWW-Authenticate") == [
                insufficient_scope_challenge(needed)]
        else:
            assert_insufficient_scope(got, needed)
    except AssertionError as error:
        return f"{call}: not the 403 of a token lacking {needed}: {got.status_int} {error}"
    return None


@pytest.mark.parametrize("scope", SCOPES)
def test_each_operation_with_a_single_scope(testapp, world, send, scope):
    document = testapp.get("/__api__", status=200).json
    unrestricted, scoped = mint(world.caller), mint(world.caller, [scope])
    wrong, needs = [], set()
    for call in calls(document, world, scope):
        normal = send(call, unrestricted)
        assert normal.status_int < 500 and normal.status_int != 401, (str(call), normal)
        needs.add(needed_scope(call.method, call.path))
        wrong.append(mismatch(call, scope, normal, send(call, scoped)))
    problems = [problem for problem in wrong if problem]
    assert not problems, "\n".join(problems)
    assert len(wrong) > len(list(operations(document)))  # each, some twice (HEAD, two users)
    assert needs == {None, *SCOPES}


# The derivation itself, on the contract's own examples of each rule.
CONTRACT_RULES = [
    ("GET", "/tasks?done=false", "read"), ("HEAD", "/lists/4/tasks", "read"),
    ("GET", "/changes", "read"), ("GET", "/users/me", "read"), ("GET", "/users/bob", "read"),
    ("POST", "/tasks/4/move", "write"), ("PUT", "/lists/4/shares/bob", "write"),
    ("POST", "/batch", "write"), ("GET", "/webhooks", "webhooks"),
    ("POST", "/webhooks/4/ping", "webhooks"), ("PATCH", "/users/me", "account"),
    ("DELETE", "/users/alice", "account"), ("GET", "/users", "account"),
    ("GET", "/users/me/tokens", "account"), ("DELETE", "/users/me/tokens/4", "account"),
    ("POST", "/users", None), ("POST", "/tokens", None), ("DELETE", "/tokens/current", None),
    ("GET", "/__heartbeat__", None), ("GET", "/docs", None),
]


@pytest.mark.parametrize(("method", "path", "scope"), CONTRACT_RULES)
def test_the_needed_scope_follows_the_contract(method, path, scope):
    assert needed_scope(method, path) == scope


def test_an_operation_the_contract_does_not_place_fails_the_matrix():
    with pytest.raises(LookupError, match="POST /reports"):
        needed_scope("POST", "/reports")


# -- a route nobody declared a rule for


def test_every_route_declares_the_scopes_it_needs(app):
    """The matrix covers the document; this covers every route of the app, documented or
    not (the docs page's files, a plugin's own routes): each has its rule."""
    routes = app.registry.getUtility(IRoutesMapper).get_routes()
    undeclared = [f"{route.name} ({route.pattern})" for route in routes
                  if route.name not in app.registry.route_scopes]
    assert undeclared == []
    assert len(routes) > 20


class ProbeResource:
    """What the probe route names: any authenticated user may view it."""

    __acl__ = ((Allow, Authenticated, "view"),)

    def __init__(self, request: Any) -> None:
        self.request = request


@pytest.fixture
def probe_app(database_url, connection, monkeypatch):
    """The app with one more Cornice service, ``GET /probe``, added as a plugin's own
    route would be: with no scope rule."""
    probe = DocumentedService(name="probe", path="/probe", description="A route with no rule",
                              renderer="json", factory=ProbeResource)

    @probe.get(permission="view", outcome=Outcome((200,)))
    def look(request):
        """Look at the probe."""
        return {"seen": True}

    config = make_config({}, **{"sqlalchemy.url": database_url, **TEST_SETTINGS})
    config.add_cornice_service(probe)
    app = config.make_wsgi_app()
    factory = make_session_factory(connection, join_transaction_mode="create_savepoint")
    app.registry.registerUtility(factory, ISessionFactory)
    return webtest.TestApp(app)


@pytest.mark.parametrize("scopes", [["read"], ["read", "write", "webhooks"]])
def test_a_route_without_a_rule_refuses_a_token_lacking_any_scope(probe_app, register, scopes):
    alice = register("alice")
    restricted = mint(alice, scopes)
    response = probe_app.get("/probe", headers=restricted.headers, status=403)
    assert_error(response, 403, ("header", "Authorization"))
    probe_app.get("/probe", headers=mint(alice).headers, status=200)


def test_a_route_without_a_rule_refuses_a_list_limited_token_holding_every_scope(
        probe_app, register):
    """Closed to every restricted token: a list limit is a restriction the route cannot
    have been written for either."""
    alice = register("alice")
    listed = alice.testapp.post_json("/lists", {"name": "L"}, headers=alice.headers).json
    limited = mint(alice, lists=[listed["id"]])
    response = probe_app.get("/probe", headers=limited.headers, status=403)
    assert_error(response, 403, ("header", "Authorization"))
