"""``Task.update_in``: the PATCH/PUT write path without the unit of work.

The concurrency tests (tests/system/test_concurrency.py) prove no update is lost when
writers queue on the row lock; these prove the versioned UPDATE itself refuses a stale
version (the guarantee if a lock were ever missing), that only the tags that changed are
touched, and that the session is left with nothing for a later flush to write again.
"""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import event, select, update
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from taskservice.tasks.models import Task, TaskTag
from tests.support.api import Client, create_task


def _tag_rows(dbsession: Session, task_id: int) -> set[str]:
    return set(dbsession.scalars(select(TaskTag.tag).where(TaskTag.task_id == task_id)))


def _load(dbsession: Session, alice: Client, **fields: Any) -> Task:
    task_id = int(create_task(alice, **fields)["id"])
    return dbsession.get_one(Task, task_id)


def test_a_stale_version_updates_nothing(dbsession: Session, alice: Client) -> None:
    task = _load(dbsession, alice, title="Mine", tags=["a"])
    # Another writer commits version 2 behind this session's back.
    dbsession.execute(update(Task).where(Task.id == task.id).values(title="Theirs", version=2)
                      .execution_options(synchronize_session=False))

    with pytest.raises(StaleDataError):
        task.update_in(dbsession, {"title": "Lost", "tags": ["b"]})

    dbsession.expire_all()
    assert (task.title, task.version) == ("Theirs", 2)
    assert _tag_rows(dbsession, task.id) == {"a"}


def test_only_the_tags_that_changed_are_written(dbsession: Session, alice: Client) -> None:
    task = _load(dbsession, alice, tags=["a", "b", "c"])
    statements: list[str] = []
    event.listen(dbsession.connection(), "before_cursor_execute",
                 lambda *args: statements.append(args[2].split()[0]))

    task.update_in(dbsession, {"tags": ["b", "d"]})

    assert _tag_rows(dbsession, task.id) == {"b", "d"}
    # The UPDATE, one DELETE of a and c, one INSERT of d (then the check's own SELECT).
    assert statements[:3] == ["UPDATE", "DELETE", "INSERT"]


def test_the_session_is_left_with_nothing_to_flush(dbsession: Session, alice: Client) -> None:
    task = _load(dbsession, alice, title="Before")
    version = task.version

    task.update_in(dbsession, {"title": "After", "done": True})

    assert (task.title, task.done, task.version) == ("After", True, version + 1)
    assert not dbsession.dirty
    dbsession.expire_all()
    assert (task.title, task.done, task.version) == ("After", True, version + 1)
