"""A task's due, zone and recurrence, and what a write does to them (contract section 12).

Every path that changes a task (a PATCH, a PUT, a batch's sub-request; later CalDAV)
hands its validated fields to :func:`rescheduled`, and a completion to
:meth:`Schedule.completed`: how a body's due fields combine, when a series restarts, and
how a completed occurrence rolls the task forward are decided here, once, not per view.
The arithmetic of rules and zones is ``taskservice.dates``'; this module ties it to a
task's columns.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import date, datetime
from typing import Any, Protocol

from ..dates.rules import RuleError, parse_rule
from ..dates.series import Series, check_series, following, upcoming
from ..dates.zones import Moment, instant, local_date
from ..web.representation import timestamp

COMPLETION = "completion"


class ScheduledFields(Protocol):
    """The columns a schedule is read from: a loaded ``Task``, or a row of a page."""

    @property
    def due_at(self) -> datetime | None: ...
    @property
    def due_date(self) -> date | None: ...
    @property
    def time_zone(self) -> str: ...
    @property
    def recurrence_rule(self) -> str | None: ...
    @property
    def recurrence_from(self) -> str | None: ...
    @property
    def recurrence_start(self) -> datetime | None: ...
    @property
    def recurrence_index(self) -> int: ...


def is_all_day(moment: Moment | None) -> bool:
    """A date, not a time (``datetime`` is a subclass of ``date``: ask for it first)."""
    return moment is not None and not isinstance(moment, datetime)


def moment_json(moment: Moment) -> str:
    """A due as the API shows it: an RFC 3339 time or a date ``YYYY-MM-DD``."""
    if isinstance(moment, datetime):
        return str(timestamp(moment))
    return moment.isoformat()


def due_json(moment: Moment) -> dict[str, str]:
    """``{"due_date": ...}`` or ``{"due_at": ...}``: an occurrence, as history shows it."""
    return {"due_date" if is_all_day(moment) else "due_at": moment_json(moment)}


@dataclass(frozen=True)
class Schedule:
    """When a task is due, in which zone, and the series its due belongs to, if any."""

    due: Moment | None
    zone: str
    rule: str | None = None
    follows: str | None = None  # "due" or "completion"
    start: Moment | None = None
    index: int = 0  # the due's place in the series; the start is 0

    @classmethod
    def of(cls, task: ScheduledFields) -> Schedule:
        due: Moment | None = task.due_date if task.due_date is not None else task.due_at
        start: Moment | None = task.recurrence_start
        if task.recurrence_start is not None and task.due_date is not None:
            start = local_date(task.recurrence_start, task.time_zone)
        return cls(due, task.time_zone, task.recurrence_rule, task.recurrence_from, start,
                   task.recurrence_index)

    def columns(self) -> dict[str, Any]:
        """The task's columns: ``due_at`` is the due's instant whatever its kind."""
        return {
            "due_at": None if self.due is None else instant(self.due, self.zone),
            "due_date": self.due if is_all_day(self.due) else None,
            "time_zone": self.zone,
            "recurrence_rule": self.rule,
            "recurrence_from": self.follows,
            "recurrence_start": None if self.start is None else instant(self.start, self.zone),
            "recurrence_index": self.index,
        }

    @property
    def recurrence(self) -> dict[str, str | None] | None:
        """``{"rule", "from", "start"}`` as the API shows it, ``start`` in its due's form."""
        if self.rule is None or self.start is None:
            return None
        return {"rule": self.rule, "from": self.follows, "start": moment_json(self.start)}

    @property
    def series(self) -> Series | None:
        if self.rule is None or self.start is None:
            return None
        return Series(parse_rule(self.rule), self.start, self.zone,
                      from_completion=self.follows == COMPLETION)

    def completed(self, at: datetime) -> tuple[Schedule, dict[str, str]] | None:
        """The schedule once its current occurrence is done ``at``, with that occurrence
        as history shows it; None when there is no next one (the task is then done). A
        completion too far from its due to count for COUNT is a 400 naming ``recurrence``
        (``dates.series.MAX_WALK``)."""
        series = self.series
        if series is None or self.due is None:
            return None
        with _recurrence_errors():
            rolled = following(series, self.due, self.index, at)
        if rolled is None:
            return None
        due, index = rolled
        return (replace(self, due=due, index=index),
                {**due_json(self.due), "completed_at": str(timestamp(at))})

    def upcoming(self, limit: int) -> list[Moment]:
        """The current due and the next ones, ``limit`` at most."""
        if self.due is None:
            return []
        series = self.series
        if series is None:
            return [self.due]
        with _recurrence_errors():
            return upcoming(series, self.due, self.index, limit)


def _due_after(current: Moment | None, fields: dict[str, Any]) -> Moment | None:
    """The due once ``fields`` apply: a value in either field replaces the due (the
    schema refuses both); ``null`` in one clears a due of its kind, not the other."""
    for name in ("due_at", "due_date"):
        if fields.get(name) is not None:
            value: Moment = fields[name]
            return value
    if "due_at" in fields and current is not None and not is_all_day(current):
        return None
    if "due_date" in fields and is_all_day(current):
        return None
    return current


class ScheduleError(ValueError):
    """A recurrence (or reminders) that cannot be: the 400 naming ``field``
    (``tasks.includeme`` answers it wherever it is raised; a body's schema lists it beside
    its other errors)."""

    def __init__(self, message: str, field: str = "recurrence") -> None:
        super().__init__(message)
        self.field = field


@contextmanager
def _recurrence_errors() -> Iterator[None]:
    """A rule that cannot be followed: refused by RFC 5545 (``RuleError``), or reaching
    past the calendar's last year in its zone."""
    try:
        yield
    except RuleError as error:
        raise ScheduleError(str(error)) from None
    except OverflowError:
        raise ScheduleError("This series reaches past the end of the calendar (year 9999) "
                            "in its time zone: give the task an earlier due") from None


def rescheduled(current: Schedule, fields: dict[str, Any]) -> Schedule:
    """The schedule once a body's due, ``time_zone`` and ``recurrence`` apply.

    A new rule, a due changed by hand, or a new zone restarts the series at the due
    (``start``; a zone change keeps a timed due's instant and an all-day due's date).
    A series must have a due and fit it (``dates.series.check_series``): else a
    :class:`ScheduleError`.
    """
    zone = fields.get("time_zone", current.zone)
    due = _due_after(current.due, fields)
    rule, follows = current.rule, current.follows
    if "recurrence" in fields:
        recurrence = fields["recurrence"]
        rule, follows = (None, None) if recurrence is None else (recurrence["rule"],
                                                                  recurrence["from"])
    if rule is None:
        return Schedule(due, zone)
    if due is None:
        raise ScheduleError("A recurring task needs a due (due_at or due_date); to "
                            "remove the due, send \"recurrence\": null as well")
    unchanged = (due, zone, rule, follows) == (current.due, current.zone, current.rule,
                                               current.follows)
    if unchanged:
        return current
    restarted = Schedule(due, zone, rule, follows, start=due)
    with _recurrence_errors():
        series = restarted.series
        assert series is not None, "a schedule with a rule and a start has a series"
        check_series(series)
    return restarted
