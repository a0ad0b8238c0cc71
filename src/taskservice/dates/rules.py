"""The text of a recurrence rule: an RFC 5545 RRULE value (§3.3.10), checked part by part.

A rule is refused with a ``RuleError`` whose text says what is wrong and how to put it
right, naming the offending part: the API returns it as the description of a 400. Part
names and enumerated values are case-insensitive (RFC 5545 §2), so ``Rule.parts`` holds
them upper-cased; ``Rule.text`` keeps the rule as it was sent. What a rule means from a
given start (whether it yields anything, UNTIL's kind against the due's) is ``series``'s.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from functools import cached_property
from math import prod
from types import MappingProxyType

RULE_MAX_LENGTH = 500
FREQUENCIES = ("HOURLY", "DAILY", "WEEKLY", "MONTHLY", "YEARLY")
# The only parts of a rule whose next due counts from the completion: the rest pick dates.
COMPLETION_PARTS = ("FREQ", "INTERVAL", "COUNT", "UNTIL")
WEEKDAYS = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")
# Valid in RFC 5545, refused here: a task due every few seconds or minutes is not a task.
_TOO_FINE = ("SECONDLY", "MINUTELY")
# The most times of day a rule may give (BYHOUR x BYMINUTE x BYSECOND): _check_times_of_day.
MAX_TIMES_OF_DAY = 24
TIME_PARTS = ("BYHOUR", "BYMINUTE", "BYSECOND")

# The numeric list parts: (lowest, highest, whether the negatives count from the end).
_NUMBER_RANGES: Mapping[str, tuple[int, int, bool]] = {
    "BYSECOND": (0, 60, False),
    "BYMINUTE": (0, 59, False),
    "BYHOUR": (0, 23, False),
    "BYMONTHDAY": (1, 31, True),
    "BYYEARDAY": (1, 366, True),
    "BYWEEKNO": (1, 53, True),
    "BYMONTH": (1, 12, False),
    "BYSETPOS": (1, 366, True),
}
# The frequencies (of ours) a part may be used with: RFC 5545 §3.3.10's notes and table.
_ALLOWED_WITH: Mapping[str, tuple[str, ...]] = {
    "BYMONTHDAY": ("HOURLY", "DAILY", "MONTHLY", "YEARLY"),
    "BYYEARDAY": ("HOURLY", "YEARLY"),
    "BYWEEKNO": ("YEARLY",),
}

_NAME = re.compile(r"[A-Za-z]+")
_POSITIVE = re.compile(r"[0-9]+")
_NUMBER = re.compile(r"[+-]?[0-9]+")
_DAY = re.compile(r"(?P<number>[+-]?[0-9]{1,2})?(?P<day>[A-Z]{2})")
_UNTIL = re.compile(r"([0-9]{4})([0-9]{2})([0-9]{2})(?:T([0-9]{2})([0-9]{2})([0-9]{2})(Z?))?")
# RFC 5545 §3.3.12: where leap seconds are not kept, a second of 60 is read as 59.
LAST_SECOND = 59


class RuleError(ValueError):
    """A rule RFC 5545 does not allow, or that cannot be a series; str() says what to fix."""


@dataclass(frozen=True)
class Rule:
    """A valid rule: as sent, and its parts (upper-cased names and values)."""

    text: str
    parts: Mapping[str, str] = field(hash=False)

    @property
    def freq(self) -> str:
        return self.parts["FREQ"]

    @property
    def interval(self) -> int:
        return int(self.parts.get("INTERVAL", "1"))

    @property
    def count(self) -> int | None:
        return int(self.parts["COUNT"]) if "COUNT" in self.parts else None

    @cached_property
    def until(self) -> datetime | date | None:
        """A ``...Z`` UNTIL as an aware UTC datetime, an 8-digit one as a date (read once:
        a series compares each occurrence with it)."""
        return _until_value(self.parts["UNTIL"]) if "UNTIL" in self.parts else None


def parse_rule(text: str) -> Rule:
    """The rule ``text`` checked against RFC 5545; a RuleError names what is wrong."""
    _check_text(text)
    parts = _split(text)
    _check_values(parts)
    _check_combinations(parts)
    _check_times_of_day(parts)
    return Rule(text, MappingProxyType(parts))


def _until_value(value: str) -> datetime | date:
    """UNTIL's value (upper-cased) as a date, or as an aware UTC datetime for a time."""
    found = _UNTIL.fullmatch(value)
    if found is None:
        raise RuleError(f"UNTIL={value} is neither a date nor a UTC time: write YYYYMMDD or "
                        "YYYYMMDDTHHMMSSZ")
    year, month, day, hour, minute, second, utc = found.groups()
    if hour is not None and not utc:
        raise RuleError(f"UNTIL={value} must be in UTC: end the time with Z, e.g. "
                        "20301231T235959Z")
    try:
        if hour is None:
            return date(int(year), int(month), int(day))
        return datetime(int(year), int(month), int(day), int(hour), int(minute),
                        min(int(second), LAST_SECOND), tzinfo=UTC)
    except ValueError:
        raise RuleError(f"UNTIL={value} is not a date of the calendar: check its month and "
                        "day") from None


# -- the text and its parts -----------------------------------------------------------------


def _check_text(text: str) -> None:
    if not text:
        raise RuleError("The rule is empty: give at least its FREQ, e.g. FREQ=WEEKLY")
    if len(text) > RULE_MAX_LENGTH:
        raise RuleError(f"The rule is {len(text)} characters long: at most {RULE_MAX_LENGTH}"
                        " are allowed")
    if "DTSTART" in text.upper():
        raise RuleError("DTSTART cannot be given in the rule: the series starts at its due")
    if text.upper().startswith("RRULE:"):
        raise RuleError("Give the rule without its RRULE: prefix, e.g. FREQ=WEEKLY;BYDAY=MO")


def _split(text: str) -> dict[str, str]:
    """NAME=VALUE;... as {NAME: VALUE}, upper-cased; each part known and given once."""
    parts: dict[str, str] = {}
    for part in text.split(";"):
        name, value = _name_and_value(part)
        if name in parts:
            raise RuleError(f"{name} is given twice: give each rule part once")
        parts[name] = value
    return parts


def _name_and_value(part: str) -> tuple[str, str]:
    if not part:
        raise RuleError("The rule has an empty part: remove the extra ';'")
    name, equals, value = part.partition("=")
    if not equals or _NAME.fullmatch(name) is None:
        raise RuleError(f"Rule part {part!r} is not of the form NAME=VALUE: write a name of"
                        " letters, '=' and its value, with no spaces")
    if name.upper() not in PARTS:
        raise RuleError(f"Unknown rule part {name}: the parts are {', '.join(PARTS)}")
    if not value:
        raise RuleError(f"{name.upper()} has no value: write {name.upper()}=<value>")
    return name.upper(), value.upper()


# -- each part's value ----------------------------------------------------------------------


def _check_values(parts: Mapping[str, str]) -> None:
    if "FREQ" not in parts:
        raise RuleError("FREQ is missing: every rule needs one, e.g. FREQ=DAILY")
    for name, value in parts.items():
        _CHECKS[name](name, value)


def _check_freq(name: str, value: str) -> None:
    if value in _TOO_FINE:
        raise RuleError(f"{name}={value} is not supported: the shortest frequency is HOURLY")
    if value not in FREQUENCIES:
        raise RuleError(f"{name}={value} is not a frequency: use {_one_of(FREQUENCIES)}")


def _check_positive(name: str, value: str) -> None:
    if _POSITIVE.fullmatch(value) is None or int(value) == 0:
        raise RuleError(f"{name}={value} is not a whole number from 1 up: write e.g. {name}=2")


def _check_until(name: str, value: str) -> None:
    _until_value(value)


def _check_weekday(name: str, value: str) -> None:
    if value not in WEEKDAYS:
        raise RuleError(f"{name}={value} is not a day: use {_one_of(WEEKDAYS)}")


def _check_day(name: str, item: str) -> None:
    """One BYDAY item: a day, with an optional week number (1 to 53, + or - first)."""
    found = _DAY.fullmatch(item)
    if found is None or found["day"] not in WEEKDAYS:
        raise RuleError(f"{name} value {item!r} is not a day: use {_one_of(WEEKDAYS)}, optionally"
                        " numbered like 2MO or -1FR")
    if found["number"] is not None and not 1 <= abs(int(found["number"])) <= 53:
        raise RuleError(f"{name} value {item!r} has a number out of range: use 1 to 53 or "
                        "-53 to -1 before the day")


def _check_number(name: str, item: str) -> None:
    lowest, highest, from_the_end = _NUMBER_RANGES[name]
    if _NUMBER.fullmatch(item) is None:
        raise RuleError(f"{name} value {item!r} is not a number: {_range(name)}")
    signed = item[0] in "+-"
    if not lowest <= abs(int(item)) <= highest or (signed and not from_the_end):
        raise RuleError(f"{name} value {item} is out of range: {_range(name)}")


def _range(name: str) -> str:
    lowest, highest, from_the_end = _NUMBER_RANGES[name]
    if from_the_end:
        return f"use {lowest} to {highest}, or -{highest} to -{lowest} to count from the end"
    return f"use {lowest} to {highest}, without a sign"


def _each(check: Callable[[str, str], None]) -> Callable[[str, str], None]:
    """``check`` applied to each item of a comma-separated list."""

    def check_list(name: str, value: str) -> None:
        for item in value.split(","):
            check(name, item)

    return check_list


# Every part RFC 5545 names, in its order, with the check of its value.
_CHECKS: Mapping[str, Callable[[str, str], None]] = {
    "FREQ": _check_freq,
    "UNTIL": _check_until,
    "COUNT": _check_positive,
    "INTERVAL": _check_positive,
    "BYSECOND": _each(_check_number),
    "BYMINUTE": _each(_check_number),
    "BYHOUR": _each(_check_number),
    "BYDAY": _each(_check_day),
    "BYMONTHDAY": _each(_check_number),
    "BYYEARDAY": _each(_check_number),
    "BYWEEKNO": _each(_check_number),
    "BYMONTH": _each(_check_number),
    "BYSETPOS": _each(_check_number),
    "WKST": _check_weekday,
}
PARTS = tuple(_CHECKS)


# -- parts together -------------------------------------------------------------------------


def _check_combinations(parts: Mapping[str, str]) -> None:
    if "COUNT" in parts and "UNTIL" in parts:
        raise RuleError("COUNT and UNTIL cannot both be given: end the series by one or the"
                        " other")
    for name, allowed in _ALLOWED_WITH.items():
        if name in parts:
            _check_freq_allows(name, parts["FREQ"], allowed)
    numbered = [item for item in parts.get("BYDAY", "").split(",") if len(item) > 2]
    if numbered:
        _check_numbered_days(f"A numbered BYDAY ({numbered[0]})", parts)
    if "BYSETPOS" in parts and not any(n.startswith("BY") and n != "BYSETPOS" for n in parts):
        raise RuleError("BYSETPOS needs another BY part to choose among: e.g. "
                        "FREQ=MONTHLY;BYDAY=MO,TU,WE,TH,FR;BYSETPOS=-1")


def _check_times_of_day(parts: Mapping[str, str]) -> None:
    """At most MAX_TIMES_OF_DAY times in a period: a task recurs hourly at the finest.

    RFC 5545 allows any product of BYHOUR, BYMINUTE and BYSECOND (every second of every
    day is a valid YEARLY rule: 31 million occurrences a year), which following a series
    must walk within one period of the rule. FREQ=SECONDLY and MINUTELY are refused for the
    same reason; this refuses their spelling with BY parts.
    """
    times = prod(len(set(parts[name].split(","))) for name in TIME_PARTS if name in parts)
    if times > MAX_TIMES_OF_DAY:
        raise RuleError(f"The rule gives {times} times of day (BYHOUR x BYMINUTE x BYSECOND):"
                        f" at most {MAX_TIMES_OF_DAY} are allowed, a task recurs hourly at "
                        "the finest")


def _check_numbered_days(label: str, parts: Mapping[str, str]) -> None:
    """A week number before a day means "of the month" or "of the year" (RFC 5545)."""
    _check_freq_allows(label, parts["FREQ"], ("MONTHLY", "YEARLY"))
    if "BYWEEKNO" in parts:
        raise RuleError(f"{label} cannot be used with BYWEEKNO: give the days without a "
                        "number")


def _check_freq_allows(label: str, freq: str, allowed: tuple[str, ...]) -> None:
    if freq not in allowed:
        choices = _one_of([f"FREQ={other}" for other in allowed])
        raise RuleError(f"{label} cannot be used with FREQ={freq}: only with {choices}")


def _one_of(words: Sequence[str]) -> str:
    """ "A", "A or B", "A, B or C": the choices in a sentence."""
    return " or ".join(filter(None, [", ".join(words[:-1]), words[-1]]))
