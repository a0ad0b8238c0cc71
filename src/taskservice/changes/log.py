"""Appending to the change log, in the transaction of each change.

The log hears the domains' events (``taskservice.events``): who must be told of a
deletion is read as it is announced (:func:`read_task_audience`, :func:`read_list_members`),
and when the transaction commits, :func:`record` turns its changes into rows
(``rows.py``) and appends them with one Core executemany, the transaction's last
statement (every ORM change is flushed before the commit hooks run). That is the write
path's whole extra cost.

Commit order
------------
A reader keeps a position (``seq``) and later asks for what came after it, so a
position must never be handed out to a transaction that commits after a higher one has
become visible: the reader would pass the lower one before it exists and miss it forever.
Both databases are made to number the log in commit order:

- SQLite has one writer at a time: a writing request begins with ``BEGIN IMMEDIATE`` (and
  this process's writers queue on a lock, db/sqlite.py), so a transaction that inserts
  ``seq = n`` commits before the next writer even begins, and AUTOINCREMENT hands out
  ``n + 1`` to that one. A reader's snapshot that sees ``n`` sees everything below it.
- PostgreSQL has concurrent writers, and a sequence value is taken when the row is
  inserted, not when it commits. So appends are serialised: :func:`append` takes the
  transaction-level advisory lock ``pg_advisory_xact_lock(LOG_LOCK)`` right before its
  INSERT. The lock is held until the transaction ends, and PostgreSQL makes a commit
  visible before it releases the transaction's locks, so the next appender draws its
  numbers only after the previous one is visible (or rolled back, leaving a gap that no
  row will ever fill). Hence: once ``n`` is visible, so is every logged ``m < n``, and a
  reader that fixes its end at the highest visible position never skips a row.

The lock is the last thing a writer takes (the append is the request's last statement),
so it is held only for the commit itself, and no writer ever waits for a row lock while
holding it: the append writes only rows of the log, and a history row's foreign key
names a task the same transaction already holds locked. Read-only requests never take it.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

import zope.sqlalchemy
from sqlalchemy import Select, select, text, union
from sqlalchemy.orm import Session

from ..db.session import execute_core
from ..events import BeforeCommit, ResourcesDeleting, ResourcesMoving
from ..lists.models import ListShare, TaskList
from ..tasks.models import TASKS, TaskAncestor, TaskShare
from .models import CHANGES, INSERT_CHANGES
from .rows import AUDIENCE_INFO, Audience, Row, row, rows_of

# ``session.info`` key: each subtree moving in the tree, and (task, user) for each user
# who saw one of its tasks through a task above it, until :func:`record`.
MOVED_INFO = "taskservice.changes.moved"

# Any constant the service uses for nothing else; the lock is per database.
LOG_LOCK = 0x74736368  # "tsch"
TAKE_LOG_LOCK = text(f"SELECT pg_advisory_xact_lock({LOG_LOCK})")

def append(session: Session, rows: Sequence[Row]) -> None:
    """Insert ``rows`` into the log, numbered in commit order (see the module docstring)."""
    if not rows:
        return
    zope.sqlalchemy.mark_changed(session)
    if session.get_bind().dialect.name == "postgresql":
        execute_core(session, TAKE_LOG_LOCK)
    execute_core(session, INSERT_CHANGES, list(rows))


def record(event: BeforeCommit) -> None:
    """Every change of the committing transaction, as rows, appended last."""
    audience: Audience = event.session.info.pop(AUDIENCE_INFO, {})
    append(event.session, [*(r for change in event.changes for r in rows_of(change, audience)),
                           *_moved_rows(event.session, event.changes[0].at)])


def _remember(session: Session, kind: str, pairs: Any) -> None:
    """Who else is told of the deletion of each ``kind`` object, until :func:`record`."""
    audience: Audience = session.info.setdefault(AUDIENCE_INFO, {})
    for object_id, user_id in pairs:
        audience.setdefault((kind, object_id), []).append(user_id)


def read_task_audience(event: ResourcesDeleting) -> None:
    """Each user a doomed task is or was shared with (their shares go with it), and each
    who sees it through a task above it (its owner, its sharees).

    A share of the log counts too: a user who has left it may still hold the task (a
    tombstone for a task they no longer have is harmless). One query, whatever the
    number of tasks, while the shares and the task's history (it cascades) exist.
    """
    ids = select(TASKS.c.id).where(event.condition)
    session = event.request.dbsession
    _remember(session, "task", session.execute(union(
        select(TaskShare.task_id, TaskShare.user_id).where(TaskShare.task_id.in_(ids)),
        select(CHANGES.c.task_id, CHANGES.c.user_id).where(
            CHANGES.c.task_id.in_(ids), CHANGES.c.user_id.is_not(None)),
        *_through_ancestors(ids),
    )))


def _through_ancestors(ids: Any) -> tuple[Select[int, int], ...]:
    """(task, user) for each of the tasks ``ids`` and each user who sees it through a task
    above it: that task's owner (when not the task's own), and its sharees."""
    above = TaskAncestor
    return (
        select(above.task_id, above.ancestor_owner_id).where(
            above.task_id.in_(ids), above.crosses_owner),
        select(above.task_id, TaskShare.user_id)
        .join(TaskShare, TaskShare.task_id == above.ancestor_id).where(above.task_id.in_(ids)),
    )


def read_moving_audience(event: ResourcesMoving) -> None:
    """Each user who sees a task of a moving subtree through a task above it, before the
    move (here) and after it (:func:`_moved_rows`): each gets a ``moved`` row for it,
    and their feed judges whether they may view it now."""
    moving = select(TASKS.c.id).where(event.condition)
    session = event.request.dbsession
    before = session.execute(union(*_through_ancestors(moving))).all()
    session.info.setdefault(MOVED_INFO, []).append((moving, before))


def _moved_rows(session: Session, at: datetime) -> list[Row]:
    told: set[tuple[int, int]] = set()
    for moving, before in session.info.pop(MOVED_INFO, []):
        told.update(before, session.execute(union(*_through_ancestors(moving))).all())
    return [row("task", task_id, "moved", at, user_id=user_id) for task_id, user_id in told]


def read_list_members(event: ResourcesDeleting) -> None:
    """Each member of a doomed list: each gets a tombstone of their own."""
    session = event.request.dbsession
    ids = select(TaskList.id).where(event.condition)
    _remember(session, "list", session.execute(
        select(ListShare.list_id, ListShare.user_id).where(ListShare.list_id.in_(ids))))
