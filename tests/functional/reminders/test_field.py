"""Contract section 14: the ``reminders`` field of a task, as a client writes and reads it.

Absolute reminders come back as the API writes times (UTC, ``Z``), relative ones as sent,
all in the order sent. PATCH replaces the whole list, PUT without it empties it, and the
history and ``task.updated`` webhooks track it like every writable field.
"""

from __future__ import annotations

import pytest

from tests.support.api import create_task
from tests.support.dates import history, patch, put, read
from tests.support.reminders import MAX_OFFSET, MAX_REMINDERS
from tests.support.webhooks import deliver, make_hook

DUE = {"due_at": "2030-01-01T09:00:00Z"}


def test_a_new_task_has_no_reminders(alice):
    task = create_task(alice)
    assert task["reminders"] == []
    assert read(alice, task["id"])["reminders"] == []


def test_reminders_are_returned_in_the_order_sent(alice):
    reminders = [{"at": "2030-01-02T00:00:00Z"}, {"offset": -900},
                 {"at": "2030-01-01T00:00:00Z"}, {"offset": 0}, {"offset": 3600}]
    task = create_task(alice, reminders=reminders, **DUE)
    assert task["reminders"] == reminders
    assert read(alice, task["id"])["reminders"] == reminders


@pytest.mark.parametrize("sent,returned", [
    ("2030-01-01T11:00:00+02:00", "2030-01-01T09:00:00Z"),
    ("2030-01-01T09:00:00+00:00", "2030-01-01T09:00:00Z"),
    ("2029-12-31T22:00:00-11:00", "2030-01-01T09:00:00Z"),
])
def test_absolute_reminders_come_back_in_utc(alice, sent, returned):
    """Like ``due_at``: a time sent with another offset comes back converted to ``Z``."""
    task = create_task(alice, reminders=[{"at": sent}])
    assert task["reminders"] == [{"at": returned}]


def test_an_absolute_reminder_needs_no_due(alice):
    task = create_task(alice, reminders=[{"at": "2030-01-01T09:00:00Z"}])
    assert (task["due_at"], task["due_date"]) == (None, None)


@pytest.mark.parametrize("due", [DUE, {"due_date": "2030-01-01"}])
@pytest.mark.parametrize("offset", [-MAX_OFFSET, -1, 0, 1, MAX_OFFSET])
def test_relative_reminders_within_the_bounds_are_kept(alice, due, offset):
    task = create_task(alice, reminders=[{"offset": offset}], **due)
    assert task["reminders"] == [{"offset": offset}]


def test_ten_reminders_are_allowed(alice):
    reminders = [{"offset": -60 * i} for i in range(MAX_REMINDERS)]
    assert create_task(alice, reminders=reminders, **DUE)["reminders"] == reminders


def test_patch_replaces_the_whole_list(alice):
    task = create_task(alice, reminders=[{"offset": -900}, {"at": "2030-01-01T00:00:00Z"}],
                       **DUE)
    patched = patch(alice, task["id"], {"reminders": [{"offset": -60}]}).json
    assert patched["reminders"] == [{"offset": -60}]
    assert patched["version"] == task["version"] + 1
    assert patch(alice, task["id"], {"reminders": []}).json["reminders"] == []


def test_patch_without_reminders_keeps_them(alice):
    task = create_task(alice, reminders=[{"offset": -900}], **DUE)
    assert patch(alice, task["id"], {"title": "renamed"}).json["reminders"] == [{"offset": -900}]


def test_patch_with_the_same_reminders_changes_nothing(alice):
    """The same list, an absolute time in another offset included, is no change."""
    task = create_task(alice, reminders=[{"offset": -900}, {"at": "2030-01-01T09:00:00Z"}],
                       **DUE)
    same = [{"offset": -900}, {"at": "2030-01-01T10:00:00+01:00"}]
    patched = patch(alice, task["id"], {"reminders": same}).json
    assert (patched["version"], patched["updated_at"]) == (task["version"], task["updated_at"])
    assert len(history(alice, task["id"])) == 1


def test_a_new_order_is_a_change(alice):
    task = create_task(alice, reminders=[{"offset": -900}, {"offset": -60}], **DUE)
    patched = patch(alice, task["id"], {"reminders": [{"offset": -60}, {"offset": -900}]}).json
    assert patched["reminders"] == [{"offset": -60}, {"offset": -900}]
    assert patched["version"] == task["version"] + 1


def test_put_without_reminders_empties_them(alice):
    task = create_task(alice, reminders=[{"offset": -900}], **DUE)
    assert put(alice, task["id"], {"title": "again", **DUE}).json["reminders"] == []


def test_put_with_reminders_sets_them(alice):
    task = create_task(alice, **DUE)
    reminders = [{"at": "2030-01-01T08:00:00Z"}, {"offset": -300}]
    assert put(alice, task["id"], {"title": "again", "reminders": reminders, **DUE}
               ).json["reminders"] == reminders


def test_moving_the_due_keeps_relative_reminders(alice):
    """An all-day due replacing a timed one still is a due: the reminders stay."""
    task = create_task(alice, reminders=[{"offset": 32400}], **DUE)
    moved = patch(alice, task["id"], {"due_date": "2030-02-01"}).json
    assert (moved["due_at"], moved["reminders"]) == (None, [{"offset": 32400}])


def test_the_created_history_entry_lists_empty_reminders(alice):
    task = create_task(alice)
    [created] = history(alice, task["id"])
    assert created["action"] == "created"
    assert created["changes"]["reminders"] == {"from": None, "to": []}


def test_the_created_history_entry_lists_reminders_as_returned(alice):
    task = create_task(alice, reminders=[{"at": "2030-01-01T10:00:00+01:00"}])
    [created] = history(alice, task["id"])
    assert created["changes"]["reminders"] == {"from": None, "to": task["reminders"]}


def test_an_update_of_reminders_is_in_the_history(alice):
    task = create_task(alice, reminders=[{"offset": -900}], **DUE)
    patch(alice, task["id"], {"reminders": [{"offset": -60}, {"at": "2030-01-01T08:00:00Z"}]})
    updated = history(alice, task["id"])[0]
    assert updated["action"] == "updated"
    assert updated["changes"] == {"reminders": {
        "from": [{"offset": -900}], "to": [{"offset": -60}, {"at": "2030-01-01T08:00:00Z"}]}}


def test_an_update_without_reminders_does_not_list_them(alice):
    task = create_task(alice, reminders=[{"offset": -900}], **DUE)
    patch(alice, task["id"], {"title": "renamed"})
    assert set(history(alice, task["id"])[0]["changes"]) == {"title"}


def test_put_emptying_reminders_is_in_the_history(alice):
    task = create_task(alice, reminders=[{"offset": -900}], **DUE)
    put(alice, task["id"], {"title": task["title"], **DUE})
    assert history(alice, task["id"])[0]["changes"] == {
        "reminders": {"from": [{"offset": -900}], "to": []}}


def test_webhook_previous_shows_the_old_reminders(app, alice, receiver):
    make_hook(alice, receiver.url, ["task.updated"])
    task = create_task(alice, reminders=[{"offset": -900}], **DUE)
    patched = patch(alice, task["id"], {"reminders": [{"at": "2030-01-01T08:00:00Z"}]}).json
    deliver(app)
    [event] = [d.json for d in receiver.deliveries]
    assert event["type"] == "task.updated"
    assert event["data"]["task"] == patched
    assert event["data"]["previous"] == {"reminders": [{"offset": -900}]}


def test_webhook_previous_leaves_out_unchanged_reminders(app, alice, receiver):
    make_hook(alice, receiver.url, ["task.updated"])
    task = create_task(alice, reminders=[{"offset": -900}], **DUE)
    patch(alice, task["id"], {"title": "renamed"})
    deliver(app)
    [event] = [d.json for d in receiver.deliveries]
    assert event["data"]["previous"] == {"title": task["title"]}
