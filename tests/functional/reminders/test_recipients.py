"""Contract sections 9 and 14: who hears a ``task.reminder``.

The same webhooks as a ``task.updated`` about the task: its owner may view the task, its
events include ``task.reminder`` (``["*"]`` does), its ``list`` fits. Each test fires one
reminder of alice's and compares what every receiver got, with a receiver that must hear it
beside those that must not, so a reminder that never fired cannot pass for silence.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import ExitStack

import pytest

from tests.support.api import create_task
from tests.support.lists import create_list, share_list
from tests.support.reminders import fire
from tests.support.subtasks import create_subtask, share_task
from tests.support.webhooks import Receiver, deliver, make_hook

AT = "2030-01-01T12:00:00Z"
REMINDER = {"reminders": [{"at": AT}]}


@pytest.fixture
def receivers() -> Iterator[dict[str, Receiver]]:
    """A receiver per name, started on first use."""
    with ExitStack() as stack:

        class Receivers(dict):
            def __missing__(self, name: str) -> Receiver:
                self[name] = stack.enter_context(Receiver(name=name))
                return self[name]

        yield Receivers()


def heard(app, receivers) -> dict[str, list[str]]:
    """Fire the reminder at ``AT`` and deliver: the task ids each receiver got reminders of."""
    assert fire(app, AT) >= 1
    deliver(app)
    return {name: [d.json["data"]["task"]["id"] for d in receiver.deliveries
                   if d.json["type"] == "task.reminder"]
            for name, receiver in receivers.items()}


def test_the_owners_webhook_hears_and_a_strangers_does_not(app, alice, bob, receivers):
    make_hook(alice, receivers["alice"].url, ["task.reminder"])
    make_hook(bob, receivers["bob"].url, ["*"])
    task = create_task(alice, **REMINDER)
    assert heard(app, receivers) == {"alice": [task["id"]], "bob": []}


def test_a_webhook_for_other_events_hears_nothing(app, alice, receivers):
    make_hook(alice, receivers["all"].url, ["*"])
    make_hook(alice, receivers["updates"].url, ["task.updated", "task.created"])
    task = create_task(alice, **REMINDER)
    assert heard(app, receivers) == {"all": [task["id"]], "updates": []}


def test_a_webhook_scoped_to_another_list_hears_nothing(app, alice, receivers):
    home, work = create_list(alice, name="home"), create_list(alice, name="work")
    make_hook(alice, receivers["home"].url, ["task.reminder"], list=home["id"])
    make_hook(alice, receivers["work"].url, ["task.reminder"], list=work["id"])
    task = create_task(alice, list=home["id"], **REMINDER)
    assert heard(app, receivers) == {"home": [task["id"]], "work": []}


def test_a_webhook_scoped_to_a_list_does_not_hear_a_task_in_none(app, alice, receivers):
    home = create_list(alice, name="home")
    make_hook(alice, receivers["home"].url, ["task.reminder"], list=home["id"])
    make_hook(alice, receivers["any"].url, ["task.reminder"])
    task = create_task(alice, **REMINDER)
    assert heard(app, receivers) == {"home": [], "any": [task["id"]]}


def test_a_sharees_webhook_hears(app, alice, bob, receivers):
    make_hook(bob, receivers["bob"].url, ["task.reminder"])
    task = create_task(alice, **REMINDER)
    share_task(alice, task["id"], "bob", "view")
    assert heard(app, receivers) == {"bob": [task["id"]]}


def test_a_list_members_webhook_hears(app, alice, bob, receivers):
    listed = create_list(alice)
    share_list(alice, listed["id"], "bob", "view")
    make_hook(bob, receivers["bob"].url, ["task.reminder"], list=listed["id"])
    task = create_task(alice, list=listed["id"], **REMINDER)
    assert heard(app, receivers) == {"bob": [task["id"]]}


def test_a_former_sharee_hears_nothing(app, alice, bob, receivers):
    make_hook(alice, receivers["alice"].url, ["task.reminder"])
    make_hook(bob, receivers["bob"].url, ["task.reminder"])
    task = create_task(alice, **REMINDER)
    share_task(alice, task["id"], "bob", "view")
    alice.testapp.delete(f"/tasks/{task['id']}/shares/bob", headers=alice.headers, status=204)
    assert heard(app, receivers) == {"alice": [task["id"]], "bob": []}


def test_a_subtasks_reminder_reaches_the_parent_owners_webhook(app, alice, bob, register,
                                                               receivers):
    """bob's step of alice's task: alice may view it, and so may a viewer of the parent."""
    carol = register("carol")
    for client in (alice, bob, carol):
        make_hook(client, receivers[client.username].url, ["task.reminder"])
    parent = create_task(alice)
    share_task(alice, parent["id"], "bob", "edit")
    share_task(alice, parent["id"], "carol", "view")
    subtask = create_subtask(bob, parent["id"], **REMINDER)
    assert heard(app, receivers) == {"alice": [subtask["id"]], "bob": [subtask["id"]],
                                     "carol": [subtask["id"]]}


def test_an_inactive_webhook_hears_nothing(app, alice, receivers):
    make_hook(alice, receivers["on"].url, ["task.reminder"])
    off = make_hook(alice, receivers["off"].url, ["task.reminder"])
    alice.testapp.patch_json(f"/webhooks/{off.id}", {"active": False}, headers=alice.headers,
                             status=200)
    task = create_task(alice, **REMINDER)
    assert heard(app, receivers) == {"on": [task["id"]], "off": []}


def test_each_webhook_hears_a_reminder_once(app, alice, bob, receivers):
    make_hook(alice, receivers["alice"].url, ["*"])
    make_hook(bob, receivers["bob"].url, ["task.reminder", "task.updated"])
    task = create_task(alice, **REMINDER)
    share_task(alice, task["id"], "bob", "edit")
    assert heard(app, receivers) == {"alice": [task["id"]], "bob": [task["id"]]}
    deliver(app)
    assert fire(app, AT) == 0
    assert all(len(r.ids()) == len(r.deliveries) for r in receivers.values())


def test_an_admins_webhook_hears_as_it_hears_updates(app, alice, admin, receivers):
    """The same rule as ``task.updated``: an admin may view every task (section 4)."""
    make_hook(admin, receivers["admin"].url, ["task.reminder", "task.updated"])
    task = create_task(alice, **REMINDER)
    alice.testapp.patch_json(f"/tasks/{task['id']}", {"title": "seen"}, headers=alice.headers,
                             status=200)
    assert heard(app, receivers) == {"admin": [task["id"]]}
    updated = [d for d in receivers["admin"].deliveries if d.json["type"] == "task.updated"]
    assert len(updated) == 1


def test_a_task_moved_out_of_a_webhooks_list_is_not_heard_there(app, alice, receivers):
    home = create_list(alice, name="home")
    make_hook(alice, receivers["home"].url, ["task.reminder"], list=home["id"])
    make_hook(alice, receivers["any"].url, ["task.reminder"])
    task = create_task(alice, list=home["id"], **REMINDER)
    alice.testapp.patch_json(f"/tasks/{task['id']}", {"list": None}, headers=alice.headers,
                             status=200)
    assert heard(app, receivers) == {"home": [], "any": [task["id"]]}


def test_a_list_member_who_left_hears_nothing(app, alice, bob, receivers):
    listed = create_list(alice)
    share_list(alice, listed["id"], "bob", "view")
    make_hook(alice, receivers["alice"].url, ["task.reminder"])
    make_hook(bob, receivers["bob"].url, ["task.reminder"])
    task = create_task(alice, list=listed["id"], **REMINDER)
    bob.testapp.delete(f"/lists/{listed['id']}/shares/bob", headers=bob.headers, status=204)
    assert heard(app, receivers) == {"alice": [task["id"]], "bob": []}
