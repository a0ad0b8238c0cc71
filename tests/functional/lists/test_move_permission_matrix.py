"""Who may move a task to another list: every role against every kind of target list, one
exact status per cell (contract section 7, "Moving").

A move hands the task to the target list's members, so it needs the right to share the
task (its owner, an admin, or ``manage`` on the list it is in) and the right to create
tasks in the target (403 otherwise; 400 for a target the caller cannot view). An ``edit``
share on a task, or an ``edit`` role on its list, must never let anyone take it into a
list of their own and so gain the rights they were not given (share it, delete it).

The grid runs on a task in a list and on one in none; either is ``author``'s, who is
no member of the list, so what the list's roles may do comes from the list's ACL alone.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import pytest
import webtest

from tests.functional.batch.conftest import batch
from tests.support.api import Client, assert_error, send_json
from tests.support.lists import create_list, share_list
from tests.support.matrix import cells, covers_every_action

# role -> username; "admin" is registered apart, as an admin.
USERS = {"task_owner": "author", "task_edit": "taskeditor", "task_view": "taskviewer",
         "list_owner": "listowner", "list_manage": "manager", "list_edit": "editor",
         "list_view": "viewer", "stranger": "stranger"}
LIST_ROLES = {"list_manage": "manage", "list_edit": "edit", "list_view": "view"}


@dataclass
class World:
    """``author``'s two tasks, each shared with ``taskeditor`` (edit) and ``taskviewer``
    (view): ``in_list`` in ``listowner``'s list (shared with a manager, an editor and a
    viewer), ``no_list`` in none. ``lender`` owns the target lists that are not the
    caller's own."""

    testapp: webtest.TestApp
    clients: dict[str, Client]
    lender: Client
    tasks: dict[str, str]

    def state(self, task_id: str) -> tuple:
        """The task and its shares as an admin reads them: a refused move changes neither."""
        admin = self.clients["admin"].headers
        return (self.testapp.get(f"/tasks/{task_id}", headers=admin, status=200).json,
                self.testapp.get(f"/tasks/{task_id}/shares", headers=admin, status=200).json)


def _share_task(author: Client, task_id: str) -> None:
    for role, permission in (("task_edit", "edit"), ("task_view", "view")):
        author.testapp.put_json(f"/tasks/{task_id}/shares/{USERS[role]}",
                                {"permission": permission}, headers=author.headers, status=201)


@pytest.fixture
def world(testapp: webtest.TestApp, register: Callable[..., Client]) -> World:
    clients = {role: register(name) for role, name in USERS.items()}
    clients["admin"] = register("boss", admin=True)
    owner, author = clients["list_owner"], clients["task_owner"]
    home = create_list(owner, name="Home")["id"]
    for role, permission in LIST_ROLES.items():
        share_list(owner, home, USERS[role], permission)
    share_list(owner, home, author.username, "edit")  # to create the task in it...
    tasks = {
        "in_list": testapp.post_json("/tasks", {"title": "In Home", "list": home},
                                     headers=author.headers, status=201).json["id"],
        "no_list": testapp.post_json("/tasks", {"title": "Alone"}, headers=author.headers,
                                     status=201).json["id"],
    }
    # ... and no longer a member: only the task's own ACL makes the author its owner.
    testapp.delete(f"/lists/{home}/shares/{author.username}", headers=owner.headers, status=204)
    for task_id in tasks.values():
        _share_task(author, task_id)
    return World(testapp, clients, register("lender"), tasks)


def _own(w: World, client: Client) -> str:
    return str(create_list(client, name="Mine")["id"])


def _lent(permission: str | None) -> Callable[[World, Client], str]:
    """A list of ``lender``'s shared with the caller as ``permission`` (None: not at all)."""
    def target(w: World, client: Client) -> str:
        list_id = str(create_list(w.lender, name=f"Lent ({permission})")["id"])
        if permission is not None:
            share_list(w.lender, list_id, client.username, permission)
        return list_id
    return target


# The kinds of target list, made for the caller of each cell.
TARGETS: dict[str, Callable[[World, Client], str]] = {
    "own": _own, "editable": _lent("edit"), "viewonly": _lent("view"), "hidden": _lent(None),
}

MOVER = dict(own=200, editable=200, viewonly=403, hidden=400)  # may share the task
NO_MOVE = dict.fromkeys(TARGETS, 403)  # may view the task, may not share it
NOT_SEEN = dict.fromkeys(TARGETS, 404)
ON_ANY_TASK = {"task_owner": MOVER, "admin": dict.fromkeys(TARGETS, 200),
               "task_edit": NO_MOVE, "task_view": NO_MOVE, "stranger": NOT_SEEN}
EXPECTED: dict[str, dict[str, dict[str, int]]] = {
    "in_list": {**ON_ANY_TASK, "list_owner": MOVER, "list_manage": MOVER,
                "list_edit": NO_MOVE, "list_view": NO_MOVE},
    "no_list": ON_ANY_TASK,
}
CELLS = [cell for situation, grid in EXPECTED.items() for cell in cells(grid, situation)]


def _patch(w: World, client: Client, task_id: str, list_id: str) -> tuple[int, dict]:
    response = send_json(w.testapp, "PATCH", f"/tasks/{task_id}", {"list": list_id},
                         client.headers)
    return response.status_int, response.json


def _put(w: World, client: Client, task_id: str, list_id: str) -> tuple[int, dict]:
    response = send_json(w.testapp, "PUT", f"/tasks/{task_id}",
                         {"title": "Replaced", "list": list_id}, client.headers)
    return response.status_int, response.json


def _in_batch(atomic: bool) -> Callable[[World, Client, str, str], tuple[int, dict]]:
    def move(w: World, client: Client, task_id: str, list_id: str) -> tuple[int, dict]:
        sub = {"method": "PATCH", "path": f"/tasks/{task_id}", "body": {"list": list_id}}
        answer = batch(client, [sub], atomic=atomic).json["responses"][0]
        return answer["status"], answer["body"]
    return move


WAYS = {"patch": _patch, "put": _put, "batch_atomic": _in_batch(True),
        "batch_each": _in_batch(False)}


def test_the_grids_cover_every_role_and_target():
    assert covers_every_action(EXPECTED["in_list"], TARGETS)
    assert covers_every_action(EXPECTED["no_list"], TARGETS)
    assert set(EXPECTED["in_list"]) == {*USERS, "admin"}


def _check_move(world: World, situation: str, role: str, target: str, status: int,
                way: str) -> None:
    task_id, client = world.tasks[situation], world.clients[role]
    list_id = TARGETS[target](world, client)
    before = world.state(task_id)
    got, body = WAYS[way](world, client, task_id, list_id)
    assert got == status, body
    if status == 200:
        assert body["list"] == list_id and body["owner"] == "author"
        return
    assert body["status"] == "error"
    if status == 400:
        assert [(e["location"], e["name"]) for e in body["errors"]] == [("body", "list")]
    assert world.state(task_id) == before, "a refused move changed the task"


@pytest.mark.parametrize(("situation", "role", "target", "status"), CELLS)
def test_move_permission_matrix(world: World, situation: str, role: str, target: str,
                                status: int):
    _check_move(world, situation, role, target, status, "patch")


@pytest.mark.parametrize("way", ["put", "batch_atomic", "batch_each"])
@pytest.mark.parametrize(("situation", "role", "target", "status"),
                         [cell for cell in CELLS if cell.values[2] == "own"])
def test_put_and_batch_sub_requests_move_by_the_same_rule(world: World, situation: str,
                                                          role: str, target: str,
                                                          status: int, way: str):
    _check_move(world, situation, role, target, status, way)


# After a refused move the attacker is where they were: what their role did not give
# them (sharing; deleting, for a task share) stays refused. A list editor may delete the
# list's tasks (section 7), so only the share is theirs to be refused.
FOLLOW_UPS = [
    pytest.param("no_list", "task_edit", ("share", "delete"), id="task-edit-share-no-list"),
    pytest.param("in_list", "task_edit", ("share", "delete"), id="task-edit-share-in-list"),
    pytest.param("in_list", "list_edit", ("share",), id="list-edit-role"),
]


@pytest.mark.parametrize(("situation", "role", "refused"), FOLLOW_UPS)
def test_a_refused_move_into_ones_own_list_gains_no_right(world: World, situation: str,
                                                          role: str, refused: tuple[str, ...]):
    task_id, attacker = world.tasks[situation], world.clients[role]
    before = world.state(task_id)
    mine = _own(world, attacker)
    response = send_json(world.testapp, "PATCH", f"/tasks/{task_id}", {"list": mine},
                         attacker.headers, 403)
    assert_error(response, 403, ("body", "list"))
    attempts = {
        "share": lambda: send_json(world.testapp, "PUT", f"/tasks/{task_id}/shares/lender",
                                   {"permission": "edit"}, attacker.headers, 403),
        "delete": lambda: world.testapp.delete(f"/tasks/{task_id}", headers=attacker.headers,
                                               status=403),
    }
    for action in refused:
        assert_error(attempts[action](), 403)
    assert world.state(task_id) == before
    author = world.clients["task_owner"]
    world.testapp.get(f"/tasks/{task_id}", headers=author.headers, status=200)
