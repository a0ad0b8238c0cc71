"""Tokens holding less than their user's full power (contract section 15), for tests.

    reader = mint(dbsession, alice, scopes=["read"])            # a Client, as alice
    inside = mint(dbsession, alice, lists=[listed["id"]])      # limited to one list
    assert_insufficient_scope(response, "write")               # the scope's 403

Tokens are rows inserted through the test's session (``POST /users/me/tokens`` is the
API's way): the same columns the service writes, so what is under test is the policy
that reads them, not the endpoint that mints them.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from taskservice.accounts.credentials import new_token, token_digest
from taskservice.accounts.models import Token, User, username_matches
from taskservice.db.base import utcnow
from tests.support.api import Client, assert_error

# The scopes of contract section 15, in its order; an unrestricted token holds them all.
SCOPES = ("read", "write", "webhooks", "account")


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


def insufficient_scope_challenge(scope: str) -> str:
    """The ``WWW-Authenticate`` of the scope's 403 (section 15, after RFC 6750 3.1)."""
    return f'Bearer error="insufficient_scope", scope="{scope}"'


def assert_insufficient_scope(response: Any, scope: str) -> None:
    """``response`` is the 403 of a token lacking ``scope``: in the error shape, naming
    the ``Authorization`` header and the scope, with the challenge that says so."""
    [error] = assert_error(response, 403, ("header", "Authorization"))
    assert scope in error["description"], error
    assert response.headers.getall("WWW-Authenticate") == [insufficient_scope_challenge(scope)]
