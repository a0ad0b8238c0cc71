"""Who may do what to a list and to a task in it: every role against every action, one
exact status per cell (contract section 7's table, and section 1's error order).

The task under test was created in the list by ``author`` (an ``edit`` member), so the
list's owner is not the task's owner: what the owner, the managers, editors and viewers
may do to it comes from the list's ACL alone. A denied request must write nothing, so
every 4xx cell compares the list, the task and both sets of shares afterwards.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import pytest
import webtest

from tests.support.api import Client, assert_error, send_json
from tests.support.lists import create_list, share_list
from tests.support.matrix import cells, covers_every_action

ANONYMOUS: dict[str, str] = {}
LIST_ROLES = {"manage": "manager", "edit": "editor", "view": "viewer"}


@dataclass
class World:
    """A list of ``owner``'s shared with a manager, an editor, a viewer and ``bystander``
    (view), holding a task of ``author``'s (edit) that is shared with ``tasksharee``.

    ``newcomer`` has no share yet (the target of the "share" actions); ``bystander`` and
    ``tasksharee`` hold the shares the "unshare" actions remove.
    """

    testapp: webtest.TestApp
    list_id: str
    task_id: str
    clients: dict[str, Client]
    admin: Client

    def headers(self, role: str) -> dict[str, str]:
        return ANONYMOUS if role == "anonymous" else self.clients[role].headers

    def state(self) -> tuple:
        """Everything a denied request must leave alone, as an admin reads it."""
        get = self.testapp.get
        admin = self.admin.headers
        return (
            get(f"/lists/{self.list_id}", headers=admin, status=200).json,
            get(f"/lists/{self.list_id}/shares", headers=admin, status=200).json,
            get(f"/tasks/{self.task_id}", headers=admin, status=200).json,
            get(f"/tasks/{self.task_id}/shares", headers=admin, status=200).json,
            get(f"/lists/{self.list_id}/tasks", headers=admin, status=200).json,
        )


@pytest.fixture
def world(testapp: webtest.TestApp, register: Callable[..., Client]) -> World:
    clients = {
        "owner": register("owner"),
        "manage": register("manager"),
        "edit": register("editor"),
        "view": register("viewer"),
        "admin": register("boss", admin=True),
        "stranger": register("stranger"),
    }
    for name in ("author", "bystander", "tasksharee", "newcomer"):
        clients[name] = register(name)
    owner = clients["owner"]
    list_id = create_list(owner, name="Shared")["id"]
    for permission, name in LIST_ROLES.items():
        share_list(owner, list_id, name, permission)
    share_list(owner, list_id, "bystander", "view")
    share_list(owner, list_id, "author", "edit")
    author = clients["author"]
    task_id = testapp.post_json("/tasks", {"title": "In the list", "list": list_id},
                                headers=author.headers, status=201).json["id"]
    testapp.put_json(f"/tasks/{task_id}/shares/tasksharee", {"permission": "view"},
                     headers=author.headers, status=201)
    return World(testapp, list_id, task_id, clients, register("auditor", admin=True))


def _get(path: str) -> Callable[[World, dict, int], webtest.TestResponse]:
    def action(w: World, headers: dict, status: int) -> webtest.TestResponse:
        return w.testapp.get(path.format(list=w.list_id, task=w.task_id), headers=headers,
                             status=status)
    return action


def _send(method: str, path: str, body: dict | None = None
          ) -> Callable[[World, dict, int], webtest.TestResponse]:
    def action(w: World, headers: dict, status: int) -> webtest.TestResponse:
        url = path.format(list=w.list_id, task=w.task_id)
        if body is None:
            return w.testapp.request(url, method=method, headers=headers, status=status)
        return send_json(w.testapp, method, url, body, headers, status)
    return action


def _post_task_in_list(w: World, headers: dict, status: int) -> webtest.TestResponse:
    return w.testapp.post_json("/tasks", {"title": "New", "list": w.list_id}, headers=headers,
                               status=status)


ACTIONS: dict[str, Callable[[World, dict, int], webtest.TestResponse]] = {
    # on the list
    "view_list": _get("/lists/{list}"),
    "patch_list": _send("PATCH", "/lists/{list}", {"name": "Renamed"}),
    "put_list": _send("PUT", "/lists/{list}", {"name": "Renamed"}),
    "delete_list": _send("DELETE", "/lists/{list}"),
    "list_shares": _get("/lists/{list}/shares"),
    "share_list": _send("PUT", "/lists/{list}/shares/newcomer", {"permission": "manage"}),
    "unshare_list": _send("DELETE", "/lists/{list}/shares/bystander"),
    "list_tasks": _get("/lists/{list}/tasks"),
    "add_task": _send("POST", "/lists/{list}/tasks", {"title": "New"}),
    "post_task_in_list": _post_task_in_list,
    # on the task in it
    "view_task": _get("/tasks/{task}"),
    "patch_task": _send("PATCH", "/tasks/{task}", {"title": "Changed"}),
    "put_task": _send("PUT", "/tasks/{task}", {"title": "Changed"}),
    "delete_task": _send("DELETE", "/tasks/{task}"),
    "task_shares": _get("/tasks/{task}/shares"),
    "share_task": _send("PUT", "/tasks/{task}/shares/newcomer", {"permission": "view"}),
    "unshare_task": _send("DELETE", "/tasks/{task}/shares/tasksharee"),
    "detach_task": _send("PATCH", "/tasks/{task}", {"list": None}),
}

ALL_OK = dict(view_list=200, patch_list=200, put_list=200, delete_list=204, list_shares=200,
              share_list=201, unshare_list=204, list_tasks=200, add_task=201,
              post_task_in_list=201, view_task=200, patch_task=200, put_task=200,
              delete_task=204, task_shares=200, share_task=201, unshare_task=204,
              detach_task=200)
# The contract's table: section 7 for the list and its tasks, detaching only by the task's
# owner or an admin ("the list's owner included" among the 403s).
EXPECTED: dict[str, dict[str, int]] = {
    "owner": {**ALL_OK, "detach_task": 403},
    "manage": {**ALL_OK, "delete_list": 403, "detach_task": 403},
    "edit": {**ALL_OK, "patch_list": 403, "put_list": 403, "delete_list": 403,
             "share_list": 403, "unshare_list": 403, "share_task": 403, "unshare_task": 403,
             "detach_task": 403},
    "view": {**dict.fromkeys(ALL_OK, 403), "view_list": 200, "list_shares": 200,
             "list_tasks": 200, "view_task": 200, "task_shares": 200},
    "admin": ALL_OK,
    "stranger": {**dict.fromkeys(ALL_OK, 404), "post_task_in_list": 400},
    "anonymous": dict.fromkeys(ALL_OK, 401),
}
CELLS = cells(EXPECTED)


def test_matrix_covers_every_role_and_action():
    assert covers_every_action(EXPECTED, ACTIONS)


@pytest.mark.parametrize(("role", "action", "status"), CELLS)
def test_list_permission_matrix(world: World, role: str, action: str, status: int):
    before = world.state()
    response = ACTIONS[action](world, world.headers(role), status)
    if status >= 400:
        assert_error(response, status)
        if status == 401:
            assert response.headers["WWW-Authenticate"] == 'Bearer realm="taskservice"'
        assert world.state() == before, "a denied request changed something"


def test_the_tasks_owner_may_take_it_out_of_the_list_and_keeps_it(world: World):
    """The author is only an editor of the list, but owns the task: detaching is theirs."""
    author = world.headers("author")
    moved = world.testapp.patch_json(f"/tasks/{world.task_id}", {"list": None},
                                     headers=author, status=200).json
    assert moved["list"] is None and moved["version"] == 2
    world.testapp.get(f"/tasks/{world.task_id}", headers=world.headers("owner"), status=404)
    world.testapp.get(f"/tasks/{world.task_id}", headers=author, status=200)


@pytest.mark.parametrize("role", ["owner", "manage", "edit", "view", "admin", "author"])
def test_get_tasks_lists_the_list_task_for_everyone_who_may_view_it(world: World, role: str):
    ids = [t["id"] for t in _get("/tasks")(world, world.headers(role), 200).json["items"]]
    assert world.task_id in ids


def test_get_tasks_hides_the_list_task_from_a_stranger(world: World):
    assert _get("/tasks")(world, world.headers("stranger"), 200).json["items"] == []
    assert _get("/tasks?list={list}")(world, world.headers("stranger"), 200).json == {
        "items": [], "next_cursor": None}


@pytest.mark.parametrize("role", ["manage", "edit", "view"])
def test_a_member_may_leave_and_then_sees_neither_the_list_nor_its_tasks(world: World,
                                                                         role: str):
    headers = world.headers(role)
    username = LIST_ROLES[role]
    world.testapp.delete(f"/lists/{world.list_id}/shares/{username}", headers=headers,
                         status=204)
    _get("/lists/{list}")(world, headers, 404)
    _get("/tasks/{task}")(world, headers, 404)
    assert _get("/tasks")(world, headers, 200).json["items"] == []


@pytest.mark.parametrize("role", ["owner", "manage", "edit", "view", "admin", "stranger"])
@pytest.mark.parametrize("action", [a for a in ACTIONS if "list" in a and a != "post_task_in_list"])
def test_a_missing_list_is_404_for_every_authenticated_role(world: World, role: str,
                                                            action: str):
    before, real_list = world.state(), world.list_id
    world.list_id = "999999999"
    response = ACTIONS[action](world, world.headers(role), 404)
    assert_error(response, 404)
    world.list_id = real_list
    assert world.state() == before  # the existing list and its task are untouched


@pytest.mark.parametrize("role", ["owner", "admin", "stranger"])
def test_creating_a_task_in_a_missing_list_is_400_naming_list(world: World, role: str):
    world.list_id = "999999999"
    response = _post_task_in_list(world, world.headers(role), 400)
    assert_error(response, 400, ("body", "list"))
