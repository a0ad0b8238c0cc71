"""What the tasks domain tells of its changes (``taskservice.events``).

Every write of a task ends with one of these: the views never call the packages that
react (the change log, webhooks, plugins). The tasks that go with a deleted list or
user are deleted tasks too: this package hears those deletions and tells of its own.
"""

from __future__ import annotations

from typing import Any

from pyramid.config import Configurator
from pyramid.request import Request
from sqlalchemy import ColumnElement, select

from ..accounts.models import User
from ..db.base import utcnow
from ..events import (
    Body,
    ResourcesDeleting,
    ShareChange,
    Subject,
    changed,
    notify_changed,
    notify_deleting,
)
from ..lists.models import TaskList
from .models import TASKS, TaskAncestor
from .representation import task_json


def _subject(task: Any) -> Subject:
    """``task``: a ``Task``, or a row of the tasks table."""
    return Subject("task", task.id, task.owner_id, task.list_id, task.version)


def task_changed(request: Request, task: Any, action: str, before: Body | None = None,
                 share: ShareChange | None = None, occurrence: Body | None = None) -> None:
    """``task`` (a ``Task``, or a row of the tasks table) was ``created`` or ``updated``
    (``before``: its body before; ``occurrence``: the one
    the update completed) at its ``updated_at``, or ``shared`` or ``unshared``
    (``share``)."""
    notify_changed(changed(request, _subject(task), action, before=before,
                           after=task_json(task), share=share,
                           at=None if share else task.updated_at, occurrence=occurrence))


def tasks_deleting(request: Request, condition: ColumnElement[bool]) -> None:
    """Tell of the deletion of the tasks ``condition`` selects, before it happens.

    They are locked first (PostgreSQL; SQLite has one writer anyway): no share of them
    can be given until this transaction ends, so whoever the subscribers find they must
    tell is the whole of it.
    """
    doomed = request.dbsession.execute(
        select(*TASKS.columns, User.username.label("owner_username"))
        .join(User, User.id == TASKS.c.owner_id).where(condition)
        .with_for_update(of=TASKS)
    ).all()
    if doomed:
        now = utcnow()
        notify_deleting(request, "task", condition, [
            changed(request, _subject(task), "deleted", before=task_json(task), at=now)
            for task in doomed])


def _tasks_of_deleted_lists(event: ResourcesDeleting) -> None:
    tasks_deleting(event.request,
                   TASKS.c.list_id.in_(select(TaskList.id).where(event.condition)))


def _tasks_of_deleted_users(event: ResourcesDeleting) -> None:
    """Their tasks and every task below them (others' subtasks too), in no list or in
    someone else's (those in their lists go with the lists)."""
    users = select(User.id).where(event.condition)
    in_their_lists = select(TaskList.id).where(TaskList.owner_id.in_(users))
    below_theirs = select(TaskAncestor.task_id).where(TaskAncestor.ancestor_owner_id.in_(users))
    tasks_deleting(event.request, (TASKS.c.owner_id.in_(users) | TASKS.c.id.in_(below_theirs))
                   & (TASKS.c.list_id.is_(None) | TASKS.c.list_id.not_in(in_their_lists)))


def includeme(config: Configurator) -> None:
    config.add_subscriber(_tasks_of_deleted_lists, ResourcesDeleting, kind="list")
    config.add_subscriber(_tasks_of_deleted_users, ResourcesDeleting, kind="user")
