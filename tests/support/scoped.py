"""Tokens holding less than their user's full power (contract section 15), for tests.

    reader = mint(alice, scopes=["read"])                      # a Client, as alice
    inside = mint(alice, lists=[listed["id"]])                 # limited to one list
    assert_insufficient_scope(response, "write")               # the scope's 403
    needed_scope("PATCH", "/tasks/4") == "write"               # as section 15 words it

Tokens are minted with ``POST /tokens`` and the password, which may ask for any scopes,
lists and lifetime (a token minting one may not exceed its own). ``needed_scope`` is
written from the contract's sentences, never from the service's declarations (nor from
the document's ``x-scopes``), so the two can disagree.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import timedelta
from ipaddress import ip_address
from typing import Any

from sqlalchemy import update
from sqlalchemy.orm import Session

from taskservice.accounts.credentials import token_digest
from taskservice.accounts.models import Token
from taskservice.db.base import utcnow
from taskservice.webhooks import sender
from tests.support.api import Client, assert_error
from tests.support.constants import PASSWORD

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


def token_object(client: Client, **fields: Any) -> dict:
    """A new token of ``client``'s user (whose password is the tests'), minted with
    ``POST /tokens`` and the body of ``POST /users/me/tokens`` (``fields``): the token
    object, its secret included."""
    body = {"username": client.username, "password": PASSWORD, **fields}
    return client.testapp.post_json("/tokens", body, status=201).json


def mint(client: Client, scopes: Iterable[str] = SCOPES,
         lists: Iterable[str] | None = None, expires_in: int | None = None,
         name: str | None = "test") -> Client:
    """``client``'s user with a new token holding ``scopes`` and, unless None, limited
    to ``lists``; None for ``expires_in``: it never expires, so it may mint any token
    (section 15's precisions)."""
    token = token_object(client, name=name, scopes=list(scopes), expires_in=expires_in,
                         lists=None if lists is None else list(lists))
    return Client(client.testapp, client.username, token["token"])


def expire(dbsession: Session, client: Client) -> None:
    """``client``'s token expires now: the API mints none shorter than a minute."""
    dbsession.execute(update(Token).where(Token.token_hash == token_digest(client.token))
                      .values(expires_at=utcnow() - timedelta(seconds=1)))
    dbsession.commit()


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
