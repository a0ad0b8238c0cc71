"""``calendar-query`` (RFC 4791 section 7.8) on a collection's tasks, as SQL.

The filters clients send for tasks (contract section 16): a ``comp-filter`` on VTODO with
``prop-filter``s on ``COMPLETED`` (defined or not) and ``STATUS`` (defined or not, a
``text-match``), and a ``time-range``. Each becomes a condition on the task's columns,
pushed into every branch of the collection's statement (``collections.py``), so the
database filters and the answer streams like the collection itself.

What is filtered is the object the service writes from the task (the section 16 table):
``STATUS`` is ``COMPLETED`` or ``NEEDS-ACTION`` as ``done`` says, ``COMPLETED`` is defined
when it is done, ``DUE`` is ``due_at`` (an all-day due: 00:00 of its date in the task's
zone), ``CREATED`` is ``created_at``, and only a recurring task has a ``DTSTART`` (its
current due). A client's own ``DTSTART`` of a non-recurring task, or its own ``STATUS``
(``IN-PROCESS``, ``CANCELLED``) kept in its bytes, is not read: those are the client's,
not the task's.

A time range applies RFC 4791 section 9.9's table for VTODO. A recurring task matches
when one of its occurrences from its current due on overlaps the range: the SQL keeps
those whose current due is not after the range's end, and :func:`_occurs_in` walks the
series (``dates.series``) for the few whose current due is before its start.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, Row, and_, false, func, or_, select, true
from sqlalchemy.orm import InstrumentedAttribute, Session

from ..accounts.security import Identity
from ..dates.rules import RuleError
from ..dates.series import following
from ..dates.zones import instant
from ..tasks.models import Task
from ..tasks.schedule import Schedule
from .collections import Collection, collection_rows, resource_uid
from .models import CalendarObject
from .names import task_id_of

ASCII_CASEMAP = "i;ascii-casemap"
OCTET = "i;octet"
COLLATIONS = (ASCII_CASEMAP, OCTET)
# The two values of STATUS the service writes, by ``done``.
STATUSES = ((True, "COMPLETED"), (False, "NEEDS-ACTION"))
_ASCII_UPPER = str.maketrans("abcdefghijklmnopqrstuvwxyz", "ABCDEFGHIJKLMNOPQRSTUVWXYZ")
_INSTANT = timedelta(microseconds=1)
Column = InstrumentedAttribute[datetime | None] | InstrumentedAttribute[datetime]


class UnsupportedCollation(ValueError):
    """A ``text-match`` collation the service does not know (``403`` with
    ``CALDAV:supported-collation``)."""


@dataclass(frozen=True)
class TextMatch:
    """A ``text-match``: a substring, compared as ``collation`` says, maybe negated."""

    text: str
    negate: bool = False
    collation: str = ASCII_CASEMAP

    def __post_init__(self) -> None:
        if self.collation not in COLLATIONS:
            raise UnsupportedCollation(f"collation {self.collation!r} is not one of "
                                       f"{', '.join(COLLATIONS)}")

    def matches(self, value: str) -> bool:
        if self.collation == ASCII_CASEMAP:
            found = self.text.translate(_ASCII_UPPER) in value.translate(_ASCII_UPPER)
        else:
            found = self.text in value
        return found != self.negate


@dataclass(frozen=True)
class TimeRange:
    """A ``time-range``: aware instants, either side open (None)."""

    start: datetime | None = None
    end: datetime | None = None


@dataclass(frozen=True)
class TodoFilter:
    """A ``comp-filter`` on VTODO: each given part must hold (RFC 4791: all of them).

    ``completed_defined``/``status_defined``: a ``prop-filter`` with ``is-not-defined``
    (False) or without it (True: defined); ``status``: its ``text-match``."""

    completed_defined: bool | None = None
    status_defined: bool | None = None
    status: TextMatch | None = None
    time_range: TimeRange | None = None
    # A ``text-match`` on ``UID``: how clients look one object up (the caldav library,
    # GNOME Errands before every change).
    uid: TextMatch | None = None


def _completed_condition(defined: bool) -> ColumnElement[bool]:
    return Task.done.is_(defined)


def _status_condition(match: TextMatch) -> ColumnElement[bool]:
    """The match as a condition on ``done``: the text is matched against both values the
    service writes, once, here."""
    matching = [done for done, status in STATUSES if match.matches(status)]
    if len(matching) == len(STATUSES):
        return true()
    if not matching:
        return false()
    return Task.done.is_(matching[0])


def _not_before(start: datetime | None, moment: Column, strict: bool) -> ColumnElement[bool]:
    """The range's start is before ``moment`` (or at it, unless ``strict``)."""
    if start is None:
        return true()
    return moment > start if strict else moment >= start


def _not_after(end: datetime | None, moment: Column, strict: bool) -> ColumnElement[bool]:
    """The range's end is after ``moment`` (or at it, unless ``strict``)."""
    if end is None:
        return true()
    return moment < end if strict else moment <= end


def _time_range_condition(period: TimeRange) -> ColumnElement[bool]:
    """RFC 4791 section 9.9 for the VTODO the service writes (see the module docstring)."""
    start, end = period.start, period.end
    due, created, completed = Task.due_at, Task.created_at, Task.completed_at
    recurring = Task.recurrence_rule.is_not(None)
    return or_(
        # DTSTART = DUE = the current due: (start <= DUE) AND (end >= DUE), for one of the
        # occurrences from it on; the later ones are checked by _occurs_in.
        and_(due.is_not(None), recurring, _not_after(end, due, strict=False)),
        # DUE alone: (start < DUE) AND (end >= DUE).
        and_(due.is_not(None), ~recurring, _not_before(start, due, strict=True),
             _not_after(end, due, strict=False)),
        # COMPLETED and CREATED: ((start <= CREATED) OR (start <= COMPLETED)) AND
        # ((end >= CREATED) OR (end >= COMPLETED)).
        and_(due.is_(None), Task.done.is_(True), completed.is_not(None),
             or_(_not_before(start, created, strict=False),
                 _not_before(start, completed, strict=False)),
             or_(_not_after(end, created, strict=False),
                 _not_after(end, completed, strict=False))),
        # CREATED alone: end > CREATED.
        and_(due.is_(None), or_(Task.done.is_(False), completed.is_(None)),
             _not_after(end, created, strict=True)),
    )


def filter_conditions(todo: TodoFilter) -> list[ColumnElement[bool]]:
    """The filter's conditions on ``Task`` (STATUS is always defined in what the service
    writes)."""
    conditions: list[ColumnElement[bool]] = []
    if todo.completed_defined is not None:
        conditions.append(_completed_condition(todo.completed_defined))
    if todo.status_defined is False:
        conditions.append(false())
    if todo.status is not None:
        conditions.append(_status_condition(todo.status))
    if todo.time_range is not None:
        conditions.append(_time_range_condition(todo.time_range))
    if todo.uid is not None:
        conditions.extend(_uid_candidates(todo.uid))
    return conditions


# The characters of a UID the service makes (names.derived_uid).
DERIVED_UID_CHARACTERS = frozenset("0123456789abcdef-")


def _uid_candidates(match: TextMatch) -> list[ColumnElement[bool]]:
    """The tasks whose UID may hold the text, in SQL: a client's UID containing it, or the
    one task whose derived UID it is (a negated match, or a piece of a derived UID, is
    left to the check of each row). The match itself is checked per row
    (:func:`calendar_query`): this only spares reading the others."""
    if match.negate:
        return []
    text = match.text
    sent = CalendarObject.uid
    contains = (func.upper(sent).contains(text.upper(), autoescape=True)
                if match.collation == ASCII_CASEMAP else sent.contains(text, autoescape=True))
    by_client = Task.id.in_(select(CalendarObject.task_id).where(contains))
    derived = task_id_of(text.lower() if match.collation == ASCII_CASEMAP else text)
    if derived is not None:
        return [or_(by_client, Task.id == derived)]
    if set(text.lower()) <= DERIVED_UID_CHARACTERS:
        return []
    return [by_client]


def _occurs_in(row: Any, period: TimeRange) -> bool:
    """Whether a row the SQL kept overlaps ``period``: a recurring task whose current due
    is before the range's start matches when a later occurrence falls in it."""
    if row.recurrence_rule is None or row.due_at is None:
        return True
    start = period.start
    if start is None or start <= row.due_at:
        return True
    schedule = Schedule.of(row)
    series = schedule.series
    if series is None or series.from_completion or schedule.due is None:
        return False  # its next due depends on when it is done: only the current one is known
    try:
        later = following(series, schedule.due, schedule.index, start - _INSTANT)
    except RuleError:
        return False  # further than a count is walked (dates.series.MAX_WALK)
    if later is None:
        return False
    return period.end is None or instant(later[0], series.zone) <= period.end


def calendar_query(session: Session, viewer: Identity, collection: Collection,
                   todo: TodoFilter) -> Iterator[Row[Any]]:
    """The rows of ``collection`` (as :func:`collections.collection_rows`) whose VTODO
    matches ``todo``, streamed by task id."""
    rows: Iterator[Row[Any]] = collection_rows(session, viewer, collection,
                                                *filter_conditions(todo))
    if todo.uid is not None:
        uid = todo.uid
        rows = (row for row in rows if uid.matches(resource_uid(row)))
    if todo.time_range is None:
        return rows
    period = todo.time_range
    return (row for row in rows if _occurs_in(row, period))
