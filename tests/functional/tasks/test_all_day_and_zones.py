"""Contract section 12: ``due_date`` (an all-day due) beside ``due_at``, and ``time_zone``.

A task has at most one of the two dues: setting either to a value clears the other, both
with values in one body is a 400 naming ``due_date``, and ``null`` in one leaves the other
as it is. ``time_zone`` is an IANA name spelled as the database spells it, defaulting to
the creator's zone, never ``null``; a ``PUT`` without it keeps the task's.
"""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from taskservice.tasks.models import Task
from tests.support.api import assert_error, create_task, send_json
from tests.support.dates import history, patch, put, read, recurring, set_zone
from tests.support.lists import create_list, share_list

AT = "2030-05-09T16:00:00Z"
DAY = "2030-05-10"
NO_DUE = {"due_at": None, "due_date": None}

IMPOSSIBLE_DATES = [
    "2031-02-30", "2029-02-29", "2030-04-31", "2030-13-01", "2030-00-10", "2030-01-00",
    "2030-01-32", "2030-1-5", "20300105", "2030/01/05", "05-01-2030", "2030-01-05T00:00:00Z",
    "2030-01-05 ", " 2030-01-05", "", "today", 20300105, True, ["2030-01-05"], {"d": 1},
]
# Names the IANA database spells otherwise, or does not have at all (the last four are
# files of a system's zoneinfo directory, not zone names).
UNKNOWN_ZONES = [
    "europe/paris", "EUROPE/PARIS", "Europe/paris", "utc", "Utc", "Europe/Pariss",
    "Mars/Olympus_Mons", "", " Europe/Paris", "Europe/Paris ", "+02:00", "UTC+2",
    "Europe//Paris", "Europe/../Europe/Paris", "../../../etc/passwd", "/usr/share/zoneinfo/UTC",
    "Europe/Paris\x00", "x" * 300, "localtime", "posixrules", "posix/Europe/Paris", "right/UTC",
]
ZONES = ["Europe/Paris", "America/New_York", "UTC", "Asia/Kolkata", "Pacific/Chatham",
         "America/Argentina/Buenos_Aires", "Etc/GMT+5", "Asia/Tokyo"]


def task_count(dbsession) -> int:
    return dbsession.scalar(select(func.count()).select_from(Task))


def dues(task: dict) -> dict:
    return {"due_at": task["due_at"], "due_date": task["due_date"]}


def named(response, field: str) -> None:
    """A 400 naming ``field`` in the body, and nothing else."""
    assert_error(response, 400, ("body", field))


# -- the new fields and their defaults -------------------------------------------------------


def test_a_task_shows_the_new_fields_with_their_defaults(alice):
    task = create_task(alice)
    assert {"due_date", "time_zone", "recurrence"} <= set(task)
    assert (task["due_date"], task["time_zone"], task["recurrence"]) == (None, "UTC", None)


def test_an_all_day_due_is_a_date_without_a_time(alice):
    task = create_task(alice, due_date=DAY)
    assert dues(task) == {"due_at": None, "due_date": DAY}
    assert read(alice, task["id"]) == task


@pytest.mark.parametrize("day", ["2028-02-29", "2030-12-31", "2030-01-01", "1999-06-15"])
def test_every_date_of_the_calendar_is_accepted(alice, day):
    assert create_task(alice, due_date=day)["due_date"] == day


@pytest.mark.parametrize("day", IMPOSSIBLE_DATES)
def test_an_impossible_or_malformed_date_is_a_400_that_writes_nothing(alice, dbsession, day):
    named(alice.testapp.post_json("/tasks", {"title": "t", "due_date": day},
                                  headers=alice.headers, status=400), "due_date")
    assert task_count(dbsession) == 0


@pytest.mark.parametrize("day", ["2031-02-30", "2030-13-01", "2030-01-05T00:00:00Z"])
def test_patching_an_impossible_date_is_a_400_that_changes_nothing(alice, day):
    task = create_task(alice, due_date=DAY)
    named(patch(alice, task["id"], {"due_date": day}, status=400), "due_date")
    assert read(alice, task["id"]) == task


# -- one due at most ---------------------------------------------------------------------------


@pytest.mark.parametrize(("before", "body", "after"), [
    ({"due_at": AT}, {"due_date": DAY}, {"due_at": None, "due_date": DAY}),
    ({"due_date": DAY}, {"due_at": AT}, {"due_at": AT, "due_date": None}),
    ({"due_at": AT}, {"due_at": None, "due_date": DAY}, {"due_at": None, "due_date": DAY}),
    ({"due_date": DAY}, {"due_date": None, "due_at": AT}, {"due_at": AT, "due_date": None}),
    ({"due_at": AT}, {"due_at": None, "due_date": None}, NO_DUE),
    ({"due_date": DAY}, {"due_at": None, "due_date": None}, NO_DUE),
], ids=["date-clears-time", "time-clears-date", "null-time-and-a-date",
        "null-date-and-a-time", "both-null-from-a-time", "both-null-from-a-date"])
def test_setting_one_due_clears_the_other(alice, before, body, after):
    task = create_task(alice, **before)
    changed = patch(alice, task["id"], body).json
    assert dues(changed) == after and changed["version"] == 2
    assert read(alice, task["id"]) == changed


@pytest.mark.parametrize(("before", "body"), [
    ({"due_date": DAY}, {"due_at": None}),
    ({"due_at": AT}, {"due_date": None}),
])
def test_null_in_one_due_leaves_the_other_and_changes_nothing(alice, before, body):
    task = create_task(alice, **before)
    unchanged = patch(alice, task["id"], body).json
    assert unchanged == task  # same due, same version and updated_at
    assert len(history(alice, task["id"])) == 1


def test_the_change_of_kind_is_recorded_as_both_fields(alice):
    task = create_task(alice, due_at=AT)
    patch(alice, task["id"], {"due_date": DAY})
    assert history(alice, task["id"])[0]["changes"] == {
        "due_at": {"from": AT, "to": None}, "due_date": {"from": None, "to": DAY}}


def test_a_put_with_one_due_has_only_that_one(alice):
    task = create_task(alice, due_at=AT)
    assert dues(put(alice, task["id"], {"title": "t", "due_date": DAY}).json) == {
        "due_at": None, "due_date": DAY}


def test_both_dues_with_values_in_a_creation_is_a_400_naming_due_date(alice, dbsession):
    response = alice.testapp.post_json("/tasks", {"title": "t", "due_at": AT, "due_date": DAY},
                                       headers=alice.headers, status=400)
    named(response, "due_date")
    assert task_count(dbsession) == 0


@pytest.mark.parametrize("method", ["PATCH", "PUT"])
@pytest.mark.parametrize("before", [{"due_at": AT}, {"due_date": DAY}, {}])
def test_both_dues_with_values_in_an_update_is_a_400_naming_due_date(alice, method, before):
    task = create_task(alice, **before)
    body = {"title": "t", "due_at": "2031-01-01T00:00:00Z", "due_date": "2031-01-01"}
    response = send_json(alice.testapp, method, f"/tasks/{task['id']}", body, alice.headers,
                         status=400)
    named(response, "due_date")
    assert read(alice, task["id"]) == task


def test_every_failing_field_is_listed_with_due_date(alice):
    body = {"title": "", "due_at": AT, "due_date": DAY, "time_zone": "Nowhere/Land"}
    response = alice.testapp.post_json("/tasks", body, headers=alice.headers, status=400)
    assert_error(response, 400, ("body", "title"), ("body", "due_date"), ("body", "time_zone"))


# -- time_zone ---------------------------------------------------------------------------------


@pytest.mark.parametrize("zone", ZONES)
def test_a_zone_is_returned_as_sent(alice, zone):
    task = create_task(alice, time_zone=zone)
    assert task["time_zone"] == zone and read(alice, task["id"])["time_zone"] == zone


@pytest.mark.parametrize("zone", UNKNOWN_ZONES)
def test_an_unknown_or_miscased_zone_is_a_400_naming_time_zone(alice, dbsession, zone):
    named(alice.testapp.post_json("/tasks", {"title": "t", "time_zone": zone},
                                  headers=alice.headers, status=400), "time_zone")
    assert task_count(dbsession) == 0


@pytest.mark.parametrize("zone", [None, 5, ["UTC"], {"name": "UTC"}, True])
@pytest.mark.parametrize("method", ["POST", "PATCH", "PUT"])
def test_a_zone_that_is_not_a_name_is_a_400_naming_time_zone(alice, method, zone):
    task = create_task(alice, time_zone="Europe/Paris")
    path = "/tasks" if method == "POST" else f"/tasks/{task['id']}"
    response = send_json(alice.testapp, method, path, {"title": "t", "time_zone": zone},
                         alice.headers, status=400)
    named(response, "time_zone")
    assert read(alice, task["id"]) == task


def test_a_zone_changed_by_patch_is_a_new_version(alice):
    task = create_task(alice, time_zone="Europe/Paris")
    changed = patch(alice, task["id"], {"time_zone": "America/New_York"}).json
    assert changed["time_zone"] == "America/New_York" and changed["version"] == 2
    assert history(alice, task["id"])[0]["changes"] == {
        "time_zone": {"from": "Europe/Paris", "to": "America/New_York"}}


def test_the_default_zone_is_the_creators(alice, bob):
    set_zone(alice, "Asia/Tokyo")
    made = create_list(alice)
    share_list(alice, made["id"], "bob", "edit")
    assert create_task(alice)["time_zone"] == "Asia/Tokyo"
    assert create_task(bob, list=made["id"])["time_zone"] == "UTC"  # bob made it, in his zone
    assert create_task(alice, time_zone="Europe/Paris")["time_zone"] == "Europe/Paris"


def test_a_put_without_a_zone_keeps_the_tasks(alice):
    task = create_task(alice, time_zone="Europe/Paris")
    set_zone(alice, "Asia/Tokyo")
    replaced = put(alice, task["id"], {"title": "replaced"}).json
    assert replaced["time_zone"] == "Europe/Paris"


def test_a_put_without_a_recurrence_removes_it(alice):
    task = recurring(alice, "FREQ=DAILY", due_date=DAY)
    replaced = put(alice, task["id"], {"title": "t", "due_date": DAY}).json
    assert replaced["recurrence"] is None and replaced["due_date"] == DAY
    assert replaced["version"] == 2


def test_a_put_that_repeats_every_new_field_changes_nothing(alice):
    task = recurring(alice, "FREQ=WEEKLY;BYDAY=MO", origin="due", due_date="2030-05-06",
                     time_zone="Europe/Paris", title="t")
    same = put(alice, task["id"], {"title": "t", "due_date": "2030-05-06",
                                   "time_zone": "Europe/Paris",
                                   "recurrence": {"rule": "FREQ=WEEKLY;BYDAY=MO",
                                                  "from": "due"}}).json
    assert same == task


def test_the_creation_entry_gives_the_new_fields(alice):
    task = recurring(alice, "FREQ=DAILY", due_date=DAY, time_zone="Europe/Paris")
    [entry] = history(alice, task["id"])
    assert entry["action"] == "created"
    changes = entry["changes"]
    assert changes["due_date"] == {"from": None, "to": DAY}
    assert changes["due_at"] == {"from": None, "to": None}
    assert changes["time_zone"] == {"from": None, "to": "Europe/Paris"}
    assert changes["recurrence"] == {"from": None, "to": task["recurrence"]}
