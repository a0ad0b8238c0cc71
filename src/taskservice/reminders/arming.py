"""Keep ``task_reminders`` in step with the tasks: a subscriber to their changes.

Every write of a task ends in a ``ResourceChanged`` (``taskservice.events``), whichever
path made it (a PATCH, a PUT, a batch, a completion that rolls a series forward, a
command line). When the task's reminders, due, zone, completion or list changed, its rows
are written again here, in the same transaction: no view calls this. A deleted task's rows go
with it (``ON DELETE CASCADE``), and who may view it is asked when a reminder fires, so
neither a deletion nor a change of access needs anything here.

A reminder keeps its row's ``armed`` state while its moment does not change (the same
reminder at the same moment, wherever it moved in the list): fired, it stays fired,
however often a client sends it again. Any other reminder is armed when its moment is
still to come, and never fires when it has already passed (contract section 14).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from datetime import date, datetime
from typing import Any

from sqlalchemy import bindparam, delete, insert
from sqlalchemy.orm import Session

from ..dates.zones import Moment
from ..db.base import utcnow
from ..events import Body, ResourceChanged
from ..tasks.reminders import ReminderTime, moments
from .models import TASK_REMINDERS

# The fields of a task's body its reminders' rows depend on: their moments, and the
# list they copy.
WATCHED = ("reminders", "due_at", "due_date", "time_zone", "done", "list")

_row = TASK_REMINDERS.c
CLEAR = (delete(TASK_REMINDERS).where(_row.task_id == bindparam("task_id"))
         .returning(_row.reminder, _row.scheduled_for, _row.armed))
ARM = insert(TASK_REMINDERS)

# A reminder's identity across writes: what it is and when it comes.
Identity = tuple[str, datetime]


def rearm(change: ResourceChanged) -> None:
    """Subscriber (tasks' ``created``/``updated``): rewrite the task's rows when what
    their moments depend on changed."""
    after = change.after
    if after is None or change.share is not None:
        return
    before = change.before if change.action == "updated" else None
    if not after["reminders"] and (before is None or not before["reminders"]):
        return  # a task without reminders, before or after, has no rows
    if before is not None and all(before[name] == after[name] for name in WATCHED):
        return
    session: Session = change.request.dbsession
    armed_before = _clear(session, change.object_id) if before is not None else {}
    _arm(session, change, _times(after), armed_before)


def _times(task: Body) -> Iterable[ReminderTime]:
    """When each reminder of the task ``task`` (its body) comes; none when it is done."""
    if task["done"]:
        return ()
    due: Moment | None = None
    if task["due_date"] is not None:
        due = date.fromisoformat(task["due_date"])
    elif task["due_at"] is not None:
        due = datetime.fromisoformat(task["due_at"])
    return moments(task["reminders"], due, task["time_zone"])


def _identity(reminder: Mapping[str, Any], moment: datetime) -> Identity:
    return json.dumps(reminder, sort_keys=True), moment


def _clear(session: Session, task_id: int) -> dict[Identity, bool]:
    """Delete the task's rows; whether each was armed, by identity."""
    rows = session.execute(CLEAR, {"task_id": task_id})
    return {_identity(row.reminder, row.scheduled_for): row.armed for row in rows}


def _arm(session: Session, change: ResourceChanged, times: Iterable[ReminderTime],
         armed_before: dict[Identity, bool]) -> None:
    now = utcnow()
    rows = [{"task_id": change.object_id, "slot": time.slot, "reminder": time.reminder,
             "scheduled_for": time.at, "owner_id": change.owner_id, "list_id": change.list_id,
             "armed": armed_before.get(_identity(time.reminder, time.at), time.at > now)}
            for time in times]
    if rows:
        session.execute(ARM, rows)
