"""Password hashing (argon2, slow on purpose) never runs inside a writing transaction
(issue 24, #3).

On SQLite a writing request holds the process's write turn from the moment it opens its
session until it ends, and every other writer waits for it: three users running atomic
batches of password changes made another user's ``POST /tasks`` take seconds. So every
password check or hash must come before the request opens its session (hash and
verify before, write after), and an atomic batch, whose one transaction holds the turn
from start to end, may not carry one. Instrumented rather than timed: each argon2 call
records whether the write turn is held and whether the request calling it has opened its
writing session (a database-independent view of the same rule).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest
from pyramid.threadlocal import get_current_request
from sqlalchemy import update

from taskservice.accounts.interfaces import IPasswords
from taskservice.accounts.models import User
from taskservice.db.interfaces import ISessionFactory, ISQLiteWriteTurn
from tests.functional.batch.conftest import batch, statuses
from tests.support.api import Client, assert_error, create_task
from tests.support.constants import PASSWORD

NEW_PASSWORD = "a brand new passphrase"
BOGUS = {"Authorization": "Bearer not-a-token-of-anyone"}


@dataclass(frozen=True)
class Argon2Call:
    operation: str  # "hash" or "verify"
    write_turn_held: bool
    session_opened: bool  # by the request that ran it, before it did


class Watch:
    """Wraps the app's hasher and session factory to record each argon2 call's context."""

    def __init__(self, app: Any, monkeypatch: pytest.MonkeyPatch) -> None:
        self.lock = app.registry.getUtility(ISQLiteWriteTurn)
        self.factory = app.registry.getUtility(ISessionFactory)
        self.kw = self.factory.kw  # what read_outside_transaction and own_transaction use
        self.opened: list[Any] = []  # the requests that opened their session
        self.calls: list[Argon2Call] = []
        passwords = app.registry.getUtility(IPasswords)
        self.hasher = passwords._hasher
        monkeypatch.setattr(passwords, "_hasher", self)
        app.registry.registerUtility(self, ISessionFactory)

    def __call__(self, **kw: Any) -> Any:
        self.opened.append(get_current_request())
        return self.factory(**kw)

    def _record(self, operation: str) -> None:
        request = get_current_request()
        self.calls.append(Argon2Call(operation, self.lock.locked(),
                                     any(opened is request for opened in self.opened)))

    def hash(self, password: str) -> str:
        self._record("hash")
        return self.hasher.hash(password)

    def verify(self, password_hash: str, password: str) -> bool:
        self._record("verify")
        return self.hasher.verify(password_hash, password)

    def assert_all_outside(self, *operations: str) -> None:
        """Exactly these argon2 calls ran, none while a writing transaction was open."""
        assert [call.operation for call in self.calls] == list(operations)
        assert [call for call in self.calls if call.write_turn_held or call.session_opened] == []


@pytest.fixture
def app(make_app):
    # The rate limiter identifies each caller before the view runs: that must not open the
    # request's session either.
    return make_app(taskservice__ratelimit="1000/minute")


@pytest.fixture
def watch(app, monkeypatch) -> Watch:
    return Watch(app, monkeypatch)


def change(current: str, new: str) -> dict:
    return {"method": "PATCH", "path": "/users/me",
            "body": {"current_password": current, "password": new}}


@pytest.mark.parametrize("headers", [{}, BOGUS], ids=["anonymous", "bogus-token"])
def test_registering_hashes_before_the_write(testapp, watch, headers):
    testapp.post_json("/users", {"username": "newcomer", "password": PASSWORD},
                      headers=headers, status=201)
    watch.assert_all_outside("hash")


@pytest.mark.parametrize("headers", [{}, BOGUS], ids=["anonymous", "bogus-token"])
def test_logging_in_verifies_before_the_write(testapp, alice, watch, headers):
    testapp.post_json("/tokens", {"username": "alice", "password": PASSWORD}, headers=headers,
                      status=201)
    testapp.post_json("/tokens", {"username": "alice", "password": "wrong password"},
                      headers=headers, status=401)
    watch.assert_all_outside("verify", "verify")


def test_logging_in_with_another_valid_token_verifies_before_the_write(testapp, alice, bob,
                                                                       watch):
    testapp.post_json("/tokens", {"username": "alice", "password": PASSWORD},
                      headers=bob.headers, status=201)
    watch.assert_all_outside("verify")


def test_changing_the_password_checks_and_hashes_before_the_write(testapp, alice, watch):
    testapp.patch_json("/users/me", change(PASSWORD, NEW_PASSWORD)["body"],
                       headers=alice.headers, status=200)
    testapp.patch_json("/users/me", change("wrong password", PASSWORD)["body"],
                       headers=alice.headers, status=400)
    watch.assert_all_outside("verify", "hash", "verify")
    testapp.post_json("/tokens", {"username": "alice", "password": NEW_PASSWORD}, status=201)


def test_a_non_atomic_batch_of_password_changes_hashes_outside_every_write(alice, watch):
    response = batch(alice, [
        change(PASSWORD, NEW_PASSWORD),
        {"method": "POST", "path": "/tasks", "body": {"title": "between"}},
        change(NEW_PASSWORD, PASSWORD),
        change(PASSWORD, NEW_PASSWORD),
    ], atomic=False)
    assert statuses(response) == [200, 201, 200, 200]
    watch.assert_all_outside(*["verify", "hash"] * 3)


@pytest.mark.parametrize(("method", "path", "body"), [
    ("PATCH", "/users/me", change(PASSWORD, NEW_PASSWORD)["body"]),
    ("POST", "/tokens", {"username": "alice", "password": PASSWORD}),
    ("POST", "/users", {"username": "newcomer", "password": PASSWORD}),
    ("POST", "/%74okens?x=1", {"username": "alice", "password": PASSWORD}),
], ids=["password-change", "login", "registration", "encoded-login"])
def test_an_atomic_batch_may_not_check_or_hash_a_password(alice, watch, method, path, body):
    """Its transaction holds the write turn throughout: it is refused whole (a contract
    deviation of issue 24), before anything runs."""
    task = {"method": "POST", "path": "/tasks", "body": {"title": "never"}}
    response = batch(alice, [task, {"method": method, "path": path, "body": body}],
                     atomic=True, status=400)
    [error] = assert_error(response, 400, ("body", "requests.1.path"))
    assert "atomic" in error["description"]
    watch.assert_all_outside()
    assert alice.testapp.get("/tasks", headers=alice.headers).json["items"] == []


def test_an_atomic_batch_of_other_writes_still_runs(alice, watch):
    response = batch(alice, [{"method": "POST", "path": "/tasks", "body": {"title": "a"}},
                             {"method": "GET", "path": "/users/me"}], atomic=True)
    assert statuses(response) == [201, 200] and response.json["committed"] is True


def test_three_users_batches_of_password_changes_leave_the_write_turn_to_others(
        testapp, register, watch):
    """The stall of the report, as interleaving instead of seconds: another user's create
    between the batches' password changes finds the write turn free; atomic batches of
    password changes are refused; every argon2 call ran outside any writing transaction."""
    changers = [register(f"changer{n}") for n in range(3)]
    other: Client = register("other")
    watch.calls.clear()
    for changer in changers:
        batch(changer, [change(PASSWORD, NEW_PASSWORD), change(NEW_PASSWORD, PASSWORD)],
              atomic=True, status=400)
        assert statuses(batch(changer, [change(PASSWORD, NEW_PASSWORD),
                                        change(NEW_PASSWORD, PASSWORD)])) == [200, 200]
        assert not watch.lock.locked()
        create_task(other, title=f"after {changer.username}")
    watch.assert_all_outside(*["verify", "hash"] * 6)


def test_a_concurrent_password_change_between_check_and_write_is_refused(
        testapp, alice, watch, dbsession, monkeypatch):
    """The password is checked outside the transaction that writes the new one: if another
    request changed it in between, the check no longer holds and nothing is written."""
    real_hash = watch.hash

    def hash_while_another_request_changes_it(password: str) -> str:
        meanwhile = watch.hasher.hash("changed meanwhile")
        dbsession.execute(update(User).where(User.username == "alice")
                          .values(password_hash=meanwhile))
        dbsession.commit()
        return real_hash(password)

    monkeypatch.setattr(watch, "hash", hash_while_another_request_changes_it)
    response = testapp.patch_json("/users/me", change(PASSWORD, NEW_PASSWORD)["body"],
                                  headers=alice.headers, status=400)
    assert_error(response, 400, ("body", "current_password"))
    testapp.post_json("/tokens", {"username": "alice", "password": "changed meanwhile"},
                      status=201)
