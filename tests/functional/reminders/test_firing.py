"""Contract section 14: a reminder fires once, at its moment, while its task is not done.

Each test sets reminders in 2030 and runs firing rounds "at" chosen moments
(``fire(app, now)``), then delivers the outbox to a Receiver: what fires, when, how often,
and with which event body, follows from the contract alone, without sleeping.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from taskservice.reminders.firing import fire_due
from tests.functional.batch.conftest import batch, statuses
from tests.support.api import create_task
from tests.support.dates import complete, iso, patch, put, read
from tests.support.reminders import fire, reminder_events
from tests.support.subtasks import share_task
from tests.support.webhooks import make_hook

DUE_AT = "2030-01-01T09:00:00Z"
BEFORE = "2030-01-01T08:45:00Z"  # DUE_AT - 900 s
AT = "2030-01-01T12:00:00Z"


def hooked(alice, receiver):
    """alice's webhook for reminders only, so every delivery the receiver gets is one."""
    return make_hook(alice, receiver.url, ["task.reminder"])


def scheduled(events):
    return [event["data"]["scheduled_for"] for event in events]


def later(moment, **delta):
    return iso(datetime.fromisoformat(moment) + timedelta(**delta))


# -- the event ------------------------------------------------------------------------------

def test_a_relative_reminder_fires_one_event_with_the_task_and_the_occurrence(
        app, alice, receiver):
    hooked(alice, receiver)
    task = create_task(alice, due_at=DUE_AT, reminders=[{"offset": -900}])
    assert fire(app, BEFORE) == 1
    [event] = reminder_events(app, receiver)
    assert set(event) == {"id", "type", "occurred_at", "actor", "data"}
    assert (event["type"], event["actor"]) == ("task.reminder", None)
    assert event["data"] == {"task": read(alice, task["id"]), "reminder": {"offset": -900},
                             "scheduled_for": BEFORE, "occurrence": {"due_at": DUE_AT}}


def test_an_absolute_reminder_fires_with_no_occurrence(app, alice, receiver):
    hooked(alice, receiver)
    task = create_task(alice, due_at=DUE_AT, reminders=[{"at": AT}])
    assert fire(app, AT) == 1
    [event] = reminder_events(app, receiver)
    assert event["data"] == {"task": read(alice, task["id"]), "reminder": {"at": AT},
                             "scheduled_for": AT, "occurrence": None}


def test_an_absolute_reminder_sent_in_another_offset_fires_as_returned(app, alice, receiver):
    hooked(alice, receiver)
    create_task(alice, reminders=[{"at": "2030-01-01T13:00:00+01:00"}])
    assert fire(app, AT) == 1
    [event] = reminder_events(app, receiver)
    assert (event["data"]["reminder"], event["data"]["scheduled_for"]) == ({"at": AT}, AT)


def test_an_all_day_reminder_names_its_due_date(app, alice, receiver):
    hooked(alice, receiver)
    create_task(alice, due_date="2030-01-01", reminders=[{"offset": 32400}])
    assert fire(app, "2030-01-01T09:00:00Z") == 1
    [event] = reminder_events(app, receiver)
    assert event["data"]["occurrence"] == {"due_date": "2030-01-01"}
    assert event["data"]["scheduled_for"] == "2030-01-01T09:00:00Z"


def test_the_event_carries_the_task_as_it_is_when_it_fires(app, alice, receiver):
    hooked(alice, receiver)
    task = create_task(alice, reminders=[{"at": AT}])
    renamed = patch(alice, task["id"], {"title": "renamed"}).json
    fire(app, AT)
    [event] = reminder_events(app, receiver)
    assert event["data"]["task"] == renamed


def test_each_reminder_of_a_task_is_an_event_of_its_own(app, alice, receiver):
    hooked(alice, receiver)
    create_task(alice, due_at=DUE_AT, reminders=[{"offset": -900}, {"at": AT}, {"offset": 0}])
    assert fire(app, AT) == 3
    events = reminder_events(app, receiver)
    assert sorted(scheduled(events)) == [BEFORE, DUE_AT, AT]
    assert len({event["id"] for event in events}) == 3


# -- once, never early ----------------------------------------------------------------------

def test_a_reminder_never_fires_before_its_moment(app, alice, receiver):
    hooked(alice, receiver)
    create_task(alice, due_at=DUE_AT, reminders=[{"offset": -900}])
    assert fire(app, "2030-01-01T08:44:59Z") == 0
    assert reminder_events(app, receiver) == []
    assert fire(app, BEFORE) == 1


def test_a_reminder_fires_once(app, alice, receiver):
    hooked(alice, receiver)
    create_task(alice, reminders=[{"at": AT}])
    assert fire(app, AT) == 1
    assert fire(app, AT) == 0
    assert fire(app, later(AT, hours=1)) == 0
    assert len(reminder_events(app, receiver)) == 1


def test_a_round_without_a_moment_uses_the_clock(app, alice, receiver):
    """The real clock reads 2026 or so: a reminder in 2030 is not due."""
    hooked(alice, receiver)
    create_task(alice, reminders=[{"at": AT}])
    assert fire_due(app.registry) == 0
    assert reminder_events(app, receiver) == []


def test_a_late_round_fires_with_the_original_moment(app, alice, receiver):
    hooked(alice, receiver)
    create_task(alice, reminders=[{"at": AT}])
    assert fire(app, later(AT, hours=23)) == 1
    assert scheduled(reminder_events(app, receiver)) == [AT]


def test_a_reminder_exactly_24_hours_late_still_fires(app, alice, receiver):
    hooked(alice, receiver)
    create_task(alice, reminders=[{"at": AT}])
    assert fire(app, later(AT, hours=24)) == 1
    assert scheduled(reminder_events(app, receiver)) == [AT]


def test_a_reminder_more_than_24_hours_late_is_dropped(app, alice, receiver):
    hooked(alice, receiver)
    create_task(alice, reminders=[{"at": AT}])
    assert fire(app, later(AT, hours=24, seconds=1)) == 0
    assert fire(app, later(AT, days=30)) == 0
    assert reminder_events(app, receiver) == []


def test_a_reminder_set_in_the_past_never_fires(app, alice, receiver):
    hooked(alice, receiver)
    now = datetime.now(UTC)
    create_task(alice, reminders=[{"at": iso(now - timedelta(hours=1))}])
    create_task(alice, due_at=iso(now - timedelta(minutes=30)), reminders=[{"offset": -900}])
    assert fire(app, iso(now + timedelta(minutes=1))) == 0
    assert reminder_events(app, receiver) == []


# -- re-sending, changing, completing, deleting ---------------------------------------------

def test_resending_fired_reminders_never_fires_them_again(app, alice, receiver):
    hooked(alice, receiver)
    task = create_task(alice, due_at=DUE_AT, reminders=[{"offset": -900}, {"at": AT}])
    assert fire(app, AT) == 2
    put(alice, task["id"], {"title": "again", "due_at": DUE_AT,
                            "reminders": [{"offset": -900}, {"at": AT}]})
    patch(alice, task["id"], {"reminders": [{"at": AT}, {"offset": -900}]})
    assert fire(app, later(AT, minutes=30)) == 0
    assert len(reminder_events(app, receiver)) == 2


def test_a_reminder_added_beside_a_fired_one_fires_alone(app, alice, receiver):
    hooked(alice, receiver)
    task = create_task(alice, reminders=[{"at": AT}])
    assert fire(app, AT) == 1
    added = later(AT, hours=1)
    patch(alice, task["id"], {"reminders": [{"at": added}, {"at": AT}]})
    assert fire(app, added) == 1
    assert scheduled(reminder_events(app, receiver)) == [AT, added]


def test_a_changed_reminder_is_armed_again(app, alice, receiver):
    hooked(alice, receiver)
    task = create_task(alice, due_at=DUE_AT, reminders=[{"offset": -900}])
    assert fire(app, BEFORE) == 1
    patch(alice, task["id"], {"reminders": [{"offset": -600}]})
    assert fire(app, "2030-01-01T08:50:00Z") == 1
    assert scheduled(reminder_events(app, receiver)) == [BEFORE, "2030-01-01T08:50:00Z"]


def test_a_removed_reminder_does_not_fire(app, alice, receiver):
    hooked(alice, receiver)
    task = create_task(alice, due_at=DUE_AT, reminders=[{"offset": -900}, {"at": AT}])
    patch(alice, task["id"], {"reminders": [{"at": AT}]})
    assert fire(app, AT) == 1
    assert scheduled(reminder_events(app, receiver)) == [AT]


def test_changing_the_due_arms_the_relative_reminders_again(app, alice, receiver):
    hooked(alice, receiver)
    task = create_task(alice, due_at=DUE_AT, reminders=[{"offset": -900}])
    assert fire(app, BEFORE) == 1
    patch(alice, task["id"], {"due_at": "2030-01-02T09:00:00Z"})
    assert fire(app, "2030-01-02T08:44:59Z") == 0
    assert fire(app, "2030-01-02T08:45:00Z") == 1
    events = reminder_events(app, receiver)
    assert scheduled(events) == [BEFORE, "2030-01-02T08:45:00Z"]
    assert events[1]["data"]["occurrence"] == {"due_at": "2030-01-02T09:00:00Z"}


def test_a_due_moved_before_the_round_fires_at_the_new_moment_only(app, alice, receiver):
    hooked(alice, receiver)
    task = create_task(alice, due_at=DUE_AT, reminders=[{"offset": -900}])
    patch(alice, task["id"], {"due_at": "2030-01-01T10:00:00Z"})
    assert fire(app, BEFORE) == 0
    assert fire(app, "2030-01-01T09:45:00Z") == 1
    assert scheduled(reminder_events(app, receiver)) == ["2030-01-01T09:45:00Z"]


def test_a_new_zone_moves_an_all_day_reminder(app, alice, receiver):
    """An all-day due's reminder counts from 00:00 in the task's zone (section 12)."""
    hooked(alice, receiver)
    task = create_task(alice, due_date="2030-01-15", time_zone="UTC",
                       reminders=[{"offset": 32400}])
    patch(alice, task["id"], {"time_zone": "Asia/Tokyo"})
    assert fire(app, "2030-01-15T00:00:00Z") == 1
    assert scheduled(reminder_events(app, receiver)) == ["2030-01-15T00:00:00Z"]


def test_a_done_task_does_not_fire(app, alice, receiver):
    hooked(alice, receiver)
    created_done = create_task(alice, reminders=[{"at": AT}], done=True)
    completed = create_task(alice, reminders=[{"at": AT}])
    complete(alice, completed["id"])
    assert fire(app, AT) == 0
    assert reminder_events(app, receiver) == []
    assert read(alice, created_done["id"])["done"] is True


def test_reopening_a_task_arms_its_future_reminders_again(app, alice, receiver):
    hooked(alice, receiver)
    task = create_task(alice, due_at=DUE_AT, reminders=[{"offset": -900}, {"at": AT}])
    complete(alice, task["id"])
    patch(alice, task["id"], {"done": False})
    assert fire(app, AT) == 2
    assert sorted(scheduled(reminder_events(app, receiver))) == [BEFORE, AT]


def test_a_deleted_task_does_not_fire(app, alice, receiver):
    hooked(alice, receiver)
    task = create_task(alice, due_at=DUE_AT, reminders=[{"offset": -900}, {"at": AT}])
    alice.testapp.delete(f"/tasks/{task['id']}", headers=alice.headers, status=204)
    assert fire(app, AT) == 0
    assert reminder_events(app, receiver) == []


def test_a_deleted_parent_takes_its_subtasks_reminders(app, alice, receiver):
    hooked(alice, receiver)
    parent = create_task(alice)
    create_task(alice, parent=parent["id"], reminders=[{"at": AT}])
    alice.testapp.delete(f"/tasks/{parent['id']}", headers=alice.headers, status=204)
    assert fire(app, AT) == 0
    assert reminder_events(app, receiver) == []


# -- recurring tasks ----------------------------------------------------------------------

def test_a_recurring_tasks_relative_reminder_fires_once_per_occurrence(app, alice, receiver):
    hooked(alice, receiver)
    task = create_task(alice, due_at=DUE_AT, recurrence={"rule": "FREQ=DAILY"},
                       reminders=[{"offset": -900}])
    assert fire(app, BEFORE) == 1
    assert fire(app, BEFORE) == 0
    complete(alice, task["id"])
    assert fire(app, "2030-01-01T23:59:59Z") == 0
    assert fire(app, "2030-01-02T08:45:00Z") == 1
    assert fire(app, "2030-01-02T08:45:00Z") == 0
    events = reminder_events(app, receiver)
    assert scheduled(events) == [BEFORE, "2030-01-02T08:45:00Z"]
    assert [e["data"]["occurrence"] for e in events] == [
        {"due_at": DUE_AT}, {"due_at": "2030-01-02T09:00:00Z"}]


def test_an_occurrence_completed_before_its_reminder_moves_it_on(app, alice, receiver):
    """Completing an occurrence early re-arms for the next one; the skipped one is gone."""
    hooked(alice, receiver)
    task = create_task(alice, due_date="2030-01-01", recurrence={"rule": "FREQ=DAILY"},
                       reminders=[{"offset": 32400}])
    complete(alice, task["id"])
    assert fire(app, "2030-01-01T09:00:00Z") == 0
    assert fire(app, "2030-01-02T09:00:00Z") == 1
    [event] = reminder_events(app, receiver)
    assert event["data"]["occurrence"] == {"due_date": "2030-01-02"}


def test_a_recurring_tasks_absolute_reminder_fires_once(app, alice, receiver):
    hooked(alice, receiver)
    task = create_task(alice, due_at=DUE_AT, recurrence={"rule": "FREQ=DAILY"},
                       reminders=[{"at": AT}])
    assert fire(app, AT) == 1
    complete(alice, task["id"])
    assert fire(app, later(AT, days=1)) == 0
    [event] = reminder_events(app, receiver)
    assert event["data"]["occurrence"] is None


def test_a_finished_series_does_not_fire(app, alice, receiver):
    hooked(alice, receiver)
    task = create_task(alice, due_at=DUE_AT, recurrence={"rule": "FREQ=DAILY;COUNT=1"},
                       reminders=[{"offset": -900}])
    assert complete(alice, task["id"])["done"] is True
    assert fire(app, BEFORE) == 0
    assert reminder_events(app, receiver) == []


# -- other ways of writing a task -----------------------------------------------------------

def test_a_deleted_users_reminders_do_not_fire(app, alice, bob, receiver):
    hooked(alice, receiver)
    task = create_task(bob, reminders=[{"at": AT}])
    share_task(bob, task["id"], "alice", "view")
    bob.testapp.delete("/users/bob", headers=bob.headers, status=204)
    assert fire(app, AT) == 0
    assert reminder_events(app, receiver) == []


def test_a_failed_atomic_batch_arms_nothing(app, alice, receiver):
    hooked(alice, receiver)
    requests = [{"method": "POST", "path": "/tasks",
                 "body": {"title": "t", "reminders": [{"at": AT}]}},
                {"method": "POST", "path": "/tasks", "body": {"title": ""}}]
    assert statuses(batch(alice, requests, atomic=True)) == [201, 400]
    assert fire(app, AT) == 0
    assert reminder_events(app, receiver) == []


def test_reminders_set_in_a_batch_fire(app, alice, receiver):
    hooked(alice, receiver)
    requests = [{"method": "POST", "path": "/tasks",
                 "body": {"title": "t", "reminders": [{"at": AT}]}}]
    assert statuses(batch(alice, requests, atomic=True)) == [201]
    assert fire(app, AT) == 1


def test_completing_by_put_or_batch_disarms(app, alice, receiver):
    hooked(alice, receiver)
    by_put = create_task(alice, reminders=[{"at": AT}])
    by_batch = create_task(alice, reminders=[{"at": AT}])
    put(alice, by_put["id"], {"title": "t", "done": True, "reminders": [{"at": AT}]})
    requests = [{"method": "PATCH", "path": f"/tasks/{by_batch['id']}",
                 "body": {"done": True}}]
    assert statuses(batch(alice, requests)) == [200]
    assert fire(app, AT) == 0
