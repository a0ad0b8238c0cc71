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

Cost: dateutil expands a rule from its DTSTART only, so each call walks the series from
``start`` and stops at its answer: the work grows with the occurrences between the start
and the answer (an hourly series begun a year ago walks some 9,000). dateutil only stops
on an occurrence (or at the year 9999), so a rule that yields nothing would be walked for
millennia: ``check_series`` finds such a rule in one cycle of the calendar instead (see
``_yields``), and refuses it, so a stored series always has its next occurrence within
one such cycle, 400 × INTERVAL years at most.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import MAXYEAR, datetime, time, timedelta
from itertools import islice
from math import gcd, prod
from typing import Literal

from dateutil import rrule as dateutil_rrule

from .rules import COMPLETION_PARTS, LAST_SECOND, WEEKDAYS, Rule, RuleError, parse_rule

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
_TIME_PARTS = ("BYHOUR", "BYMINUTE", "BYSECOND")
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
    """
    if series.from_completion:
        return _after_completion(series, current, index, completed_at)
    later_than = max(instant(current, series.zone), completed_at)
    later = ((moment, number) for number, moment in enumerate(_occurrences(series))
             if instant(moment, series.zone) > later_than)
    return next(later, None)


def upcoming(series: Series, current: Moment, index: int, limit: int) -> list[Moment]:
    """``current`` and the occurrences after it, ``limit`` at most; a series that counts
    from the completion lists only ``current``, its next due depending on when it is done."""
    if limit < 1:
        return []
    if series.from_completion:
        return [current]
    after = (moment for moment in _occurrences(series)
             if instant(moment, series.zone) > instant(current, series.zone))
    return [current, *islice(after, limit - 1)]


# -- checks ---------------------------------------------------------------------------------


def _check_parts(series: Series) -> None:
    rule = series.rule
    if series.from_completion:
        for name in rule.parts:
            if name not in COMPLETION_PARTS:
                raise RuleError(f"{name} cannot be used when the next due counts from the "
                                f"completion: use only {', '.join(COMPLETION_PARTS)}")
    if _all_day(series):
        timed = [*(["FREQ=HOURLY"] if rule.freq == "HOURLY" else []),
                 *(name for name in _TIME_PARTS if name in rule.parts)]
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
    under = _TIME_PARTS[1:] if rule.freq == "HOURLY" else _TIME_PARTS
    times = prod(len(set(_values(rule.parts, name) or (0,))) for name in under)
    return any(abs(position) <= times for position in _values(rule.parts, "BYSETPOS") or ())


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


def _occurrences(series: Series) -> Iterator[Moment]:
    """The series: ``start``, then each occurrence of the rule later than the one before,
    COUNT at most."""
    return islice(_going_forward(series), series.rule.count)


def _going_forward(series: Series) -> Iterator[Moment]:
    last = series.start
    yield last
    for moment in _own_occurrences(series):
        if instant(moment, series.zone) > instant(last, series.zone):
            last = moment
            yield moment


def _own_occurrences(series: Series) -> Iterator[Moment]:
    """What the rule yields from ``start`` on (``start`` only if it yields it), to UNTIL."""
    for wall in _expansion(series.rule, _wall_clock(series, series.start)):
        moment = _moment(series, wall)
        if not _within_until(series, moment):
            return
        yield moment


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
