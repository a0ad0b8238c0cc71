"""A task as a VTODO, and a VTODO as a task's fields: the table "A task as VTODO" of
contract section 16, both ways.

Reading (:func:`read_object`) turns a client's object into the body a ``PUT /tasks/<id>``
would carry (``ClientObject.fields``), which the caller validates with the JSON API's own
schema: section 3's and 12's rules are checked there, once. What only the VTODO knows is
checked here: the object's structure, its components, its UID, values that are no values
(``PRIORITY:x``), zones, categories (section 16's precisions). Any input is either read or
refused with :class:`InvalidObject`, whatever bytes a client sends.

- done: ``STATUS:COMPLETED`` or ``CANCELLED``; with no ``STATUS``, a ``COMPLETED`` or
  ``PERCENT-COMPLETE:100`` (clients disagree on which they send, but one that sends a
  ``STATUS`` means it). ``COMPLETED`` in the past is ``completed_at``.
- ``PRIORITY``: 1 urgent, 2-4 high, 0, 5 and none normal, 6-9 low.
- ``DUE``: a date is ``due_date``; a time with an IANA ``TZID`` is ``due_at`` and sets
  ``time_zone``; a UTC time, a time read through a sent VTIMEZONE (Outlook's "W. Europe
  Standard Time") or a floating time (read in ``zone``, the task's) is ``due_at`` only.
- ``RRULE``: its text, as sent, is the rule (``from: "due"``); ``start`` is the server's. A
  series starts at its due (section 12), and the service writes ``DTSTART`` at the current due
  with ``COUNT`` the occurrences left: so a client's ``COUNT`` is the number of occurrences
  from its ``DUE`` on, that due included. An object served and sent back unchanged thus
  means the same series, and a client's ``DTSTART`` is not an anchor (it is kept as text).
  A series whose next due counts from the completion is served with
  ``X-TASKSERVICE-RECURRENCE-FROM:completion`` beside its RRULE, and read back as such.
- ``VALARM`` (any ``ACTION``): a ``TRIGGER`` duration ``RELATED=END`` is an offset reminder;
  a ``VALUE=DATE-TIME`` trigger an absolute one. A duration relative to the start (RFC 5545's
  default) is moved to the due by ``DTSTART - DUE`` when both are of one kind, is an absolute
  reminder when there is a timed ``DTSTART`` and no due, and is read as relative to the due
  when there is no ``DTSTART`` (clients that write no start mean the due). A trigger none of
  these reads (a relative one without due or start, a date start with a timed due), and an
  ``ACTION:NONE`` alarm (RFC 9074: one that does nothing, such as Apple's default alarm
  placeholder), are kept as text only. Two alarms that come at the same moment (a sound
  and a banner) are one reminder.
- ``CATEGORIES``: every line, merged, duplicates removed, in their order.
- ``RELATED-TO`` with ``RELTYPE=PARENT`` or without ``RELTYPE``: the parent's UID.
- Overrides (VTODOs with the master's UID and a ``RECURRENCE-ID``) are kept as text and
  change no field.

Writing (:func:`calendar_text`) serves a client's own text while it describes the task
(``stored_fresh``), rewrites only the mapped properties of it once the task changed (those
that still say what the task says stay as sent), and writes a new object for a task no
client sent. ``vtodo_lines`` keeps every other line as sent; ``vtodo_zones`` reads a
client's VTIMEZONE (icalendar never sees one). :func:`unserved` maps a rule sent back as
served (``COUNT`` the occurrences left) to the task's own.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from functools import lru_cache, partial
from typing import Any

from icalendar import Alarm, Calendar, Component, Timezone, Todo

from ..dates.zones import Moment, from_wall_clock, is_zone, zone
from ..tasks.representation import TaskFields
from ..tasks.schedule import COMPLETION, is_all_day
from ..vocabulary import MAX_TAGS, PRIORITIES, TAG_MAX_LENGTH
from ..web.representation import timestamp
from .models import UID_MAX_LENGTH
from .vtodo_lines import Block, Line, MalformedCalendar, fold, parse
from .vtodo_zones import ZoneError, zone_instant
from .xml import caldav

# Contract section 16: what a client may keep with a task, in bytes of UTF-8.
MAX_OBJECT_SIZE = 65536
PRODID = "-//taskservice//CalDAV//EN"

UNSUPPORTED = caldav("supported-calendar-component")
NOT_ICALENDAR = caldav("valid-calendar-data")
INVALID = caldav("valid-calendar-object-resource")
TOO_LARGE = caldav("max-resource-size")

# iCalendar has no "the next due counts from the completion": the service says so in its
# own property, which clients keep as they keep every X- property, so that an object served
# and sent back unchanged does not turn such a series into one from the due.
RECURRENCE_FROM = "X-TASKSERVICE-RECURRENCE-FROM"

# The components an object may hold beside its VTODOs; any other (VEVENT, VJOURNAL, ...)
# is not a task. X- components are a client's own, kept like its X- properties.
_COMPANIONS = frozenset({"VTIMEZONE"})
_DONE_STATUSES = frozenset({"COMPLETED", "CANCELLED"})
# PRIORITY (RFC 5545 §3.8.1.9) as a task's priority, read and written.
_PRIORITY_NAMES = {1: "urgent", 2: "high", 3: "high", 4: "high", 6: "low", 7: "low",
                   8: "low", 9: "low"}
_PRIORITY_VALUES = {"urgent": 1, "high": 3, "low": 9}
_SECONDS_PER_DAY = 86400
# How far around the due a VTIMEZONE written for it describes the zone's changes.
_ZONE_YEARS_BEFORE, _ZONE_YEARS_AFTER = 1, 10


class InvalidObject(ValueError):
    """A client's object that is refused: the ``DAV:error`` precondition (a qualified
    element name of ``xml``) and a description a person can act on."""

    def __init__(self, precondition: str, description: str) -> None:
        super().__init__(description)
        self.precondition = precondition
        self.description = description


@dataclass(frozen=True)
class ClientObject:
    """What a client's VTODO says: ``fields`` is the JSON API's ``PUT /tasks/<id>`` body
    (not yet validated), ``text`` the object as sent, to keep."""

    uid: str
    fields: dict[str, Any]
    completed_at: datetime | None
    parent_uid: str | None
    text: str


# -- reading --------------------------------------------------------------------------------


def read_object(data: bytes, *, zone: str = "UTC", now: datetime | None = None
                ) -> ClientObject:
    """A ``PUT`` body read as a task's fields; :class:`InvalidObject` when it cannot be.

    ``zone``: the zone a floating time (no ``TZID``, no ``Z``) is read in, the task's (the
    creator's for a new task); ``now``: what "a ``COMPLETED`` in the past" is compared with.
    """
    if len(data) > MAX_OBJECT_SIZE:
        raise InvalidObject(TOO_LARGE, f"The object is {len(data)} bytes: a task keeps at "
                            f"most {MAX_OBJECT_SIZE} bytes (64 KiB); remove attachments or "
                            "long properties")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as error:
        raise InvalidObject(NOT_ICALENDAR, f"The object is not UTF-8 text (byte "
                            f"{error.start}): send iCalendar encoded as UTF-8") from None
    if "\x00" in text:
        # iCalendar has no NUL, and no database text column keeps one.
        raise InvalidObject(NOT_ICALENDAR, f"The object holds a NUL character (at "
                            f"{text.index(chr(0))}): remove it")
    source = _Source.of(text, zone)
    return source.client_object(now or datetime.now(UTC))


@dataclass(frozen=True)
class _Source:
    """A client's object: its lines (``root``, ``master``: the VTODO that is the task) and
    icalendar's reading of the master (``todo``)."""

    text: str
    root: Block
    master: Block
    todo: Component
    zones: Mapping[str, Block]  # the VTIMEZONEs sent, by TZID
    zone: str

    @classmethod
    def of(cls, text: str, zone_name: str) -> _Source:
        """The object read: its structure here, the master's values by icalendar, which
        sees nothing else (no VTIMEZONE: ``vtodo_zones`` says why)."""
        try:
            root = parse(text)
        except MalformedCalendar as error:
            raise InvalidObject(NOT_ICALENDAR, f"The object is not iCalendar: {error}") from None
        master = _master(root)
        try:
            todo = Component.from_ical(master.text())
        except Exception as error:
            raise InvalidObject(INVALID, _unreadable(master, error)) from None
        zones: dict[str, Block] = {}
        for block in root.blocks("VTIMEZONE"):
            for line in block.lines():
                if line.name == "TZID":
                    zones.setdefault(line.value, block)
        return cls(text, root, master, todo, zones, zone_name)

    def client_object(self, now: datetime) -> ClientObject:
        with _values("The VTODO"):
            uid = self._uid()
            fields, completed_at = self._fields(now)
            parent = self.parent_uid()
        return ClientObject(uid, fields, completed_at, parent, self.text)

    def _uid(self) -> str:
        value = self.single("UID")
        if value is None or not str(value).strip():
            raise InvalidObject(INVALID, "The VTODO has no UID: give it one (a UUID, say)")
        if len(str(value)) > UID_MAX_LENGTH:
            raise InvalidObject(INVALID, f"The VTODO's UID is {len(str(value))} characters "
                                f"long: at most {UID_MAX_LENGTH} are kept (a UUID is 36)")
        return str(value)

    def _fields(self, now: datetime) -> tuple[dict[str, Any], datetime | None]:
        due_fields, time_zone = self.due_fields()
        fields: dict[str, Any] = {
            "title": self.title(),
            "description": self.text_of("DESCRIPTION"),
            "done": self.done(),
            "priority": self.priority(),
            **due_fields,
            "recurrence": self.recurrence(),
            "reminders": _distinct(reminder for reminder in self.alarm_reminders()
                                   if reminder is not None),
            "tags": self.tags(),
        }
        if time_zone is not None:
            fields["time_zone"] = time_zone
        return fields, self.completed_at(now)

    # -- one property each ----------------------------------------------------------------

    def single(self, name: str) -> Any:
        """The property's value, None when absent; one sent twice is refused."""
        value = self.todo.get(name)
        if isinstance(value, list):
            raise InvalidObject(INVALID, f"The VTODO has {len(value)} {name} properties: "
                                "send one")
        return value

    def every(self, name: str) -> list[Any]:
        value = self.todo.get(name)
        if value is None:
            return []
        return value if isinstance(value, list) else [value]

    def text_of(self, name: str) -> str:
        value = self.single(name)
        return "" if value is None else str(value)

    def title(self) -> str:
        title = self.text_of("SUMMARY")
        if not title.strip():
            raise InvalidObject(INVALID, "The VTODO has no SUMMARY (or an empty one): give "
                                "the task a title")
        return title

    def done(self) -> bool:
        """A ``STATUS`` decides; without one, a ``COMPLETED`` or ``PERCENT-COMPLETE:100``
        does. (The contract's "any of the three" cannot be: the caldav library reopens a
        task with ``STATUS:NEEDS-ACTION`` and keeps its ``PERCENT-COMPLETE:100``.)"""
        status = self.text_of("STATUS").strip().upper()
        if status:
            return status in _DONE_STATUSES
        percent = self.single("PERCENT-COMPLETE")
        return self.single("COMPLETED") is not None or (percent is not None
                                                        and int(percent) >= 100)

    def completed_at(self, now: datetime) -> datetime | None:
        """A ``COMPLETED`` time in the past; a date, or a time to come, is no moment."""
        moment = self.moment("COMPLETED")
        if isinstance(moment, datetime) and moment <= now:
            return moment
        return None

    def priority(self) -> str:
        value = self.single("PRIORITY")
        number = 0 if value is None else int(value)
        if not 0 <= number <= 9:
            raise InvalidObject(INVALID, f"PRIORITY:{number} is out of range: use 0 (none) "
                                "to 9, 1 being the highest")
        return _PRIORITY_NAMES.get(number, "normal")

    def due_fields(self) -> tuple[dict[str, str | None], str | None]:
        """``due_at`` and ``due_date`` (one of them set, or neither), and the ``time_zone``
        an IANA ``TZID`` on the due names."""
        due = self.moment("DUE")
        prop = self.single("DUE")
        zone_name = None if prop is None else prop.params.get("TZID")
        time_zone = zone_name if zone_name is not None and is_zone(zone_name) else None
        if isinstance(due, datetime):
            return {"due_at": timestamp(due), "due_date": None}, time_zone
        if due is not None:
            return {"due_at": None, "due_date": due.isoformat()}, None
        return {"due_at": None, "due_date": None}, None

    def moment(self, name: str) -> Moment | None:
        """A date-time property as an instant (aware, UTC), a date as a date."""
        prop = self.single(name)
        if prop is None:
            return None
        value = getattr(prop, "dt", None)
        if isinstance(value, datetime):
            return self._instant(name, value, prop.params.get("TZID"))
        if isinstance(value, date):
            return value
        raise InvalidObject(INVALID, f"{name} must be a date or a date-time, such as "
                            "20300131T090000Z")

    def _instant(self, name: str, value: datetime, zone_name: str | None) -> datetime:
        wall = value.replace(tzinfo=None)
        if zone_name is None:
            return value.astimezone(UTC) if value.tzinfo is not None else from_wall_clock(
                wall, self.zone)
        if is_zone(zone_name):
            return from_wall_clock(wall, zone_name)
        sent = self.zones.get(zone_name)
        if sent is not None:
            try:
                return zone_instant(sent, wall)
            except ZoneError as error:
                raise InvalidObject(INVALID, f"{name} is in the time zone {zone_name!r}, but "
                                    f"{error}") from None
        raise InvalidObject(INVALID, f"{name} is in the time zone {zone_name!r}, which is no "
                            "IANA zone and has no VTIMEZONE in the object: send its VTIMEZONE, "
                            "or name an IANA zone such as Europe/Berlin")

    def recurrence(self) -> dict[str, str] | None:
        """The ``RRULE``'s text as sent (icalendar would reorder its parts), from the due
        unless the object says (``RECURRENCE_FROM``) the service served it from completion."""
        rules = [line.value for line in self.master.lines() if line.name == "RRULE"]
        if len(rules) > 1:
            raise InvalidObject(INVALID, f"The VTODO has {len(rules)} RRULE properties: a task "
                                "follows one rule")
        if not rules:
            return None
        follows = self.text_of(RECURRENCE_FROM).strip().lower()
        return {"rule": rules[0], "from": COMPLETION if follows == COMPLETION else "due"}

    def tags(self) -> list[str]:
        tags = _distinct(str(category) for line in self.every("CATEGORIES")
                         for category in line.cats if str(category))
        for tag in tags:
            if len(tag) > TAG_MAX_LENGTH:
                raise InvalidObject(INVALID, f"The category {tag[:20]!r}... is {len(tag)} "
                                    f"characters long: a category has at most "
                                    f"{TAG_MAX_LENGTH}")
        if len(tags) > MAX_TAGS:
            raise InvalidObject(INVALID, f"The VTODO has {len(tags)} categories: a task has at "
                                f"most {MAX_TAGS}")
        return tags

    def parent_uid(self) -> str | None:
        """The first parent named; one longer than any UID kept names no task (and a
        relation never makes a write fail): none."""
        for relation in self.every("RELATED-TO"):
            if relation.params.get("RELTYPE", "PARENT").upper() == "PARENT":
                return str(relation) if len(str(relation)) <= UID_MAX_LENGTH else None
        return None

    # -- alarms -----------------------------------------------------------------------------

    def alarm_reminders(self) -> list[dict[str, Any] | None]:
        """The reminder each of the master's VALARMs is, in order; None for one that is
        none (kept as text only)."""
        due, start = self.moment("DUE"), self.moment("DTSTART")
        return [_reminder(alarm, due, start) for alarm in self.todo.subcomponents
                if alarm.name == "VALARM"]


def _reminder(alarm: Component, due: Moment | None, start: Moment | None
              ) -> dict[str, Any] | None:
    """The reminder an alarm is (see the module's docstring), or None."""
    trigger = alarm.get("TRIGGER")
    if trigger is None or isinstance(trigger, list) or str(alarm.get("ACTION", "")).upper() == (
            "NONE"):
        return None
    value = trigger.dt
    if isinstance(value, datetime):
        moment = value if value.tzinfo is not None else value.replace(tzinfo=UTC)
        return {"at": timestamp(moment.astimezone(UTC))}
    if not isinstance(value, timedelta):
        return None
    seconds = int(value.total_seconds())
    if str(trigger.params.get("RELATED", "START")).upper() == "END" or start is None:
        return None if due is None else {"offset": seconds}
    if due is None:
        return {"at": timestamp(start + value)} if isinstance(start, datetime) else None
    if is_all_day(start) != is_all_day(due):
        return None
    return {"offset": seconds + _seconds_between(due, start)}


def _seconds_between(earlier: Moment, later: Moment) -> int:
    """``later - earlier`` in seconds; two dates differ by whole days of wall-clock time."""
    if isinstance(earlier, datetime) and isinstance(later, datetime):
        return int((later - earlier).total_seconds())
    return (later.toordinal() - earlier.toordinal()) * _SECONDS_PER_DAY


def _distinct(values: Iterator[Any] | Sequence[Any]) -> list[Any]:
    """The values in their order, each once."""
    kept: list[Any] = []
    for value in values:
        if value not in kept:
            kept.append(value)
    return kept


@contextmanager
def _values(what: str) -> Iterator[None]:
    """icalendar's errors on a value as an :class:`InvalidObject` naming ``what``.

    The parser and the value types are a library's, fed a client's bytes: whatever they
    raise is a value of the client's that cannot be read (a 403), never a 500.
    """
    try:
        yield
    except InvalidObject:
        raise
    except Exception as error:
        raise InvalidObject(INVALID, f"{what} has a value that cannot be read: "
                            f"{_short(error)}") from None


def _unreadable(todo: Block, error: Exception) -> str:
    """What icalendar could not read, naming the line when it is one line's value: each is
    then read alone (this costs a parse per line, for an object that is refused anyway)."""
    for line in todo.walk():
        if line.name in ("BEGIN", "END"):
            continue
        try:
            Component.from_ical(f"BEGIN:X-LINE\r\n{line.raw}\r\nEND:X-LINE\r\n")
        except Exception as culprit:
            return f"{line.unfolded[:80]!r} cannot be read: {_short(culprit)}"
    return f"The object has a value that cannot be read: {_short(error)}"


def _short(error: Exception) -> str:
    text = str(error) or type(error).__name__
    return text if len(text) <= 200 else text[:200] + "..."


def _master(root: Block) -> Block:
    """The VTODO that is the task (no ``RECURRENCE-ID``); its overrides share its UID."""
    if root.name != "VCALENDAR":
        raise InvalidObject(NOT_ICALENDAR, f"The object is a {root.name}: send a VCALENDAR "
                            "holding one VTODO")
    for block in root.blocks():
        if block.name not in _COMPANIONS and block.name != "VTODO" and not block.name.startswith(
                "X-"):
            raise InvalidObject(UNSUPPORTED, f"The object holds a {block.name}: this "
                                "calendar holds tasks only (VTODO)")
    todos = list(root.blocks("VTODO"))
    if not todos:
        raise InvalidObject(UNSUPPORTED, "The object holds no VTODO: send one task")
    masters = [todo for todo in todos if not todo.has("RECURRENCE-ID")]
    if len(masters) != 1:
        raise InvalidObject(NOT_ICALENDAR, f"The object holds {len(masters)} VTODOs without "
                            "RECURRENCE-ID: send exactly one task per object")
    uids = {line.value for todo in todos for line in todo.lines() if line.name == "UID"}
    if len(uids) > 1:
        raise InvalidObject(NOT_ICALENDAR, "The object holds VTODOs with different UIDs: "
                            "send one task per object (its overrides share its UID)")
    _check_inside(masters[0])
    return masters[0]


def _check_inside(todo: Block) -> None:
    """A VTODO holds VALARMs, and a client's X- components; nothing else, at any depth (a
    VTIMEZONE in it, for one, icalendar would read and keep: ``vtodo_zones`` says why)."""
    for line in todo.walk():
        inner = line.value.strip().upper()
        if (line is not todo.begin and line.name == "BEGIN" and inner != "VALARM"
                and not inner.startswith("X-")):
            where = "in the VCALENDAR, beside the VTODO" if inner == "VTIMEZONE" else (
                "in an object of its own")
            raise InvalidObject(NOT_ICALENDAR, f"The VTODO holds a {inner}: send it {where}")


# -- writing --------------------------------------------------------------------------------

# The mapped properties, by the task field (or fields) each group says. A group of a
# client's object that still says what the task says is kept as sent (``PRIORITY:5`` for a
# normal task, several ``CATEGORIES`` lines, a DUE in Outlook's zone); the others are
# written from the task. ``stamps`` always are; ``recurrence`` always is (its COUNT counts
# what is left, its DTSTART is the current due), and a non-recurring task keeps a client's
# own DTSTART.
_GROUPS: Mapping[str, tuple[str, ...]] = {
    "title": ("SUMMARY",),
    "description": ("DESCRIPTION",),
    "done": ("STATUS", "COMPLETED", "PERCENT-COMPLETE"),
    "priority": ("PRIORITY",),
    # A DURATION beside a DUE is not iCalendar: a client's goes when a due is written.
    "due": ("DUE", "DURATION"),
    "tags": ("CATEGORIES",),
    "parent": ("RELATED-TO",),
    "recurrence": ("RRULE", "DTSTART", RECURRENCE_FROM),
    "stamps": ("CREATED", "LAST-MODIFIED", "DTSTAMP", "SEQUENCE"),
}
_GROUP_OF = {name: group for group, names in _GROUPS.items() for name in names}
_RELTYPE = re.compile(r';RELTYPE=("?)([^";:]*)\1', re.IGNORECASE)
_COUNT = re.compile(r"(?i)(^|;)(COUNT=)([0-9]+)")
_UNREADABLE = object()


def calendar_text(task: TaskFields, uid: str, stored: str | None, stored_fresh: bool,
                  parent_uid: str | None) -> str:
    """The object a ``GET`` serves for ``task``.

    ``stored``: the client's text, if one sent the task; ``stored_fresh``: whether it
    describes the task's current version (it is then served byte for byte). Otherwise it is
    served with the mapped properties that no longer say what the task says rewritten and
    every other line as sent; without one, a new VCALENDAR (VERSION, PRODID, the VTODO and
    the VTIMEZONE its times name). ``parent_uid``: the UID of the task's parent, or the one
    a client's ``RELATED-TO`` waits for (contract: "relations never make a write fail"), or
    None: a client's parent ``RELATED-TO`` then goes.
    """
    if stored is not None and stored_fresh:
        return stored
    source = None if stored is None else _readable(stored, task.time_zone)
    if source is None:
        root, master = _new_object(uid)
        same: frozenset[str] = frozenset()
    else:
        root, master = source.root, source.master
        same = _unchanged(source, task, parent_uid)
    written = _written(task, parent_uid)
    recurring = task.recurrence_rule is not None
    lines: list[Line | Block] = [line for line in master.lines()
                                 if not _rewritten(line, same, recurring)]
    lines += [line for group, group_lines in written.items() if group not in same
              for line in group_lines]
    master.items = [*lines, *_alarms(master, source, task)]
    if recurring or "due" not in same:
        _add_zone(root, master, task)
    return root.text()


def _readable(stored: str, zone_name: str) -> _Source | None:
    """The stored object, read; None for one that can no longer be (it is then written
    anew from the task, rather than a GET failing)."""
    try:
        return _Source.of(stored, zone_name)
    except InvalidObject:
        return None


def _new_object(uid: str) -> tuple[Block, Block]:
    calendar = Calendar()
    calendar.add("VERSION", "2.0")
    calendar.add("PRODID", PRODID)
    todo = Todo()
    todo.add("UID", uid)
    calendar.add_component(todo)
    root = parse(calendar.to_ical().decode())
    return root, next(root.blocks("VTODO"))


def _rewritten(line: Line, same: frozenset[str], recurring: bool) -> bool:
    """Whether a line of the client's VTODO is replaced by the task's value."""
    group = _GROUP_OF.get(line.name)
    if group is None or group in same:
        return False
    if line.name == "DTSTART":
        return recurring
    if line.name == "RELATED-TO":
        reltype = _RELTYPE.search(line.unfolded[:len(line.unfolded) - len(line.value)])
        return reltype is None or reltype.group(2).upper() == "PARENT"
    return True


def _unchanged(source: _Source, task: TaskFields, parent_uid: str | None) -> frozenset[str]:
    """The groups of the client's object that still say what the task says."""
    now = datetime.now(UTC)

    def done() -> tuple[bool, datetime | None]:
        is_done = source.done()
        return is_done, source.completed_at(now) if is_done else None

    def due() -> tuple[dict[str, str | None], str]:
        fields, time_zone = source.due_fields()
        return fields, time_zone or task.time_zone

    readers: Mapping[str, Callable[[], Any]] = {
        "title": source.title, "description": lambda: source.text_of("DESCRIPTION"),
        "done": done, "priority": source.priority, "due": due, "tags": source.tags,
        "parent": source.parent_uid,
    }
    values = _task_values(task, parent_uid)
    return frozenset(group for group, read in readers.items()
                     if _safely(read) == values[group])


def _safely(read: Callable[[], Any]) -> Any:
    """What ``read`` reads of a stored object, or a value equal to nothing when it cannot."""
    try:
        return read()
    except Exception:
        return _UNREADABLE


def _task_values(task: TaskFields, parent_uid: str | None) -> dict[str, Any]:
    """The task's values as :class:`_Source` reads them, to compare."""
    return {
        "title": task.title,
        "description": task.description,
        "done": (task.done, _utc_or_none(task.completed_at) if task.done else None),
        "priority": PRIORITIES[task.priority],
        "due": (_due_fields(task), task.time_zone),
        "tags": list(task.tags),
        "parent": parent_uid,
    }


def _due_fields(task: TaskFields) -> dict[str, str | None]:
    """``due_at`` and ``due_date`` as a VTODO's DUE is read (an all-day due is a date)."""
    if task.due_date is not None:
        return {"due_at": None, "due_date": task.due_date.isoformat()}
    return {"due_at": timestamp(_utc_or_none(task.due_at)), "due_date": None}


def _written(task: TaskFields, parent_uid: str | None) -> dict[str, list[Line | Block]]:
    """Each group's properties as the service writes them (the contract's table)."""
    groups = {group: Todo() for group in _GROUPS}
    groups["title"].add("SUMMARY", task.title)
    if task.description:
        groups["description"].add("DESCRIPTION", task.description)
    _add_done(groups["done"], task)
    number = _PRIORITY_VALUES.get(PRIORITIES[task.priority])
    if number is not None:
        groups["priority"].add("PRIORITY", number)
    due = _due_value(task)
    if due is not None:
        groups["due"].add("DUE", due)
    if task.tags:
        groups["tags"].add("CATEGORIES", list(task.tags))
    if parent_uid is not None:
        groups["parent"].add("RELATED-TO", parent_uid, parameters={"RELTYPE": "PARENT"})
    stamps = groups["stamps"]
    stamps.add("CREATED", _utc(task.created_at))
    stamps.add("LAST-MODIFIED", _utc(task.updated_at))
    stamps.add("DTSTAMP", _utc(task.updated_at))
    stamps.add("SEQUENCE", task.version - 1)
    written = {group: _items(todo) for group, todo in groups.items()}
    rule = served_rule(task)
    if rule is not None and due is not None:
        start = Todo()
        start.add("DTSTART", due)
        if task.recurrence_from == COMPLETION:
            start.add(RECURRENCE_FROM, COMPLETION)
        written["recurrence"] = [*_items(start), Line(fold(f"RRULE:{rule}"))]
    return written


def _add_done(todo: Component, task: TaskFields) -> None:
    if not task.done:
        todo.add("STATUS", "NEEDS-ACTION")
        return
    todo.add("STATUS", "COMPLETED")
    if task.completed_at is not None:
        todo.add("COMPLETED", _utc(task.completed_at))
    todo.add("PERCENT-COMPLETE", 100)


def _due_value(task: TaskFields) -> date | datetime | None:
    """The due as icalendar writes it: a date, a UTC time, or a time in the task's zone
    (written with its TZID); in UTC when its wall-clock time there is past the year 9999."""
    if task.due_date is not None:
        return task.due_date
    if task.due_at is None:
        return None
    due = _utc(task.due_at)
    if task.time_zone == "UTC":
        return due
    try:
        return due.astimezone(zone(task.time_zone))
    except OverflowError:
        return due


def served_rule(task: TaskFields) -> str | None:
    """The task's rule as served: its ``COUNT``, if any, the occurrences left from the
    current due (that due included), so a client expanding from ``DTSTART`` at the due sees
    exactly what is left."""
    rule = task.recurrence_rule
    if rule is None:
        return None

    def left(found: re.Match[str]) -> str:
        remaining = max(1, int(found.group(3)) - task.recurrence_index)
        return f"{found.group(1)}{found.group(2)}{remaining}"

    return _COUNT.sub(left, rule, count=1)


def unserved(fields: dict[str, Any], task: TaskFields) -> dict[str, Any]:
    """A client's ``fields`` for ``task`` with the rule the service served (``COUNT`` the
    occurrences left) given back as the task's own, when the due is the task's too: an
    object sent back as served then changes nothing (no new ``start``, no new version).
    With another due, the client's rule stands: its ``COUNT`` counts from that due."""
    recurrence = fields.get("recurrence")
    served = {"rule": served_rule(task), "from": task.recurrence_from}
    same_due = all(fields.get(name) == value for name, value in _due_fields(task).items())
    if recurrence is None or recurrence != served or not same_due:
        return fields
    return {**fields, "recurrence": {"rule": task.recurrence_rule, "from": task.recurrence_from}}


def _alarms(master: Block, source: _Source | None, task: TaskFields) -> list[Block]:
    """The master's components: those that are no reminder, as sent, then one VALARM per
    reminder of the task: the client's own (with its extra properties) while its trigger is
    that reminder, else one written. A client's alarm is read against the due and DTSTART
    the object is served with, so the object served says exactly the task's reminders (an
    alarm that would now say another reminder goes)."""
    stored = list(master.blocks("VALARM"))
    readings: list[Any] = [None] * len(stored)
    if source is not None:
        due = _due_value(task)
        start = due if task.recurrence_rule is not None else _safely(
            lambda: source.moment("DTSTART"))
        alarms = [alarm for alarm in source.todo.subcomponents if alarm.name == "VALARM"]
        if len(alarms) == len(stored) and start is not _UNREADABLE:
            readings = [_safely(partial(_reminder, alarm, due, start)) for alarm in alarms]
    mapped = [(block, reading) for block, reading in zip(stored, readings, strict=True)
              if isinstance(reading, dict)]
    kept = [block for block in master.blocks()
            if not any(block is other for other, _ in mapped)]
    served: list[Block] = []
    for reminder in task.reminders:
        match = next((pair for pair in mapped if pair[1] == reminder), None)
        if match is None:
            served.append(_written_alarm(reminder, task.title))
        else:
            mapped.remove(match)
            served.append(match[0])
    return [*kept, *served]


def _written_alarm(reminder: Mapping[str, Any], title: str) -> Block:
    """``ACTION:DISPLAY`` (whose DESCRIPTION RFC 5545 requires: the task's title) and the
    trigger: ``RELATED=END`` for an offset, ``VALUE=DATE-TIME`` for an absolute one."""
    alarm = Alarm()
    alarm.add("ACTION", "DISPLAY")
    alarm.add("DESCRIPTION", title)
    if "offset" in reminder:
        alarm.add("TRIGGER", timedelta(seconds=reminder["offset"]),
                  parameters={"RELATED": "END"})
    else:
        alarm.add("TRIGGER", _utc(datetime.fromisoformat(reminder["at"])),
                  parameters={"VALUE": "DATE-TIME"})
    return parse(alarm.to_ical().decode())


def _add_zone(root: Block, master: Block, task: TaskFields) -> None:
    """The VTIMEZONE of the task's zone, before the VTODO, when the due is written in it and
    the object has none of that TZID."""
    due = _due_value(task)
    if not isinstance(due, datetime) or due.tzinfo is UTC:
        return
    if any(line.name == "TZID" and line.value == task.time_zone
           for block in root.blocks("VTIMEZONE") for line in block.lines()):
        return
    text = _vtimezone(task.time_zone, due.year)
    if text is not None:
        root.items.insert(root.items.index(master), parse(text))


@lru_cache(maxsize=1024)
def _vtimezone(zone_name: str, year: int) -> str | None:
    """The zone's VTIMEZONE over the years around ``year``; None when icalendar cannot
    describe it (the TZID is then an IANA name, which clients look up themselves). Kept:
    it costs more than the rest of an object, and a collection's tasks share a few."""
    first = date(max(1, year - _ZONE_YEARS_BEFORE), 1, 1)
    last = date(min(9999, year + _ZONE_YEARS_AFTER), 1, 1)
    try:
        written: bytes = Timezone.from_tzid(zone_name, first_date=first,
                                            last_date=last).to_ical()
    except Exception:
        return None
    return written.decode()


def _items(component: Component) -> list[Line | Block]:
    """A component's properties and components as content lines (icalendar escapes and
    folds them)."""
    return parse(component.to_ical().decode()).items


def _utc(moment: datetime) -> datetime:
    """An aware UTC datetime (a naive one, as some databases return them, is UTC)."""
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def _utc_or_none(moment: datetime | None) -> datetime | None:
    return None if moment is None else _utc(moment)
