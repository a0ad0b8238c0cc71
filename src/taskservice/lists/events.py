"""What the lists domain tells of its changes (``taskservice.events``).

A list's body in an event is the list as its owner sees it, less ``permission`` (whose
would it be?). The lists of a deleted user are deleted lists: this package hears that
deletion and tells of its own (and the tasks package, of the lists' tasks).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pyramid.config import Configurator
from pyramid.request import Request
from sqlalchemy import ColumnElement, select

from ..accounts.models import User
from ..db.base import utcnow
from ..events import (
    ResourceChanged,
    ResourcesDeleting,
    ShareChange,
    notify_changed,
    notify_deleting,
)
from .models import TaskList
from .representation import list_json


def list_body(row: TaskList) -> dict[str, Any]:
    return {k: v for k, v in list_json(row, "owner").items() if k != "permission"}


def list_changed(request: Request, row: TaskList, action: str,
                 before: Mapping[str, Any] | None = None) -> None:
    """``created`` or ``updated`` (``before``: its body before)."""
    notify_changed(ResourceChanged(
        kind="list", action=action, object_id=row.id, owner_id=row.owner_id, list_id=row.id,
        version=row.version, before=before, after=list_body(row),
        actor=request.identity.username, request=request,
        at=row.updated_at,
    ))


def list_share_changed(request: Request, row: TaskList, share: ShareChange) -> None:
    """A member added, changed or removed: the list's body stays as it was."""
    body = list_body(row)
    notify_changed(ResourceChanged(
        kind="list", action=share.action, object_id=row.id, owner_id=row.owner_id,
        list_id=row.id, version=row.version, before=body, after=body,
        actor=request.identity.username, request=request, at=utcnow(), share=share,
    ))


def lists_deleting(request: Request, condition: ColumnElement[bool]) -> None:
    """Tell of the deletion of the lists ``condition`` selects (and of their tasks), first.

    Locked first, as tasks are (tasks/events.py), so no member joins meanwhile.
    """
    doomed = request.dbsession.scalars(
        select(TaskList).where(condition).with_for_update(of=TaskList)).all()
    if not doomed:
        return
    actor, now = request.identity.username, utcnow()
    changes = tuple(ResourceChanged(
        kind="list", action="deleted", object_id=row.id, owner_id=row.owner_id,
        list_id=row.id, version=row.version, before=list_body(row), after=None,
        actor=actor, request=request, at=now,
    ) for row in doomed)
    for change in changes:
        notify_changed(change)
    notify_deleting(ResourcesDeleting("list", condition, changes, request))


def _lists_of_deleted_users(event: ResourcesDeleting) -> None:
    lists_deleting(event.request,
                 TaskList.owner_id.in_(select(User.id).where(event.condition)))


def includeme(config: Configurator) -> None:
    config.add_subscriber(_lists_of_deleted_users, ResourcesDeleting, kind="user")
