"""Appending to the change log, in the transaction of each change.

Every view that changes a task, a list or a share ends with :func:`append`: one Core
executemany of the rows this module builds, after every other statement of the request
(an ORM change is flushed first). That is the write path's whole extra cost.

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

import dataclasses
from collections.abc import Sequence
from datetime import datetime
from typing import Any

import zope.sqlalchemy
from sqlalchemy import ColumnElement, Select, select, text, union
from sqlalchemy.orm import Session

from ..accounts.models import User
from ..db.base import utcnow
from ..lists.models import ListShare, TaskList
from ..lists.representation import list_json
from ..tasks.listing import PAGE_COLUMNS
from ..tasks.models import TASKS, Task, TaskShare
from ..tasks.representation import TaskFields, task_json
from ..webhooks import outbox
from ..webhooks.outbox import Event
from .models import CHANGES, INSERT_CHANGES, ROW_COLUMNS

# Any constant the service uses for nothing else; the lock is per database.
LOG_LOCK = 0x74736368  # "tsch"
TAKE_LOG_LOCK = text(f"SELECT pg_advisory_xact_lock({LOG_LOCK})")

# What a task's history shows: the writable fields (all of them, from null, on creation)
# and completed_at, which follows done.
CREATED_FIELDS = ("title", "description", "done", "priority", "due_at", "tags", "list")
HISTORY_FIELDS = (*CREATED_FIELDS, "completed_at")

Row = dict[str, Any]
# The key of a row that carries a webhook event (taken out before the row is inserted).
EVENT = "event"


def append(session: Session, rows: Sequence[Row]) -> None:
    """Insert ``rows`` into the log, numbered in commit order (see the module docstring).

    Their events are queued first: the outbox's INSERT takes key-share locks on webhook
    rows, which must never be waited for while holding the log's lock.
    """
    if not rows:
        return
    zope.sqlalchemy.mark_changed(session)
    outbox.queue(session, [event for r in rows if (event := r.pop(EVENT, None))])
    if session.get_bind().dialect.name == "postgresql":
        session.execute(TAKE_LOG_LOCK)
    session.execute(INSERT_CHANGES, list(rows))


def row(kind: str, object_id: int, action: str, at: datetime | None = None,
        **values: Any) -> Row:
    """One log row; the columns not given are NULL (every row has every key: executemany)."""
    full: Row = dict.fromkeys(ROW_COLUMNS)
    full.update(values, kind=kind, object_id=object_id, action=action, at=at or utcnow())
    return full


def _carrying(row_: Row, event: Event) -> Row:
    """``row_`` with the webhook event it reports (taken out again by :func:`append`)."""
    row_[EVENT] = event
    return row_


# --- tasks ----------------------------------------------------------------------------------


def task_fields(task: Task) -> dict[str, Any]:
    """The fields a history entry compares, as the task's body shows them."""
    body = task_json(task)
    return {name: body[name] for name in HISTORY_FIELDS}


def task_event(name: str, task: TaskFields, owner_id: int, actor: str,
               **data: Any) -> Event:
    """A ``task.*`` event: the task as GET shows it, and ``data``'s other keys."""
    return Event(f"task.{name}", actor, {"task": task_json(task), **data}, owner_id,
                 task.list_id, task_id=task.id)


def task_created(task: Task, actor: str) -> list[Row]:
    after = task_fields(task)
    changes = {name: {"from": None, "to": after[name]} for name in CREATED_FIELDS}
    return [_carrying(_task_row(task, "created", actor, {"changes": changes}),
                      task_event("created", task, task.owner_id, actor))]


def task_updated(task: Task, before: dict[str, Any], old_list_id: int | None,
                 actor: str) -> list[Row]:
    """The history row of an update; a move out of a list also tells the list it left."""
    after = task_fields(task)
    changes = {name: {"from": before[name], "to": after[name]}
               for name in HISTORY_FIELDS if before[name] != after[name]}
    previous = {name: before[name] for name in changes}
    rows = [_carrying(_task_row(task, "updated", actor, {"changes": changes}),
                      task_event("updated", task, task.owner_id, actor, previous=previous))]
    if old_list_id is not None and old_list_id != task.list_id:
        rows.append(row("task", task.id, "moved", list_id=old_list_id, actor=actor))
    return rows


def task_share_changed(task: Task, user_id: int, share: dict[str, Any],
                       actor: str) -> list[Row]:
    """``shared`` (a new or changed permission) or ``unshared`` (``permission`` None).

    For the grantee alone (and the task's history): the task's body does not change.
    """
    action = _share_action(share)
    event = task_event(action, task, task.owner_id, actor, share=share)
    return [_carrying(row("task", task.id, action, user_id=user_id, task_id=task.id,
                          actor=actor, version=task.version, detail={"share": share}),
                      _unshared_by(event, user_id))]


def _share_action(share: dict[str, Any]) -> str:
    return "unshared" if share["permission"] is None else "shared"


def _unshared_by(event: Event, user_id: int) -> Event:
    """A removed share's event also reaches the grantee, who could view it just before."""
    if event.type.endswith(".unshared"):
        return dataclasses.replace(event, grantee_id=user_id)
    return event


def _task_row(task: Task, action: str, actor: str, detail: dict[str, Any]) -> Row:
    # At the task's own time of the change: its history says what its updated_at says.
    return row("task", task.id, action, task.updated_at, owner_id=task.owner_id,
               list_id=task.list_id,
               task_id=task.id, actor=actor, version=task.version, detail=detail)


def tasks_deleted(session: Session, condition: ColumnElement[bool], actor: str) -> list[Row]:
    """The tombstone rows of the tasks ``condition`` selects, read before they are deleted.

    One row per task for its owner, its list's members and the admins, and one per user
    it is or was shared with (a share of the log: a user who has left it may still hold
    the task; a tombstone for a task they no longer have is harmless), since those shares
    go with the task. Two queries, whatever the number of tasks; their webhook events
    (:func:`_queue_deleted_tasks`) are queued here too, while the tasks and shares exist.
    """
    ids = select(TASKS.c.id).where(condition)
    # Locked first (PostgreSQL; SQLite has one writer anyway): no share of them can be
    # given until this transaction ends, so the audience read next is the whole of it.
    tasks = session.execute(
        select(TASKS.c.id, TASKS.c.owner_id, TASKS.c.list_id).where(condition)
        .with_for_update()
    ).all()
    if not tasks:
        return []
    _queue_deleted_tasks(session, condition, actor)
    audience = union(
        select(TaskShare.task_id, TaskShare.user_id).where(TaskShare.task_id.in_(ids)),
        select(CHANGES.c.task_id, CHANGES.c.user_id).where(
            CHANGES.c.task_id.in_(ids), CHANGES.c.user_id.is_not(None)),
    )
    now = utcnow()
    rows = [row("task", task_id, "deleted", now, owner_id=owner_id, list_id=list_id,
                actor=actor) for task_id, owner_id, list_id in tasks]
    rows += [row("task", task_id, "deleted", now, user_id=user_id, actor=actor)
             for task_id, user_id in session.execute(audience)]
    return rows


def _queue_deleted_tasks(session: Session, condition: ColumnElement[bool], actor: str) -> None:
    """``task.deleted`` of each task, as it is now; only read when a webhook is active."""
    if outbox.watched(session):
        deleted = session.execute(select(*PAGE_COLUMNS).join(User, User.id == TASKS.c.owner_id)
                                  .where(condition))
        outbox.queue(session, [task_event("deleted", task, task.owner_id, actor)
                               for task in deleted])


# --- lists ----------------------------------------------------------------------------------


def list_event(name: str, row_: TaskList, actor: str, **data: Any) -> Event:
    """A ``list.*`` event: the list as GET shows it, less ``permission`` (whose would it
    be?), and ``data``'s other keys."""
    body = {k: v for k, v in list_json(row_, "owner").items() if k != "permission"}
    return Event(f"list.{name}", actor, {"list": body, **data}, row_.owner_id, row_.id)


def list_changed(row_: TaskList, action: str, actor: str) -> list[Row]:
    """``created`` or ``updated``: for the list's owner, its members and the admins."""
    return [_carrying(row("list", row_.id, action, owner_id=row_.owner_id, list_id=row_.id,
                          actor=actor, version=row_.version), list_event(action, row_, actor))]


def list_share_changed(row_: TaskList, user_id: int, share: dict[str, Any],
                       actor: str) -> list[Row]:
    """For the member alone: the feed derives what they gained or lost (every task in it)."""
    action = _share_action(share)
    event = _unshared_by(list_event(action, row_, actor, share=share), user_id)
    return [_carrying(row("list", row_.id, action, user_id=user_id, actor=actor,
                          detail={"share": share}), event)]


def lists_deleted(session: Session, condition: ColumnElement[bool], actor: str) -> list[Row]:
    """The tombstone rows of the lists ``condition`` selects and of every task in them.

    Read before the delete: the lists' shares and tasks go with them (cascades). Each
    member gets a row of their own, the owner the list's row; both then see the tasks'
    own tombstones, which name the list.
    """
    lists = session.execute(
        select(TaskList.id, TaskList.owner_id).where(condition).with_for_update()).all()
    if not lists:
        return []
    if outbox.watched(session):
        deleted = session.scalars(select(TaskList).where(condition))
        outbox.queue(session, [list_event("deleted", row_, actor) for row_ in deleted])
    ids: Select[Any] = select(TaskList.id).where(condition)
    now = utcnow()
    rows = [row("list", list_id, "deleted", now, owner_id=owner_id, list_id=list_id,
                actor=actor) for list_id, owner_id in lists]
    members = session.execute(
        select(ListShare.list_id, ListShare.user_id).where(ListShare.list_id.in_(ids)))
    rows += [row("list", list_id, "deleted", now, user_id=user_id, actor=actor)
             for list_id, user_id in members]
    return rows + tasks_deleted(session, TASKS.c.list_id.in_(ids), actor)


def user_deleted(session: Session, user_id: int, actor: str) -> list[Row]:
    """Everything that goes with a user: their lists (with every task in them), their tasks."""
    rows = lists_deleted(session, TaskList.owner_id == user_id, actor)
    in_their_lists = select(TaskList.id).where(TaskList.owner_id == user_id)
    theirs_elsewhere = (TASKS.c.owner_id == user_id) & (
        TASKS.c.list_id.is_(None) | TASKS.c.list_id.not_in(in_their_lists))
    return rows + tasks_deleted(session, theirs_elsewhere, actor)


def share_json(username: str, permission: str | None, previous: str | None) -> dict[str, Any]:
    return {"username": username, "permission": permission, "previous": previous}

