"""A rule's series from its start, in its zone's wall-clock, and where a completed due goes.

RFC 5545, as the contract's section 12 reads it: occurrences are anchored on ``start``
and expanded in the zone's wall-clock (a daily 09:00 in Europe/Paris stays 09:00 across
DST changes); a wall-clock time that a DST gap skips is read with the offset before the
gap, and one that happens twice is the first (``zones``). ``start`` is always the first
occurrence, even when the rule would not produce it, and counts for COUNT; UNTIL is
inclusive. The series only goes forward: a wall-clock time that a DST gap maps onto an
instant already passed (an hourly 03:00 right after the 02:00 the gap skipped) is not
repeated, and does not count. Timed occurrences are aware UTC datetimes, all-day ones
dates; an all-day occurrence is compared with a time as 00:00 of its date in the zone.

Cost: dateutil expands a rule from its DTSTART only, and a client chooses both the start
and the rule, so a walk from the start would cost as many occurrences as the series is old
(an hourly series begun in 1900: a million and more, for one completion). A walk starts
instead at a later anchor, a whole number of the rule's periods after the start's, with
what dateutil would have taken from the start written into the rule (``_anchor``,
``_explicit``): dateutil then yields exactly the series' tail, and the work is that of
the last few days and periods, whatever the series' age. Only COUNT needs the occurrences
counted: they are counted on from the current due (whose place in the series, ``index``,
the caller keeps), MAX_WALK of them at most. dateutil only stops on an occurrence (or at
the year 9999), so a rule that yields nothing would be walked for millennia:
``check_series`` finds such a rule in one cycle of the calendar instead (see ``_yields``),
and refuses it, so a stored series always has its next occurrence within one such cycle,
400 × INTERVAL years at most.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import MAXYEAR, datetime, time, timedelta
from itertools import chain, islice
from math import gcd, prod
from types import MappingProxyType
from typing import Literal

from dateutil import rrule as dateutil_rrule

from .rules import (
    COMPLETION_PARTS,
    LAST_SECOND,
    TIME_PARTS,
    WEEKDAYS,
    Rule,
    RuleError,
    parse_rule,
)

# Series, following and upcoming speak of Moments: importable from here too (mypy --strict
# wants a re-export said so).
from .zones import Moment as Moment
from .zones import from_wall_clock, instant, local_date, to_wall_clock

_FREQUENCY: Mapping[str, Literal[0, 1, 2, 3, 4, 5, 6]] = {
    "HOURLY": dateutil_rrule.HOURLY,
    "DAILY": dateutil_rrule.DAILY,
    "WEEKLY": dateutil_rrule.WEEKLY,
    "MONTHLY": dateutil_rrule.MONTHLY,
    "YEARLY": dateutil_rrule.YEARLY,
}
_WEEKDAY = dict(zip(WEEKDAYS, dateutil_rrule.weekdays, strict=True))
# The parts that choose a time of day: an all-day series has none.
# The Gregorian calendar repeats every 400 years: 146,097 days, a whole number of weeks.
_CYCLE_YEARS = 400
_UNITS_PER_CYCLE = {"HOURLY": 146097 * 24, "DAILY": 146097, "WEEKLY": 146097 // 7,
                    "MONTHLY": 400 * 12, "YEARLY": 400}
# The parts that choose the days an hourly or daily rule falls on (all limit, RFC 5545).
_DAY_PARTS = ("BYMONTH", "BYMONTHDAY", "BYYEARDAY", "BYDAY")
# The last year all of whose wall-clock times have a UTC instant in datetime's range: a
# series ends with it.
_LAST_YEAR = MAXYEAR - 1
_END = datetime(_LAST_YEAR, 12, 31, 23, 59, 59)
# The most occurrences following() counts on from a due for COUNT (about 0.15 s of CPU):
# an hourly series done 14 months late, a daily one 27 years late. A completion further
# from its due is refused rather than walked: a client picks the due and the rule, so the
# walk is not the client's to make as long as it likes.
MAX_WALK = 10_000
# Python keeps every UTC offset within a day of zero, so two offsets of a zone differ by
# less than two days: a wall-clock time two days or more before another is an earlier
# instant, whatever the zone did in between (see _anchor).
_MARGIN = timedelta(days=2)
# The parts that choose days: with none of them, dateutil takes the start's (_explicit).
_CHOOSING_DAYS = ("BYWEEKNO", "BYYEARDAY", "BYMONTHDAY", "BYDAY")
_HOUR = timedelta(hours=1)


@dataclass(frozen=True)
class Series:
    """A rule, its first occurrence (``start``), the zone its wall-clock is read in, and
    whether the next due counts from the completion rather than from the due."""

    rule: Rule
    start: Moment
    zone: str
    from_completion: bool


def check_series(series: Series) -> None:
    """Refuse (RuleError) a rule that cannot make a series from this start."""
    _check_start(series)
    _check_parts(series)
    _check_until_kind(series)
    if not _yields(series.rule, _wall_clock(series, series.start)):
        raise RuleError(f"The rule {series.rule.text} has no occurrence at or after the start"
                        " of the series: check that its parts can meet (BYMONTH=2;"
                        "BYMONTHDAY=30, for one, never does)")
    if series.rule.until is not None and next(_own_occurrences(series), None) is None:
        raise RuleError(f"UNTIL={series.rule.parts['UNTIL']} ends the series before the "
                        "rule's first occurrence at or after its start: give a later UNTIL, "
                        "or none")


def following(series: Series, current: Moment, index: int,
              completed_at: datetime) -> tuple[Moment, int] | None:
    """The next due and its index once ``current`` (the ``index``-th occurrence, start = 0)
    is completed at ``completed_at``; None when the series is over.

    From the due: the first occurrence later than both ``current`` and the completion, so
    an overdue task moves to the future, not to a backlog (skipped ones count for COUNT).
    From the completion: its local date plus the interval, at ``current``'s wall-clock time.

    The index is counted on from ``index``, which must be ``current``'s. With COUNT it is
    what ends the series, so it is always counted, MAX_WALK occurrences at most: a
    completion further from its due raises RuleError (the task needs a new due). Without
    COUNT nothing is checked against it (the callers only store it): it is counted when the
    walk that finds the next due starts before ``current`` anyway, i.e. when no period of
    the rule begins between two days before the due and two days before the completion
    (see _anchor); otherwise the walk jumps ahead, counting nothing, and the index returned
    is ``index + 1``, the least it can be.
    """
    if series.from_completion:
        return _after_completion(series, current, index, completed_at)
    due = instant(current, series.zone)
    later_than = max(due, completed_at)
    if series.rule.count is None and _anchor(series, later_than) != _anchor(series, due):
        moment = next(_later(series, later_than), None)
        return None if moment is None else (moment, index + 1)
    return _counted(series, due, index, later_than)


def upcoming(series: Series, current: Moment, index: int, limit: int) -> list[Moment]:
    """``current`` and the occurrences after it, ``limit`` at most; a series that counts
    from the completion lists only ``current``, its next due depending on when it is done.
    ``index`` is ``current``'s place in the series: with COUNT, how many are left."""
    if limit < 1:
        return []
    if series.from_completion:
        return [current]
    count = series.rule.count
    left = limit - 1 if count is None else max(0, min(limit - 1, count - 1 - index))
    return [current, *islice(_later(series, instant(current, series.zone)), left)]


# -- checks ---------------------------------------------------------------------------------


def _check_start(series: Series) -> None:
    """A series ends with _LAST_YEAR; a start after it has no occurrence, and its
    wall-clock time may be past datetime's range (the year 9999's last hours east of UTC)."""
    if series.start.year > _LAST_YEAR:
        raise RuleError(f"A series ends with the year {_LAST_YEAR}: give the task a due "
                        f"before {_LAST_YEAR + 1}, or no recurrence")


def _check_parts(series: Series) -> None:
    rule = series.rule
    if series.from_completion:
        for name in rule.parts:
            if name not in COMPLETION_PARTS:
                raise RuleError(f"{name} cannot be used when the next due counts from the "
                                f"completion: use only {', '.join(COMPLETION_PARTS)}")
    if _all_day(series):
        timed = [*(["FREQ=HOURLY"] if rule.freq == "HOURLY" else []),
                 *(name for name in TIME_PARTS if name in rule.parts)]
        if timed:
            raise RuleError(f"{timed[0]} needs a due with a time of day: give the due a time,"
                            f" or leave {timed[0]} out")


def _check_until_kind(series: Series) -> None:
    until = series.rule.until
    if until is None:
        return
    written = f"UNTIL={series.rule.parts['UNTIL']}"
    if _all_day(series) and isinstance(until, datetime):
        raise RuleError(f"{written} is a time but the due is all-day: write UNTIL as a date,"
                        " YYYYMMDD")
    if not _all_day(series) and not isinstance(until, datetime):
        raise RuleError(f"{written} is a date but the due has a time of day: write UNTIL as "
                        "a UTC time, YYYYMMDDTHHMMSSZ")


def _yields(rule: Rule, first: datetime) -> bool:
    """Whether the rule yields anything from the wall-clock time ``first`` on.

    dateutil walks to the year 9999 when nothing comes, hour by hour for an hourly rule:
    an hourly or daily rule is first reduced to rules quicker to walk. Each of its periods
    (an hour, a day) that is not filtered out holds the same times, one per combination of
    the time parts under it, so BYSETPOS picks one if any of its positions is within their
    number, and never otherwise; and its days, chosen by parts that all limit, are those
    of a yearly rule with the same parts, walked a year at a time.
    """
    if rule.freq in ("HOURLY", "DAILY") and "BYSETPOS" in rule.parts:
        return _positions_fit(rule) and _yields(_rule_without(rule, "BYSETPOS"), first)
    days = _days_rule(rule)
    if days is not None and not _yields(days, first):
        return False
    return _yields_in_a_cycle(rule, first)


def _yields_in_a_cycle(rule: Rule, first: datetime) -> bool:
    """The calendar repeats every 400 years (146,097 days, a whole number of weeks), so
    what the rule yields repeats once its periods are back in step with that cycle: it
    yields something if and only if it does within one such cycle. The cycle looked at is
    the last that fits before the year 9999, where dateutil's walk is shortest; ``first``
    moved by whole cycles keeps its date and weekday."""
    units = _UNITS_PER_CYCLE[rule.freq]
    cycle = _CYCLE_YEARS * (rule.interval // gcd(rule.interval, units))
    cycles = max(0, (_LAST_YEAR - first.year) // cycle - 1)
    moved = first.replace(year=first.year + cycles * cycle)
    return next(_expansion(rule, moved), None) is not None


def _positions_fit(rule: Rule) -> bool:
    """Whether a BYSETPOS position is within the times of an hourly or daily period (one
    per value of the time parts under the frequency; one for a part left out)."""
    times = prod(len(set(_values(rule.parts, name) or (0,)))
                 for name in _time_parts_under(rule.freq))
    return any(abs(position) <= times for position in _values(rule.parts, "BYSETPOS") or ())


def _time_parts_under(freq: str) -> tuple[str, ...]:
    """The time parts that choose among an occurrence's times within its period."""
    return TIME_PARTS[1:] if freq == "HOURLY" else TIME_PARTS


def _days_rule(rule: Rule) -> Rule | None:
    """The days an hourly or daily rule may fall on, as a yearly rule; None for the others,
    and when the rule does not choose among days (a yearly rule would then take its start's)."""
    if rule.freq not in ("HOURLY", "DAILY") or not any(name in rule.parts for name in
                                                        ("BYMONTHDAY", "BYYEARDAY", "BYDAY")):
        return None
    chosen = [f"{name}={value}" for name, value in rule.parts.items() if name in _DAY_PARTS]
    return parse_rule(";".join(["FREQ=YEARLY", *chosen]))


def _rule_without(rule: Rule, name: str) -> Rule:
    return parse_rule(";".join(f"{part}={value}" for part, value in rule.parts.items()
                               if part != name))


# -- the series -----------------------------------------------------------------------------


def _counted(series: Series, due: datetime, index: int,
             later_than: datetime) -> tuple[Moment, int] | None:
    """The first occurrence later than ``later_than``, numbered on from the due's
    ``index``; None past COUNT. With COUNT, MAX_WALK occurrences are walked at most."""
    count = series.rule.count
    for walked, moment in enumerate(_later(series, due), 1):
        number = index + walked
        if count is not None and number >= count:
            return None
        if instant(moment, series.zone) > later_than:
            return moment, number
        if count is not None and walked == MAX_WALK:
            raise RuleError(f"This completion is more than {MAX_WALK:,} occurrences after the "
                            f"due, too many to count for COUNT={count}: give the task a new "
                            "due (its series restarts there), then complete it")
    return None


def _later(series: Series, after: datetime) -> Iterator[Moment]:
    """The occurrences later than the instant ``after``, each later than the one before:
    an instant the series already passed is not repeated (nor counted)."""
    last = after
    for moment in _walk_from(series, after):
        moment_at = instant(moment, series.zone)
        if moment_at > last:
            last = moment_at
            yield moment


def _walk_from(series: Series, after: datetime) -> Iterator[Moment]:
    """The series in wall-clock order, enough of it for what is later than ``after``:
    from the start (which comes first) or, far enough from it, from ``_anchor``, before
    which every occurrence is at or before ``after``."""
    anchor = _anchor(series, after)
    if anchor is None:
        return chain([series.start], _own_occurrences(series))
    rule = _explicit(series.rule, _wall_clock(series, series.start))
    return _to_until(series, _expansion(rule, anchor))


def _own_occurrences(series: Series) -> Iterator[Moment]:
    """What the rule yields from ``start`` on (``start`` only if it yields it), to UNTIL."""
    return _to_until(series, _expansion(series.rule, _wall_clock(series, series.start)))


def _to_until(series: Series, walls: Iterable[datetime]) -> Iterator[Moment]:
    """Expanded wall-clock times as the series' moments, up to UNTIL."""
    for wall in walls:
        moment = _moment(series, wall)
        if not _within_until(series, moment):
            return
        yield moment


# -- a later anchor -------------------------------------------------------------------------


def _anchor(series: Series, after: datetime) -> datetime | None:
    """The naive wall-clock time dateutil can expand the series from, in place of its
    start, for the occurrences later than the instant ``after``; None when that is the
    start itself.

    dateutil steps from its DTSTART a period at a time (INTERVAL hours, days, weeks from
    WKST, months or years, in wall-clock), so its expansion from the start of a later
    period of that step, at 00:00 (for HOURLY at the hour), is the series from there on,
    once the rule says what dateutil would have read from the start (``_explicit``). The
    period taken is the last that begins two days (_MARGIN) or more before ``after``'s
    wall-clock time: every wall-clock time before it is then an instant before ``after``,
    whatever offsets the zone had, so nothing the jump leaves out (the start included)
    could have been later than ``after``.
    """
    first = _wall_clock(series, series.start)
    wall = to_wall_clock(after, series.zone)
    if wall - first <= _MARGIN:
        return None
    rule = series.rule
    wkst = _WEEKDAY[rule.parts.get("WKST", "MO")].weekday
    own = _period(rule.freq, first, wkst)
    steps = (_period(rule.freq, wall - _MARGIN, wkst) - own) // rule.interval
    if steps <= 0:
        return None
    return _period_start(rule.freq, own + steps * rule.interval, wkst).replace(
        microsecond=first.microsecond)


def _period(freq: str, wall: datetime, wkst: int) -> int:
    """The number of the FREQ period ``wall`` falls in: hours, days, weeks beginning on
    ``wkst`` (day 1, 0001-01-01, is a Monday), months, or years since the year 1."""
    match freq:
        case "HOURLY":
            return (wall - datetime.min) // _HOUR
        case "DAILY":
            return wall.toordinal()
        case "WEEKLY":
            return (wall.toordinal() - 1 - wkst) // 7
        case "MONTHLY":
            return wall.year * 12 + wall.month - 1
    return wall.year


def _period_start(freq: str, number: int, wkst: int) -> datetime:
    """Where the ``number``-th FREQ period of _period begins."""
    match freq:
        case "HOURLY":
            return datetime.min + number * _HOUR
        case "DAILY":
            return datetime.fromordinal(number)
        case "WEEKLY":
            return datetime.fromordinal(number * 7 + 1 + wkst)
        case "MONTHLY":
            return datetime(number // 12, number % 12 + 1, 1)
    return datetime(number, 1, 1)


def _explicit(rule: Rule, first: datetime) -> Rule:
    """The rule with what dateutil reads from its DTSTART ``first`` written out, as its own
    rrule does after RFC 5545: unless a part chooses days, a yearly rule's month (without
    BYMONTH) and day, a monthly rule's day, a weekly rule's weekday; the time of day, but
    the hour of an hourly rule (whose hours step from the anchor's)."""
    parts = dict(rule.parts)
    if not any(name in parts for name in _CHOOSING_DAYS):
        if rule.freq == "YEARLY":
            parts.setdefault("BYMONTH", str(first.month))
        if rule.freq in ("YEARLY", "MONTHLY"):
            parts["BYMONTHDAY"] = str(first.day)
        if rule.freq == "WEEKLY":
            parts["BYDAY"] = WEEKDAYS[first.weekday()]
    for name in _time_parts_under(rule.freq):
        parts.setdefault(name, str(getattr(first, name.removeprefix("BY").lower())))
    return Rule(rule.text, MappingProxyType(parts))


def _after_completion(series: Series, current: Moment, index: int,
                      completed_at: datetime) -> tuple[Moment, int] | None:
    count = series.rule.count
    if count is not None and index + 1 >= count:
        return None
    due = _due_after_completion(series, current, completed_at)
    if due is None or not _within_until(series, due):
        return None
    return due, index + 1


def _due_after_completion(series: Series, current: Moment,
                          completed_at: datetime) -> Moment | None:
    """The completion plus the interval: for HOURLY the moment itself; otherwise its local
    date, at ``current``'s wall-clock time, stepped as the rule would from there (so never
    clamped: monthly from the 31st goes to the next month that has one); None past _END."""
    if series.rule.freq == "HOURLY":
        return completed_at + timedelta(hours=series.rule.interval)
    day = local_date(completed_at, series.zone)
    first = datetime.combine(day, _wall_clock(series, current).time())
    return next((_moment(series, wall) for wall in islice(_expansion(series.rule, first), 1, 2)),
                None)


def _expansion(rule: Rule, first: datetime) -> Iterator[datetime]:
    """dateutil's expansion of the rule from the naive wall-clock time ``first`` (COUNT and
    UNTIL left to the callers), to the end of _LAST_YEAR; ``first``'s fraction of a second,
    which RFC 5545 times do not have, kept on every occurrence."""
    try:
        walls = _dateutil_rule(rule, first)
    except ValueError:  # an HOURLY INTERVAL that never lands on a BYHOUR: nothing, ever
        return iter(())
    return (wall.replace(microsecond=first.microsecond) for wall in walls)


def _dateutil_rule(rule: Rule, first: datetime) -> dateutil_rrule.rrule:
    parts = rule.parts
    return dateutil_rrule.rrule(
        _FREQUENCY[rule.freq], dtstart=first, interval=rule.interval, until=_END,
        wkst=_WEEKDAY[parts.get("WKST", "MO")], byweekday=_days(parts.get("BYDAY")),
        bysetpos=_values(parts, "BYSETPOS"), bymonth=_values(parts, "BYMONTH"),
        bymonthday=_values(parts, "BYMONTHDAY"), byyearday=_values(parts, "BYYEARDAY"),
        byweekno=_values(parts, "BYWEEKNO"), byhour=_values(parts, "BYHOUR"),
        byminute=_values(parts, "BYMINUTE"),
        bysecond=_values(parts, "BYSECOND"))


def _values(parts: Mapping[str, str], name: str) -> tuple[int, ...] | None:
    """A numeric list part's values; BYSECOND's 60 read as 59 (no leap seconds here)."""
    if name not in parts:
        return None
    numbers = (int(item) for item in parts[name].split(","))
    return tuple(min(n, LAST_SECOND) if name == "BYSECOND" else n for n in numbers)


def _days(value: str | None) -> list[dateutil_rrule.weekday] | None:
    """BYDAY's items: the last two letters name the day, a number before them (if any) which
    of the month's or year's."""
    if value is None:
        return None
    return [_WEEKDAY[item[-2:]](int(item[:-2])) if item[:-2] else _WEEKDAY[item[-2:]]
            for item in value.split(",")]


# -- moments --------------------------------------------------------------------------------


def _all_day(series: Series) -> bool:
    return not isinstance(series.start, datetime)


def _wall_clock(series: Series, moment: Moment) -> datetime:
    """A moment as the naive wall-clock time dateutil expands from (all-day: midnight)."""
    if isinstance(moment, datetime):
        return to_wall_clock(moment, series.zone)
    return datetime.combine(moment, time())


def _moment(series: Series, wall: datetime) -> Moment:
    """An expanded wall-clock time as the series' kind of moment."""
    if _all_day(series):
        return wall.date()
    return from_wall_clock(wall, series.zone)


def _within_until(series: Series, moment: Moment) -> bool:
    """UNTIL is inclusive, and to the second: a due's fraction of a second does not pass it."""
    until = series.rule.until
    return until is None or (
        instant(moment, series.zone).replace(microsecond=0) <= instant(until, series.zone))
