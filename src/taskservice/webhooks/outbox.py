"""The transactional outbox: events queued in the transaction of the change they report.

:func:`queue_change` hears each change of a task or a list (``taskservice.events``) as
its transaction commits, so the change, its log rows and its webhook events commit
together, or none of them (and :func:`queue_reminders`, each reminder fired, in the
firing's transaction): a rolled-back request sends nothing, and a committed event is
in the database before anyone could kill the process that wrote it. It is subscribed
only when webhooks are on (``includeme``): off, none of this runs.

:func:`queue` is one INSERT … SELECT: it copies an event to every active webhook that
subscribes to its type, is not scoped to another list, and whose owner may view the
object now (for a removed share: the grantee, who could just before). With no webhook
at all it inserts nothing, and that is the whole cost of the feature on a write. It runs
before the change log's append, whose lock no key-share lock on a webhook row may be
waited for under.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from functools import cache
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Insert,
    Integer,
    String,
    Text,
    bindparam,
    insert,
    literal,
    or_,
    select,
)
from sqlalchemy.orm import Session

from ..db.base import UTCDateTime, utcnow
from ..db.session import execute_core
from ..events import ResourceChanged, ResourcesDeleting
from ..reminders.events import RemindersFired
from ..tasks import access
from ..tasks.representation import changed_fields
from ..vocabulary import REMINDER_EVENT
from ..web.representation import timestamp
from .models import EVENTS, WEBHOOKS, event_bit


@dataclass(frozen=True)
class Event:
    """One event, and what decides who may receive it.

    ``owner_id`` is the object's owner, ``list_id`` the task's list (or the list itself),
    ``task_id`` the task whose own shares may let someone view it, ``grantee_id`` the user
    whose share was just removed.
    """

    type: str
    actor: str | None
    data: dict[str, Any]
    owner_id: int
    list_id: int | None
    task_id: int | None = None
    grantee_id: int | None = None
    occurred_at: datetime = field(default_factory=utcnow)

    def params(self) -> dict[str, Any]:
        return {
            "type": self.type, "actor": self.actor, "occurred_at": self.occurred_at,
            "data": dump(self.data), "bit": event_bit(self.type), "owner_id": self.owner_id,
            "list_id": self.list_id, "task_id": self.task_id, "grantee_id": self.grantee_id,
        }


def dump(data: dict[str, Any]) -> str:
    return json.dumps(data, separators=(",", ":"), ensure_ascii=False)


def may_view(viewer: ColumnElement[int]) -> ColumnElement[bool]:
    """Whether ``viewer`` may view the event's object (the bound parameters name it).

    The access rule (tasks/access.py), and the grantee of a share just removed.
    """
    return or_(viewer == bindparam("grantee_id", type_=Integer),
               access.may_view(viewer, owner=bindparam("owner_id", type_=Integer),
                               task=bindparam("task_id", type_=Integer),
                               list_id=bindparam("list_id", type_=Integer)))


@cache
def _insert_events() -> Insert:
    webhook = WEBHOOKS.c
    at = bindparam("occurred_at", type_=UTCDateTime)
    matching = select(
        webhook.id, bindparam("type", type_=String), at, bindparam("actor", type_=String),
        bindparam("data", type_=Text), literal(0, Integer), at,
    ).where(
        webhook.active,
        webhook.event_mask.op("&")(bindparam("bit", type_=Integer)) != 0,
        or_(webhook.list_id.is_(None),
            webhook.list_id == bindparam("list_id", type_=Integer)),
        may_view(webhook.owner_id),
    )
    columns = ["webhook_id", "type", "occurred_at", "actor", "data", "attempt",
               "next_attempt_at"]
    return insert(EVENTS).from_select(columns, matching)


def queue(session: Session, events: Sequence[Event]) -> None:
    """Queue ``events`` for every webhook that may receive them, in this transaction."""
    if events:
        execute_core(session, _insert_events(), [event.params() for event in events])


def event_of(change: ResourceChanged) -> Event | None:
    """The webhook event reporting ``change`` (``task.*``, ``list.*``; a user has none).

    Its data is the object as GET shows it (a list less ``permission``: whose would it
    be?), with the fields an update changed as they were, or the share a share change is.
    """
    if change.kind not in ("task", "list"):
        return None
    data: dict[str, Any] = {change.kind: dict(change.body)}
    if change.kind == "task" and change.action == "updated" and change.before is not None:
        data["previous"] = changed_fields(change.before, change.body)
    if change.occurrence is not None:
        data["occurrence"] = dict(change.occurrence)
    grantee_id = None
    if change.share is not None:
        data["share"] = change.share.json()
        grantee_id = change.share.user_id if change.action == "unshared" else None
    return Event(f"{change.kind}.{change.action}", change.actor, data, change.owner_id,
                 change.list_id, task_id=change.object_id if change.kind == "task" else None,
                 grantee_id=grantee_id)


def queue_reminders(fired: RemindersFired) -> None:
    """A ``task.reminder`` event for each fired reminder, to whoever would be told of an
    update of its task, in the firing's transaction; it occurred as it fired (its moment
    is ``scheduled_for``)."""
    queue(fired.session, [
        Event(REMINDER_EVENT, None,
              {"task": dict(reminder.task), "reminder": dict(reminder.reminder),
               "scheduled_for": timestamp(reminder.scheduled_for),
               "occurrence": None if reminder.occurrence is None else dict(reminder.occurrence)},
              reminder.owner_id, reminder.list_id, task_id=reminder.task_id)
        for reminder in fired.fired])


def queue_change(change: ResourceChanged) -> None:
    """A change's event, as its transaction commits; a deletion's was queued before."""
    event = None if change.action == "deleted" else event_of(change)
    if event is not None:
        queue(change.request.dbsession, [event])


def queue_deletions(deleting: ResourcesDeleting) -> None:
    """The events of objects about to go, while who may view them can still be read."""
    events = [event for change in deleting.changes if (event := event_of(change))]
    queue(deleting.request.dbsession, events)
