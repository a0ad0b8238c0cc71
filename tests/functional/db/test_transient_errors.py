"""Transient database errors are retried; the client sees success or a 503, never a 500.

The errors are the ones the drivers really raise, wrapped the way SQLAlchemy wraps them
(``DBAPIError.instance``): SQLite's "database is locked", PostgreSQL's serialization
failure (SQLSTATE 40001) and deadlock (40P01), and the ORM's ``StaleDataError`` (a
versioned UPDATE that a concurrent writer overtook). They are raised from the INSERT of
``POST /tasks`` for the first N attempts, whatever database the suite runs on: what is
under test is how the service classifies and retries them, not the driver.

A retried attempt is routine, so it is logged at INFO; only a failure the client sees
(the 503 after the last attempt) is a WARNING, and nothing here is an ERROR.
"""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Callable, Iterator

import psycopg
import psycopg.errors
import pytest
from sqlalchemy import event
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import ORMExecuteState, Session
from sqlalchemy.orm.exc import StaleDataError

from taskservice.tasks.models import Task

ATTEMPTS = 3  # retry.attempts, the default the app sets and production.ini repeats

ERRORS: dict[str, Callable[[], Exception]] = {
    "sqlite database is locked": lambda: DBAPIError.instance(
        "INSERT INTO tasks", {}, sqlite3.OperationalError("database is locked"), sqlite3.Error),
    "postgresql serialization failure": lambda: DBAPIError.instance(
        "INSERT INTO tasks", {},
        psycopg.errors.SerializationFailure("could not serialize access due to concurrent update"),
        psycopg.Error),
    "postgresql deadlock": lambda: DBAPIError.instance(
        "INSERT INTO tasks", {}, psycopg.errors.DeadlockDetected("deadlock detected"),
        psycopg.Error),
    "stale versioned row": lambda: StaleDataError(
        "UPDATE statement on table 'tasks' expected to update 1 row(s); 0 were matched."),
}


class FailingTaskInserts:
    """Makes the next ``failures`` INSERTs into ``tasks`` raise ``make_error()``.

    Hooked on the session's ``do_orm_execute``, which every statement the session runs
    passes through (the create path's own INSERT, not a unit-of-work flush).
    """

    def __init__(self, make_error: Callable[[], Exception], failures: int) -> None:
        self.make_error = make_error
        self.failures = failures
        self.raised = 0

    def __call__(self, state: ORMExecuteState) -> None:
        inserts_a_task = state.is_insert and state.statement.table.name == Task.__tablename__
        if self.raised < self.failures and inserts_a_task:
            self.raised += 1
            raise self.make_error()


@pytest.fixture
def failing_inserts() -> Iterator[Callable[..., FailingTaskInserts]]:
    installed: list[FailingTaskInserts] = []

    def install(kind: str, failures: int) -> FailingTaskInserts:
        listener = FailingTaskInserts(ERRORS[kind], failures)
        event.listen(Session, "do_orm_execute", listener)
        installed.append(listener)
        return listener

    yield install
    for listener in installed:
        event.remove(Session, "do_orm_execute", listener)


@pytest.fixture
def logs(caplog: pytest.LogCaptureFixture) -> pytest.LogCaptureFixture:
    caplog.set_level(logging.INFO)
    return caplog


def records_at_least(caplog: pytest.LogCaptureFixture, level: int) -> list[str]:
    return [f"{r.levelname} {r.name}: {r.getMessage()}" for r in caplog.records
            if r.levelno >= level]


def titles(alice, title: str) -> list[str]:
    items = alice.testapp.get("/tasks", {"q": title}, headers=alice.headers).json["items"]
    return [item["title"] for item in items]


def test_the_error_classes_are_the_drivers_own():
    """Guard the fixtures above: SQLAlchemy wraps each driver error as OperationalError."""
    for kind in ("sqlite database is locked", "postgresql serialization failure",
                 "postgresql deadlock"):
        assert type(ERRORS[kind]()).__name__ == "OperationalError", kind


@pytest.mark.parametrize("kind", sorted(ERRORS))
@pytest.mark.parametrize("failures", [1, ATTEMPTS - 1])
def test_a_transient_error_is_retried_and_the_client_sees_success(
    alice, failing_inserts, logs, kind, failures
):
    injected = failing_inserts(kind, failures)
    logs.clear()
    response = alice.testapp.post_json("/tasks", {"title": f"retried {kind}"},
                                       headers=alice.headers, status="*")
    assert response.status_int == 201, response.text
    assert injected.raised == failures
    assert titles(alice, f"retried {kind}") == [f"retried {kind}"]  # created exactly once
    assert records_at_least(logs, logging.WARNING) == []  # a retry is not a failure
    retried = [r for r in logs.records if "retrying request" in r.getMessage()]
    assert len(retried) == failures and all(r.levelno == logging.INFO for r in retried)
    assert access_statuses(logs) == [201]  # one line for the request, not one per attempt


def access_statuses(caplog: pytest.LogCaptureFixture) -> list[int]:
    """The statuses of the access lines logged for POST /tasks."""
    return [r.status for r in caplog.records
            if r.name == "taskservice.access" and r.method == "POST" and r.path == "/tasks"]


@pytest.mark.parametrize("kind", sorted(ERRORS))
def test_a_transient_error_that_outlives_the_retries_is_a_503(
    alice, failing_inserts, logs, kind
):
    injected = failing_inserts(kind, failures=ATTEMPTS + 10)
    logs.clear()
    response = alice.testapp.post_json("/tasks", {"title": f"never {kind}"},
                                       headers=alice.headers, status="*")
    assert response.status_int == 503, response.text
    assert access_statuses(logs) == [503]
    assert int(response.headers["Retry-After"]) >= 1
    [error] = response.json["errors"]
    assert error["location"] == "request" and "try again" in error["description"]
    assert response.json["request_id"] == response.headers["X-Request-Id"]
    assert injected.raised == ATTEMPTS
    assert titles(alice, f"never {kind}") == []
    assert records_at_least(logs, logging.ERROR) == []
    assert len(records_at_least(logs, logging.WARNING)) == 1  # the one failure a client saw
