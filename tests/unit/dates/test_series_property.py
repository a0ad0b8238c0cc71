"""Rolling a series forward gives what dateutil's own expansion gives, for any valid rule.

For random rules (FREQ, INTERVAL, and BYDAY, BYMONTHDAY, BYMONTH drawn so that the rule
always has occurrences, COUNT or not), zones (with DST in either hemisphere, half-hour
changes, none) and starts (timed or all-day): completing each due right at its due,
N times, meets exactly the first N + 1 occurrences of ``dateutil.rrule.rrulestr`` from the
start's wall-clock time, with the contract's reading on top: the start first even when
the rule does not produce it, an instant never repeated, COUNT counting the start.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

from dateutil.rrule import rrulestr
from hypothesis import given, settings
from hypothesis import strategies as st

from taskservice.dates.rules import WEEKDAYS, parse_rule
from taskservice.dates.series import Series, check_series, following, upcoming
from taskservice.dates.zones import Moment, instant

ZONES = ("UTC", "Europe/Paris", "America/New_York", "Australia/Sydney", "America/Santiago",
         "Pacific/Auckland", "Australia/Lord_Howe", "Asia/Tokyo")
DAY_NUMBERS = (1, 2, 3, 4, -1, -2)


@st.composite
def series_cases(draw: st.DrawFn) -> tuple[Series, str, int]:
    """A checked-valid series, its rule without COUNT (for dateutil), and N."""
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
    return series, ";".join(parts), draw(st.integers(1, 8))


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


def dateutil_series(series: Series, rule_without_count: str, length: int) -> list[Moment]:
    """The first ``length`` occurrences: dateutil's, from the start's wall-clock time, each
    read in the zone (fold=0) and kept if later than the last, after the start; COUNT."""
    zone = ZoneInfo(series.zone)
    start = series.start
    timed = isinstance(start, datetime)
    wall = (start.astimezone(zone).replace(tzinfo=None) if isinstance(start, datetime)
            else datetime.combine(start, time()))
    found: list[Moment] = [start]
    for produced in rrulestr(rule_without_count, dtstart=wall):
        if len(found) == length:
            break
        moment = produced.replace(tzinfo=zone).astimezone(UTC) if timed else produced.date()
        if moment > found[-1]:
            found.append(moment)
    return found[:series.rule.count]


@settings(max_examples=200, deadline=None)
@given(series_cases())
def test_rolling_forward_meets_dateutil_s_occurrences(case):
    series, rule_without_count, times = case
    check_series(series)
    expected = dateutil_series(series, rule_without_count, times + 1)
    dues, current, index = [series.start], series.start, 0
    while (step := following(series, current, index, instant(current, series.zone))) is not None:
        assert step[1] == index + 1
        current, index = step
        dues.append(current)
        if len(dues) == times + 1:
            break
    assert dues == expected
    assert upcoming(series, series.start, 0, times + 1) == expected
