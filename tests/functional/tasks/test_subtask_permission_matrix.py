"""Who may do what to a subtask two levels down: every role against every action, one exact
status per cell (contract section 13, on sections 1, 4 and 7).

The tree is ``top -> child -> grandchild``, the grandchild under test having a subtask of its
own and a sibling. Rights reach the grandchild only through the tree: nobody in the grid has
a share on it, so what the sharees of the top task and the members of its list may do comes
from "whoever may view (edit, delete) a task may view (edit, delete) its subtasks". Sharing
and re-parenting are not inherited ("the parent's owner may delete someone else's subtask
but not move or share it"), the task's own right (403) is judged before the target's
(400 or 403), and who may not view the task gets a 404.

The grid runs on a tree in no list and on one in a list (``listowner``'s, which the top's
owner and the grandchild's author are ``edit`` members of), each with a grandchild made by
the top's owner and one made by ``author`` through an edit right. A denied request must
write nothing: every 4xx cell compares every task, the grandchild's shares and its history
afterwards, as an admin reads them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import pytest
import webtest

from tests.support.api import Client, assert_error, create_task, send_json
from tests.support.listing import ids
from tests.support.lists import create_list, share_list
from tests.support.matrix import cells, covers_every_action
from tests.support.subtasks import children, create_subtask, history, listed, read, share_task

# role -> username; "admin" is registered apart, as an admin.
TASK_ROLES = {"owner": "owner", "author": "author", "task_edit": "taskeditor",
              "task_view": "taskviewer", "stranger": "stranger"}
LIST_ROLES = {"list_owner": "listowner", "list_manage": "manager", "list_edit": "editor",
              "list_view": "viewer"}
LIST_PERMISSIONS = {"list_manage": "manage", "list_edit": "edit", "list_view": "view"}


@dataclass
class World:
    """The tree and who is who. ``tasks`` names: ``top``, ``child`` and ``uncle`` (two
    subtasks of top), ``grandchild`` (under child, the task under test), ``sibling`` (under
    child, made after it), ``below`` (the grandchild's own subtask) and ``hidden`` (a task
    of ``lender``'s nobody in the grid may view but an admin)."""

    testapp: webtest.TestApp
    clients: dict[str, Client]
    auditor: Client  # an admin outside the grid, who reads the state
    tasks: dict[str, str] = field(default_factory=dict)

    @property
    def grandchild(self) -> str:
        return self.tasks["grandchild"]

    def state(self) -> tuple:
        """Everything a denied request must leave alone: every task (versions, positions,
        parents, lists), the grandchild's shares and its history."""
        auditor = self.auditor
        every = sorted(listed(auditor, {}), key=lambda task: int(task["id"]))
        shares = self.testapp.get(f"/tasks/{self.grandchild}/shares", headers=auditor.headers,
                                  status=200).json
        return every, shares, history(auditor, self.grandchild)


def _build(testapp: webtest.TestApp, register: Callable[..., Client], situation: str,
           variant: str) -> World:
    roles = {**TASK_ROLES, **(LIST_ROLES if situation == "in_list" else {})}
    clients = {role: register(name) for role, name in roles.items()}
    clients["admin"] = register("boss", admin=True)
    world = World(testapp, clients, register("auditor", admin=True))
    owner, author = clients["owner"], clients["author"]
    register("newcomer")  # the target of the "share" action
    lender = register("lender")
    where: dict[str, str] = {}
    if situation == "in_list":
        list_owner = clients["list_owner"]
        where["list"] = create_list(list_owner, name="Shared")["id"]
        for role, permission in LIST_PERMISSIONS.items():
            share_list(list_owner, where["list"], LIST_ROLES[role], permission)
        for member in (owner, author):  # so that they may create tasks in it
            share_list(list_owner, where["list"], member.username, "edit")
    tasks = world.tasks
    tasks["top"] = create_task(owner, title="top", **where)["id"]
    share_task(owner, tasks["top"], "taskeditor", "edit")
    share_task(owner, tasks["top"], "taskviewer", "view")
    if situation == "no_list":  # in a list, author is an editor of the list instead
        share_task(owner, tasks["top"], "author", "edit")
    # Each subtask names its parent's list (as it may): the grid is about rights, and
    # test_subtasks.py about where a subtask created without ``list`` goes.
    tasks["child"] = create_subtask(owner, tasks["top"], title="child", **where)["id"]
    tasks["uncle"] = create_subtask(owner, tasks["top"], title="uncle", **where)["id"]
    maker = author if variant == "foreign" else owner
    tasks["grandchild"] = create_subtask(maker, tasks["child"], title="grandchild",
                                         **where)["id"]
    tasks["sibling"] = create_subtask(owner, tasks["child"], title="sibling", **where)["id"]
    tasks["below"] = create_subtask(maker, tasks["grandchild"], title="below", **where)["id"]
    tasks["hidden"] = create_task(lender, title="not yours")["id"]
    return world


def _send(method: str, path: str, body: Callable[[World], object] | None = None
          ) -> Callable[[World, Client, int], webtest.TestResponse]:
    def action(w: World, client: Client, status: int) -> webtest.TestResponse:
        url = path.format(**w.tasks)
        if body is None:
            return w.testapp.request(url, method=method, headers=client.headers, status=status)
        return send_json(w.testapp, method, url, body(w), client.headers, status)
    return action


ACTIONS: dict[str, Callable[[World, Client, int], webtest.TestResponse]] = {
    "get": _send("GET", "/tasks/{grandchild}"),
    "patch": _send("PATCH", "/tasks/{grandchild}", lambda w: {"title": "Changed"}),
    "put": _send("PUT", "/tasks/{grandchild}", lambda w: {"title": "Changed"}),
    "delete": _send("DELETE", "/tasks/{grandchild}"),
    "history": _send("GET", "/tasks/{grandchild}/history"),
    "share": _send("PUT", "/tasks/{grandchild}/shares/newcomer",
                   lambda w: {"permission": "view"}),
    "move": _send("POST", "/tasks/{grandchild}/move", lambda w: {"after": w.tasks["sibling"]}),
    "move_parent": _send("POST", "/tasks/{grandchild}/move",
                         lambda w: {"parent": w.tasks["uncle"], "after": None}),
    "reparent": _send("PATCH", "/tasks/{grandchild}", lambda w: {"parent": w.tasks["uncle"]}),
    "unparent": _send("PATCH", "/tasks/{grandchild}", lambda w: {"parent": None}),
    "reparent_hidden": _send("PATCH", "/tasks/{grandchild}",
                             lambda w: {"parent": w.tasks["hidden"]}),
    "add_subtask": _send("POST", "/tasks",
                         lambda w: {"title": "New", "parent": w.tasks["grandchild"]}),
}

# Needing the right to share the task: sharing it, and changing its parent.
SHARE_RIGHT = ("share", "move_parent", "reparent", "unparent", "reparent_hidden")
# May share it: everything; "reparent_hidden" names a parent they cannot view (400).
FULL = dict(get=200, patch=200, put=200, delete=204, history=200, share=201, move=200,
            move_parent=200, reparent=200, unparent=200, reparent_hidden=400, add_subtask=201)
ADMIN = {**FULL, "reparent_hidden": 200}  # an admin may view and edit the hidden task
EDITOR = {**FULL, **dict.fromkeys(SHARE_RIGHT, 403)}  # view, edit, delete
SHAREE_EDITOR = {**EDITOR, "delete": 403}  # an edit share on a task: view, edit (section 4)
VIEWER = {**dict.fromkeys(FULL, 403), "get": 200, "history": 200}
NOBODY = {**dict.fromkeys(FULL, 404), "add_subtask": 400}  # a parent they cannot view

NO_LIST = {"task_edit": SHAREE_EDITOR, "task_view": VIEWER, "stranger": NOBODY,
           "admin": ADMIN}
IN_LIST = {**NO_LIST, "list_owner": FULL, "list_manage": FULL, "list_edit": EDITOR,
           "list_view": VIEWER,
           # an edit share on the top task, no member of the list: may edit the subtask,
           # may not create tasks in its list (section 7)
           "task_edit": {**SHAREE_EDITOR, "add_subtask": 403}}
EXPECTED: dict[str, dict[str, dict[str, dict[str, int]]]] = {
    "no_list": {
        # author holds an edit share on the top task
        "own": {**NO_LIST, "owner": FULL, "author": SHAREE_EDITOR},
        # the top's owner inherits delete, not share; author owns the grandchild
        "foreign": {**NO_LIST, "owner": EDITOR, "author": FULL},
    },
    "in_list": {
        # author is an edit member of the list
        "own": {**IN_LIST, "owner": FULL, "author": EDITOR},
        "foreign": {**IN_LIST, "owner": EDITOR, "author": FULL},
    },
}
CELLS = [cell for situation, variants in EXPECTED.items()
         for variant, grid in variants.items()
         for cell in cells(grid, situation, variant)]


def test_the_grids_cover_every_role_and_action():
    for variants in EXPECTED.values():
        for grid in variants.values():
            assert covers_every_action(grid, ACTIONS)
    assert set(EXPECTED["no_list"]["own"]) == {*TASK_ROLES, "admin"}
    assert set(EXPECTED["in_list"]["own"]) == {*TASK_ROLES, *LIST_ROLES, "admin"}


def _effect(world: World, role: str, action: str, body: dict) -> None:
    """What an allowed action did, read back by the auditor."""
    auditor, tasks = world.auditor, world.tasks
    top = read(auditor, tasks["top"])
    if action == "delete":
        for name in ("grandchild", "below"):
            auditor.testapp.get(f"/tasks/{tasks[name]}", headers=auditor.headers, status=404)
        return
    if action in {"get", "patch", "put"}:
        assert (body["id"], body["parent"], body["list"]) == (
            tasks["grandchild"], tasks["child"], top["list"])
        assert body["title"] == ("grandchild" if action == "get" else "Changed")
    elif action == "move":
        assert children(auditor, tasks["child"]) == [tasks["sibling"], tasks["grandchild"]]
    elif action in {"move_parent", "reparent"}:
        assert (body["parent"], body["list"]) == (tasks["uncle"], top["list"])
        assert children(auditor, tasks["uncle"]) == [tasks["grandchild"]]
    elif action == "unparent":
        assert (body["parent"], body["list"]) == (None, top["list"])
    elif action == "reparent_hidden":
        assert (body["parent"], body["list"]) == (tasks["hidden"], None)
        assert read(auditor, tasks["below"])["list"] is None  # the subtree went with it
    elif action == "add_subtask":
        assert (body["parent"], body["list"]) == (tasks["grandchild"], top["list"])
        assert body["owner"] == world.clients[role].username
    elif action == "share":
        assert body == {"username": "newcomer", "permission": "view"}
    elif action == "history":
        assert body["items"][-1]["action"] == "created"


@pytest.mark.parametrize(("situation", "variant", "role", "action", "status"), CELLS)
def test_subtask_permission_matrix(testapp: webtest.TestApp, register: Callable[..., Client],
                                   situation: str, variant: str, role: str, action: str,
                                   status: int):
    world = _build(testapp, register, situation, variant)
    before = world.state()
    response = ACTIONS[action](world, world.clients[role], status)
    if status < 400:
        _effect(world, role, action, response.json if response.body else {})
        return
    errors = assert_error(response, status)
    if status == 400:
        assert [(e["location"], e["name"]) for e in errors] == [("body", "parent")]
    assert world.state() == before, "a denied request changed something"


# -- what the grid implies, told as stories ---------------------------------------------------


@pytest.fixture
def tree(testapp: webtest.TestApp, register: Callable[..., Client]) -> World:
    return _build(testapp, register, "no_list", "foreign")


def test_a_share_on_a_subtask_reaches_its_subtasks_and_nothing_above(tree: World,
                                                                      register):
    """A subtask's own shares add to what its parent grants, and are inherited below it."""
    dave = register("dave")
    share_task(tree.clients["author"], tree.grandchild, "dave", "edit")
    for name in ("top", "child", "sibling"):
        tree.testapp.get(f"/tasks/{tree.tasks[name]}", headers=dave.headers, status=404)
    for name in ("grandchild", "below"):
        changed = tree.testapp.patch_json(f"/tasks/{tree.tasks[name]}", {"title": "by dave"},
                                          headers=dave.headers, status=200).json
        assert changed["version"] == 2
    assert sorted(ids(listed(dave, {}))) == sorted([tree.grandchild, tree.tasks["below"]])
    # an edit share gives no delete (section 4), on the task or below it
    for name in ("grandchild", "below"):
        tree.testapp.delete(f"/tasks/{tree.tasks[name]}", headers=dave.headers, status=403)


def test_the_author_of_a_subtask_keeps_it_after_losing_the_parent(tree: World):
    """The grandchild's owner is whoever created it: removing their share on the top task
    takes the tree above from them, never their own task and what is below it."""
    owner, author = tree.clients["owner"], tree.clients["author"]
    tree.testapp.delete(f"/tasks/{tree.tasks['top']}/shares/author", headers=owner.headers,
                        status=204)
    for name in ("top", "child", "sibling"):
        tree.testapp.get(f"/tasks/{tree.tasks[name]}", headers=author.headers, status=404)
    own = read(author, tree.grandchild)
    assert (own["owner"], own["parent"]) == ("author", tree.tasks["child"])
    share_task(author, tree.grandchild, "newcomer", "view")
    assert read(author, tree.tasks["below"])["parent"] == tree.grandchild


def test_the_parents_owner_may_delete_someone_elses_subtask_but_not_move_or_share_it(
        tree: World):
    owner = tree.clients["owner"]
    before = tree.state()
    for action in ("share", "reparent", "unparent", "move_parent"):
        assert_error(ACTIONS[action](tree, owner, 403), 403)
    assert tree.state() == before
    ACTIONS["delete"](tree, owner, 204)
    _effect(tree, "owner", "delete", {})
