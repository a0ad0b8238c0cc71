"""A time in a zone a client defined (a VTIMEZONE with a TZID that is no IANA name, such
as Outlook's "W. Europe Standard Time"), read without icalendar's help.

icalendar reads a VTIMEZONE into a tzinfo when it parses the object, and keeps it for the
whole process under its TZID, first come first served: one client's definition would then
be every later client's, and a rule of its choosing (``FREQ=SECONDLY`` from 1601) is
expanded at parse time, for minutes. So the service never gives icalendar a VTIMEZONE: a
wall-clock time in such a zone is read here, from the zone's observances (RFC 5545
§3.6.5), whose rules must be yearly ones that change the offset at most a few times a year,
as every real zone's do (``FREQ=YEARLY`` with ``BYMONTH``, and ``BYDAY`` or ``BYMONTHDAY``),
followed here a year at a time back from the time asked, 400 of the rule's years at most:
the Gregorian calendar repeats every 400 years, so a rule that gives nothing in 400 of its
years gives nothing at all.
"""

from __future__ import annotations

import re
from calendar import monthrange
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from ..dates.rules import WEEKDAYS, RuleError, parse_rule
from .vtodo_lines import Block

# The rule parts a zone's observance may use: a day of some months, each year or every few.
_ZONE_PARTS = frozenset({"FREQ", "INTERVAL", "UNTIL", "BYMONTH", "BYDAY", "BYMONTHDAY",
                         "WKST"})
_CYCLE_YEARS = 400
# How many observances of a zone may have a rule (each is followed, a year at a time, some
# milliseconds): real zones have two, or a few.
MAX_RULES = 10
_OFFSET = re.compile(r"([+-])([0-9]{2})([0-9]{2})([0-9]{2})?")
_LOCAL = re.compile(r"([0-9]{8}T[0-9]{6})")
_BYDAY = re.compile(r"([+-]?[0-9]{1,2})?([A-Z]{2})")


class ZoneError(ValueError):
    """A VTIMEZONE that cannot be read; str() says what to fix."""


@dataclass(frozen=True)
class _Observance:
    """A STANDARD or DAYLIGHT part: the offset it sets from each of its onsets on."""

    starts: tuple[datetime, ...]  # its DTSTART and RDATEs, local times
    rule: _YearlyRule | None
    offset_from: timedelta
    offset_to: timedelta

    def last_onset(self, wall: datetime) -> datetime | None:
        """Its last onset at or before the wall-clock time ``wall``."""
        onsets = [start for start in self.starts if start <= wall]
        if self.rule is not None:
            last = self.rule.last_onset(self.starts[0], wall)
            if last is not None:
                onsets.append(last)
        return max(onsets, default=None)


@dataclass(frozen=True)
class _YearlyRule:
    """A zone's rule: the days of ``months`` that match ``monthdays`` and ``days`` (a
    weekday, numbered within the month or not), at the start's time of day."""

    interval: int
    months: tuple[int, ...]
    monthdays: frozenset[int]
    days: tuple[tuple[int | None, int], ...]  # (number in the month or None, weekday)
    until: datetime | None

    def last_onset(self, start: datetime, wall: datetime) -> datetime | None:
        """Its last onset from ``start`` to ``wall``, both included."""
        end = wall if self.until is None else min(wall, self.until)
        if end < start:
            return None
        year = start.year + (end.year - start.year) // self.interval * self.interval
        for _ in range(_CYCLE_YEARS):
            if year < start.year:
                break
            onsets = [onset for onset in self._onsets(year, start) if start <= onset <= end]
            if onsets:
                return onsets[-1]
            year -= self.interval
        return None

    def _onsets(self, year: int, start: datetime) -> Iterator[datetime]:
        for month in self.months:
            for day in self._days_of(year, month, start):
                yield datetime.combine(date(year, month, day), start.time())

    def _days_of(self, year: int, month: int, start: datetime) -> list[int]:
        """The days of the month the rule gives, in order (computed, not searched: a rule
        is followed over up to 400 years)."""
        first, length = monthrange(year, month)
        if not self.monthdays and not self.days:
            return [start.day] if start.day <= length else []
        chosen: set[int] = set()
        for number, weekday in self.days:
            weekdays = range(1 + (weekday - first) % 7, length + 1, 7)
            if number is None:
                chosen.update(weekdays)
            elif 1 <= abs(number) <= len(weekdays):
                chosen.add(weekdays[number - 1 if number > 0 else number])
        if self.monthdays:
            days = {day if day > 0 else length + 1 + day for day in self.monthdays}
            chosen = days & chosen if self.days else {day for day in days if 1 <= day <= length}
        return sorted(chosen)


def zone_instant(zone: Block, wall: datetime) -> datetime:
    """The instant (aware, UTC) of the naive wall-clock time ``wall`` in the sent zone: the
    offset of the observance whose onset came last at or before it (before every onset,
    the first observance's offset before it)."""
    parts = [block for block in zone.blocks() if block.name in ("STANDARD", "DAYLIGHT")]
    if sum(block.has("RRULE") for block in parts) > MAX_RULES:
        raise ZoneError(f"its VTIMEZONE has more than {MAX_RULES} parts with a rule: send "
                        "the zone's current rules only")
    observances = [_observance(block) for block in parts]
    if not observances:
        raise ZoneError("its VTIMEZONE has no STANDARD or DAYLIGHT part")
    onsets = [(onset, observance) for observance in observances
              if (onset := observance.last_onset(wall)) is not None]
    if onsets:
        offset = max(onsets, key=lambda pair: pair[0])[1].offset_to
    else:
        offset = min(observances, key=lambda observance: min(observance.starts)).offset_from
    return (wall - offset).replace(tzinfo=UTC)


def _observance(block: Block) -> _Observance:
    values: dict[str, list[str]] = {}
    for line in block.lines():
        values.setdefault(line.name, []).append(line.value)
    start = _local(_one(values, "DTSTART", block.name), "DTSTART")
    rdates = [_local(item, "RDATE") for value in values.get("RDATE", [])
              for item in value.split(",")]
    rules = values.get("RRULE", [])
    if len(rules) > 1:
        raise ZoneError(f"its VTIMEZONE's {block.name} has {len(rules)} RRULEs: give one")
    return _Observance((start, *rdates), _rule(rules[0]) if rules else None,
                       _offset(_one(values, "TZOFFSETFROM", block.name)),
                       _offset(_one(values, "TZOFFSETTO", block.name)))


def _one(values: dict[str, list[str]], name: str, part: str) -> str:
    found = values.get(name, [])
    if len(found) != 1:
        raise ZoneError(f"its VTIMEZONE's {part} needs one {name}")
    return found[0]


def _local(value: str, name: str) -> datetime:
    found = _LOCAL.fullmatch(value.strip().removesuffix("Z"))
    if found is None:
        raise ZoneError(f"its VTIMEZONE has {name}:{value[:30]}, which is no local time "
                        "such as 19701025T030000")
    try:
        return datetime.strptime(found.group(1), "%Y%m%dT%H%M%S")
    except ValueError:
        raise ZoneError(f"its VTIMEZONE has {name}:{value[:30]}, which is no date of the "
                        "calendar") from None


def _offset(value: str) -> timedelta:
    found = _OFFSET.fullmatch(value.strip())
    if found is None or int(found.group(2)) > 23 or int(found.group(3)) > 59:
        raise ZoneError(f"its VTIMEZONE has the offset {value[:30]!r}: write +HHMM or -HHMM")
    sign, hours, minutes, seconds = found.groups()
    offset = timedelta(hours=int(hours), minutes=int(minutes), seconds=int(seconds or 0))
    return -offset if sign == "-" else offset


def _rule(text: str) -> _YearlyRule:
    """A zone's rule: yearly, on some months' days (UNTIL read as a local time, as near as
    a zone's change needs)."""
    try:
        parts = parse_rule(text).parts
    except RuleError as error:
        raise ZoneError(f"its VTIMEZONE's RRULE cannot be read: {error}") from None
    if parts["FREQ"] != "YEARLY" or "BYMONTH" not in parts or set(parts) - _ZONE_PARTS:
        raise ZoneError("its VTIMEZONE's RRULE must be a yearly rule on a day of some months "
                        f"(FREQ=YEARLY;BYMONTH=..;BYDAY=.. or BYMONTHDAY=..), not {text[:60]}")
    days = []
    for item in parts.get("BYDAY", "").split(",") if "BYDAY" in parts else ():
        found = _BYDAY.fullmatch(item)
        assert found is not None, "parse_rule checked BYDAY"
        days.append((None if found.group(1) is None else int(found.group(1)),
                     WEEKDAYS.index(found.group(2))))
    return _YearlyRule(
        int(parts.get("INTERVAL", "1")),
        tuple(sorted({int(month) for month in parts["BYMONTH"].split(",")})),
        frozenset(int(day) for day in parts.get("BYMONTHDAY", "").split(",") if day),
        tuple(days),
        _local(parts["UNTIL"], "UNTIL") if "UNTIL" in parts else None,
    )
