"""When a task's reminders come (tasks/reminders.py: ``moments``), zones and DST included.

A timed due's offset is exact seconds; an all-day due's is wall-clock time from 00:00 of
the date in the task's zone, so "09:00 on the day" stays 09:00 on the days clocks change.
"""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from taskservice.tasks.reminders import moments


def at(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=UTC)


def times(reminders, due, zone="Europe/Paris"):
    return [(time.slot, time.at) for time in moments(reminders, due, zone)]


def test_an_absolute_reminder_is_its_instant_with_or_without_a_due():
    reminder = {"at": "2030-01-31T07:00:00Z"}
    assert times([reminder], None) == times([reminder], at(2031, 1, 1)) == [(0, at(2030, 1, 31, 7))]


def test_a_relative_reminder_on_a_timed_due_is_exact_seconds_across_a_clock_change():
    # Paris moves from UTC+1 to UTC+2 at 01:00 UTC on 2027-03-28: a day before a 09:00
    # CEST due is 24 hours before it: 08:00 CET, not 09:00.
    due = at(2027, 3, 28, 7)
    assert times([{"offset": -86400}, {"offset": -900}], due) == [
        (0, at(2027, 3, 27, 7)), (1, at(2027, 3, 28, 6, 45))]


@pytest.mark.parametrize(("day", "utc_hour"), [
    (date(2027, 3, 27), 8),   # CET, UTC+1
    (date(2027, 3, 28), 7),   # the spring change: 09:00 is CEST, UTC+2
    (date(2027, 10, 31), 8),  # the autumn change: 09:00 is CET again
])
def test_an_all_day_offset_is_the_wall_clock_time_of_that_day(day, utc_hour):
    [(slot, moment)] = times([{"offset": 32400}], day)
    assert slot == 0 and moment == datetime(day.year, day.month, day.day, utc_hour, tzinfo=UTC)


def test_an_all_day_offset_into_the_spring_gap_takes_the_offset_before_it():
    # 02:30 does not exist in Paris on 2027-03-28; read with the offset before the gap
    # (UTC+1), as RFC 5545 3.3.5 asks: 01:30 UTC.
    assert times([{"offset": 9000}], date(2027, 3, 28)) == [(0, at(2027, 3, 28, 1, 30))]


def test_a_negative_all_day_offset_is_the_wall_clock_time_of_an_earlier_day():
    # The evening before, 18:00 in Tokyo (UTC+9): 09:00 UTC.
    assert times([{"offset": -21600}], date(2030, 1, 31), "Asia/Tokyo") == [
        (0, at(2030, 1, 30, 9))]


def test_relative_reminders_without_a_due_and_moments_past_the_calendar_never_come():
    assert times([{"offset": 60}], None) == []
    assert times([{"offset": 31_622_400}, {"at": "2030-01-31T07:00:00Z"}],
                 date(9999, 12, 31)) == [(1, at(2030, 1, 31, 7))]
