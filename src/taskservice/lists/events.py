"""What the lists domain tells of its changes (``taskservice.events``).

A list's body in an event is the list as its owner sees it, less ``permission`` (whose
would it be?). The lists of a deleted user are deleted lists: this package hears that
deletion and tells of its own (and the tasks package, of the lists' tasks).
"""

from __future__ import annotations

from typing import Any

from pyramid.config import Configurator
from pyramid.request import Request
from sqlalchemy import ColumnElement, select

from ..accounts.models import User
from ..events import (
    Body,
    ResourcesDeleting,
    ShareChange,
    Subject,
    changed,
    notify_changed,
    notify_deleting,
)
from .models import TaskList
from .representation import list_json


def list_body(row: TaskList) -> dict[str, Any]:
    return {k: v for k, v in list_json(row, "owner").items() if k != "permission"}


def _subject(row: TaskList) -> Subject:
    return Subject("list", row.id, row.owner_id, row.id, row.version)


def list_changed(request: Request, row: TaskList, action: str, before: Body | None = None,
                 share: ShareChange | None = None) -> None:
    """``created``, ``updated`` (``before``: its body before), ``shared`` or ``unshared``
    (``share``)."""
    notify_changed(changed(request, _subject(row), action, before=before,
                           after=list_body(row), share=share))


def lists_deleting(request: Request, condition: ColumnElement[bool]) -> None:
    """Tell of the deletion of the lists ``condition`` selects (and of their tasks), first.

    Locked first, as tasks are (tasks/events.py), so no member joins meanwhile.
    """
    doomed = request.dbsession.scalars(
        select(TaskList).where(condition).with_for_update(of=TaskList)).all()
    if doomed:
        notify_deleting(request, "list", condition, [
            changed(request, _subject(row), "deleted", before=list_body(row)) for row in doomed])


def _lists_of_deleted_users(event: ResourcesDeleting) -> None:
    lists_deleting(event.request,
                   TaskList.owner_id.in_(select(User.id).where(event.condition)))


def includeme(config: Configurator) -> None:
    config.add_subscriber(_lists_of_deleted_users, ResourcesDeleting, kind="user")
