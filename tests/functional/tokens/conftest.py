"""Fixtures of the section 15 token tests: apps with other token settings, a watch on the
password hasher, and the lists a list-limited token is made for."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
import webtest
from sqlalchemy import event
from sqlalchemy.engine import Engine

from taskservice.accounts.interfaces import IPasswords
from tests.support.api import Client
from tests.support.lists import create_list
from tests.support.token_api import password_holder


@pytest.fixture
def app_with(make_app: Callable[..., Any]) -> Callable[..., webtest.TestApp]:
    """A WebTest app on the test's database with ``taskservice.<key>`` settings changed:
    ``app_with(**{"tokens.max_per_user": "2"})``."""

    def build(**settings: str) -> webtest.TestApp:
        overrides = {f"taskservice__{key.replace('.', '__')}": v for key, v in settings.items()}
        return webtest.TestApp(make_app(**overrides), extra_environ={"HTTP_HOST": "example.com"})

    return build


class HasherWatch:
    """Stands in for the app's argon2 hasher and records every call to it."""

    def __init__(self, hasher: Any) -> None:
        self.hasher = hasher
        self.calls: list[str] = []

    def verify(self, *args: Any) -> Any:
        self.calls.append("verify")
        return self.hasher.verify(*args)

    def hash(self, *args: Any) -> Any:
        self.calls.append("hash")
        return self.hasher.hash(*args)


@pytest.fixture
def argon2_calls(app: Any, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The argon2 calls ``app`` makes from now on (``testapp``'s app): a request that must
    not pay for a password hash leaves this empty."""
    passwords = app.registry.getUtility(IPasswords)
    watch = HasherWatch(passwords._hasher)
    monkeypatch.setattr(passwords, "_hasher", watch)
    return watch.calls


@pytest.fixture
def token_writes() -> Iterator[list[str]]:
    """The UPDATE statements on ``tokens`` sent from now on, by any engine: the app may
    note a token's use in a transaction of its own, on a connection of its own."""
    writes: list[str] = []

    def record(conn, cursor, statement, parameters, context, executemany) -> None:
        if statement.lstrip().upper().startswith("UPDATE TOKENS"):
            writes.append(statement)

    event.listen(Engine, "before_cursor_execute", record)
    yield writes
    event.remove(Engine, "before_cursor_execute", record)


@pytest.fixture
def master(alice: Client) -> Client:
    """Alice holding an unrestricted token that never expires, from her password: it may
    mint any token (section 15's precisions), so a test of another rule meets only that
    rule. Unnamed, it does not count towards ``taskservice.tokens.max_per_user``."""
    return password_holder(alice.testapp, "alice", expires_in=None)


@pytest.fixture
def two_lists(alice: Client) -> list[str]:
    """The ids of two lists of alice's."""
    return [create_list(alice, name=name)["id"] for name in ("first", "second")]
