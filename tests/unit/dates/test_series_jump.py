"""dates.series walks a series from a later anchor than its start (``_anchor``).

The tricky cases by name, each done long after its start: where the calendar says the
next dues are, and that a plain dateutil walk from the start (``reference``) agrees; the
bound on what COUNT counts (MAX_WALK); and the dateutil iterations a call costs, counted
around dateutil's own iterator, which stay few whatever the series' age.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime, timedelta
from itertools import islice

import pytest
from dateutil import rrule as dateutil_rrule

from taskservice.dates.rules import RuleError, parse_rule
from taskservice.dates.series import MAX_WALK, Series, check_series, following, upcoming
from taskservice.dates.zones import Moment, from_wall_clock
from tests.unit.dates.reference import dateutil_walk, walked_next

PARIS = "Europe/Paris"
SYDNEY = "Australia/Sydney"
NEW_YORK = "America/New_York"
APIA = "Pacific/Apia"
# 09:00 in New York (EDT) on Tuesday 1997-08-05: RFC 5545's WKST example.
RFC_WKST_START = datetime(1997, 8, 5, 13, tzinfo=UTC)
# The most occurrences an hourly series walks to its next due: one an hour, from the hour
# the jump lands in (two days and up to an hour before the completion: _anchor's margin)
# to the first after the completion (up to an hour after it), both included.
HOURS_WALKED = 2 * 24 + 3


def utc(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=UTC)


def checked(rule: str, start: Moment, zone: str) -> Series:
    series = Series(parse_rule(rule), start, zone, from_completion=False)
    check_series(series)
    return series


JUMPS = [
    # Weeks from Sunday 1997-08-03 (WKST=SU), every other one: the week of Sunday
    # 2027-03-07 is one (10,808 days, 772 fortnights later), so the next is the 21st's.
    pytest.param("FREQ=WEEKLY;INTERVAL=2;BYDAY=TU,SU;WKST=SU", RFC_WKST_START, NEW_YORK,
                 utc(2027, 3, 10, 12),
                 [utc(2027, 3, 21, 13), utc(2027, 3, 23, 13), utc(2027, 4, 4, 13),
                  utc(2027, 4, 6, 13)], id="weekly-wkst-su"),
    # The same rule with weeks from Monday 1997-08-04: the week of Monday 2027-03-08 is
    # one, and ends on Sunday the 14th (09:00 EDT from that day on).
    pytest.param("FREQ=WEEKLY;INTERVAL=2;BYDAY=TU,SU;WKST=MO", RFC_WKST_START, NEW_YORK,
                 utc(2027, 3, 10, 12),
                 [utc(2027, 3, 14, 13), utc(2027, 3, 23, 13), utc(2027, 3, 28, 13),
                  utc(2027, 4, 6, 13)], id="weekly-wkst-mo"),
    pytest.param("FREQ=MONTHLY", date(1900, 1, 31), PARIS, utc(2027, 2, 10, 12),
                 [date(2027, 3, 31), date(2027, 5, 31), date(2027, 7, 31), date(2027, 8, 31)],
                 id="monthly-from-the-31st"),
    pytest.param("FREQ=YEARLY", date(1904, 2, 29), PARIS, utc(2027, 3, 1),
                 [date(2028, 2, 29), date(2032, 2, 29)], id="yearly-from-feb-29"),
    # 2100 is not a leap year
    pytest.param("FREQ=YEARLY", date(1904, 2, 29), PARIS, utc(2097, 3, 1),
                 [date(2104, 2, 29), date(2108, 2, 29)], id="yearly-from-feb-29-past-2100"),
    pytest.param("FREQ=MONTHLY;BYDAY=MO,TU,WE,TH,FR;BYSETPOS=-1", date(1900, 1, 31), PARIS,
                 utc(2027, 5, 1),
                 [date(2027, 5, 31), date(2027, 6, 30), date(2027, 7, 30), date(2027, 8, 31)],
                 id="monthly-last-weekday"),
    # From 01:00 CET on 2015-01-01, every five hours of wall-clock: 2027-03-28 00:00 is
    # a whole number of them later (107,567 hours), then 05:00 CEST, past the gap.
    pytest.param("FREQ=HOURLY;INTERVAL=5", utc(2015, 1, 1), PARIS, utc(2027, 3, 27, 20),
                 [utc(2027, 3, 27, 23), utc(2027, 3, 28, 3), utc(2027, 3, 28, 8),
                  utc(2027, 3, 28, 13)], id="hourly-5-paris-spring"),
    # From 11:00 AEDT: on 2027-04-04 the hours 02:00 (the first, AEDT, of the two the
    # autumn change makes), 07:00, 12:00, 17:00 AEST.
    pytest.param("FREQ=HOURLY;INTERVAL=5", utc(2015, 1, 1), SYDNEY, utc(2027, 4, 3, 10),
                 [utc(2027, 4, 3, 15), utc(2027, 4, 3, 21), utc(2027, 4, 4, 2),
                  utc(2027, 4, 4, 7)], id="hourly-5-sydney-autumn"),
    # ... and on 2027-10-02 23:00 AEST, then 04:00, 09:00, 14:00 AEDT on the 3rd.
    pytest.param("FREQ=HOURLY;INTERVAL=5", utc(2015, 1, 1), SYDNEY, utc(2027, 10, 2, 10),
                 [utc(2027, 10, 2, 13), utc(2027, 10, 2, 17), utc(2027, 10, 2, 22),
                  utc(2027, 10, 3, 3)], id="hourly-5-sydney-spring"),
    # Every third day from 1900-01-01: 2027-06-03 is 46,536 days later. Done at 00:00 of
    # the 2nd in Auckland (12:00Z on the 1st).
    pytest.param("FREQ=DAILY;INTERVAL=3", date(1900, 1, 1), "Pacific/Auckland",
                 utc(2027, 6, 1, 12), [date(2027, 6, 3), date(2027, 6, 6), date(2027, 6, 9)],
                 id="all-day-every-third-day"),
    # 02:30 in Paris, which the spring gap of 2027-03-28 skips: read with the offset
    # before it (01:30Z), and the next day is 02:30 CEST again.
    pytest.param("FREQ=DAILY", utc(1990, 3, 1, 1, 30), PARIS, utc(2027, 3, 27, 12),
                 [utc(2027, 3, 28, 1, 30), utc(2027, 3, 29, 0, 30), utc(2027, 3, 30, 0, 30)],
                 id="daily-through-a-gap"),
    # A due written as 02:30 on the gap day is 03:30 CEST: the series keeps 03:30.
    pytest.param("FREQ=DAILY", from_wall_clock(datetime(2027, 3, 28, 2, 30), PARIS), PARIS,
                 utc(2040, 1, 1), [utc(2040, 1, 1, 2, 30), utc(2040, 1, 2, 2, 30)],
                 id="start-in-a-gap"),
    # The 02:30 the gap skips is an earlier instant (01:30Z) than the 03:00 CEST the
    # completion falls after: the jump must not start past it (_anchor's margin).
    pytest.param("FREQ=HOURLY;BYHOUR=2,4;BYMINUTE=30", utc(2020, 1, 1, 1, 30), PARIS,
                 utc(2027, 3, 28, 1, 10),
                 [utc(2027, 3, 28, 1, 30), utc(2027, 3, 28, 2, 30), utc(2027, 3, 29, 0, 30)],
                 id="margin-paris-gap"),
    # Apia skipped Friday 2011-12-30 (UTC-10 to UTC+14): its 23:59, read at -10, is
    # 09:59Z on the 31st, after the completion at 23:30 on the 31st there. A jump from
    # less than a day before the completion's wall-clock time would miss it.
    pytest.param("FREQ=DAILY;BYDAY=FR", from_wall_clock(datetime(2011, 1, 7, 23, 59), APIA),
                 APIA, utc(2011, 12, 31, 9, 30),
                 [utc(2011, 12, 31, 9, 59), utc(2012, 1, 6, 9, 59), utc(2012, 1, 13, 9, 59)],
                 id="margin-apia-skipped-day"),
    pytest.param("FREQ=DAILY", utc(1990, 1, 1, 8, 0, 0, 250000), "UTC", utc(2027, 1, 1),
                 [utc(2027, 1, 1, 8, 0, 0, 250000), utc(2027, 1, 2, 8, 0, 0, 250000)],
                 id="fraction-of-a-second"),
]


@pytest.mark.parametrize(("rule", "start", "zone", "completed_at", "expected"), JUMPS)
def test_a_series_done_long_after_its_start_goes_where_the_calendar_says(
        rule, start, zone, completed_at, expected):
    series = checked(rule, start, zone)
    step = following(series, start, 0, completed_at)
    assert step is not None
    assert upcoming(series, *step, limit=len(expected)) == expected
    walked = walked_next(series, start, completed_at)
    assert walked is not None
    assert list(islice(dateutil_walk(series), walked[1], walked[1] + len(expected))) == expected


# -- COUNT: counted from the due, MAX_WALK at most --------------------------------------------


def test_with_count_the_index_is_counted_from_the_due_far_from_the_start():
    series = checked("FREQ=DAILY;COUNT=20000", utc(1990, 1, 1, 8), "UTC")
    due = utc(2027, 1, 1, 8)
    index = (due - series.start).days
    assert following(series, due, index, utc(2027, 1, 4, 9)) == (utc(2027, 1, 5, 8), index + 4)
    assert upcoming(series, due, index, 3) == [due, utc(2027, 1, 2, 8), utc(2027, 1, 3, 8)]
    last = series.start + timedelta(days=19999)
    assert upcoming(series, last, 19999, 3) == [last]
    assert following(series, last - timedelta(days=2), 19997, last) is None


def test_a_completion_up_to_max_walk_occurrences_after_its_due_is_counted():
    series = checked("FREQ=DAILY;COUNT=100000", utc(2000, 1, 1, 8), "UTC")
    done = series.start + timedelta(days=MAX_WALK - 1, hours=1)
    assert following(series, series.start, 0, done) == (
        series.start + timedelta(days=MAX_WALK), MAX_WALK)


def test_a_completion_further_from_its_due_than_max_walk_occurrences_is_refused():
    series = checked("FREQ=DAILY;COUNT=100000", utc(2000, 1, 1, 8), "UTC")
    with pytest.raises(RuleError, match="give the task a new due") as refused:
        following(series, series.start, 0, series.start + timedelta(days=MAX_WALK, hours=1))
    assert f"COUNT={100000}" in str(refused.value)


def test_a_huge_count_is_refused_rather_than_walked():
    series = checked("FREQ=HOURLY;COUNT=1000000000", utc(1900, 1, 1), PARIS)
    with pytest.raises(RuleError, match="more than 10,000 occurrences after the due"):
        following(series, series.start, 0, utc(2027, 1, 1))


# -- what a call costs ------------------------------------------------------------------------


@pytest.fixture
def yields_of(monkeypatch: pytest.MonkeyPatch) -> Callable[[Callable[[], object]],
                                                           tuple[object, int]]:
    """A call's result, and how many occurrences dateutil's expansions yielded for it."""
    yielded = [0]
    iterate = dateutil_rrule.rrule._iter

    def counted(rule: dateutil_rrule.rrule) -> Iterator[datetime]:
        for occurrence in iterate(rule):
            yielded[0] += 1
            yield occurrence

    def yields_of(call: Callable[[], object]) -> tuple[object, int]:
        yielded[0] = 0
        return call(), yielded[0]

    monkeypatch.setattr(dateutil_rrule.rrule, "_iter", counted)
    return yields_of


@pytest.mark.parametrize("start", [utc(1, 1, 3), utc(1900, 1, 1, 8), utc(2026, 1, 1, 8)])
def test_an_hourly_series_done_now_costs_the_same_few_hours_whatever_its_age(
        start, yields_of):
    series = checked("FREQ=HOURLY", start, "UTC")
    step, walked = yields_of(lambda: following(series, start, 0, utc(2027, 6, 1, 12, 30)))
    assert step == (utc(2027, 6, 1, 13), 1)  # jumped: index + 1 (see following)
    assert walked <= HOURS_WALKED
    listed, walked = yields_of(lambda: upcoming(series, utc(2027, 6, 1, 13), 1, 10))
    assert listed == [utc(2027, 6, 1, 13) + timedelta(hours=hours) for hours in range(10)]
    assert walked <= HOURS_WALKED + 10


# Done at 22:00 on Tuesday 2027-06-01 in Sydney (12:00Z).
@pytest.mark.parametrize(("rule", "start", "expected"), [
    ("FREQ=DAILY", date(1, 1, 3), date(2027, 6, 2)),
    # weeks from Sunday 1899-12-31, every other one: 2027-05-30's is one (3,324
    # fortnights later), and its Tuesday is the day done
    ("FREQ=WEEKLY;INTERVAL=2;WKST=SU;BYDAY=TU,SU", date(1900, 1, 2), date(2027, 6, 13)),
    ("FREQ=MONTHLY;BYDAY=MO,TU,WE,TH,FR;BYSETPOS=-1", date(1900, 1, 31), date(2027, 6, 30)),
    ("FREQ=YEARLY", date(1904, 2, 29), date(2028, 2, 29)),
])
def test_a_series_of_days_done_now_costs_a_few_days_whatever_its_age(
        rule, start, expected, yields_of):
    series = checked(rule, start, SYDNEY)
    step, walked = yields_of(lambda: following(series, start, 0, utc(2027, 6, 1, 12)))
    assert step == (expected, 1)  # jumped: index + 1 (see following)
    # from the jump (two days before the completion, or its period's first day) to the
    # next due: the margin's days, the completion's and the next
    assert walked <= 2 + 1 + 1


def test_a_refused_count_walked_max_walk_occurrences_and_no_more(yields_of):
    series = checked("FREQ=HOURLY;COUNT=1000000000", utc(1900, 1, 1), "UTC")
    due = utc(1990, 1, 1)
    refusal: list[RuleError] = []

    def complete() -> None:
        with pytest.raises(RuleError) as refused:
            following(series, due, (due - series.start) // timedelta(hours=1), utc(2027, 1, 1))
        refusal.append(refused.value)

    _, walked = yields_of(complete)
    assert refusal
    # from the jump two days before the due, to MAX_WALK occurrences after it
    assert walked <= HOURS_WALKED + MAX_WALK
