"""Tokens holding less than their user's full power (contract section 15), for tests.

    reader = mint(dbsession, alice, scopes=["read"])            # a Client, as alice
    inside = mint(dbsession, alice, lists=[listed["id"]])      # limited to one list
    assert_insufficient_scope(response, "write")               # the scope's 403
    needed_scope("PATCH", "/tasks/4") == "write"               # as section 15 words it

Tokens are rows inserted through the test's session (``POST /users/me/tokens`` is the
API's way): the same columns the service writes, so what is under test is the policy
that reads them, not the endpoint that mints them. ``needed_scope`` is written from the
contract's sentences, never from the service's declarations, so the two can disagree.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import timedelta
from ipaddress import ip_address
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from taskservice.accounts.credentials import new_token, token_digest
from taskservice.accounts.models import Token, User, username_matches
from taskservice.db.base import utcnow
from taskservice.webhooks import sender
from tests.support.api import Client, assert_error

# The scopes of contract section 15, in its order; an unrestricted token holds them all.
SCOPES = ("read", "write", "webhooks", "account")

# Section 5: no credentials, so no scope.
SERVICE_PATHS = frozenset({"/__heartbeat__", "/__lbheartbeat__", "/__version__", "/__api__",
                           "/docs", "/__metrics__"})
# Section 15: registering, logging in, and any token revoking itself need no scope.
UNSCOPED = frozenset({("POST", "/users"), ("POST", "/tokens"), ("DELETE", "/tokens/current")})
READ_METHODS = frozenset({"GET", "HEAD"})
# ``write``: POST/PUT/PATCH/DELETE on tasks, lists, shares (under both), moves (a task's)
# and /batch.
WRITTEN_COLLECTIONS = frozenset({"tasks", "lists", "batch"})


def needed_scope(method: str, path: str) -> str | None:
    """The scope section 15 (and its precisions) says ``method path`` needs; None: none.

    Raises for an operation the contract's rules do not place, so that a new kind of
    endpoint makes the matrix fail until the rule is written here.
    """
    segments = path.partition("?")[0].strip("/").split("/")
    if path in SERVICE_PATHS or (method, path) in UNSCOPED:
        return None
    if segments[0] == "webhooks":  # every method, GET included
        return "webhooks"
    if segments[0] == "users":
        return _account_scope(method, segments[1:])
    if method in READ_METHODS:
        return "read"
    if segments[0] in WRITTEN_COLLECTIONS:
        return "write"
    raise LookupError(f"section 15 places no scope on {method} {path}: extend needed_scope")


def _account_scope(method: str, below: list[str]) -> str:
    """Under /users: everyone's accounts (``GET /users``) and the caller's tokens are
    ``account``; one user's account is read with ``read`` and changed or deleted (one's
    own by any URL, another's as an admin) with ``account``."""
    if not below or below[1:2] == ["tokens"]:
        return "account"
    return "read" if method in READ_METHODS else "account"


def mint(dbsession: Session, client: Client, scopes: Iterable[str] = SCOPES,
         lists: Iterable[str | int] | None = None, expires_in: int | None = None,
         name: str | None = "test") -> Client:
    """A new token of ``client``'s user holding ``scopes`` and, unless None, limited to
    ``lists`` (ids as the API writes them); None for ``expires_in``: it never expires, so
    it may mint any token (section 15's precisions)."""
    token = new_token()
    user_id = dbsession.scalars(select(User.id).where(username_matches(client.username))).one()
    expires_at = None if expires_in is None else utcnow() + timedelta(seconds=expires_in)
    held = set(scopes)
    dbsession.add(Token(
        token_hash=token_digest(token), user_id=user_id, name=name, expires_at=expires_at,
        scopes=[scope for scope in SCOPES if scope in held],
        lists=None if lists is None else sorted({int(list_id) for list_id in lists}),
    ))
    dbsession.commit()
    return Client(client.testapp, client.username, token)


def resolve_publicly(monkeypatch: Any) -> None:
    """Webhook hosts resolve to a public address from now on, without asking any DNS."""
    monkeypatch.setattr(sender, "resolve", lambda host, port: [ip_address("93.184.216.34")])


def create_hook(client: Client, **fields: Any) -> dict:
    """A webhook of ``client``'s made through the API (201 or the test fails)."""
    body = {"url": "https://hooks.example.com/", "events": ["*"], **fields}
    return client.testapp.post_json("/webhooks", body, headers=client.headers,
                                    status=201).json


def insufficient_scope_challenge(scope: str) -> str:
    """The ``WWW-Authenticate`` of the scope's 403 (section 15, after RFC 6750 3.1)."""
    return f'Bearer error="insufficient_scope", scope="{scope}"'


def assert_insufficient_scope(response: Any, scope: str) -> None:
    """``response`` is the 403 of a token lacking ``scope``: in the error shape, naming
    the ``Authorization`` header and the scope, with the challenge that says so."""
    [error] = assert_error(response, 403, ("header", "Authorization"))
    assert scope in error["description"], error
    assert response.headers.getall("WWW-Authenticate") == [insufficient_scope_challenge(scope)]
