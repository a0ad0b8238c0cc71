"""Every list's cursor is signed with the service's key, and refused alike when it is not.

Contract section 3: "an altered cursor is a 400 rather than a silently different page".
A checksum anyone can recompute does not stop that: whoever knows the encoding edits the
payload and recomputes it. So a cursor's checksum is a MAC keyed with the key sync tokens
are signed with (db/service_keys.py), and one re-signed with an unkeyed checksum -- the
form cursors had before -- is a 400 on every list, with the same description. Forged
cursors around values no column holds are in tests/functional/tasks/test_listing.py.
"""

from __future__ import annotations

import base64
import hashlib
from typing import Any

import pytest
import webtest

from tests.support.api import Client, assert_error, create_task
from tests.support.lists import create_list
from tests.support.webhooks import RECEIVER_SETTINGS


@pytest.fixture
def testapp(make_app: Any) -> webtest.TestApp:
    """An app that accepts webhooks on plain http (no receiver is ever called)."""
    settings = {key.replace(".", "__"): value for key, value in RECEIVER_SETTINGS.items()}
    return webtest.TestApp(make_app(**settings), extra_environ={"HTTP_HOST": "example.com"})


@pytest.fixture
def lists_of_two(testapp: webtest.TestApp, admin: Client) -> list[str]:
    """Paths of every paginated list, each with at least two items for ``admin``."""
    task = create_task(admin)
    create_task(admin)
    testapp.patch_json(f"/tasks/{task['id']}", {"done": True}, headers=admin.headers)
    a_list = create_list(admin)
    create_list(admin)
    for _ in range(2):
        testapp.post_json(f"/lists/{a_list['id']}/tasks", {"title": "t"}, headers=admin.headers)
        testapp.post_json("/webhooks", {"url": "http://127.0.0.1:9/", "events": ["*"]},
                          headers=admin.headers, status=201)
        testapp.post_json("/users", {"username": f"other{_}", "password": "long enough"})
    return ["/tasks", "/lists", "/users", f"/tasks/{task['id']}/history",
            f"/lists/{a_list['id']}/tasks", "/webhooks"]


def unkeyed(cursor: str, digest_size: int) -> str:
    """``cursor``'s payload with a checksum computed without any key."""
    encoded = cursor.partition(".")[0]
    payload = base64.urlsafe_b64decode(encoded + "=" * (-len(encoded) % 4))
    checksum = hashlib.blake2b(payload, digest_size=digest_size, person=b"tscursor").hexdigest()
    return f"{encoded}.{checksum}"


def refusal(testapp: webtest.TestApp, admin: Client, path: str, cursor: str) -> str:
    response = testapp.get(path, {"limit": "1", "cursor": cursor}, headers=admin.headers,
                           status=400)
    [error] = assert_error(response, 400, ("querystring", "cursor"))
    return error["description"]


@pytest.mark.parametrize("digest_size", [8, 16])
def test_a_cursor_resigned_without_the_key_is_400_on_every_list(testapp, admin, lists_of_two,
                                                                digest_size):
    descriptions = set()
    for path in lists_of_two:
        first = testapp.get(path, {"limit": "1"}, headers=admin.headers, status=200)
        cursor = first.json["next_cursor"]
        assert testapp.get(path, {"limit": "1", "cursor": cursor}, headers=admin.headers,
                           status=200).json["items"], path
        descriptions.add(refusal(testapp, admin, path, unkeyed(cursor, digest_size)))
    assert len(descriptions) == 1, descriptions


def test_every_list_refuses_a_bad_cursor_in_the_same_words(testapp, admin, lists_of_two):
    descriptions = {refusal(testapp, admin, path, "garbage.0000") for path in lists_of_two}
    assert len(descriptions) == 1, descriptions
