"""The transactional outbox: events queued in the transaction of the change they report.

The change log (changes/log.py) is where every change point already ends, so it is the
one seam: its row builders attach an :class:`Event` to the rows they build and
``log.append`` hands them to :func:`queue`; the two readers that run before a delete
(``tasks_deleted``, ``lists_deleted``) queue their events themselves, while the objects
still exist. pyramid_tm then commits the change, its log rows and its events together,
or none of them: a rolled-back request sends nothing, and a committed event is in the
database before anyone could kill the process that wrote it.

:func:`queue` is one INSERT … SELECT per request: it copies each event to every active
webhook that subscribes to its type, is not scoped to another list, and whose owner may
view the object now (for a removed share: the grantee, who could just before). With no
webhook at all it inserts nothing, and that is the whole cost of the feature on a write.
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
from ..db.session import SETTINGS_INFO
from ..settings import Settings
from ..tasks import access
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


def settings_of(session: Session) -> Settings | None:
    found: Settings | None = session.info.get(SETTINGS_INFO)
    return found


def enabled(session: Session) -> bool:
    settings = settings_of(session)
    return settings is not None and settings.webhooks


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
    if events and enabled(session):
        session.execute(_insert_events(), [event.params() for event in events])


def watched(session: Session) -> bool:
    """Whether any webhook is active: before building events that cost a query to build."""
    if not enabled(session):
        return False
    found = session.execute(select(WEBHOOKS.c.id).where(WEBHOOKS.c.active).limit(1)).first()
    return found is not None
