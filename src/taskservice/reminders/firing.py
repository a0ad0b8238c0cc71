"""Firing reminders: each comes once, on time, whichever processes run.

Whatever delivers webhooks fires reminders too: each round of its loop is a
``DeliveryRound`` (``taskservice.events``), heard here. A round claims the armed rows
whose moment has come, disarms them and tells of them (``RemindersFired``: the webhooks
package queues their events) in one short transaction. Exactly once follows from that
transaction:

- on PostgreSQL the rows are read ``FOR UPDATE SKIP LOCKED``: processes claiming at the
  same moment take different rows, and a task written meanwhile waits for the claim (its
  re-arm then sees them fired, arming.py);
- on SQLite the claim is one ``BEGIN IMMEDIATE`` writer at a time;
- a process killed before the commit has claimed nothing (the rows are still armed and the
  next round takes them); after it, the rows are disarmed and the events queued together.

A reminder found more than ``DROPPED_AFTER`` late (every process was down) is disarmed
without firing, and counted. An idle round is one read of an index range that holds only
armed rows, and takes no write lock.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pyramid.registry import Registry
from sqlalchemy import BindParameter, Row, bindparam, select, update
from sqlalchemy.orm import Session

from ..accounts.models import User
from ..db.base import utcnow
from ..db.session import background_sessions, sqlite_write_turn, write_transaction
from ..events import DeliveryRound
from ..tasks.models import TASKS
from ..tasks.representation import task_json
from ..tasks.schedule import due_json
from .events import DROPPED_AFTER, FiredReminder, RemindersFired
from .models import TASK_REMINDERS

# How many reminders one transaction claims: a round claims batches until none is left.
CLAIM_BATCH = 500

_row = TASK_REMINDERS.c
NOW: BindParameter[datetime] = bindparam("now")
DUE = select(_row.task_id).where(_row.armed, _row.scheduled_for <= NOW).limit(1)
CLAIM = (
    select(_row.task_id, _row.slot, _row.reminder, _row.scheduled_for, *TASKS.columns,
           User.username.label("owner_username"))
    .join(TASKS, TASKS.c.id == _row.task_id).join(User, User.id == TASKS.c.owner_id)
    .where(_row.armed, _row.scheduled_for <= NOW)
    .order_by(_row.scheduled_for).limit(bindparam("limit"))
)
DISARM = (update(TASK_REMINDERS).values(armed=False)
          .where(_row.task_id == bindparam("claimed_task"), _row.slot == bindparam("claimed_slot")))


def fire_due(registry: Registry, now: datetime | None = None) -> int:
    """Fire every armed reminder whose moment is ``now`` (default: now) or earlier, a
    batch per transaction; how many fired (those dropped as too late not counted)."""
    now = now or utcnow()
    sessions = background_sessions(registry)
    fired = 0
    while _anything_due(sessions(), now):
        with write_transaction(sessions, sqlite_write_turn(registry)) as session:
            claimed = _claim(session, now)
            fired_now = tuple(_fired(row, now) for row in claimed
                              if now - row.scheduled_for <= DROPPED_AFTER)
            if claimed:
                registry.notify(RemindersFired(session, fired_now,
                                               len(claimed) - len(fired_now)))
        fired += len(fired_now)
        if len(claimed) < CLAIM_BATCH:
            break
    return fired


def _anything_due(session: Session, now: datetime) -> bool:
    with session:
        return session.execute(DUE, {"now": now}).first() is not None


def _claim(session: Session, now: datetime) -> list[Row[Any]]:
    """Take the armed rows that came by ``now`` (soonest first) and disarm them."""
    query = CLAIM
    if session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update(of=TASK_REMINDERS, skip_locked=True)
    rows: list[Row[Any]] = list(session.execute(query, {"now": now, "limit": CLAIM_BATCH}))
    if rows:
        session.execute(DISARM, [{"claimed_task": row.task_id, "claimed_slot": row.slot}
                                 for row in rows])
    return rows


def _fired(row: Row[Any], now: datetime) -> FiredReminder:
    relative = "offset" in row.reminder
    due = row.due_date if row.due_date is not None else row.due_at
    return FiredReminder(
        task=task_json(row), reminder=row.reminder, scheduled_for=row.scheduled_for,
        occurrence=due_json(due) if relative and due is not None else None,
        owner_id=row.owner_id, list_id=row.list_id, lag=now - row.scheduled_for)


def fire_on_round(event: DeliveryRound) -> None:
    """Subscriber: each round of the delivery loop fires what has come."""
    fire_due(event.registry)
