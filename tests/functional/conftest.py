"""The app as a WebTest client, and registered users to call it as.

Each app shares the test's transaction (see tests/conftest.py), so whatever a request
writes is rolled back with the test.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator
from typing import Any

import pytest
import webtest
from sqlalchemy import update
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session

from taskservice.accounts.models import User
from taskservice.db.service_keys import CURSORS, read_service_key
from tests.support.api import Client
from tests.support.constants import PASSWORD


@pytest.fixture
def app(make_app: Callable[..., Any]) -> Any:
    return make_app()


@pytest.fixture
def testapp(app: Any) -> webtest.TestApp:
    return webtest.TestApp(app, extra_environ={"HTTP_HOST": "example.com"})


@pytest.fixture
def dbsession(connection: Connection) -> Iterator[Session]:
    """A session on the test's transaction, for arranging and checking database state."""
    session = Session(bind=connection, join_transaction_mode="create_savepoint")
    yield session
    session.close()


@pytest.fixture
def cursor_key(dbsession: Session) -> bytes:
    """The key the service signs list cursors with, for tests that forge one."""
    return read_service_key(dbsession, CURSORS)


_names = itertools.count(1)


@pytest.fixture
def register(testapp: webtest.TestApp, dbsession: Session) -> Callable[..., Client]:
    """Register a user through the API (optionally an admin) and log them in."""

    def register(username: str | None = None, admin: bool = False) -> Client:
        username = username or f"user{next(_names)}"
        testapp.post_json("/users", {"username": username, "password": PASSWORD}, status=201)
        if admin:
            dbsession.execute(update(User).where(User.username == username).values(is_admin=True))
            dbsession.commit()
        token = testapp.post_json(
            "/tokens", {"username": username, "password": PASSWORD}, status=201
        ).json["token"]
        return Client(testapp, username, token)

    return register


@pytest.fixture
def alice(register: Callable[..., Client]) -> Client:
    return register("alice")


@pytest.fixture
def bob(register: Callable[..., Client]) -> Client:
    return register("bob")


@pytest.fixture
def admin(register: Callable[..., Client]) -> Client:
    return register("root_admin", admin=True)
