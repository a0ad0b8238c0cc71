"""Contract section 13, manual order: ``position``, ``POST /tasks/<id>/move``, and listing
with ``parent=`` and ``sort=position``.

Siblings are the tasks with the same ``parent``; for top-level tasks, those of the same
list, and in no list those of the same owner. The expected orders are computed from the
positions the API shows, in byte order with ties by id (tests.support.subtasks.in_order).
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy import update

from taskservice.tasks.models import Task
from tests.support.api import Client, assert_error, create_task, send_json
from tests.support.listing import ids, page
from tests.support.lists import create_list
from tests.support.subtasks import (
    MAX_POSITION,
    changed_fields,
    children,
    create_subtask,
    history,
    in_order,
    listed,
    move,
    patch,
    read,
    share_task,
)
from tests.support.webhooks import RECEIVER_OVERRIDES, Receiver, deliver, make_hook


@pytest.fixture
def app(make_app: Callable[..., Any]) -> Any:
    """The app may deliver to a Receiver on 127.0.0.1 (one test here listens for events)."""
    return make_app(**RECEIVER_OVERRIDES)


def subtasks(client: Client, count: int, **fields: Any) -> tuple[dict, list[dict]]:
    """A parent and ``count`` subtasks made under it in turn (titles s0, s1, ...)."""
    parent = create_task(client, title="parent", **fields)
    return parent, [create_subtask(client, parent["id"], title=f"s{i}") for i in range(count)]


def titles(client: Client, parent_id: str) -> list[str]:
    """The titles of a task's subtasks in their order."""
    listing = listed(client, {"parent": parent_id, "sort": "position"})
    return [task["title"] for task in listing]


def positions_increase(tasks: list[dict]) -> bool:
    keys = [task["position"].encode("utf-8") for task in tasks]
    return all(a < b for a, b in itertools.pairwise(keys))


# -- position ----------------------------------------------------------------------------------


def test_every_task_has_a_position_string_within_the_bound(alice):
    parent, [step] = subtasks(alice, 1)
    for task in (parent, step):
        assert isinstance(task["position"], str) and 1 <= len(task["position"]) <= MAX_POSITION


@pytest.mark.parametrize("value", ["same", "0", "zzz", None, 1])
@pytest.mark.parametrize("way", ["post", "patch", "put", "move"])
def test_position_is_read_only(alice, value, way):
    task = create_task(alice)
    sent = task["position"] if value == "same" else value
    url = "/tasks" if way == "post" else f"/tasks/{task['id']}"
    if way == "move":
        url += "/move"
    method = {"post": "POST", "patch": "PATCH", "put": "PUT", "move": "POST"}[way]
    response = send_json(alice.testapp, method, url, {"title": "t", "position": sent}
                         if way in {"post", "put"} else {"position": sent}, alice.headers, 400)
    [error] = assert_error(response, 400, ("body", "position"))
    assert "read-only" in error["description"].lower()  # as every read-only field's
    assert listed(alice, {}) == [task]


# -- a new task goes after its last sibling ----------------------------------------------------


def _group(client: Client, kind: str) -> Callable[[str], dict]:
    """A maker of new siblings of one kind: subtasks of one task, top-level tasks of one list,
    top-level tasks in no list (of one owner)."""
    if kind == "subtasks":
        parent = create_task(client, title="parent")["id"]
        return lambda title: create_subtask(client, parent, title=title)
    if kind == "list":
        place = create_list(client)["id"]
        return lambda title: create_task(client, title=title, list=place)
    return lambda title: create_task(client, title=title)


@pytest.mark.parametrize("kind", ["subtasks", "list", "no_list"])
def test_a_new_task_goes_after_its_last_sibling(alice, bob, kind):
    make = _group(alice, kind)
    made = []
    for i in range(5):
        made.append(make(f"t{i}"))
        create_task(bob, title="someone else's, in between")
    assert positions_increase(made)


def test_a_task_given_new_siblings_by_patch_or_put_goes_after_the_last_of_them(alice):
    parent, _steps = subtasks(alice, 2)
    loose, other = create_task(alice, title="by patch"), create_task(alice, title="by put")
    patch(alice, loose["id"], {"parent": parent["id"]})
    alice.testapp.put_json(f"/tasks/{other['id']}", {"title": "by put", "parent": parent["id"]},
                           headers=alice.headers, status=200)
    assert titles(alice, parent["id"]) == ["s0", "s1", "by patch", "by put"]
    place = create_list(alice)["id"]
    first = create_task(alice, title="first in the list", list=place)
    patch(alice, loose["id"], {"parent": None, "list": place})
    top_level = listed(alice, {"parent": "none", "sort": "position"}, path=f"/lists/{place}/tasks")
    assert ids(top_level) == [first["id"], loose["id"]]


def test_top_level_tasks_in_no_list_are_siblings_per_owner(alice, bob):
    """Bob's task shared with alice is no sibling of hers, nor hers of his."""
    mine = [create_task(alice, title=f"a{i}") for i in range(2)]
    his = create_task(bob, title="b")
    share_task(bob, his["id"], "alice", "edit")
    share_task(alice, mine[0]["id"], "bob", "edit")
    assert_error(move(alice, mine[1]["id"], {"after": his["id"]}, 400), 400, ("body", "after"))
    assert_error(move(bob, his["id"], {"after": mine[0]["id"]}, 400), 400, ("body", "after"))
    assert_error(move(alice, his["id"], {"after": mine[0]["id"]}, 400), 400, ("body", "after"))
    moved = move(alice, mine[0]["id"], {"after": mine[1]["id"]}).json
    assert moved["position"].encode() > mine[1]["position"].encode()


# -- POST /tasks/<id>/move ---------------------------------------------------------------------


@pytest.mark.parametrize("body", [{"after": None}, {}])
def test_after_null_or_absent_puts_it_first(alice, body):
    parent, steps = subtasks(alice, 3)
    move(alice, steps[2]["id"], body)
    assert titles(alice, parent["id"]) == ["s2", "s0", "s1"]


@pytest.mark.parametrize(("moved", "after", "order"), [
    (0, 2, ["s1", "s2", "s0", "s3"]), (3, 0, ["s0", "s3", "s1", "s2"]),
    (0, 3, ["s1", "s2", "s3", "s0"]), (2, 0, ["s0", "s2", "s1", "s3"]),
])
def test_after_a_sibling_puts_it_right_after_it(alice, moved, after, order):
    parent, steps = subtasks(alice, 4)
    move(alice, steps[moved]["id"], {"after": steps[after]["id"]})
    assert titles(alice, parent["id"]) == order


def test_moves_keep_a_total_order_of_distinct_positions(alice):
    parent, steps = subtasks(alice, 5)
    for moved, after in [(4, None), (0, 4), (2, 0), (1, None), (3, 1), (4, 3)]:
        move(alice, steps[moved]["id"], {"after": None if after is None else steps[after]["id"]})
    current = [read(alice, step["id"]) for step in steps]
    assert len({task["position"] for task in current}) == len(current)
    # s4 s0 s1 s2 s3 / (s0 is after s4 already) / s4 s0 s2 s1 s3 / s1 s4 s0 s2 s3 /
    # s1 s3 s4 s0 s2 / (s4 is after s3 already)
    assert [t["title"] for t in in_order(current)] == ["s1", "s3", "s4", "s0", "s2"]
    assert titles(alice, parent["id"]) == ["s1", "s3", "s4", "s0", "s2"]
    assert [t["version"] for t in current] == [1, 2, 2, 2, 2]  # s0 never changed place


def test_a_move_changes_the_position_and_the_version_of_one_task_only(alice):
    parent, steps = subtasks(alice, 3)
    response = move(alice, steps[0]["id"], {"after": steps[1]["id"]})
    assert changed_fields(steps[0], response.json) == {"position", "version", "updated_at"}
    assert response.json["version"] == 2 and response.headers["ETag"] == '"2"'
    assert read(alice, steps[0]["id"]) == response.json
    assert [read(alice, task["id"]) for task in (parent, *steps[1:])] == [parent, *steps[1:]]


@pytest.mark.parametrize(("moved", "body"), [
    (0, {"after": None}), (0, {}), (1, {"after": "s0"}), (2, {"after": "s1"}),
    (1, {"after": "s0", "parent": "parent"}), (1, {"parent": "parent", "after": "s0"}),
])
def test_a_move_to_the_place_it_has_is_no_change(alice, moved, body):
    parent, steps = subtasks(alice, 3)
    named = {"parent": parent["id"], **{step["title"]: step["id"] for step in steps}}
    sent = {key: None if value is None else named[value] for key, value in body.items()}
    response = move(alice, steps[moved]["id"], sent)
    assert response.json == steps[moved] and response.headers["ETag"] == '"1"'
    assert len(history(alice, steps[moved]["id"])) == 1


def test_a_move_is_an_updated_history_entry_of_its_position(alice):
    _parent, steps = subtasks(alice, 2)
    moved = move(alice, steps[0]["id"], {"after": steps[1]["id"]}).json
    entry = history(alice, steps[0]["id"])[0]
    assert (entry["action"], entry["version"], entry["by"]) == ("updated", 2, "alice")
    assert entry["changes"] == {"position": {"from": steps[0]["position"],
                                             "to": moved["position"]}}


def test_a_moves_webhook_event_has_the_previous_position(app, alice):
    with Receiver() as receiver:
        _parent, steps = subtasks(alice, 2)
        make_hook(alice, receiver.url, ["task.updated"])
        moved = move(alice, steps[0]["id"], {"after": steps[1]["id"]}).json
        deliver(app)
        [event] = [d.json for d in receiver.deliveries]
    assert (event["type"], event["data"]["task"]) == ("task.updated", moved)
    assert event["data"]["previous"] == {"position": steps[0]["position"]}


def test_a_move_into_a_new_parent_goes_after_one_of_its_new_siblings(alice):
    first, old = subtasks(alice, 2)
    second, new = subtasks(alice, 2)
    before = read(alice, old[0]["id"])
    response = move(alice, old[0]["id"], {"parent": first["id"], "after": new[0]["id"]}, 400)
    assert_error(response, 400, ("body", "after"))  # new[0] is under the second parent
    assert read(alice, old[0]["id"]) == before
    moved = move(alice, old[0]["id"], {"parent": second["id"], "after": new[0]["id"]}).json
    assert (moved["parent"], moved["version"]) == (second["id"], 2)
    assert children(alice, second["id"]) == [new[0]["id"], old[0]["id"], new[1]["id"]]
    assert children(alice, first["id"]) == [old[1]["id"]]


def _not_a_sibling(alice: Client, bob: Client, tree: dict[str, Any]) -> dict[str, str]:
    """Tasks that are not siblings of ``tree["steps"][0]``, by what they are."""
    cousin = create_subtask(alice, tree["other"]["id"])
    below = create_subtask(alice, tree["steps"][0]["id"])
    return {"itself": tree["steps"][0]["id"], "its_parent": tree["parent"]["id"],
            "its_subtask": below["id"], "a_cousin": cousin["id"],
            "a_top_level_task": tree["other"]["id"], "unknown": "999999999",
            "someone_elses": create_task(bob)["id"]}


@pytest.mark.parametrize("what", ["itself", "its_parent", "its_subtask", "a_cousin",
                                  "a_top_level_task", "unknown", "someone_elses"])
def test_after_a_task_that_is_not_a_sibling_is_400_naming_after(alice, bob, what):
    parent, steps = subtasks(alice, 2)
    tree = {"parent": parent, "steps": steps, "other": create_task(alice, title="other")}
    after = _not_a_sibling(alice, bob, tree)[what]
    before = sorted(listed(alice, {}), key=lambda task: int(task["id"]))
    response = move(alice, steps[0]["id"], {"after": after}, 400)
    assert_error(response, 400, ("body", "after"))
    assert sorted(listed(alice, {}), key=lambda task: int(task["id"])) == before


@pytest.mark.parametrize("body", [b"", b"null", b"[]", b'"after"', b"{", b"1"])
def test_a_move_without_a_json_object_is_400(alice, body):
    task = create_task(alice)
    assert_error(move(alice, task["id"], body, 400), 400)
    assert read(alice, task["id"]) == task


def test_an_unknown_field_of_a_move_is_400_naming_it(alice):
    _parent, steps = subtasks(alice, 2)
    response = move(alice, steps[1]["id"], {"before": steps[0]["id"]}, 400)
    assert_error(response, 400, ("body", "before"))
    assert read(alice, steps[1]["id"]) == steps[1]


@pytest.mark.parametrize(("header", "status"), [
    ('"1"', 200), ("*", 200), ('"2"', 412), ('W/"1"', 412), ('"0"', 412),
])
def test_a_move_takes_if_match(alice, header, status):
    _parent, steps = subtasks(alice, 2)
    response = move(alice, steps[0]["id"], {"after": steps[1]["id"]}, status,
                    {"If-Match": header})
    if status == 412:
        assert_error(response, 412, ("header", "If-Match"))
        assert read(alice, steps[0]["id"]) == steps[0]
    else:
        assert response.json["version"] == 2


def test_a_move_of_a_task_that_does_not_exist_is_404(alice):
    assert_error(move(alice, "999999999", {"after": None}, 404), 404, ("path", ""))


# -- the bound ---------------------------------------------------------------------------------


MOVES = 1000


def test_a_thousand_moves_after_the_same_task_stay_within_the_bound(alice):
    """Two tasks put in turn right after a third, a thousand times: every move succeeds and
    changes one task, and no position grows past 64 characters."""
    parent, (anchor, first, second) = subtasks(alice, 3)
    movers = (second, first)  # second first: each move is a real change
    longest = 0
    for i in range(MOVES):
        response = move(alice, movers[i % 2]["id"], {"after": anchor["id"]})
        longest = max(longest, len(response.json["position"]))
        assert longest <= MAX_POSITION, f"move {i}: {response.json['position']!r}"
    assert children(alice, parent["id"]) == [anchor["id"], movers[(MOVES - 1) % 2]["id"],
                                             movers[MOVES % 2]["id"]]
    assert read(alice, anchor["id"]) == anchor
    assert [read(alice, task["id"])["version"] for task in movers] == [1 + MOVES // 2] * 2


# -- listing: parent= and sort=position --------------------------------------------------------


@pytest.fixture
def forest(alice: Client) -> dict[str, Any]:
    """Alice's list holding a tree (top -> a, b; a -> a1, a2) and a second top-level task,
    and a top-level task of hers in no list."""
    place = create_list(alice)["id"]
    top = create_task(alice, title="top", list=place)
    # the list named, as it may be: these tests are about listing, not about creating
    a, b = (create_subtask(alice, top["id"], title=title, list=place) for title in ("a", "b"))
    a1, a2 = (create_subtask(alice, a["id"], title=title, list=place) for title in ("a1", "a2"))
    other = create_task(alice, title="other", list=place)
    loose = create_task(alice, title="loose")
    tasks = {t["title"]: t for t in (top, a, b, a1, a2, other, loose)}
    return {"list": place, "tasks": tasks}


PATHS = ["tasks", "list_tasks"]


def _titles(alice: Client, forest: dict[str, Any], where: str, **params: str) -> list[str]:
    path = "/tasks" if where == "tasks" else f"/lists/{forest['list']}/tasks"
    return [t["title"] for t in listed(alice, {**params, "sort": "position"}, path=path)]


@pytest.mark.parametrize("where", PATHS)
@pytest.mark.parametrize(("parent", "expected"), [
    ("top", ["a", "b"]), ("a", ["a1", "a2"]), ("a2", []), ("loose", []),
])
def test_parent_lists_the_direct_subtasks_only(alice, forest, where, parent, expected):
    parent_id = forest["tasks"][parent]["id"]
    assert _titles(alice, forest, where, parent=parent_id) == expected


@pytest.mark.parametrize("where", PATHS)
def test_parent_none_lists_the_top_level_tasks_only(alice, forest, where):
    found = sorted(_titles(alice, forest, where, parent="none"))
    assert found == (["loose", "other", "top"] if where == "tasks" else ["other", "top"])


@pytest.mark.parametrize("where", PATHS)
def test_parent_combines_with_the_other_filters(alice, forest, where):
    patch(alice, forest["tasks"]["a2"]["id"], {"done": True})
    parent_id = forest["tasks"]["a"]["id"]
    assert _titles(alice, forest, where, parent=parent_id, done="true") == ["a2"]
    assert _titles(alice, forest, where, parent=parent_id, done="false", q="a1") == ["a1"]


def test_a_parent_the_caller_cannot_view_or_that_does_not_exist_lists_nothing(alice, bob,
                                                                              forest):
    """Even when the caller may view a subtask of it (shared on its own)."""
    share_task(alice, forest["tasks"]["a1"]["id"], "bob", "view")
    assert ids(listed(bob, {})) == [forest["tasks"]["a1"]["id"]]
    for parent in (forest["tasks"]["a"]["id"], forest["tasks"]["top"]["id"], "999999999"):
        assert listed(bob, {"parent": parent}) == []
    assert listed(alice, {"parent": "999999999"}) == []


def _path(alice: Client, where: str) -> str:
    return "/tasks" if where == "tasks" else f"/lists/{create_list(alice)['id']}/tasks"


@pytest.mark.parametrize("value", ["abc", "", "None", "NONE", "null", "1.5", "1e3", " 1",
                                   "1 ", "0x1", "+1", "none,1", ["none", "none"]])
@pytest.mark.parametrize("where", PATHS)
def test_a_parent_that_is_neither_none_nor_an_id_is_400(alice, where, value):
    response = page(alice.testapp, alice, {"parent": value}, status=400,
                    path=_path(alice, where))
    assert_error(response, 400, ("querystring", "parent"))


@pytest.mark.parametrize("where", PATHS)
def test_sort_takes_position_but_not_minus_position(alice, where):
    path = _path(alice, where)
    response = page(alice.testapp, alice, {"sort": "-position"}, status=400, path=path)
    assert_error(response, 400, ("querystring", "sort"))
    page(alice.testapp, alice, {"sort": "position"}, path=path)


def _shuffled(alice: Client) -> list[tuple[str, list[str]]]:
    """Three groups of siblings, each reordered by moves: (parent id, subtask ids in order)."""
    groups = []
    for _ in range(3):
        parent, steps = subtasks(alice, 4)
        move(alice, steps[3]["id"], {"after": None})  # s3 s0 s1 s2
        move(alice, steps[0]["id"], {"after": steps[2]["id"]})  # s3 s1 s2 s0
        groups.append((parent["id"], [steps[i]["id"] for i in (3, 1, 2, 0)]))
    return groups


@pytest.mark.parametrize("limit", [1, 2, 5, 100])
def test_sort_position_pages_in_byte_order_with_ties_by_id(alice, dbsession, limit):
    """Siblings never share a position, but tasks of different groups may: those tie, and
    their ids decide. Every page size walks the same total order."""
    groups = _shuffled(alice)
    # a task of another group tied with the second of the first group, whatever positions
    # the service happened to give
    lone = create_subtask(alice, create_task(alice, title="another parent")["id"])
    tied = read(alice, groups[0][1][1])
    dbsession.execute(update(Task).where(Task.id == int(lone["id"]))
                      .values(position=tied["position"]))
    dbsession.commit()
    everything = listed(alice, {})
    assert ids(listed(alice, {"sort": "position"}, limit=limit)) == ids(in_order(everything))
    for parent_id, order in groups:
        siblings = listed(alice, {"parent": parent_id, "sort": "position"}, limit=limit)
        assert ids(siblings) == order and positions_increase(siblings)


def test_a_walk_by_position_while_siblings_come_and_go_skips_and_repeats_nothing(alice):
    parent, steps = subtasks(alice, 9)
    alive = {step["id"] for step in steps}
    seen: list[str] = []
    cursor, deleted_unseen = None, set()
    for _ in range(20):
        params = {"parent": parent["id"], "sort": "position", "limit": "2",
                  **({"cursor": cursor} if cursor else {})}
        body = page(alice.testapp, alice, params).json
        seen += ids(body["items"])
        cursor = body["next_cursor"]
        if cursor is None:
            break
        unseen = sorted(alive - set(seen), key=int)
        victim = unseen[-1]
        alice.testapp.delete(f"/tasks/{victim}", headers=alice.headers, status=204)
        alive.discard(victim)
        deleted_unseen.add(victim)
        alive.add(create_subtask(alice, parent["id"], title="late")["id"])
    assert cursor is None
    assert len(seen) == len(set(seen)), "a task was repeated"
    assert {step["id"] for step in steps} - deleted_unseen <= set(seen), "a task was skipped"
    assert not deleted_unseen & set(seen)
