"""Tokens of contract section 15 made, listed, presented and aged the way the tests need.

Everything here goes through the API, except what a client cannot do: make time pass.
The tests age a token by moving its stored times back (``age``), as the section 2 tests do
for expiry, rather than by waiting.
"""

from __future__ import annotations

import base64
from datetime import UTC, datetime, timedelta
from typing import Any

import webtest
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from taskservice.accounts.credentials import token_digest
from taskservice.accounts.models import Token
from tests.support.api import Client
from tests.support.constants import PASSWORD
from tests.support.listing import walk

MINE = "/users/me/tokens"
SCOPES = ("read", "write", "webhooks", "account")
# The token object of POST /users/me/tokens and POST /tokens; a listing's lacks the secret.
TOKEN_FIELDS = {"id", "name", "token", "token_type", "scopes", "lists", "created_at",
                "expires_at", "last_used_at"}
BEARER_CHALLENGE = 'Bearer realm="taskservice"'
BASIC_CHALLENGE = 'Basic realm="taskservice"'
DAY = 86400  # taskservice.token_ttl's default


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def basic(username: str, token: str) -> dict[str, str]:
    """An app password: ``Authorization: Basic base64(<username>:<token>)``."""
    return {"Authorization": "Basic " + encode_basic(f"{username}:{token}".encode())}


def encode_basic(credentials: bytes) -> str:
    return base64.b64encode(credentials).decode("ascii")


def mint(client: Client, body: Any, status: int | str = 201,
         testapp: webtest.TestApp | None = None) -> webtest.TestResponse:
    """``POST /users/me/tokens`` with ``body`` as ``client`` (on ``testapp`` if given)."""
    app = testapp or client.testapp
    return app.post_json(MINE, body, headers=client.headers, status=status)


def login(testapp: webtest.TestApp, username: str, status: int | str = 201,
          password: str = PASSWORD, **fields: Any) -> webtest.TestResponse:
    """``POST /tokens`` with the password and ``fields`` of section 15's body."""
    body = {"username": username, "password": password, **fields}
    return testapp.post_json("/tokens", body, status=status)


class Holder(Client):
    """A user holding one token, with the token object its 201 showed (``id`` included)."""

    def __init__(self, testapp: webtest.TestApp, username: str, shown: dict) -> None:
        super().__init__(testapp, username, shown["token"])
        self.shown = shown
        self.id = shown["id"]


def holder(client: Client, testapp: webtest.TestApp | None = None, **fields: Any) -> Holder:
    """``client``'s user holding a new token minted by ``client`` with ``fields`` (a name
    is given unless ``fields`` has one)."""
    app = testapp or client.testapp
    return Holder(app, client.username,
                  mint(client, {"name": "a token", **fields}, testapp=app).json)


def on(testapp: webtest.TestApp, client: Client) -> Client:
    """``client``'s user and token, talking to ``testapp`` (same database, other settings)."""
    return Client(testapp, client.username, client.token)


def password_holder(testapp: webtest.TestApp, username: str, **fields: Any) -> Holder:
    """``username`` holding a token from ``POST /tokens`` with the password and ``fields``."""
    return Holder(testapp, username, login(testapp, username, **fields).json)


def listed(client: Client, limit: int = 100) -> list[dict]:
    """Every page of ``GET /users/me/tokens`` as ``client``."""
    return walk(client.testapp, client, {}, limit, path=MINE)


def listed_one(client: Client, token_id: str) -> dict:
    """The item of ``client``'s listing with id ``token_id`` (the test fails without it)."""
    [item] = [item for item in listed(client) if item["id"] == token_id]
    return item


def parse_time(text: str) -> datetime:
    """An RFC 3339 time of the contract: UTC, with ``Z`` or ``+00:00``."""
    assert text.endswith(("Z", "+00:00")), text
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def lifetime(token: dict) -> timedelta:
    """How long a token object says it lives: ``expires_at`` - ``created_at``."""
    return parse_time(token["expires_at"]) - parse_time(token["created_at"])


def about(actual: timedelta, seconds: int) -> bool:
    """``actual`` is ``seconds`` to within the second a response's times may round to."""
    return abs(actual - timedelta(seconds=seconds)) <= timedelta(seconds=1)


def age(session: Session, token: str, **columns: timedelta | None) -> None:
    """Move ``token``'s stored times (``expires_at``, ``last_used_at``) to now minus the
    given amounts (None stores NULL): time passing, without waiting for it."""
    now = datetime.now(UTC)
    values = {name: None if ago is None else now - ago for name, ago in columns.items()}
    session.execute(update(Token).where(Token.token_hash == token_digest(token)).values(values))
    session.commit()


def stored(session: Session, token: str) -> Token:
    """``token``'s row as the database holds it now (read afresh, not from the identity
    map): its id for a login's token, whose id no response gives, and its times."""
    session.expire_all()
    return session.scalars(select(Token).where(Token.token_hash == token_digest(token))).one()
