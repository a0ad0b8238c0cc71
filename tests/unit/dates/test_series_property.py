"""Series meet dateutil's own expansion, for any valid rule.

For random rules, zones (with DST in either hemisphere, half-hour changes, none, and the
odd histories of Apia, Casablanca, Dublin...) and starts (timed or all-day), what following()
and upcoming() give is what a plain walk of ``dateutil.rrule.rrulestr`` from the start's
wall-clock time gives, with the contract's reading on top: the start first even when the
rule does not produce it, an instant never repeated, COUNT counting the start, UNTIL
inclusive. Rolling a series forward N times meets its first N + 1 occurrences; and a due
and a completion picked far along the series (thousands of occurrences: centuries of a
yearly rule) give the same next due and the same next occurrences whether the series jumps
to them (dates.series._anchor) or, as the reference does, walks from the start.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, date, datetime, timedelta
from itertools import islice
from zoneinfo import ZoneInfo

from hypothesis import assume, given, settings
from hypothesis import strategies as st

from taskservice.dates.rules import WEEKDAYS, RuleError, parse_rule
from taskservice.dates.series import Series, check_series, following, upcoming
from taskservice.dates.zones import Moment, instant
from tests.unit.dates.reference import at, dateutil_walk, walked_next

ZONES = ("UTC", "Europe/Paris", "America/New_York", "Australia/Sydney", "America/Santiago",
         "Pacific/Auckland", "Australia/Lord_Howe", "Asia/Tokyo")
# Zones whose offsets moved far, or oddly: a day skipped (Apia, 2011-12-30), DST stopped
# for Ramadan (Casablanca), a negative DST (Dublin), a quarter hour (Kathmandu), half
# hours with DST (St John's), and the local mean times of the 19th century everywhere.
HISTORIES = ("Pacific/Apia", "Africa/Casablanca", "Europe/Dublin", "Asia/Kathmandu",
             "America/St_Johns")
DAY_NUMBERS = (1, 2, 3, 4, -1, -2)


# -- rolling forward from the start -----------------------------------------------------------


@st.composite
def series_cases(draw: st.DrawFn) -> tuple[Series, int]:
    """A checked-valid series (FREQ, INTERVAL, BYDAY, BYMONTHDAY, BYMONTH drawn so that
    it always has occurrences; COUNT or not), and N."""
    zone = draw(st.sampled_from(ZONES))
    start: Moment = draw(st.one_of(
        st.dates(date(2000, 1, 1), date(2040, 12, 31)),
        st.datetimes(datetime(2000, 1, 1), datetime(2040, 12, 31), timezones=st.just(UTC))
        .map(lambda moment: moment.replace(microsecond=0)),
    ))
    timed = isinstance(start, datetime)
    month = start.astimezone(ZoneInfo(zone)).month if isinstance(start, datetime) else start.month
    freqs = ["DAILY", "WEEKLY", "MONTHLY", "YEARLY", *(["HOURLY"] if timed else [])]
    freq = draw(st.sampled_from(freqs))
    parts = [f"FREQ={freq}", f"INTERVAL={draw(st.integers(1, 4))}"]
    parts += draw(_by_parts(freq, month))
    count = draw(st.none() | st.integers(1, 12))
    rule = ";".join(parts + ([f"COUNT={count}"] if count else []))
    series = Series(parse_rule(rule), start, zone, from_completion=False)
    return series, draw(st.integers(1, 8))


@st.composite
def _by_parts(draw: st.DrawFn, freq: str, month: int) -> list[str]:
    chosen = []
    days = st.lists(st.sampled_from(WEEKDAYS), min_size=1, max_size=3, unique=True)
    kind = draw(st.sampled_from(["", "BYDAY", *(["BYMONTHDAY"] if freq != "WEEKLY" else [])]))
    if kind == "BYDAY" and freq in ("MONTHLY", "YEARLY") and draw(st.booleans()):
        numbered = [f"{draw(st.sampled_from(DAY_NUMBERS))}{day}" for day in draw(days)]
        chosen.append("BYDAY=" + ",".join(numbered))
    elif kind == "BYDAY":
        chosen.append("BYDAY=" + ",".join(draw(days)))
    elif kind == "BYMONTHDAY":
        monthdays = st.integers(1, 28) | st.integers(-28, -1)
        chosen.append("BYMONTHDAY=" + ",".join(
            map(str, draw(st.lists(monthdays, min_size=1, max_size=3, unique=True)))))
    if draw(st.booleans()):  # the start's month among them, so that the rule always yields
        months = {month, *draw(st.lists(st.integers(1, 12), max_size=3))}
        chosen.append("BYMONTH=" + ",".join(map(str, sorted(months))))
    return chosen


@settings(max_examples=200, deadline=None)
@given(series_cases())
def test_rolling_forward_meets_dateutil_s_occurrences(case):
    series, times = case
    check_series(series)
    expected = list(islice(dateutil_walk(series), times + 1))
    dues, current, index = [series.start], series.start, 0
    while (step := following(series, current, index, instant(current, series.zone))) is not None:
        assert step[1] == index + 1
        current, index = step
        dues.append(current)
        if len(dues) == times + 1:
            break
    assert dues == expected
    assert upcoming(series, series.start, 0, times + 1) == expected


# -- a due and a completion far along the series ---------------------------------------------

# How far along the series the due and the completion are drawn, in occurrences: the
# reference walks there from the start (each occurrence some microseconds), and a yearly
# rule's thousand occurrences are centuries.
FAR_ALONG = 3000


@st.composite
def far_series(draw: st.DrawFn, with_count: bool) -> Series:
    """A checked-valid series of any FREQ, INTERVAL and WKST, with day parts (BYDAY plain or
    numbered, BYMONTHDAY, BYYEARDAY, BYWEEKNO, BYMONTH), time parts, BYSETPOS, and UNTIL
    (without COUNT) or COUNT; started from 1800 on, timed (with or without a fraction of a
    second) or all-day, in any zone of ZONES and HISTORIES."""
    zone = draw(st.sampled_from(ZONES + HISTORIES))
    timed_starts = st.datetimes(datetime(1800, 1, 1), datetime(2100, 12, 31),
                                timezones=st.just(UTC))
    start: Moment = draw(st.dates(date(1800, 1, 1), date(2100, 12, 31)) | timed_starts
                         | timed_starts.map(lambda moment: moment.replace(microsecond=0)))
    timed = isinstance(start, datetime)
    freq = draw(st.sampled_from(["DAILY", "WEEKLY", "MONTHLY", "YEARLY",
                                 *(["HOURLY"] if timed else [])]))
    parts = [f"FREQ={freq}", f"INTERVAL={draw(st.integers(1, 5))}"]
    if draw(st.booleans()):
        parts.append(f"WKST={draw(st.sampled_from(WEEKDAYS))}")
    parts += draw(_day_parts(freq))
    if timed:
        parts += draw(_time_parts())
    if len(parts) > 2 and draw(st.booleans()):
        positions = st.sampled_from((1, 2, 3, -1, -2))
        parts.append("BYSETPOS=" + _listed(draw(st.lists(positions, min_size=1, max_size=2,
                                                          unique=True))))
    if with_count:
        parts.append(f"COUNT={draw(st.integers(1, 2 * FAR_ALONG))}")
    elif draw(st.booleans()):
        parts.append("UNTIL=" + _until(start + timedelta(days=draw(st.integers(0, 80_000)))))
    try:
        series = Series(parse_rule(";".join(parts)), start, zone, from_completion=False)
        check_series(series)
    except RuleError:
        assume(False)
    return series


@st.composite
def _day_parts(draw: st.DrawFn, freq: str) -> list[str]:
    """Days chosen the ways FREQ allows; an hourly or daily rule by one part at most, so
    that it keeps some occurrences every month or so (the reference walks day by day)."""
    days = st.lists(st.sampled_from(WEEKDAYS), min_size=1, max_size=3, unique=True)
    numbered = days.flatmap(lambda chosen: st.tuples(*(
        st.sampled_from(DAY_NUMBERS).map(lambda number, day=day: f"{number}{day}")
        for day in chosen)))
    monthdays = st.integers(1, 31) | st.integers(-31, -1)
    kinds = {
        "BYDAY": draw(st.lists(days.map(_listed), max_size=1)),
        "BYMONTH": draw(st.lists(st.lists(st.integers(1, 12), min_size=1, max_size=3,
                                          unique=True).map(_listed), max_size=1)),
    }
    if freq != "WEEKLY":
        kinds["BYMONTHDAY"] = draw(st.lists(st.lists(monthdays, min_size=1, max_size=3,
                                                     unique=True).map(_listed), max_size=1))
    if freq in ("MONTHLY", "YEARLY") and draw(st.booleans()):
        kinds["BYDAY"] = [_listed(draw(numbered))]
    if freq == "YEARLY":
        yeardays = st.integers(1, 366) | st.integers(-366, -1)
        kinds["BYYEARDAY"] = draw(st.lists(st.lists(yeardays, min_size=1, max_size=3,
                                                    unique=True).map(_listed), max_size=1))
        if not any(len(item) > 2 for item in "".join(kinds["BYDAY"]).split(",")):
            weeks = st.integers(1, 53) | st.integers(-53, -1)
            kinds["BYWEEKNO"] = draw(st.lists(st.lists(weeks, min_size=1, max_size=2,
                                                       unique=True).map(_listed), max_size=1))
    chosen = [f"{name}={values[0]}" for name, values in kinds.items() if values]
    return chosen[:1] if freq in ("HOURLY", "DAILY") else chosen


@st.composite
def _time_parts(draw: st.DrawFn) -> list[str]:
    """BYHOUR, BYMINUTE, BYSECOND, each perhaps, with one or two values (no second 60:
    dateutil, the reference, cannot make a time of it)."""
    ranges = {"BYHOUR": 23, "BYMINUTE": 59, "BYSECOND": 59}
    return [f"{name}={_listed(values)}" for name, highest in ranges.items()
            if (values := draw(st.lists(st.integers(0, highest), max_size=2, unique=True)))]


def _listed(values: Iterable[int | str]) -> str:
    return ",".join(map(str, values))


def _until(moment: Moment) -> str:
    if isinstance(moment, datetime):
        return moment.strftime("%Y%m%dT%H%M%SZ")
    return moment.strftime("%Y%m%d")


def _far_along(series: Series, data: st.DataObject) -> tuple[int, Moment, datetime]:
    """A due of the series (its index and itself) and a completion, both drawn up to
    FAR_ALONG occurrences from the start: the completion a few days either side of one."""
    zone = ZoneInfo(series.zone)
    walked = list(islice(dateutil_walk(series), data.draw(st.integers(1, FAR_ALONG))))
    index = data.draw(st.integers(0, len(walked) - 1), label="index")
    off = data.draw(st.timedeltas(timedelta(days=-3), timedelta(days=3)), label="off")
    return index, walked[index], at(walked[-1], zone) + off


@settings(max_examples=150, deadline=None)
@given(far_series(with_count=False), st.data())
def test_far_along_a_series_without_count_the_jump_meets_the_walk_from_the_start(series, data):
    index, due, completed_at = _far_along(series, data)
    expected = walked_next(series, due, completed_at)
    step = following(series, due, index, completed_at)
    if expected is None:
        assert step is None
    else:  # the index: counted, or index + 1 when the jump passed the due (following);
        # always counted when done by the due, the walk to the next one passing it then
        assert step is not None and step[0] == expected[0]
        done_by_the_due = completed_at <= at(due, ZoneInfo(series.zone))
        assert step[1] in ((expected[1],) if done_by_the_due else (expected[1], index + 1))
    limit = data.draw(st.integers(1, 12), label="limit")
    assert upcoming(series, due, index, limit) == list(
        islice(dateutil_walk(series), index, index + limit))


@settings(max_examples=100, deadline=None)
@given(far_series(with_count=True), st.data())
def test_far_along_a_series_with_count_the_index_is_counted_exactly(series, data):
    index, due, completed_at = _far_along(series, data)
    assert following(series, due, index, completed_at) == walked_next(series, due, completed_at)
    limit = data.draw(st.integers(1, 12), label="limit")
    assert upcoming(series, due, index, limit) == list(
        islice(dateutil_walk(series), index, index + limit))
