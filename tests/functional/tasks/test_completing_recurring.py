"""Contract section 12: completing a recurring task rolls it to its next occurrence.

``done`` becoming true -- by PATCH, PUT or a batch -- keeps the task (same id, ``done``
false, ``completed_at`` null), moves its due to the next occurrence and adds one version;
the history keeps the occurrence (``completed_occurrence``), the change feed shows the new
state. With no next occurrence, the task is finished like any other (an ``updated``
entry). The body's other fields apply first. Dues far in the future make the rule alone
decide; the overdue cases build their dues from the real current time and read the
moment of completion from the write's ``updated_at``, as the contract defines it.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from tests.functional.batch.conftest import batch, statuses
from tests.support.api import assert_error, create_task
from tests.support.dates import (
    DAY,
    complete,
    due_of,
    history,
    iso,
    local,
    local_date,
    parse,
    patch,
    put,
    read,
    recurring,
)

TIMED = {"due_at": "2030-01-01T09:00:00Z"}  # a Tuesday
ALL_DAY = {"due_date": "2030-01-01"}
NEXT = {"timed": ({"due_at": "2030-01-02T09:00:00Z"}, TIMED),
        "all-day": ({"due_date": "2030-01-02"}, ALL_DAY)}


def assert_rolled(task: dict, before: dict, due: dict) -> None:
    """``task`` is ``before`` rolled once to ``due``: the same open task, one version on."""
    assert task["id"] == before["id"]
    assert (task["done"], task["completed_at"]) == (False, None)
    assert due_of(task) == due
    assert task["version"] == before["version"] + 1
    assert task["recurrence"] == before["recurrence"]


def assert_finished(task: dict, before: dict) -> None:
    """``task`` is ``before`` done for good: its due where it was."""
    assert task["done"] is True and task["completed_at"] == task["updated_at"]
    assert due_of(task) == due_of(before)
    assert task["version"] == before["version"] + 1


def rolls(client, task: dict, count: int) -> list[dict]:
    """The dues after ``count`` completions in a row."""
    found = []
    for _ in range(count):
        task = complete(client, task["id"])
        assert not task["done"], f"finished after {found}"
        found.append(due_of(task))
    return found


# -- by any means ---------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", NEXT)
def test_a_patch_done_true_rolls_to_the_next_occurrence(alice, kind):
    after, before = NEXT[kind]
    task = recurring(alice, "FREQ=DAILY", **before)
    response = patch(alice, task["id"], {"done": True})
    assert_rolled(response.json, task, after)
    assert response.headers["ETag"] == '"2"'
    assert read(alice, task["id"]) == response.json


@pytest.mark.parametrize("kind", NEXT)
def test_a_put_done_true_that_keeps_the_series_rolls_it(alice, kind):
    after, before = NEXT[kind]
    task = recurring(alice, "FREQ=DAILY", title="t", **before)
    body = {"title": "t", **before, "done": True,
            "recurrence": {"rule": "FREQ=DAILY", "from": "due"}}
    assert_rolled(put(alice, task["id"], body).json, task, after)


def test_a_put_done_true_without_recurrence_just_finishes_the_task(alice):
    task = recurring(alice, "FREQ=DAILY", title="t", **ALL_DAY)
    finished = put(alice, task["id"], {"title": "t", **ALL_DAY, "done": True}).json
    assert_finished(finished, task)
    assert finished["recurrence"] is None


def test_recurrence_null_and_done_true_in_one_patch_finishes_the_task(alice):
    task = recurring(alice, "FREQ=DAILY", **TIMED)
    finished = patch(alice, task["id"], {"recurrence": None, "done": True}).json
    assert_finished(finished, task)
    assert history(alice, task["id"])[0]["action"] == "updated"


@pytest.mark.parametrize("method", ["PATCH", "PUT"])
def test_a_new_due_and_done_true_restart_the_series_there_then_roll(alice, method):
    task = recurring(alice, "FREQ=DAILY", title="t", **ALL_DAY)
    body = {"title": "t", "due_date": "2030-06-01", "done": True,
            "recurrence": {"rule": "FREQ=DAILY"}}
    sent = put if method == "PUT" else patch
    rolled = sent(alice, task["id"], body).json
    assert rolled["due_date"] == "2030-06-02" and rolled["done"] is False
    assert rolled["recurrence"]["start"] == "2030-06-01"


def test_a_new_rule_and_done_true_roll_by_the_new_rule(alice):
    task = recurring(alice, "FREQ=DAILY", **ALL_DAY)
    rolled = patch(alice, task["id"], {"recurrence": {"rule": "FREQ=WEEKLY"},
                                       "done": True}).json
    assert rolled["due_date"] == "2030-01-08"
    assert rolled["recurrence"] == {"rule": "FREQ=WEEKLY", "from": "due", "start": "2030-01-01"}


@pytest.mark.parametrize("atomic", [False, True])
def test_a_batch_completion_rolls_each_time(alice, atomic):
    task = recurring(alice, "FREQ=DAILY", **ALL_DAY)
    path = f"/tasks/{task['id']}"
    response = batch(alice, [{"method": "PATCH", "path": path, "body": {"done": True}},
                             {"method": "PATCH", "path": path, "body": {"done": True},
                              "headers": {"If-Match": '"2"'}}], atomic=atomic)
    assert statuses(response) == [200, 200]
    first, second = (item["body"] for item in response.json["responses"])
    assert_rolled(first, task, {"due_date": "2030-01-02"})
    assert_rolled(second, first, {"due_date": "2030-01-03"})
    assert read(alice, task["id"]) == second
    assert [e["action"] for e in history(alice, task["id"])] == [
        "completed_occurrence", "completed_occurrence", "created"]


def test_an_atomic_batch_that_fails_rolls_nothing_back_into_place(alice):
    task = recurring(alice, "FREQ=DAILY", **ALL_DAY)
    response = batch(alice, [
        {"method": "PATCH", "path": f"/tasks/{task['id']}", "body": {"done": True}},
        {"method": "POST", "path": "/tasks", "body": {"title": ""}},
    ], atomic=True)
    assert statuses(response) == [200, 400] and response.json["committed"] is False
    assert read(alice, task["id"]) == task
    assert len(history(alice, task["id"])) == 1


def test_if_match_of_an_older_version_is_a_412_that_rolls_nothing(alice):
    task = recurring(alice, "FREQ=DAILY", **ALL_DAY)
    rolled = complete(alice, task["id"])
    assert_error(patch(alice, task["id"], {"done": True}, status=412,
                       headers={"If-Match": '"1"'}), 412)
    assert read(alice, task["id"]) == rolled


def test_a_task_created_done_is_created_done(alice):
    task = recurring(alice, "FREQ=DAILY", done=True, **ALL_DAY)
    assert task["done"] is True and task["completed_at"] == task["created_at"]
    assert (task["due_date"], task["version"]) == ("2030-01-01", 1)
    assert [e["action"] for e in history(alice, task["id"])] == ["created"]


def test_done_true_on_a_task_already_done_is_no_change(alice):
    task = recurring(alice, "FREQ=DAILY", done=True, **ALL_DAY)
    assert complete(alice, task["id"]) == task


# -- what is kept of each occurrence ------------------------------------------------------------


@pytest.mark.parametrize("kind", NEXT)
def test_each_completed_occurrence_is_a_history_entry(alice, bob, kind):
    after, before = NEXT[kind]
    task = recurring(alice, "FREQ=DAILY", **before)
    alice.testapp.put_json(f"/tasks/{task['id']}/shares/bob", {"permission": "edit"},
                           headers=alice.headers, status=201)
    rolled = complete(bob, task["id"])
    entry = history(alice, task["id"])[0]
    [field] = before
    assert entry == {
        "action": "completed_occurrence", "version": 2, "by": "bob", "at": rolled["updated_at"],
        "occurrence": {field: before[field], "completed_at": rolled["updated_at"]},
        "changes": {field: {"from": before[field], "to": after[field]}},
    }


def test_the_change_feed_shows_the_task_at_its_new_state(alice):
    task = recurring(alice, "FREQ=DAILY", **TIMED)
    token = alice.testapp.get("/changes", headers=alice.headers).json["next_token"]
    rolled = complete(alice, task["id"])
    changes = alice.testapp.get("/changes", {"token": token}, headers=alice.headers).json
    assert changes["changes"] == [{"kind": "task", "id": task["id"], "deleted": False,
                                   "task": rolled}]


# -- the end of a series ------------------------------------------------------------------------


@pytest.mark.parametrize(("rule", "fields", "dues"), [
    ("FREQ=DAILY;COUNT=3", ALL_DAY, [{"due_date": "2030-01-02"}, {"due_date": "2030-01-03"}]),
    ("FREQ=DAILY;COUNT=1", TIMED, []),
    ("FREQ=DAILY;UNTIL=20300103", ALL_DAY,
     [{"due_date": "2030-01-02"}, {"due_date": "2030-01-03"}]),
    ("FREQ=DAILY;UNTIL=20300102T090000Z", TIMED, [{"due_at": "2030-01-02T09:00:00Z"}]),
    ("FREQ=DAILY;UNTIL=20300102T085959Z", TIMED, []),
    # The Tuesday start counts: then two Mondays.
    ("FREQ=WEEKLY;BYDAY=MO;COUNT=3", ALL_DAY,
     [{"due_date": "2030-01-07"}, {"due_date": "2030-01-14"}]),
])
def test_the_completion_that_ends_a_series_finishes_the_task(alice, rule, fields, dues):
    task = recurring(alice, rule, **fields)
    assert rolls(alice, task, len(dues)) == dues
    last = read(alice, task["id"])
    finished = complete(alice, task["id"])
    assert_finished(finished, last)
    entry = history(alice, task["id"])[0]
    assert (entry["action"], entry["version"]) == ("updated", finished["version"])
    assert "occurrence" not in entry
    assert entry["changes"] == {"done": {"from": False, "to": True},
                                "completed_at": {"from": None, "to": finished["completed_at"]}}


def test_the_current_due_sent_again_with_done_is_no_restart(alice):
    task = recurring(alice, "FREQ=DAILY;COUNT=3", **ALL_DAY)
    complete(alice, task["id"])
    rolled = patch(alice, task["id"], {"due_date": "2030-01-02", "done": True}).json
    assert rolled["due_date"] == "2030-01-03" and rolled["recurrence"] == task["recurrence"]
    assert complete(alice, task["id"])["done"] is True  # the third of three


def test_a_due_changed_by_hand_restarts_the_count(alice):
    task = recurring(alice, "FREQ=DAILY;COUNT=3", **ALL_DAY)
    complete(alice, task["id"])
    moved = patch(alice, task["id"], {"due_date": "2030-02-01"}).json
    assert moved["recurrence"]["start"] == "2030-02-01"
    assert rolls(alice, moved, 2) == [{"due_date": "2030-02-02"}, {"due_date": "2030-02-03"}]
    assert complete(alice, task["id"])["done"] is True


# -- the rule's calendar ------------------------------------------------------------------------


@pytest.mark.parametrize(("rule", "start", "dues"), [
    # Monthly from the 31st: the months without one are skipped, never clamped.
    ("FREQ=MONTHLY;BYMONTHDAY=31", "2030-01-31",
     ["2030-03-31", "2030-05-31", "2030-07-31", "2030-08-31", "2030-10-31"]),
    ("FREQ=MONTHLY", "2030-01-31", ["2030-03-31", "2030-05-31", "2030-07-31", "2030-08-31"]),
    ("FREQ=MONTHLY;BYDAY=-1FR", "2030-01-25", ["2030-02-22", "2030-03-29", "2030-04-26"]),
    ("FREQ=YEARLY", "2028-02-29", ["2032-02-29", "2036-02-29"]),
    ("FREQ=WEEKLY;INTERVAL=2;BYDAY=MO,FR", "2030-01-07",
     ["2030-01-11", "2030-01-21", "2030-01-25"]),
    ("FREQ=DAILY;INTERVAL=3", "2030-02-27", ["2030-03-02", "2030-03-05"]),
])
def test_all_day_series_follow_the_rules_calendar(alice, rule, start, dues):
    task = recurring(alice, rule, due_date=start, time_zone="America/New_York")
    assert rolls(alice, task, len(dues)) == [{"due_date": due} for due in dues]


def test_a_timed_monthly_series_from_the_31st_keeps_its_time(alice):
    task = recurring(alice, "FREQ=MONTHLY", due_at="2030-01-31T09:00:00Z")
    assert rolls(alice, task, 2) == [{"due_at": "2030-03-31T09:00:00Z"},
                                     {"due_at": "2030-05-31T09:00:00Z"}]


def test_an_hourly_series_counts_in_hours(alice):
    task = recurring(alice, "FREQ=HOURLY;INTERVAL=5", due_at="2030-01-01T22:00:00Z")
    assert rolls(alice, task, 2) == [{"due_at": "2030-01-02T03:00:00Z"},
                                     {"due_at": "2030-01-02T08:00:00Z"}]


# -- time zones and daylight saving -------------------------------------------------------------


def dst_changes(year: int, zone: str) -> list[date]:
    """The days of ``year`` whose noon has another UTC offset than the day before's."""
    tz = ZoneInfo(zone)
    days = [date(year, 1, 1) + timedelta(days=n) for n in range(365)]

    def offset(day: date) -> timedelta | None:
        return datetime.combine(day, time(12), tz).utcoffset()

    return [day for day in days[1:] if offset(day) != offset(day - DAY)]


# Next year's changes, which are always ahead: 2027's (March 28, October 31) when written.
NEXT_YEAR = datetime.now(UTC).year + 1


@pytest.mark.parametrize("change", [0, 1], ids=["spring", "autumn"])
def test_a_daily_nine_oclock_in_paris_stays_nine_oclock_across_dst(alice, change):
    day = dst_changes(NEXT_YEAR, "Europe/Paris")[change]
    first = day - 2 * DAY
    task = recurring(alice, "FREQ=DAILY", due_at=local(first, 9, "Europe/Paris"),
                     time_zone="Europe/Paris")
    expected = [{"due_at": local(first + n * DAY, 9, "Europe/Paris")} for n in (1, 2, 3)]
    assert len({parse(e["due_at"]).time() for e in expected}) == 2  # the UTC time moves
    assert rolls(alice, task, 3) == expected


def test_a_local_time_a_dst_change_skips_takes_the_offset_before_the_gap(alice):
    zone = ZoneInfo("Europe/Paris")
    day = dst_changes(NEXT_YEAR, "Europe/Paris")[0]
    before_gap = datetime.combine(day - DAY, time(2, 30), zone)  # 02:30 exists on the eve
    task = recurring(alice, "FREQ=DAILY", due_at=iso(before_gap), time_zone="Europe/Paris")
    in_gap = datetime.combine(day, time(2, 30)) - before_gap.utcoffset()
    after = datetime.combine(day + DAY, time(2, 30), zone)
    assert rolls(alice, task, 2) == [{"due_at": iso(in_gap.replace(tzinfo=UTC))},
                                     {"due_at": iso(after)}]


def test_a_local_time_a_dst_change_repeats_is_its_first_occurrence(alice):
    """RFC 5545 section 3.3.5: a local time that occurs twice means the first of the two."""
    zone = ZoneInfo("Europe/Paris")
    day = dst_changes(NEXT_YEAR, "Europe/Paris")[1]
    eve = datetime.combine(day - DAY, time(2, 30), zone)
    task = recurring(alice, "FREQ=DAILY", due_at=iso(eve), time_zone="Europe/Paris")
    first = datetime.combine(day, time(2, 30)) - eve.utcoffset()  # still on summer time
    assert complete(alice, task["id"])["due_at"] == iso(first.replace(tzinfo=UTC))


def test_a_new_zone_keeps_the_instant_and_restarts_in_its_wall_clock(alice):
    """09:00 in Paris is 03:00 in New York; New York's daylight saving starts on
    2030-03-10, three weeks before Paris's: the series keeps New York's 03:00."""
    task = recurring(alice, "FREQ=DAILY", due_at="2030-03-08T08:00:00Z",
                     time_zone="Europe/Paris")
    complete(alice, task["id"])  # 2030-03-09 09:00 in Paris
    moved = patch(alice, task["id"], {"time_zone": "America/New_York"}).json
    assert moved["due_at"] == "2030-03-09T08:00:00Z"
    assert moved["recurrence"]["start"] == "2030-03-09T08:00:00Z"
    assert history(alice, task["id"])[0]["changes"] == {
        "time_zone": {"from": "Europe/Paris", "to": "America/New_York"},
        "recurrence": {"from": task["recurrence"], "to": moved["recurrence"]}}
    assert complete(alice, task["id"])["due_at"] == "2030-03-10T07:00:00Z"  # 03:00 EDT


# -- from: completion -------------------------------------------------------------------------


@pytest.mark.parametrize("zone", ["UTC", "Pacific/Kiritimati", "Pacific/Pago_Pago"])
def test_an_all_day_completion_series_is_due_the_interval_after_the_completions_date(alice,
                                                                                    zone):
    task = recurring(alice, "FREQ=DAILY;INTERVAL=3", origin="completion",
                     due_date="2030-01-01", time_zone=zone)
    rolled = complete(alice, task["id"])
    expected = local_date(rolled["updated_at"], zone) + 3 * DAY
    assert_rolled(rolled, task, {"due_date": expected.isoformat()})


@pytest.mark.parametrize("zone", ["Asia/Tokyo", "America/Los_Angeles"])
def test_a_timed_completion_series_keeps_the_wall_clock_time_of_its_due(alice, zone):
    due = local("2030-01-01", 9, zone, minute=30)
    task = recurring(alice, "FREQ=WEEKLY;INTERVAL=2", origin="completion", due_at=due,
                     time_zone=zone)
    rolled = complete(alice, task["id"])
    expected = local(local_date(rolled["updated_at"], zone) + 14 * DAY, 9, zone, minute=30)
    assert_rolled(rolled, task, {"due_at": expected})


def test_a_completion_series_ends_when_its_next_due_would_pass_until(alice):
    """Due today, done today: three days later is past an UNTIL two days ahead."""
    today = datetime.now(UTC).date()
    until = (today + 2 * DAY).strftime("%Y%m%d")
    task = recurring(alice, f"FREQ=DAILY;INTERVAL=3;UNTIL={until}", origin="completion",
                     due_date=today.isoformat())
    assert_finished(complete(alice, task["id"]), task)


def test_a_completion_series_ends_with_its_count(alice):
    task = recurring(alice, "FREQ=DAILY;COUNT=2", origin="completion", **ALL_DAY)
    rolled = complete(alice, task["id"])
    assert rolled["done"] is False
    assert_finished(complete(alice, task["id"]), rolled)


# -- an overdue series skips to the future ------------------------------------------------------


def now() -> datetime:
    return datetime.now(UTC).replace(second=0, microsecond=0)


def first_after(start: datetime, step: timedelta, moment: datetime) -> datetime:
    """The first of ``start + n * step`` (n >= 1) later than ``moment``."""
    due = start + step
    while due <= moment:
        due += step
    return due


STEPS = {"FREQ=HOURLY": timedelta(hours=1), "FREQ=DAILY": DAY, "FREQ=WEEKLY": 7 * DAY,
         "FREQ=DAILY;INTERVAL=2": 2 * DAY}


@pytest.mark.parametrize("rule", STEPS)
@pytest.mark.parametrize("late_by", [timedelta(hours=1), 3 * DAY + timedelta(hours=2),
                                     10 * DAY])
def test_an_overdue_timed_series_moves_to_its_next_future_occurrence(alice, rule, late_by):
    due = now() - late_by
    step = STEPS[rule]
    task = recurring(alice, rule, due_at=iso(due))
    rolled = complete(alice, task["id"])
    expected = first_after(due, step, parse(rolled["updated_at"]))
    assert_rolled(rolled, task, {"due_at": iso(expected)})
    assert history(alice, task["id"])[0]["occurrence"]["due_at"] == iso(due)


def test_an_overdue_series_by_weekdays_moves_to_the_next_of_its_days_ahead(alice):
    due = now() - 20 * DAY
    task = recurring(alice, "FREQ=WEEKLY;BYDAY=MO,TH", due_at=iso(due))
    rolled = complete(alice, task["id"])
    moment, expected = parse(rolled["updated_at"]), due + DAY
    while expected.weekday() not in (0, 3) or expected <= moment:
        expected += DAY
    assert_rolled(rolled, task, {"due_at": iso(expected)})


@pytest.mark.parametrize("days_late", [0, 1, 3])
@pytest.mark.parametrize("zone", ["UTC", "Asia/Tokyo", "America/Los_Angeles"])
def test_an_all_day_series_done_today_or_late_moves_to_tomorrow(alice, days_late, zone):
    """An all-day occurrence is 00:00 of its date in the task's zone: today's has begun."""
    today = datetime.now(ZoneInfo(zone)).date()
    task = recurring(alice, "FREQ=DAILY", due_date=(today - days_late * DAY).isoformat(),
                     time_zone=zone)
    rolled = complete(alice, task["id"])
    tomorrow = local_date(rolled["updated_at"], zone) + DAY
    assert_rolled(rolled, task, {"due_date": tomorrow.isoformat()})


def test_an_overdue_series_whose_occurrences_are_all_past_is_finished(alice):
    today = datetime.now(UTC).date()
    task = recurring(alice, "FREQ=DAILY;COUNT=3", due_date=(today - 5 * DAY).isoformat())
    assert_finished(complete(alice, task["id"]), task)


def test_a_task_without_recurrence_is_simply_done(alice):
    task = create_task(alice, **ALL_DAY)
    assert_finished(complete(alice, task["id"]), task)
