"""Who may do what to a task: every role against every action, one exact status per cell.

The contract's sharing table (section 4) and error order (section 1) in one grid: a task
the caller may not view is a 404 (never a hint that it exists), a visible task the
caller may not act on is a 403, and an anonymous caller gets a 401 before anything else.
A denied request must also write nothing, so every 4xx cell checks the task afterwards.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import pytest
import webtest

from tests.support.api import Client
from tests.support.matrix import cells, covers_every_action

ANONYMOUS: dict[str, str] = {}
NEW_TITLE = {"title": "Changed"}


@dataclass
class World:
    """A task owned by ``owner``, shared with ``editor`` (edit), ``viewer`` and ``other`` (view).

    ``newcomer`` has no share yet (the target of "share"); ``other`` holds the share that
    "unshare" removes, so nobody in the grid is removing their own share.
    """

    testapp: webtest.TestApp
    task_id: str
    clients: dict[str, Client]
    newcomer: str
    other: str

    def headers(self, role: str) -> dict[str, str]:
        return ANONYMOUS if role == "anonymous" else self.clients[role].headers

    def task_as_owner(self) -> dict:
        return self.testapp.get(
            f"/tasks/{self.task_id}", headers=self.clients["owner"].headers, status=200
        ).json

    def shares_as_owner(self) -> list[dict]:
        return self.testapp.get(
            f"/tasks/{self.task_id}/shares", headers=self.clients["owner"].headers, status=200
        ).json["items"]


@pytest.fixture
def world(testapp: webtest.TestApp, register: Callable[..., Client]) -> World:
    clients = {
        "owner": register("owner"),
        "editor": register("editor"),
        "viewer": register("viewer"),
        "admin": register("boss", admin=True),
        "stranger": register("stranger"),
    }
    other, newcomer = register("other"), register("newcomer")
    owner = clients["owner"].headers
    task_id = testapp.post_json("/tasks", {"title": "Shared"}, headers=owner, status=201).json["id"]
    for name, permission in (("editor", "edit"), ("viewer", "view"), ("other", "view")):
        testapp.put_json(
            f"/tasks/{task_id}/shares/{name}", {"permission": permission}, headers=owner, status=201
        )
    return World(testapp, task_id, clients, newcomer.username, other.username)


def _view(w: World, headers: dict, status: int) -> webtest.TestResponse:
    return w.testapp.get(f"/tasks/{w.task_id}", headers=headers, status=status)


def _list(w: World, headers: dict, status: int) -> webtest.TestResponse:
    return w.testapp.get("/tasks", headers=headers, status=status)


def _patch(w: World, headers: dict, status: int) -> webtest.TestResponse:
    return w.testapp.patch_json(f"/tasks/{w.task_id}", NEW_TITLE, headers=headers, status=status)


def _put(w: World, headers: dict, status: int) -> webtest.TestResponse:
    return w.testapp.put_json(f"/tasks/{w.task_id}", NEW_TITLE, headers=headers, status=status)


def _delete(w: World, headers: dict, status: int) -> webtest.TestResponse:
    return w.testapp.delete(f"/tasks/{w.task_id}", headers=headers, status=status)


def _share(w: World, headers: dict, status: int) -> webtest.TestResponse:
    return w.testapp.put_json(
        f"/tasks/{w.task_id}/shares/{w.newcomer}", {"permission": "view"},
        headers=headers, status=status,
    )


def _unshare(w: World, headers: dict, status: int) -> webtest.TestResponse:
    return w.testapp.delete(f"/tasks/{w.task_id}/shares/{w.other}", headers=headers, status=status)


ACTIONS: dict[str, Callable[[World, dict, int], webtest.TestResponse]] = {
    "view": _view, "list": _list, "patch": _patch, "put": _put,
    "delete": _delete, "share": _share, "unshare": _unshare,
}

# The contract's table; "share" creates a new share (201), "unshare" removes another user's.
EXPECTED: dict[str, dict[str, int]] = {
    "owner": dict(view=200, list=200, patch=200, put=200, delete=204, share=201, unshare=204),
    "editor": dict(view=200, list=200, patch=200, put=200, delete=403, share=403, unshare=403),
    "viewer": dict(view=200, list=200, patch=403, put=403, delete=403, share=403, unshare=403),
    "admin": dict(view=200, list=200, patch=200, put=200, delete=204, share=201, unshare=204),
    "stranger": dict(view=404, list=200, patch=404, put=404, delete=404, share=404, unshare=404),
    "anonymous": dict(view=401, list=401, patch=401, put=401, delete=401, share=401, unshare=401),
}
CELLS = cells(EXPECTED)


def test_matrix_covers_every_role_and_action():
    assert covers_every_action(EXPECTED, ACTIONS)


@pytest.mark.parametrize(("role", "action", "status"), CELLS)
def test_permission_matrix(world: World, role: str, action: str, status: int):
    task_before, shares_before = world.task_as_owner(), world.shares_as_owner()
    response = ACTIONS[action](world, world.headers(role), status)
    if status >= 400:
        _assert_error_shape(response, status)
        assert world.task_as_owner() == task_before, "a denied request changed the task"
        assert world.shares_as_owner() == shares_before, "a denied request changed the shares"


def _assert_error_shape(response: webtest.TestResponse, status: int) -> None:
    assert response.json["status"] == "error"
    if status == 401:
        assert response.headers["WWW-Authenticate"] == 'Bearer realm="taskservice"'


@pytest.mark.parametrize("role", ["owner", "editor", "viewer", "admin"])
def test_list_contains_the_task_for_everyone_who_may_view_it(world: World, role: str):
    ids = [t["id"] for t in _list(world, world.headers(role), 200).json["items"]]
    assert ids == [world.task_id]


def test_list_hides_the_task_from_a_stranger(world: World):
    assert _list(world, world.headers("stranger"), 200).json["items"] == []


@pytest.mark.parametrize("role", ["editor", "viewer"])
def test_a_sharee_may_leave_and_then_no_longer_sees_the_task(world: World, role: str):
    """Deleting one's own share is allowed even without the share permission."""
    headers = world.headers(role)
    username = world.clients[role].username
    world.testapp.delete(f"/tasks/{world.task_id}/shares/{username}", headers=headers, status=204)
    assert username not in {s["username"] for s in world.shares_as_owner()}
    _view(world, headers, 404)


@pytest.mark.parametrize("role", ["owner", "editor", "viewer", "admin", "stranger"])
@pytest.mark.parametrize("action", ["view", "patch", "put", "delete", "share", "unshare"])
def test_a_missing_task_is_404_for_every_authenticated_role(world: World, role: str, action: str):
    world.task_id = "999999999"
    ACTIONS[action](world, world.headers(role), status=404)


@pytest.mark.parametrize("action", ["view", "patch", "put", "delete", "share", "unshare"])
def test_a_missing_task_is_401_for_anonymous(world: World, action: str):
    """An anonymous caller learns nothing, not even whether the task exists."""
    world.task_id = "999999999"
    ACTIONS[action](world, ANONYMOUS, status=401)
