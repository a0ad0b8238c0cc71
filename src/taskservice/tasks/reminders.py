"""A task's ``reminders`` (contract section 14): what a body may say, and when each comes.

A reminder is absolute (``{"at": <time>}``) or relative to the due (``{"offset":
<seconds>}``). The task keeps the list as the API shows it (``at`` in UTC), in the order
sent. When each one comes is decided here, once, for every reader: the reminders package
arms and fires them, and lists them in ``GET /reminders``.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from typing import Any, ClassVar

import colander

from ..dates.zones import Moment, from_wall_clock
from ..vocabulary import MAX_REMINDERS, REMINDER_OFFSET_LIMIT
from ..web.representation import timestamp
from ..web.schema_types import StrictDateTime, StrictInteger, WholeMapping, WholeSequence
from .schedule import ScheduleError

# A reminder as the API shows it: {"at": "2030-01-31T08:00:00Z"} or {"offset": -900}.
ReminderJson = Mapping[str, Any]

NEEDS_A_DUE = ("A reminder with an offset is relative to the due: give the task a due "
               "(due_at or due_date), or send absolute reminders ({\"at\": ...})")


class _OneKind:
    """A reminder is ``at`` or ``offset``, not both, not neither (a Colander validator)."""

    json_schema: ClassVar[dict[str, Any]] = {"minProperties": 1, "maxProperties": 1}

    def __call__(self, node: colander.SchemaNode, value: dict[str, Any]) -> None:
        if len(value) != 1:
            raise colander.Invalid(node, 'Must have exactly one of "at" (a time) and '
                                         '"offset" (seconds from the due)')


class _DistinctReminders:
    """At most ``MAX_REMINDERS``, none twice: two are the same when equal in UTC."""

    json_schema: ClassVar[dict[str, Any]] = {"maxItems": MAX_REMINDERS, "uniqueItems": True}

    def __call__(self, node: colander.SchemaNode, value: list[dict[str, Any]]) -> None:
        if len(value) > MAX_REMINDERS:
            raise colander.Invalid(node, f"At most {MAX_REMINDERS} reminders")
        keys = [tuple(reminder.items()) for reminder in value]
        if len(set(keys)) != len(keys):
            raise colander.Invalid(node, "Reminders must be distinct (an absolute time is "
                                         "compared in UTC)")


def reminders_node(missing: object) -> colander.SchemaNode:
    """A task's ``reminders`` as a client sends them; every error names ``reminders``."""
    reminder = colander.SchemaNode(
        WholeMapping(),
        colander.SchemaNode(StrictDateTime(), name="at", missing=colander.drop),
        colander.SchemaNode(
            StrictInteger(), name="offset", missing=colander.drop,
            validator=colander.Range(-REMINDER_OFFSET_LIMIT, REMINDER_OFFSET_LIMIT)),
        name="reminder", validator=_OneKind(), schema_name="ReminderRequest",
        example={"offset": -900},
    )
    return colander.SchemaNode(WholeSequence(), reminder, name="reminders",
                               validator=_DistinctReminders(), missing=missing)


def stored(reminders: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """Validated reminders as the task keeps and shows them (``at`` as a UTC time)."""
    return [{"at": timestamp(reminder["at"])} if "at" in reminder else dict(reminder)
            for reminder in reminders]


def check_due(reminders: Sequence[ReminderJson], due: Moment | None) -> None:
    """A relative reminder needs a due: else the 400 naming ``reminders``."""
    if due is None and any("offset" in reminder for reminder in reminders):
        raise ScheduleError(NEEDS_A_DUE, field="reminders")


@dataclass(frozen=True, slots=True)
class ReminderTime:
    """When one of a task's reminders comes: its place in the list, its instant, and the
    reminder as the task shows it."""

    slot: int
    at: datetime
    reminder: ReminderJson


def moments(reminders: Sequence[ReminderJson], due: Moment | None,
            zone: str) -> Iterator[ReminderTime]:
    """When each reminder of a task with ``due`` in ``zone`` comes.

    Relative to a timed due, an offset is exact seconds from its instant. Relative to an
    all-day due it is a wall-clock time from 00:00 of that date in the zone, so
    ``{"offset": 32400}`` is 09:00 there even on the day clocks change (a skipped time
    is read with the offset before the gap, as ``dates.zones`` reads every wall clock).
    One that would fall outside the calendar (years 1 to 9999) never comes.
    """
    for slot, reminder in enumerate(reminders):
        offset = reminder.get("offset")
        if offset is None:
            yield ReminderTime(slot, datetime.fromisoformat(reminder["at"]), reminder)
        elif due is not None:
            try:
                at = _relative(due, zone, offset)
            except OverflowError:
                continue
            yield ReminderTime(slot, at, reminder)


def _relative(due: Moment, zone: str, offset: int) -> datetime:
    if isinstance(due, datetime):
        return due + timedelta(seconds=offset)
    return from_wall_clock(datetime.combine(due, time()) + timedelta(seconds=offset), zone)
