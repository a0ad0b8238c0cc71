"""Tasks shared with the caller are listed from the share rows' copy of the sort keys.

The copy is what the shared half of a list walks (migration 0003), so a copy that fell
behind its task would list shared tasks out of order, or page past some of them. These
tests change every sort key after sharing -- through the API, and behind its back with
plain SQL -- and compare the sharee's pages with the order of the tasks as GET shows them.
The migration itself is tested in tests/unit/db/test_migrations.py.
"""

from datetime import UTC, datetime

import pytest
from sqlalchemy import update

from taskservice.tasks.models import Task
from taskservice.vocabulary import SORTS
from tests.support.api import create_task, send_json
from tests.support.listing import expected_order, ids, walk

# (title, priority, due_at) before and after the change: every key moves, ties remain.
CHANGES = [
    (("apple", "low", None), ("pear", "urgent", "2030-01-02T00:00:00Z")),
    (("banana", "urgent", "2030-01-01T00:00:00Z"), ("apple", "low", None)),
    (("cherry", "normal", "2030-01-03T00:00:00Z"), ("cherry", "normal", "2030-01-01T00:00:00Z")),
    (("date", "high", "2030-01-02T00:00:00Z"), ("banana", "high", "2030-01-03T00:00:00Z")),
    (("elder", "low", None), ("apple", "urgent", None)),
]


def share(testapp, owner, task_id, username):
    send_json(testapp, "PUT", f"/tasks/{task_id}/shares/{username}", {"permission": "edit"},
              headers=owner.headers, status=201)


def current(testapp, client, task_ids):
    return [testapp.get(f"/tasks/{i}", headers=client.headers).json for i in task_ids]


@pytest.fixture
def shared_with_bob(testapp, alice, bob):
    """Alice's tasks, shared with bob, interleaved with bob's own in every order."""
    task_ids = []
    for (title, priority, due_at), _ in CHANGES:
        task_ids.append(create_task(alice, title=title, priority=priority, due_at=due_at)["id"])
        share(testapp, alice, task_ids[-1], "bob")
        create_task(bob, title=title + " too", priority=priority, due_at=due_at)
    return task_ids


@pytest.mark.parametrize("sort", SORTS)
def test_a_sharee_pages_in_order_after_the_owner_changes_every_key(
        testapp, alice, bob, shared_with_bob, sort):
    for task_id, (_, (title, priority, due_at)) in zip(shared_with_bob, CHANGES, strict=True):
        send_json(testapp, "PATCH", f"/tasks/{task_id}",
                  {"title": title, "priority": priority, "due_at": due_at},
                  headers=alice.headers, status=200)
        # Each first in turn: the manual order reversed, every position changed.
        send_json(testapp, "POST", f"/tasks/{task_id}/move", {"after": None},
                  headers=alice.headers, status=200)
    bobs_view = walk(testapp, bob, {"sort": sort}, 2)
    listed = [task for task in bobs_view if task["owner"] == "alice"]
    assert ids(listed) == ids(expected_order(current(testapp, bob, shared_with_bob), sort))
    assert ids(bobs_view) == ids(expected_order(bobs_view, sort))


@pytest.mark.parametrize("sort", ["title", "-updated_at", "due_at", "-due_at", "priority"])
def test_a_sharees_own_edit_reorders_their_list(testapp, bob, shared_with_bob, sort):
    edited = shared_with_bob[2]
    send_json(testapp, "PATCH", f"/tasks/{edited}",
              {"title": "zz", "priority": "urgent", "due_at": None},
              headers=bob.headers, status=200)
    listed = [task for task in walk(testapp, bob, {"sort": sort}, 3) if task["owner"] == "alice"]
    assert ids(listed) == ids(expected_order(current(testapp, bob, shared_with_bob), sort))


@pytest.mark.parametrize("sort", ["created_at", "-title", "priority", "due_at"])
def test_an_update_in_plain_sql_reaches_the_copy(testapp, bob, dbsession, shared_with_bob,
                                                  sort):
    """The copy is kept by a trigger in the database, not by the ORM: a bulk UPDATE that
    no mapper event sees still moves the shared task in the sharee's list."""
    # The first task ("apple", low, undated, made first) moves to the other end of
    # every sort tested here, so a stale copy of any one key lists it in the wrong place.
    moved = int(shared_with_bob[0])
    dbsession.execute(update(Task).where(Task.id == moved).values(
        title="zzz", priority=3, due_at=datetime(2029, 1, 1, tzinfo=UTC),
        created_at=datetime(2040, 1, 1, tzinfo=UTC)))
    dbsession.commit()
    listed = [task for task in walk(testapp, bob, {"sort": sort}, 2) if task["owner"] == "alice"]
    assert ids(listed) == ids(expected_order(current(testapp, bob, shared_with_bob), sort))
