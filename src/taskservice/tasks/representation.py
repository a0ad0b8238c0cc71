"""Tasks as the contract's JSON bodies show them (shares: ``taskservice.sharing``)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any, Protocol

from ..vocabulary import PRIORITIES
from ..web.representation import timestamp
from .schedule import Schedule, ScheduledFields


class TaskFields(ScheduledFields, Protocol):
    """What a task's body is built from: a loaded ``Task``, or a row of a page (its due,
    zone and recurrence columns are ``ScheduledFields``)."""

    @property
    def id(self) -> int: ...
    @property
    def title(self) -> str: ...
    @property
    def description(self) -> str: ...
    @property
    def done(self) -> bool: ...
    @property
    def priority(self) -> int: ...
    @property
    def reminders(self) -> list[dict[str, Any]]: ...
    @property
    def tags(self) -> list[str]: ...
    @property
    def list_id(self) -> int | None: ...
    @property
    def parent_id(self) -> int | None: ...
    @property
    def position(self) -> str: ...
    @property
    def owner_username(self) -> str: ...
    @property
    def created_at(self) -> datetime: ...
    @property
    def updated_at(self) -> datetime: ...
    @property
    def completed_at(self) -> datetime | None: ...
    @property
    def version(self) -> int: ...


# What a change of a task is told by: the fields a client writes (all of them, from
# nothing, on creation), completed_at, which follows done, and the position a move
# gives.
WRITABLE_FIELDS = ("title", "description", "done", "priority", "due_at", "due_date",
                   "time_zone", "recurrence", "reminders", "tags", "list", "parent")
TRACKED_FIELDS = (*WRITABLE_FIELDS, "completed_at", "position")


def changed_fields(before: Mapping[str, Any], after: Mapping[str, Any]) -> dict[str, Any]:
    """The tracked fields whose value differs, with their value before."""
    return {name: before[name] for name in TRACKED_FIELDS if before[name] != after[name]}


def task_json(task: TaskFields) -> dict[str, Any]:
    return {
        "id": str(task.id),
        "title": task.title,
        "description": task.description,
        "done": task.done,
        "priority": PRIORITIES[task.priority],
        # due_at also holds an all-day due's instant (tasks.models): shown as a date.
        "due_at": None if task.due_date is not None else timestamp(task.due_at),
        "due_date": None if task.due_date is None else task.due_date.isoformat(),
        "time_zone": task.time_zone,
        "recurrence": None if task.recurrence_rule is None else Schedule.of(task).recurrence,
        "reminders": [dict(reminder) for reminder in task.reminders],
        "tags": list(task.tags),
        "list": None if task.list_id is None else str(task.list_id),
        "parent": None if task.parent_id is None else str(task.parent_id),
        "position": task.position,
        "owner": task.owner_username,
        "created_at": timestamp(task.created_at),
        "updated_at": timestamp(task.updated_at),
        "completed_at": timestamp(task.completed_at),
        "version": task.version,
    }
