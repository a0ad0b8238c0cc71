"""A request that fails, whatever the failure, writes nothing."""

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import object_session

from taskservice.accounts import views as user_service
from taskservice.accounts.models import User
from taskservice.db.interfaces import ISQLiteWriteTurn
from taskservice.tasks import views as task_service
from taskservice.tasks.models import Task, TaskTag
from taskservice.tasks.representation import task_json
from taskservice.web.errors import error_response
from tests.support.api import assert_error, create_task


def rows(dbsession, model):
    return dbsession.scalar(select(func.count()).select_from(model))


def fail_with(exc):
    def fail(*args, **kwargs):
        raise exc

    return fail


FAILURES = [
    (RuntimeError("boom after the flush"), 500),
    (error_response(409, "body", "title", "refused after the write"), 409),
    (error_response(400, "body", "title", "refused after the write"), 400),
]


@pytest.mark.parametrize("exc,status", FAILURES)
def test_a_create_that_fails_after_the_flush_writes_nothing(
        testapp, alice, dbsession, monkeypatch, exc, status):
    monkeypatch.setattr(task_service, "task_json", fail_with(exc))
    response = testapp.post_json("/tasks", {"title": "ghost", "tags": ["a"]},
                                 headers=alice.headers, status=status)
    assert_error(response, status, ("request" if status == 500 else "body",
                                    "" if status == 500 else "title"))
    assert (rows(dbsession, Task), rows(dbsession, TaskTag)) == (0, 0)


@pytest.mark.parametrize("exc,status", FAILURES)
def test_an_update_that_fails_after_the_flush_writes_nothing(
        testapp, alice, dbsession, monkeypatch, exc, status):
    task = create_task(alice, title="before", tags=["a"])
    monkeypatch.setattr(task_service, "task_json", fail_with(exc))
    testapp.put_json(f"/tasks/{task['id']}", {"title": "after", "tags": ["b"]},
                     headers=alice.headers, status=status)
    monkeypatch.undo()
    assert testapp.get(f"/tasks/{task['id']}", headers=alice.headers).json == task
    assert dbsession.scalars(select(TaskTag.tag)).all() == ["a"]


def test_a_500_says_only_that_an_internal_error_happened(testapp, alice, monkeypatch, caplog):
    monkeypatch.setattr(task_service, "task_json", fail_with(RuntimeError("secret detail")))
    response = testapp.post_json("/tasks", {"title": "ghost"}, status=500,
                                 headers={**alice.headers, "X-Request-Id": "req-500"})
    assert response.json == {
        "status": "error", "request_id": "req-500",
        "errors": [{"location": "request", "name": "",
                    "description": "Internal server error (request id req-500)"}],
    }
    assert "secret detail" not in response.text and "Traceback" not in response.text
    logged = [r for r in caplog.records if r.exc_info and "req-500" in r.getMessage()]
    assert logged and "secret detail" in str(logged[0].exc_info[1])


def test_a_registration_that_fails_after_the_flush_writes_nothing(
        testapp, dbsession, monkeypatch):
    monkeypatch.setattr(user_service, "user_json", fail_with(RuntimeError("boom")))
    testapp.post_json("/users", {"username": "ghost", "password": "p" * 8}, status=500)
    assert dbsession.scalars(select(User).where(User.username == "ghost")).all() == []


def test_a_delete_that_fails_after_the_flush_keeps_the_task(
        testapp, alice, dbsession, monkeypatch):
    task = create_task(alice, tags=["a"])
    monkeypatch.setattr(task_service, "HTTPNoContent", fail_with(RuntimeError("boom")))
    testapp.delete(f"/tasks/{task['id']}", headers=alice.headers, status=500)
    assert (rows(dbsession, Task), rows(dbsession, TaskTag)) == (1, 1)


def test_a_rejected_request_writes_nothing(testapp, alice, dbsession):
    task = create_task(alice)
    testapp.patch_json(f"/tasks/{task['id']}", {"title": "new", "done": "nope"},
                       headers=alice.headers, status=400)
    testapp.patch_json(f"/tasks/{task['id']}", {"title": "new"}, status=412,
                       headers={**alice.headers, "If-Match": '"9"'})
    assert testapp.get(f"/tasks/{task['id']}", headers=alice.headers).json == task
    assert rows(dbsession, Task) == 1


def test_sqlite_writers_take_turns_on_a_lock_that_every_outcome_releases(
        testapp, app, alice, dbsession, monkeypatch):
    """Held while a write runs (SQLite only), free again after a success and after a 500."""
    lock = app.registry.getUtility(ISQLiteWriteTurn)
    held = []

    def spy(task_row):
        held.append(lock.locked())
        return task_json(task_row)

    monkeypatch.setattr(task_service, "task_json", spy)
    testapp.post_json("/tasks", {"title": "one"}, headers=alice.headers, status=201)
    assert not lock.locked()
    monkeypatch.setattr(task_service, "task_json", fail_with(RuntimeError("boom")))
    testapp.post_json("/tasks", {"title": "two"}, headers=alice.headers, status=500)
    assert not lock.locked()
    assert held == [dbsession.get_bind().dialect.name == "sqlite"]


@pytest.mark.parametrize("method", ["GET", "HEAD"])
def test_a_read_never_commits_even_a_write_it_made(testapp, alice, monkeypatch, method):
    """Reads end in a rollback (models.commit_veto): a GET view that wrote by mistake
    answers 200 and leaves the database as it was."""
    task = create_task(alice, title="before")

    def writing_task_json(task_row):
        task_row.title = "written by a read"
        object_session(task_row).flush()
        return task_json(task_row)

    monkeypatch.setattr(task_service, "task_json", writing_task_json)
    testapp.request(f"/tasks/{task['id']}", method=method, headers=alice.headers, status=200)
    monkeypatch.undo()
    assert testapp.get(f"/tasks/{task['id']}", headers=alice.headers).json == task
