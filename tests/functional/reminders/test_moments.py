"""Contract sections 12 and 14: the moment a relative reminder fires, across daylight-saving
changes and time zones.

A timed due's reminder is the due instant plus the offset in seconds; an all-day due's is
00:00 of the date in the task's zone plus the offset as wall-clock time (so 32400 is 09:00
local, even on the day the clocks change). Expected moments come from ``zoneinfo`` through
tests/support/dates.py, never from the service's own date code; each is checked both ways a
client sees it: listed by ``GET /reminders``, and fired no earlier than it, exactly at it.
"""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from tests.support.api import create_task
from tests.support.dates import complete, iso, local
from tests.support.reminders import all_upcoming, fire, reminder_events
from tests.support.webhooks import make_hook

PARIS = "Europe/Paris"


def just_before(moment):
    return iso(datetime.fromisoformat(moment) - timedelta(seconds=1))


def window_around(moment):
    return {"after": iso(datetime.fromisoformat(moment) - timedelta(days=1)),
            "before": iso(datetime.fromisoformat(moment) + timedelta(days=1))}


def assert_fires_at(app, alice, receiver, moment):
    """The one reminder listed near ``moment`` is at it; it fires at it, not a second before."""
    assert [i["scheduled_for"] for i in all_upcoming(alice, **window_around(moment))] == [moment]
    assert fire(app, just_before(moment)) == 0
    assert fire(app, moment) == 1
    assert reminder_events(app, receiver)[-1]["data"]["scheduled_for"] == moment


@pytest.fixture
def hooked(alice, receiver):
    make_hook(alice, receiver.url, ["task.reminder"])
    return alice


@pytest.mark.parametrize("before_change,after_change", [
    ("2030-03-30", "2030-03-31"),  # Paris goes from UTC+1 to UTC+2 on 31 March 2030
    ("2030-10-26", "2030-10-27"),  # and back on 27 October 2030
])
def test_a_daily_9_oclock_reminder_fires_at_8_45_on_both_sides_of_a_change(
        app, hooked, receiver, before_change, after_change):
    task = create_task(hooked, due_at=local(before_change, 9, PARIS), time_zone=PARIS,
                       recurrence={"rule": "FREQ=DAILY"}, reminders=[{"offset": -900}])
    assert_fires_at(app, hooked, receiver, local(before_change, 8, PARIS, minute=45))
    rolled = complete(hooked, task["id"])
    assert rolled["due_at"] == local(after_change, 9, PARIS)
    assert_fires_at(app, hooked, receiver, local(after_change, 8, PARIS, minute=45))
    occurrences = [e["data"]["occurrence"] for e in reminder_events(app, receiver)]
    assert occurrences == [{"due_at": local(before_change, 9, PARIS)},
                           {"due_at": local(after_change, 9, PARIS)}]


@pytest.mark.parametrize("day", ["2027-03-28", "2027-10-31"])  # Paris changes clocks
def test_an_all_day_reminder_is_wall_clock_time_on_a_change_day(app, hooked, receiver, day):
    create_task(hooked, due_date=day, time_zone=PARIS, reminders=[{"offset": 32400}])
    assert_fires_at(app, hooked, receiver, local(day, 9, PARIS))


def test_an_all_day_reminder_on_an_ordinary_day(app, hooked, receiver):
    create_task(hooked, due_date="2030-01-15", time_zone=PARIS, reminders=[{"offset": 32400}])
    assert_fires_at(app, hooked, receiver, "2030-01-15T08:00:00Z")


@pytest.mark.parametrize("zone", ["Australia/Brisbane", "Pacific/Port_Moresby"])  # UTC+10
def test_an_all_day_reminder_east_of_utc_fires_the_day_before_in_utc(
        app, hooked, receiver, zone):
    create_task(hooked, due_date="2030-01-15", time_zone=zone, reminders=[{"offset": 32400}])
    assert_fires_at(app, hooked, receiver, "2030-01-14T23:00:00Z")


def test_a_negative_offset_on_an_all_day_due_is_the_evening_before(app, hooked, receiver):
    create_task(hooked, due_date="2030-01-15", time_zone="Australia/Brisbane",
                reminders=[{"offset": -3600}])
    assert_fires_at(app, hooked, receiver, local("2030-01-14", 23, "Australia/Brisbane"))


def test_an_all_day_reminder_in_a_skipped_hour_takes_the_offset_before_the_gap(
        app, hooked, receiver):
    """02:30 does not exist in Paris on 28 March 2027: read with UTC+1, it is 01:30Z."""
    create_task(hooked, due_date="2027-03-28", time_zone=PARIS, reminders=[{"offset": 9000}])
    assert_fires_at(app, hooked, receiver, "2027-03-28T01:30:00Z")


def test_a_timed_due_counts_exact_seconds_across_a_change(app, hooked, receiver):
    """A day before 10:00 on the first summer day is 09:00 winter time: 86400 s, not 10:00."""
    due = local("2030-03-31", 10, PARIS)
    create_task(hooked, due_at=due, time_zone=PARIS, reminders=[{"offset": -86400}])
    assert_fires_at(app, hooked, receiver, local("2030-03-30", 9, PARIS))


def test_an_all_day_weekly_series_keeps_its_local_hour_across_a_change(app, hooked, receiver):
    task = create_task(hooked, due_date="2030-03-24", time_zone=PARIS,
                       recurrence={"rule": "FREQ=WEEKLY"}, reminders=[{"offset": 28800}])
    assert_fires_at(app, hooked, receiver, local("2030-03-24", 8, PARIS))
    complete(hooked, task["id"])
    assert_fires_at(app, hooked, receiver, local("2030-03-31", 8, PARIS))
