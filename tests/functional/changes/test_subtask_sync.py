"""The change feed (section 8) and webhooks (section 9) cover the tasks a user reaches only
through a parent (section 13).

Alice's task ``top`` is in no list and shared with bob (view) and carol (edit); dave has
nothing. Bob and dave each keep a copy built from ``GET /changes`` and have a webhook, and
both were set up before any subtask existed: whatever they learn of a subtask, they learn
because of its parent, and what they may not view they never hear of.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import ExitStack
from dataclasses import dataclass
from typing import Any

import pytest

from tests.support.api import Client, create_task
from tests.support.listing import ids
from tests.support.subtasks import create_subtask, listed, move, patch, read, share_task
from tests.support.sync import Replica, replica
from tests.support.webhooks import RECEIVER_OVERRIDES, Receiver, deliver, make_hook

WATCHERS = ("alice", "bob", "dave")


@dataclass
class World:
    app: Any
    clients: dict[str, Client]
    top: dict
    copies: dict[str, Replica]
    receivers: dict[str, Receiver]

    def __getitem__(self, name: str) -> Client:
        return self.clients[name]

    def sync(self, name: str) -> set[tuple[str, bool, str | None]]:
        """The tasks of ``name``'s next sync: (id, deleted, reason)."""
        return {(c["id"], c["deleted"], c.get("reason")) for c in self.copies[name].sync()
                if c["kind"] == "task"}

    def events(self, name: str) -> list[tuple[str, str]]:
        """The events ``name``'s webhook received so far: (type, task id)."""
        deliver(self.app)
        return [(d.json["type"], d.json["data"]["task"]["id"])
                for d in self.receivers[name].deliveries]

    def converged(self, name: str) -> bool:
        """``name``'s copy, synced once more, is exactly what a full sync shows now."""
        self.copies[name].sync()
        return self.copies[name].objects == replica(self.clients[name]).objects


@pytest.fixture
def app(make_app: Callable[..., Any]) -> Any:
    """The app may deliver to a Receiver on 127.0.0.1."""
    return make_app(**RECEIVER_OVERRIDES)


@pytest.fixture
def world(app: Any, register: Callable[..., Client]) -> Iterator[World]:
    clients = {name: register(name) for name in ("alice", "bob", "carol", "dave")}
    top = create_task(clients["alice"], title="top")
    share_task(clients["alice"], top["id"], "bob", "view")
    share_task(clients["alice"], top["id"], "carol", "edit")
    with ExitStack() as stack:
        receivers = {name: stack.enter_context(Receiver(name=name)) for name in WATCHERS}
        for name in WATCHERS:
            make_hook(clients[name], receivers[name].url)
        copies = {name: replica(clients[name]) for name in WATCHERS}
        deliver(app)  # nothing about what came before the copies: the shares
        for receiver in receivers.values():
            receiver.deliveries.clear()
        yield World(app, clients, read(clients["alice"], top["id"]), copies, receivers)


@pytest.mark.parametrize("maker", ["alice", "carol"])
def test_a_subtask_under_a_shared_task_reaches_its_sharee(world, maker):
    step = create_subtask(world[maker], world.top["id"], title="step")
    below = create_subtask(world[maker], step["id"], title="below")
    assert world.sync("bob") == {(step["id"], False, None), (below["id"], False, None)}
    assert world.copies["bob"].objects[("task", step["id"])] == read(world["bob"], step["id"])
    assert world.events("bob") == [("task.created", step["id"]), ("task.created", below["id"])]
    assert sorted(ids(listed(world["bob"], {}))) == sorted([world.top["id"], step["id"],
                                                            below["id"]])
    assert ids(listed(world["bob"], {"parent": world.top["id"]})) == [step["id"]]
    full = replica(world["bob"]).objects
    assert {("task", step["id"]), ("task", below["id"])} <= set(full)
    # the top's owner hears of carol's subtasks the same way
    assert {(step["id"], False, None), (below["id"], False, None)} <= world.sync("alice")
    assert ("task.created", step["id"]) in world.events("alice")


def test_a_stranger_hears_nothing_of_the_subtree(world):
    step = create_subtask(world["carol"], world.top["id"], title="step")
    below = create_subtask(world["alice"], step["id"], title="below")
    patch(world["alice"], below["id"], {"title": "changed"})
    world["alice"].testapp.delete(f"/tasks/{step['id']}", headers=world["alice"].headers,
                                  status=204)
    assert world.sync("dave") == set()
    assert world.events("dave") == []
    assert replica(world["dave"]).objects == {}


def test_a_change_of_a_subtask_reaches_the_sharee(world):
    step = create_subtask(world["alice"], world.top["id"], title="step")
    world.sync("bob")
    heard = len(world.events("bob"))
    patch(world["carol"], step["id"], {"title": "by carol"})
    moved = move(world["alice"], step["id"], {"after": None}).json  # first, before nothing
    assert moved["version"] == 2  # the move is no change: step was first already
    patch(world["alice"], step["id"], {"done": True})
    assert world.sync("bob") == {(step["id"], False, None)}
    assert world.copies["bob"].objects[("task", step["id"])] == read(world["bob"], step["id"])
    assert world.events("bob")[heard:] == [("task.updated", step["id"])] * 2


def test_removing_the_share_on_the_parent_revokes_the_subtree(world):
    step = create_subtask(world["alice"], world.top["id"], title="step")
    below = create_subtask(world["carol"], step["id"], title="below")
    world.sync("bob")
    heard = len(world.events("bob"))
    world["alice"].testapp.delete(f"/tasks/{world.top['id']}/shares/bob",
                                  headers=world["alice"].headers, status=204)
    assert world.sync("bob") == {(task_id, True, "access_revoked")
                                 for task_id in (world.top["id"], step["id"], below["id"])}
    patch(world["alice"], step["id"], {"title": "no longer bob's"})
    assert world.sync("bob") == set()
    assert world.events("bob")[heard:] == [("task.unshared", world.top["id"])]
    assert listed(world["bob"], {}) == []
    assert world.converged("bob")


def test_a_subtask_moved_from_under_the_shared_task_is_revoked_and_back_restored(world):
    private = create_task(world["alice"], title="private")
    step = create_subtask(world["alice"], world.top["id"], title="step")
    world.sync("bob")
    patch(world["alice"], step["id"], {"parent": private["id"]})
    assert world.sync("bob") == {(step["id"], True, "access_revoked")}
    patch(world["alice"], step["id"], {"parent": world.top["id"]})
    assert world.sync("bob") == {(step["id"], False, None)}
    assert world.converged("bob")


def test_a_task_hung_under_the_shared_task_reaches_the_sharee(world):
    """It was alice's private task: under the shared one, bob may view it."""
    loose = create_task(world["alice"], title="was private")
    world.events("bob")
    assert world.sync("bob") == set()
    patch(world["alice"], loose["id"], {"parent": world.top["id"]})
    assert world.sync("bob") == {(loose["id"], False, None)}
    assert world.converged("bob")


@pytest.mark.parametrize("deleted", ["top", "step"])
def test_deleting_a_task_is_a_tombstone_and_an_event_for_each_of_its_subtasks(world, deleted):
    step = create_subtask(world["alice"], world.top["id"], title="step")
    below = create_subtask(world["carol"], step["id"], title="below")
    world.sync("bob")
    heard = len(world.events("bob"))
    target = {"top": world.top, "step": step}[deleted]
    world["alice"].testapp.delete(f"/tasks/{target['id']}", headers=world["alice"].headers,
                                  status=204)
    gone = [task["id"] for task in (world.top, step, below)][["top", "step"].index(deleted):]
    assert world.sync("bob") == {(task_id, True, "deleted") for task_id in gone}
    assert sorted(world.events("bob")[heard:]) == sorted(("task.deleted", task_id)
                                                        for task_id in gone)
    assert world.converged("bob")
