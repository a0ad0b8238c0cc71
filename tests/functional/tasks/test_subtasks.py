"""Contract section 13, the ``parent`` field: where a subtask lives, how deep a tree may be,
who may hang a task under another, and what completing, deleting and moving a task do to
its subtree.

Who may do what to a subtask of someone else's is the grid of
test_subtask_permission_matrix.py; the order of siblings is test_manual_order.py.
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.support.api import Client, assert_error, create_task, send_json
from tests.support.listing import ids
from tests.support.lists import create_list, share_list
from tests.support.subtasks import (
    MAX_DEPTH,
    chain,
    create_subtask,
    history,
    history_rows,
    is_gone,
    listed,
    move,
    patch,
    read,
    share_task,
)
from tests.support.sync import replica


def post(client: Client, body: Any, status: int = 201, path: str = "/tasks") -> Any:
    return send_json(client.testapp, "POST", path, body, client.headers, status)


def everything(client: Client) -> list[dict]:
    """Every task ``client`` may view, by id: what a refused request must leave as it was."""
    return sorted(listed(client, {}), key=lambda task: int(task["id"]))


def assert_refused(response: Any, status: int, name: str) -> None:
    """A ``status`` naming exactly the body field ``name``."""
    assert_error(response, status, ("body", name))


# -- creating a subtask ------------------------------------------------------------------------


@pytest.mark.parametrize("in_list", [True, False])
def test_a_subtask_goes_into_its_parents_list(alice, in_list):
    where = {"list": create_list(alice)["id"]} if in_list else {}
    parent = create_task(alice, title="parent", **where)
    made = create_subtask(alice, parent["id"], title="step")
    assert (made["parent"], made["list"]) == (parent["id"], where.get("list"))
    assert read(alice, made["id"]) == made
    assert parent["parent"] is None  # the default: a top-level task


def test_a_subtask_may_name_its_parents_list_or_be_posted_to_it(alice):
    groceries = create_list(alice)["id"]
    parent = create_task(alice, list=groceries)
    same = post(alice, {"title": "same list", "parent": parent["id"], "list": groceries}).json
    posted = post(alice, {"title": "posted to it", "parent": parent["id"]},
                  path=f"/lists/{groceries}/tasks").json
    for made in (same, posted):
        assert (made["parent"], made["list"]) == (parent["id"], groceries)


@pytest.mark.parametrize(("parent_in", "sent"), [
    ("first", "second"), ("first", None), (None, "first"),
])
def test_a_list_that_differs_from_the_parents_is_400_naming_list(alice, parent_in, sent):
    lists = {"first": create_list(alice)["id"], "second": create_list(alice)["id"], None: None}
    parent = create_task(alice, list=lists[parent_in])
    before = everything(alice)
    response = post(alice, {"title": "t", "parent": parent["id"], "list": lists[sent]}, 400)
    assert_refused(response, 400, "list")
    if sent is not None:
        response = post(alice, {"title": "t", "parent": parent["id"]}, 400,
                        path=f"/lists/{lists[sent]}/tasks")
        assert_refused(response, 400, "list")
    assert everything(alice) == before


# -- how deep ----------------------------------------------------------------------------------


def test_four_levels_are_allowed_and_a_fifth_is_400_naming_parent(alice):
    tree = chain(alice, MAX_DEPTH)
    assert [t["parent"] for t in tree] == [None, *(t["id"] for t in tree[:-1])]
    before = everything(alice)
    assert_refused(post(alice, {"title": "too deep", "parent": tree[-1]["id"]}, 400), 400,
                   "parent")
    assert everything(alice) == before


@pytest.mark.parametrize(("under", "status"), [(1, 200), (2, 200), (3, 400), (4, 400)])
@pytest.mark.parametrize("way", ["patch", "move"])
def test_the_depth_limit_counts_the_whole_subtree_moved(alice, under, status, way):
    """A task with a subtask under it (two levels) fits under levels 1 and 2 of another tree,
    not under 3 or 4."""
    target = chain(alice, MAX_DEPTH)[under - 1]
    moved = chain(alice, 2)
    before = everything(alice)
    send = patch if way == "patch" else move
    response = send(alice, moved[0]["id"], {"parent": target["id"]}, status)
    if status == 400:
        assert_refused(response, 400, "parent")
        assert everything(alice) == before
    else:
        assert response.json["parent"] == target["id"]
        assert read(alice, moved[1]["id"])["parent"] == moved[0]["id"]


# -- cycles ------------------------------------------------------------------------------------


@pytest.mark.parametrize("level", [0, 1, 2])
@pytest.mark.parametrize("way", ["patch", "move", "put"])
def test_a_task_made_its_own_ancestor_is_400_naming_parent(alice, level, way):
    """Under itself (level 0), its subtask or its subtask's subtask: each a cycle."""
    tree = chain(alice, 3)
    top = tree[0]["id"]
    body = {"parent": tree[level]["id"]}
    before = everything(alice)
    if way == "put":
        response = send_json(alice.testapp, "PUT", f"/tasks/{top}", {"title": "t", **body},
                             alice.headers, 400)
    else:
        response = (patch if way == "patch" else move)(alice, top, body, 400)
    assert_refused(response, 400, "parent")
    assert everything(alice) == before


# -- who may hang a task under another ---------------------------------------------------------


@pytest.mark.parametrize("hidden", ["someone_elses", "unknown"])
def test_a_parent_the_caller_cannot_view_is_400_naming_parent(alice, bob, hidden):
    parent = create_task(bob)["id"] if hidden == "someone_elses" else "999999999"
    own = create_task(alice)
    before = everything(alice)
    assert_refused(post(alice, {"title": "t", "parent": parent}, 400), 400, "parent")
    assert_refused(patch(alice, own["id"], {"parent": parent}, 400), 400, "parent")
    assert_refused(move(alice, own["id"], {"parent": parent}, 400), 400, "parent")
    assert everything(alice) == before
    assert listed(bob, {"parent": parent}) == []  # and bob's task got no subtask


def test_a_parent_the_caller_may_view_but_not_edit_is_403(alice, bob):
    theirs = create_task(bob)
    share_task(bob, theirs["id"], "alice", "view")
    own = create_task(alice)
    before = everything(alice)
    assert_error(post(alice, {"title": "t", "parent": theirs["id"]}, 403), 403)
    assert_error(patch(alice, own["id"], {"parent": theirs["id"]}, 403), 403)
    assert_error(move(alice, own["id"], {"parent": theirs["id"]}, 403), 403)
    assert everything(alice) == before


def test_an_edit_share_on_the_parent_is_enough_to_hang_ones_task_under_it(alice, bob):
    theirs = create_task(bob)
    share_task(bob, theirs["id"], "alice", "edit")
    made = create_subtask(alice, theirs["id"])
    own = create_task(alice)
    hung = patch(alice, own["id"], {"parent": theirs["id"]}).json
    assert (made["owner"], hung["owner"]) == ("alice", "alice")
    assert sorted(ids(listed(bob, {"parent": theirs["id"]}))) == sorted([made["id"], own["id"]])


@pytest.mark.parametrize("value", ["number", True, [], {}, ""])
@pytest.mark.parametrize(("name", "way"), [
    ("parent", "post"), ("parent", "patch"), ("parent", "move"), ("list", "move"),
    ("after", "move"),
])
def test_an_id_that_is_not_an_id_string_is_400(alice, value, name, way):
    """An id sent as a number (or as anything but an id's string) is a 400 naming it; the
    same id as a string would be accepted (every task here is a top-level task in no list of
    alice's, so ``sibling`` is one of ``own``'s siblings)."""
    parent, sibling, own = (create_task(alice, title=title)
                            for title in ("parent", "sibling", "moved"))
    place = create_list(alice)["id"]
    real = {"parent": parent["id"], "list": place, "after": sibling["id"]}[name]
    sent = int(real) if value == "number" else value
    before = everything(alice)

    def send(value: Any, accepted: bool) -> Any:
        if way == "post":
            return post(alice, {"title": "t", name: value}, 201 if accepted else 400)
        return (patch if way == "patch" else move)(alice, own["id"], {name: value},
                                                   200 if accepted else 400)

    assert_refused(send(sent, accepted=False), 400, name)
    assert everything(alice) == before
    done = send(real, accepted=True).json
    if name != "after":
        assert done[name] == real


# -- a subtree follows its top task ------------------------------------------------------------


def _move_top(alice: Client, top: dict, list_id: str | None, way: str) -> None:
    if way == "patch":
        patch(alice, top["id"], {"list": list_id})
    elif way == "put":
        send_json(alice.testapp, "PUT", f"/tasks/{top['id']}",
                  {"title": top["title"], "list": list_id}, alice.headers, 200)
    else:
        move(alice, top["id"], {"list": list_id})


@pytest.mark.parametrize(("start", "end"), [("first", "second"), ("first", None),
                                            (None, "first")])
@pytest.mark.parametrize("way", ["patch", "put", "move"])
def test_moving_a_task_to_another_list_moves_its_subtree(alice, start, end, way):
    """Each task of the subtree: the new list, one version more, one history entry (a change
    of list), its parent as it was."""
    lists = {"first": create_list(alice)["id"], "second": create_list(alice)["id"], None: None}
    tree = chain(alice, MAX_DEPTH, **({"list": lists[start]} if start else {}))
    assert {t["list"] for t in tree} == {lists[start]}
    _move_top(alice, tree[0], lists[end], way)
    for before in tree:
        after = read(alice, before["id"])
        assert (after["list"], after["version"], after["parent"]) == (
            lists[end], before["version"] + 1, before["parent"])
        [entry, _created] = history(alice, before["id"])
        assert entry["changes"]["list"] == {"from": lists[start], "to": lists[end]}
        assert (entry["action"], entry["version"]) == ("updated", 2)
        if before["parent"] is not None:
            assert set(entry["changes"]) == {"list"}


def test_a_list_member_loses_the_whole_subtree_when_it_leaves_the_list(alice, bob):
    shared, private = create_list(alice)["id"], create_list(alice)["id"]
    share_list(alice, shared, "bob", "view")
    tree = chain(alice, 3, list=shared)
    assert sorted(ids(listed(bob, {}))) == sorted(ids(tree))
    patch(alice, tree[0]["id"], {"list": private})
    assert listed(bob, {}) == []
    assert all(is_gone(bob, task["id"]) for task in tree)


def test_changing_a_subtasks_list_needs_making_it_top_level_in_the_same_body(alice):
    first, second = create_list(alice)["id"], create_list(alice)["id"]
    top, child, grandchild = chain(alice, 3, list=first)
    before = everything(alice)
    assert_refused(patch(alice, child["id"], {"list": second}, 400), 400, "list")
    assert_refused(move(alice, child["id"], {"list": second}, 400), 400, "list")
    assert_refused(patch(alice, child["id"], {"list": None}, 400), 400, "list")
    assert everything(alice) == before
    assert patch(alice, child["id"], {"list": first}).json == read(alice, child["id"])  # as it is
    assert everything(alice) == before
    moved = patch(alice, child["id"], {"list": second, "parent": None}).json
    assert (moved["list"], moved["parent"], moved["version"]) == (second, None, 2)
    assert read(alice, grandchild["id"])["list"] == second  # its subtree went with it
    assert read(alice, top["id"]) == top


# -- completing and reopening ------------------------------------------------------------------


def test_completing_a_parent_completes_none_of_its_subtasks(alice):
    top, child, grandchild = chain(alice, 3)
    assert patch(alice, top["id"], {"done": True}).json["done"] is True
    assert read(alice, child["id"]) == child
    assert read(alice, grandchild["id"]) == grandchild


def test_reopening_a_subtask_reopens_none_of_its_ancestors(alice):
    tree = chain(alice, 3)
    done = [patch(alice, task["id"], {"done": True}).json for task in tree]
    reopened = patch(alice, tree[-1]["id"], {"done": False}).json
    assert (reopened["done"], reopened["completed_at"]) == (False, None)
    assert [read(alice, task["id"]) for task in tree[:-1]] == done[:-1]


# -- deleting ----------------------------------------------------------------------------------


def test_deleting_a_task_deletes_its_subtree(alice, dbsession):
    """Each subtask: a 404, gone from GET /tasks, a ``deleted`` tombstone in the change feed,
    its history gone; the task above and the other branches stay."""
    top, child, grandchild, last = chain(alice, MAX_DEPTH)
    other = create_subtask(alice, top["id"], title="other branch")
    copy = replica(alice)
    alice.testapp.delete(f"/tasks/{child['id']}", headers=alice.headers, status=204)
    subtree = [child["id"], grandchild["id"], last["id"]]
    assert all(is_gone(alice, task_id) for task_id in subtree)
    assert sorted(ids(listed(alice, {}))) == sorted([top["id"], other["id"]])
    changes = copy.sync()
    assert sorted((c["id"], c["deleted"], c.get("reason")) for c in changes) == sorted(
        (task_id, True, "deleted") for task_id in subtree)
    assert [history_rows(dbsession, task_id) for task_id in subtree] == [0, 0, 0]
    assert read(alice, top["id"]) == top and read(alice, other["id"]) == other


def test_deleting_a_user_deletes_their_tasks_subtrees_others_subtasks_included(alice, bob,
                                                                               admin):
    """Bob's subtasks under alice's task go with alice; alice's subtask under bob's task goes
    with her too, and bob's task stays."""
    hers = create_task(alice, title="hers")
    share_task(alice, hers["id"], "bob", "edit")
    below = [create_subtask(bob, hers["id"], title="bob's step")]
    below.append(create_subtask(bob, below[0]["id"], title="bob's step's step"))
    his = create_task(bob, title="his")
    share_task(bob, his["id"], "alice", "edit")
    her_step = create_subtask(alice, his["id"], title="her step under his")
    admin.testapp.delete("/users/alice", headers=admin.headers, status=204)
    for task in (hers, *below, her_step):
        assert is_gone(admin, task["id"]) and is_gone(bob, task["id"])
    assert ids(listed(bob, {})) == [his["id"]]
    assert read(bob, his["id"])["version"] == his["version"]


# -- PUT ---------------------------------------------------------------------------------------


def test_a_put_without_parent_leaves_it_and_one_with_null_makes_the_task_top_level(alice):
    groceries = create_list(alice)["id"]
    parent = create_task(alice, list=groceries)
    step = create_subtask(alice, parent["id"], title="step", list=groceries)
    url = f"/tasks/{step['id']}"
    kept = alice.testapp.put_json(url, {"title": "renamed"}, headers=alice.headers).json
    assert (kept["parent"], kept["list"], kept["version"]) == (parent["id"], groceries, 2)
    freed = alice.testapp.put_json(url, {"title": "renamed", "parent": None},
                                   headers=alice.headers).json
    assert (freed["parent"], freed["list"], freed["version"]) == (None, groceries, 3)


# -- history and what a subtask shows ---------------------------------------------------------


def test_the_created_entry_lists_parent(alice):
    top = create_task(alice)
    step = create_subtask(alice, top["id"])
    assert history(alice, top["id"])[0]["changes"]["parent"] == {"from": None, "to": None}
    [created] = history(alice, step["id"])
    assert created["action"] == "created"
    assert created["changes"]["parent"] == {"from": None, "to": top["id"]}


def test_a_change_of_parent_is_an_updated_entry(alice):
    first, second = create_task(alice), create_task(alice)
    step = create_subtask(alice, first["id"])
    patch(alice, step["id"], {"parent": second["id"]})
    same = patch(alice, step["id"], {"parent": second["id"]}).json  # as it is: no change
    assert same["version"] == 2
    patch(alice, step["id"], {"parent": None})
    entries = history(alice, step["id"])
    assert [e["changes"]["parent"] for e in entries[:2]] == [
        {"from": second["id"], "to": None}, {"from": first["id"], "to": second["id"]}]
    assert [(e["action"], e["version"]) for e in entries] == [
        ("updated", 3), ("updated", 2), ("created", 1)]


def test_a_subtask_shows_its_parent_to_who_cannot_view_the_parent(alice, bob):
    top = create_task(alice, title="private")
    step = create_subtask(alice, top["id"], title="shared step")
    share_task(alice, step["id"], "bob", "view")
    assert is_gone(bob, top["id"])
    assert read(bob, step["id"])["parent"] == top["id"]
    [listed_step] = listed(bob, {})
    assert (listed_step["id"], listed_step["parent"]) == (step["id"], top["id"])
    assert listed(bob, {"parent": top["id"]}) == []  # a parent bob cannot view lists nothing


# -- re-parenting across lists -------------------------------------------------------------


@pytest.mark.parametrize("way", ["patch", "move"])
def test_hanging_a_task_under_a_parent_in_another_list_moves_its_subtree_there(alice, way):
    first, second = create_list(alice)["id"], create_list(alice)["id"]
    top, child = chain(alice, 2, list=first)
    parent = create_task(alice, title="in the second list", list=second)
    moved = (patch if way == "patch" else move)(alice, top["id"], {"parent": parent["id"]}).json
    assert (moved["parent"], moved["list"], moved["version"]) == (parent["id"], second, 2)
    below = read(alice, child["id"])
    assert (below["parent"], below["list"], below["version"]) == (top["id"], second, 2)
    assert history(alice, child["id"])[0]["changes"] == {"list": {"from": first, "to": second}}
    assert read(alice, parent["id"]) == parent


def test_hanging_a_task_under_a_parent_in_a_list_needs_creating_tasks_in_that_list(alice,
                                                                                   bob):
    """An edit share on the parent task is no right to put tasks into its list."""
    his = create_list(bob)["id"]
    parent = create_task(bob, title="his, in his list", list=his)
    share_task(bob, parent["id"], "alice", "edit")
    own = create_task(alice)
    before = everything(alice)
    assert_error(patch(alice, own["id"], {"parent": parent["id"]}, 403), 403)
    assert_error(move(alice, own["id"], {"parent": parent["id"]}, 403), 403)
    assert_error(post(alice, {"title": "t", "parent": parent["id"], "list": his}, 403), 403)
    assert everything(alice) == before
    share_list(bob, his, "alice", "edit")
    assert patch(alice, own["id"], {"parent": parent["id"]}).json["list"] == his


def test_a_manager_cannot_take_a_task_out_of_its_list_by_reparenting_it(alice, bob):
    """Under a task in no list, a task leaves its list: as "list": null, only its owner
    (or an admin) may do that, not a manager of the list, who may share it."""
    groceries = create_list(alice, name="Groceries")
    share_list(alice, groceries["id"], "bob", "manage")
    task = create_task(alice, list=groceries["id"])
    loose = create_task(bob, title="bob's, in no list")
    response = patch(bob, task["id"], {"parent": loose["id"]}, status="*")
    assert_refused(response, 403, "parent")
    assert read(alice, task["id"]) == task
    patch(alice, task["id"], {"list": None})
    moved = patch(alice, task["id"], {"parent": None, "list": groceries["id"]}).json
    assert moved["list"] == groceries["id"]
