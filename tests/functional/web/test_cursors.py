"""Every paged collection pages through one paginator (web/pagination.py): its cursors
are signed with the service's key, and a cursor it did not issue is the same 400 on each.

Contract section 3: "an altered cursor is a 400 rather than a silently different page".
A checksum anyone can recompute does not stop that: whoever knows the encoding edits the
payload and recomputes it. So a cursor's checksum is a MAC keyed with the key sync tokens
are signed with (db/service_keys.py), and one re-signed with an unkeyed checksum -- the
form cursors had before -- is a 400 on every collection, with the one description. Forged
cursors around values no column holds are in tests/functional/tasks/test_listing.py.
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Callable
from typing import Any

import pytest
import webtest

from taskservice.web.pagination import INTEGER, INVALID_CURSOR, encode_cursor
from tests.support.api import Client, assert_error, create_task
from tests.support.lists import create_list
from tests.support.webhooks import RECEIVER_SETTINGS, Receiver, deliver, make_hook


@pytest.fixture
def app(make_app: Any) -> Any:
    """An app that may deliver to a Receiver on 127.0.0.1 (for a webhook's deliveries)."""
    return make_app(**{key.replace(".", "__"): value for key, value in RECEIVER_SETTINGS.items()})


@pytest.fixture
def testapp(app: Any) -> webtest.TestApp:
    return webtest.TestApp(app, extra_environ={"HTTP_HOST": "example.com"})


# Every paged collection: its path, given a task, a list and a webhook of the admin's.
COLLECTIONS = {
    "tasks": "/tasks",
    "lists": "/lists",
    "users": "/users",
    "history": "/tasks/{task}/history",
    "list_tasks": "/lists/{list}/tasks",
    "webhooks": "/webhooks",
    "deliveries": "/webhooks/{webhook}/deliveries",
}


@pytest.fixture
def collections(app: Any, testapp: webtest.TestApp, admin: Client) -> dict[str, str]:
    """The path of every paged collection, each with at least two items for ``admin``."""
    task = create_task(admin)
    create_task(admin)
    testapp.patch_json(f"/tasks/{task['id']}", {"done": True}, headers=admin.headers)
    a_list = create_list(admin)
    create_list(admin)
    with Receiver() as receiver:
        hooks = [make_hook(admin, receiver.url) for _ in range(2)]
        for _ in range(2):
            testapp.post(f"/webhooks/{hooks[0].id}/ping", headers=admin.headers, status=202)
        deliver(app)
    for i in range(2):
        testapp.post_json(f"/lists/{a_list['id']}/tasks", {"title": "t"}, headers=admin.headers)
        testapp.post_json("/users", {"username": f"other{i}", "password": "long enough"})
    ids = {"task": task["id"], "list": a_list["id"], "webhook": hooks[0].id}
    return {name: path.format(**ids) for name, path in COLLECTIONS.items()}


def unkeyed(cursor: str, digest_size: int) -> str:
    """``cursor``'s payload with a checksum computed without any key."""
    encoded = cursor.partition(".")[0]
    payload = base64.urlsafe_b64decode(encoded + "=" * (-len(encoded) % 4))
    checksum = hashlib.blake2b(payload, digest_size=digest_size, person=b"tscursor").hexdigest()
    return f"{encoded}.{checksum}"


def flipped(cursor: str) -> str:
    """``cursor`` with the last character of its checksum changed."""
    return cursor[:-1] + ("0" if cursor[-1] != "0" else "1")


TAMPERINGS: dict[str, Callable[[str, bytes], str]] = {
    "garbage": lambda cursor, key: "garbage.0000",
    "flipped_checksum": lambda cursor, key: flipped(cursor),
    "resigned_unkeyed_8": lambda cursor, key: unkeyed(cursor, 8),
    "resigned_unkeyed_16": lambda cursor, key: unkeyed(cursor, 16),
    # Signed with the service's key, but for a collection that is not this one.
    "another_collections": lambda cursor, key: encode_cursor("another", [INTEGER], [1], key),
}


@pytest.mark.parametrize("tampering", TAMPERINGS)
@pytest.mark.parametrize("collection", COLLECTIONS)
def test_every_collection_refuses_a_tampered_cursor_with_the_one_error(
        testapp, admin, collections, cursor_key, collection, tampering):
    path = collections[collection]
    first = testapp.get(path, {"limit": "1"}, headers=admin.headers, status=200)
    cursor = first.json["next_cursor"]
    assert testapp.get(path, {"limit": "1", "cursor": cursor}, headers=admin.headers,
                       status=200).json["items"], path
    tampered = TAMPERINGS[tampering](cursor, cursor_key)
    response = testapp.get(path, {"limit": "1", "cursor": tampered}, headers=admin.headers,
                           status=400)
    [error] = assert_error(response, 400, ("querystring", "cursor"))
    assert error["description"] == INVALID_CURSOR


def test_a_cursor_is_good_for_its_own_collection_only(testapp, admin, collections):
    """Every collection's cursor is refused by every other (the kind it names differs)."""
    cursors = {name: testapp.get(path, {"limit": "1"}, headers=admin.headers,
                                 status=200).json["next_cursor"]
               for name, path in collections.items()}
    for name, path in collections.items():
        for other, cursor in cursors.items():
            status = 200 if other == name or {name, other} == {"tasks", "list_tasks"} else 400
            testapp.get(path, {"limit": "1", "cursor": cursor}, headers=admin.headers,
                        status=status)
