"""Contract section 12 in webhooks: a completed occurrence is a ``task.updated`` with
``data.occurrence``; ``previous`` covers the new fields like the old ones."""

from __future__ import annotations

from tests.functional.batch.conftest import batch, statuses
from tests.support.dates import complete, patch, recurring
from tests.support.webhooks import deliver, make_hook


def updates(app, receiver) -> list[dict]:
    """The data of every task.updated delivered so far, in the order of their versions."""
    deliver(app)
    found = [d.json for d in receiver.deliveries if d.json["type"] == "task.updated"]
    return [e["data"] for e in sorted(found, key=lambda e: e["data"]["task"]["version"])]


def test_a_completed_occurrence_is_an_update_with_the_occurrence(app, alice, receiver):
    make_hook(alice, receiver.url, ["task.updated"])
    task = recurring(alice, "FREQ=DAILY", due_at="2030-01-01T09:00:00Z")
    rolled = complete(alice, task["id"])
    [data] = updates(app, receiver)
    assert data["task"] == rolled
    assert data["occurrence"] == {"due_at": "2030-01-01T09:00:00Z",
                                  "completed_at": rolled["updated_at"]}
    assert data["previous"] == {"due_at": "2030-01-01T09:00:00Z"}


def test_each_completion_of_a_batch_is_an_event_of_its_own(app, alice, receiver):
    make_hook(alice, receiver.url, ["task.updated"])
    task = recurring(alice, "FREQ=DAILY", due_date="2030-01-01")
    path = f"/tasks/{task['id']}"
    done = {"method": "PATCH", "path": path, "body": {"done": True}}
    assert statuses(batch(alice, [done, done], atomic=True)) == [200, 200]
    assert [d["occurrence"]["due_date"] for d in updates(app, receiver)] == [
        "2030-01-01", "2030-01-02"]


def test_the_end_of_a_series_and_other_updates_carry_no_occurrence(app, alice, receiver):
    make_hook(alice, receiver.url, ["task.updated"])
    task = recurring(alice, "FREQ=DAILY;COUNT=1", due_date="2030-01-01")
    finished = complete(alice, task["id"])
    retitled = patch(alice, task["id"], {"title": "renamed"}).json
    ended, renamed = updates(app, receiver)
    assert ended.get("occurrence") is None and renamed.get("occurrence") is None
    assert ended["previous"] == {"done": False, "completed_at": None}
    assert (ended["task"], renamed["task"]) == (finished, retitled)


def test_previous_covers_the_new_fields(app, alice, receiver):
    make_hook(alice, receiver.url, ["task.updated"])
    task = recurring(alice, "FREQ=DAILY", due_at="2030-01-01T09:00:00Z",
                     time_zone="Europe/Paris")
    patch(alice, task["id"], {"due_date": "2030-02-01", "time_zone": "Asia/Tokyo",
                              "recurrence": {"rule": "FREQ=WEEKLY"}})
    [data] = updates(app, receiver)
    assert data["previous"] == {"due_at": "2030-01-01T09:00:00Z", "due_date": None,
                                "time_zone": "Europe/Paris",
                                "recurrence": task["recurrence"]}
