"""The log rows of each change the domains tell of (``taskservice.events``).

A task's or a list's own rows reach its owner, its list's members and the admins; a
share's row reaches its user alone (the feed derives what they gained or lost); each
deletion also leaves a row for everyone who could see the object just before
(:data:`AUDIENCE_INFO`, read while they still could: ``log.py``).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from ..events import ResourceChanged
from ..tasks.representation import WRITABLE_FIELDS, changed_fields
from .models import ROW_COLUMNS

Row = dict[str, Any]
# ``session.info`` key: (kind, id) of each object being deleted -> who else is told.
AUDIENCE_INFO = "taskservice.changes.audience"
Audience = dict[tuple[str, int], list[int]]


def row(kind: str, object_id: int, action: str, at: datetime, **values: Any) -> Row:
    """One log row; the columns not given are NULL (every row has every key: executemany)."""
    full: Row = dict.fromkeys(ROW_COLUMNS)
    full.update(values, kind=kind, object_id=object_id, action=action, at=at)
    return full


def _row(change: ResourceChanged, action: str | None = None, **values: Any) -> Row:
    return row(change.kind, change.object_id, action or change.action, change.at,
               actor=change.actor, **values)


def _own(change: ResourceChanged, action: str | None = None, **values: Any) -> Row:
    """The object's own row, for its owner, its list's members and the admins."""
    return _row(change, action, owner_id=change.owner_id, list_id=change.list_id, **values)


def _share(change: ResourceChanged, **values: Any) -> Row:
    """For the share's user alone."""
    assert change.share is not None, "a shared or unshared change names its share"
    return _row(change, user_id=change.share.user_id,
                detail={"share": change.share.json()}, **values)


def _deleted(change: ResourceChanged, audience: Audience) -> list[Row]:
    told = audience.get((change.kind, change.object_id), ())
    return [_own(change), *(_row(change, user_id=user_id) for user_id in told)]


def _task_history(change: ResourceChanged, history: dict[str, Any]) -> Row:
    """The task's own row; an update that completed an occurrence is recorded as that."""
    if change.occurrence is not None:
        return _own(change, "completed_occurrence", task_id=change.object_id,
                    version=change.version,
                    detail={"occurrence": dict(change.occurrence), "changes": history})
    return _own(change, task_id=change.object_id, version=change.version,
                detail={"changes": history})


def _task_created(change: ResourceChanged) -> list[Row]:
    after = change.body
    return [_task_history(change, {name: {"from": None, "to": after[name]}
                                   for name in WRITABLE_FIELDS})]


def _task_updated(change: ResourceChanged) -> list[Row]:
    """The history row of an update; a move out of a list also tells the list it left."""
    before, after = change.before or {}, change.body
    history = {name: {"from": old, "to": after[name]}
               for name, old in changed_fields(before, after).items()}
    rows = [_task_history(change, history)]
    if before["list"] is not None and before["list"] != after["list"]:
        rows.append(_row(change, "moved", list_id=int(before["list"])))
    return rows


def _task_share(change: ResourceChanged) -> list[Row]:
    """For the grantee alone (and the task's history): the task's body does not change."""
    return [_share(change, task_id=change.object_id, version=change.version)]


def _list_changed(change: ResourceChanged) -> list[Row]:
    return [_own(change, version=change.version)]


def _list_share(change: ResourceChanged) -> list[Row]:
    return [_share(change)]


_BUILDERS: dict[tuple[str, str], Callable[[ResourceChanged], list[Row]]] = {
    ("task", "created"): _task_created,
    ("task", "updated"): _task_updated,
    ("task", "shared"): _task_share,
    ("task", "unshared"): _task_share,
    ("list", "created"): _list_changed,
    ("list", "updated"): _list_changed,
    ("list", "shared"): _list_share,
    ("list", "unshared"): _list_share,
}


def rows_of(change: ResourceChanged, audience: Audience) -> list[Row]:
    """The rows ``change`` leaves in the log (none for a user: their objects tell)."""
    if change.action == "deleted" and change.kind in ("task", "list"):
        return _deleted(change, audience)
    build = _BUILDERS.get((change.kind, change.action))
    return [] if build is None else build(change)
