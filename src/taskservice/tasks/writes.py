"""What a write changes in a task's columns: the one place every write path asks.

A PATCH, a PUT, a batch's sub-request (and later a CalDAV PUT) validate their input
their own way and hand the fields here: the columns they change, and whether the write
completed an occurrence of a recurring task (``schedule.py``), are decided once. A
write that changes nothing is no change (no version, no history).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from ..vocabulary import PRIORITY_RANK
from .models import Task
from .reminders import check_due, stored
from .schedule import Schedule, rescheduled

# Not a field of any JSON body: when a CalDAV client says the task was completed.
COMPLETED_AT = "completed_at"
# The fields a body sets as the columns of the same name.
PLAIN_FIELDS = ("title", "description", "tags", "list_id", "parent_id", "position")


@dataclass(frozen=True)
class TaskWrite:
    """The columns a write changes, and the occurrence it completed, if it did."""

    columns: dict[str, Any]
    occurrence: dict[str, str] | None = None


def _plain_columns(fields: dict[str, Any]) -> dict[str, Any]:
    columns = {name: fields[name] for name in PLAIN_FIELDS if name in fields}
    if "priority" in fields:
        columns["priority"] = PRIORITY_RANK[fields["priority"]]
    if "reminders" in fields:
        columns["reminders"] = stored(fields["reminders"])
    return columns


def _completion(fields: dict[str, Any], now: datetime) -> datetime:
    """When a task that becomes done was completed: now, unless the write says an earlier
    time (a CalDAV client's ``COMPLETED`` in the past: no JSON body may send one)."""
    told: datetime | None = fields.get(COMPLETED_AT)
    return told if told is not None and told < now else now


def new_task_columns(fields: dict[str, Any], zone: str, now: datetime) -> dict[str, Any]:
    """The columns of a new task from its validated fields; ``zone``: the creator's.

    A task created done is created done: only a task that becomes done rolls forward.
    """
    done = fields.get("done", False)
    schedule = rescheduled(Schedule(None, zone), fields)
    columns = _plain_columns(fields)
    columns.setdefault("reminders", [])
    check_due(columns["reminders"], schedule.due)
    return {**columns, **schedule.columns(), "done": done,
            "completed_at": _completion(fields, now) if done else None}


def task_write(task: Task, fields: dict[str, Any], now: datetime) -> TaskWrite:
    """What ``fields`` change in ``task`` at ``now``, in the contract's order: the
    other fields first (a new due restarts a series, ``recurrence: null`` ends it), then
    ``done`` becoming true completes the current occurrence, or the task when its series
    has no next one (or it has none). Relative reminders need the due the write leaves."""
    schedule = rescheduled(Schedule.of(task), fields)
    columns = {**_plain_columns(fields), **schedule.columns()}
    check_due(columns.get("reminders", task.reminders), schedule.due)
    occurrence = None
    if "done" in fields and fields["done"] != task.done:
        rolled = schedule.completed(now) if fields["done"] else None
        if rolled is None:
            columns.update(done=fields["done"],
                           completed_at=_completion(fields, now) if fields["done"] else None)
        else:
            schedule, occurrence = rolled
            columns.update(schedule.columns())
    changed = {name: value for name, value in columns.items() if getattr(task, name) != value}
    return TaskWrite(changed, occurrence if changed else None)
