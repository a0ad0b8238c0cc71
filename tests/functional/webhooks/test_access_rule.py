"""One access rule: whoever may view an object sees it through every way the service shows
it, and nobody else through any of them.

The ACLs answer ``GET`` for one object; tasks/access.py answers in SQL for the listing,
the sync feed and the webhook outbox. This grid asks every role, for a task in a list, a
task in none and the list itself, through each of them: the set of roles that see the
object must be the contract's, the same for every channel. (It lives with the webhook
tests for their app, which may deliver to a receiver on 127.0.0.1.)
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import ExitStack
from dataclasses import dataclass
from typing import Any

import pytest
import webtest

from tests.support.api import Client, create_task
from tests.support.lists import create_list, share_list
from tests.support.sync import Replica, full_copy
from tests.support.webhooks import Receiver, deliver, make_hook

ROLES = ("author", "listowner", "member", "sharee", "admin", "stranger")
# The contract's rule (sections 4 and 7), object by object.
VIEWERS = {
    "task_in_list": {"author", "listowner", "member", "sharee", "admin"},
    "task_alone": {"author", "sharee", "admin"},
    "list": {"author", "listowner", "member", "admin"},
}


@dataclass
class World:
    """``listowner``'s list, shared with ``member`` (view) and ``author`` (edit); two tasks
    of ``author``'s, one in the list and one in none, each shared with ``sharee``.

    Every role took a full sync and has a webhook before the three objects were changed
    once each, and the outbox was delivered.
    """

    testapp: webtest.TestApp
    clients: dict[str, Client]
    ids: dict[str, str]
    replicas: dict[str, Replica]
    receivers: dict[str, Receiver]

    def path(self, name: str) -> str:
        return f"/{_kind(name)}s/{self.ids[name]}"


def _fetch(testapp: webtest.TestApp, client: Client) -> Callable[[dict], dict]:
    return lambda params: testapp.get("/changes", params, headers=client.headers).json


@pytest.fixture
def world(app: Any, testapp: webtest.TestApp, register: Callable[..., Client]
          ) -> Iterator[World]:
    clients = {role: register(role, admin=role == "admin") for role in ROLES}
    author, listowner = clients["author"], clients["listowner"]
    list_id = create_list(listowner)["id"]
    share_list(listowner, list_id, "member", "view")
    share_list(listowner, list_id, "author", "edit")
    ids = {"list": list_id, "task_in_list": create_task(author, list=list_id)["id"],
           "task_alone": create_task(author)["id"]}
    for name in ("task_in_list", "task_alone"):
        testapp.put_json(f"/tasks/{ids[name]}/shares/sharee", {"permission": "view"},
                         headers=author.headers, status=201)
    replicas = {role: full_copy(_fetch(testapp, c)) for role, c in clients.items()}
    with ExitStack() as stack:
        receivers = {role: stack.enter_context(Receiver()) for role in ROLES}
        for role, receiver in receivers.items():
            make_hook(clients[role], receiver.url, ["task.updated", "list.updated"])
        for name in ("task_in_list", "task_alone"):
            testapp.patch_json(f"/tasks/{ids[name]}", {"title": "changed"},
                               headers=author.headers, status=200)
        testapp.patch_json(f"/lists/{list_id}", {"name": "changed"},
                           headers=listowner.headers, status=200)
        deliver(app)
        yield World(testapp, clients, ids, replicas, receivers)


def _get(w: World, role: str, name: str) -> bool:
    status = w.testapp.get(w.path(name), headers=w.clients[role].headers,
                           expect_errors=True).status_int
    assert status in (200, 404), status
    return status == 200


def _listing(w: World, role: str, name: str) -> bool:
    items = w.testapp.get(f"/{_kind(name)}s", {"limit": "100"}, headers=w.clients[role].headers,
                          status=200).json["items"]
    return w.ids[name] in {item["id"] for item in items}


def _kind(name: str) -> str:
    return "list" if name == "list" else "task"


def _full_sync(w: World, role: str, name: str) -> bool:
    return (_kind(name), w.ids[name]) in w.replicas[role].objects


def _incremental_sync(w: World, role: str, name: str) -> bool:
    """The change since the role's full sync: an upsert for a viewer, nothing for others
    (they never had the object, so not even a tombstone)."""
    kind = _kind(name)
    changes = [c for c in w.replicas[role].sync() if (c["kind"], c["id"]) == (kind, w.ids[name])]
    assert all(not c["deleted"] for c in changes), changes
    return bool(changes)


def _webhook(w: World, role: str, name: str) -> bool:
    kind = _kind(name)
    received = [d.json["data"][kind]["id"] for d in w.receivers[role].deliveries
                if d.json["type"] == f"{kind}.updated"]
    return w.ids[name] in received


CHANNELS: dict[str, Callable[[World, str, str], bool]] = {
    "get": _get, "listing": _listing, "full_sync": _full_sync,
    "incremental_sync": _incremental_sync, "webhook": _webhook,
}


@pytest.mark.parametrize("channel", CHANNELS)
@pytest.mark.parametrize("name", VIEWERS)
def test_the_same_roles_see_an_object_through_every_channel(world, name, channel):
    seen = {role for role in ROLES if CHANNELS[channel](world, role, name)}
    assert seen == VIEWERS[name]
