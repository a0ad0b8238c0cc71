"""The sync feed when a subtask changes parent (contract sections 8 and 13).

A re-parent changes one task, yet whoever saw its subtree through the old parent may
lose all of it and whoever sees the new parent gains all of it: each learns of every task
of the subtree in their next sync, and a copy kept from the feed ends as a full sync.
"""

from __future__ import annotations

from tests.support.api import create_task
from tests.support.sync import Replica, replica


def reparent(client, task_id, parent_id):
    client.testapp.patch_json(f"/tasks/{task_id}", {"parent": parent_id},
                              headers=client.headers, status=200)


def share(owner, task_id, username):
    owner.testapp.put_json(f"/tasks/{task_id}/shares/{username}", {"permission": "view"},
                           headers=owner.headers, status=201)


def converged(client, copy: Replica) -> bool:
    copy.sync()
    return copy.objects == replica(client).objects


def two_tops_and_a_subtree(alice, under: str) -> tuple[dict, dict, dict, dict]:
    """Alice's "shared" (shared with bob) and "private", and step > below under one."""
    shared, private = create_task(alice, title="shared"), create_task(alice, title="private")
    parent = {"shared": shared, "private": private}[under]
    step = create_task(alice, title="step", parent=parent["id"])
    below = create_task(alice, title="below", parent=step["id"])
    share(alice, shared["id"], "bob")
    return shared, private, step, below


def test_moving_a_subtree_away_from_a_sharee_revokes_every_task_of_it(alice, bob):
    old, new, step, below = two_tops_and_a_subtree(alice, under="shared")
    copy = replica(bob)
    assert {("task", t["id"]) for t in (old, step, below)} == set(copy.objects)
    reparent(alice, step["id"], new["id"])
    changes = copy.sync()
    assert {(c["id"], c.get("reason")) for c in changes if c["deleted"]} == {
        (step["id"], "access_revoked"), (below["id"], "access_revoked")}
    assert set(copy.objects) == {("task", old["id"])}
    assert converged(bob, copy)


def test_moving_a_subtree_under_a_shared_task_brings_every_task_of_it(alice, bob):
    shared, _, step, below = two_tops_and_a_subtree(alice, under="private")
    copy = replica(bob)
    reparent(alice, step["id"], shared["id"])
    copy.sync()
    assert {("task", t["id"]) for t in (shared, step, below)} == set(copy.objects)
    assert converged(bob, copy)
