"""A token limited to some lists sees nothing outside them, by any read path (section 15).

"The token then reaches only those lists and the tasks in them (a task in no list, another
list, a user object other than ``/users/me``: a 404 to this token, and absent from every
listing, sync feed and batch)". The estate below has something of each kind on each side:
alice's token is limited to a list of hers and a list bob shares with her; everything else
she may view (her other list, her task in no list, bob's task shared with her, bob's other
list shared with her) is outside. Each test also looks with alice's unrestricted token, so
that "absent" is never only "not there at all".
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from tests.support.api import Client, assert_error, create_task, send_json
from tests.support.listing import ids, walk
from tests.support.lists import create_list, share_list
from tests.support.reminders import listed_tasks
from tests.support.scoped import create_hook, mint, resolve_publicly
from tests.support.subtasks import share_task
from tests.support.sync import replica

# A window of GET /reminders holding every reminder of the estate.
WINDOW = {"after": "2031-01-01T00:00:00Z", "before": "2031-01-08T00:00:00Z"}
REMINDER = {"at": "2031-01-02T09:00:00Z"}
# Every task of the estate is found by these filters, inside or out.
MARKED = {"tags": ["mark"], "due_at": "2031-01-03T09:00:00Z", "reminders": [REMINDER]}


@dataclass
class Estate:
    """Alice's view of the world, named; ``limited`` is her token limited to ``mine`` and
    ``shared``, ``alice`` her unrestricted one."""

    alice: Client
    bob: Client
    limited: Client
    lists: dict[str, str]
    tasks: dict[str, str]

    def task_ids(self, *names: str) -> set[str]:
        return {self.tasks[name] for name in names}


INSIDE_LISTS = ("mine", "shared")
OUTSIDE_LISTS = ("other", "bobs")
INSIDE_TASKS = ("in_mine", "sub", "in_shared")
OUTSIDE_TASKS = ("in_other", "sub_out", "loose", "shared_loose", "in_bobs")


def marked_task(client: Client, title: str, **fields: str) -> str:
    return create_task(client, title=f"probe {title}", **MARKED, **fields)["id"]


def build_estate(alice: Client, bob: Client) -> Estate:
    lists = {"mine": create_list(alice, name="mine")["id"],
             "other": create_list(alice, name="other")["id"],
             "shared": create_list(bob, name="shared")["id"],
             "bobs": create_list(bob, name="bobs")["id"]}
    for name in ("shared", "bobs"):
        share_list(bob, lists[name], "alice", "edit")
    tasks = {"in_mine": marked_task(alice, "in mine", list=lists["mine"]),
             "in_other": marked_task(alice, "in other", list=lists["other"]),
             "loose": marked_task(alice, "loose"),
             "in_shared": marked_task(bob, "in shared", list=lists["shared"]),
             "in_bobs": marked_task(bob, "in bobs", list=lists["bobs"]),
             "shared_loose": marked_task(bob, "shared loose")}
    tasks["sub"] = marked_task(alice, "sub", parent=tasks["in_mine"])
    tasks["sub_out"] = marked_task(alice, "sub out", parent=tasks["in_other"])
    share_task(bob, tasks["shared_loose"], "alice", "edit")
    limited = mint(alice, lists=[lists[name] for name in INSIDE_LISTS])
    return Estate(alice, bob, limited, lists, tasks)


@pytest.fixture
def estate(alice, bob, monkeypatch) -> Estate:
    resolve_publicly(monkeypatch)
    return build_estate(alice, bob)


def get(client: Client, path: str, status: int | str = 200, **params: str):
    return client.testapp.get(path, params, headers=client.headers, status=status)


def reads_of(estate: Estate, names: tuple[str, ...], lists: tuple[str, ...]) -> list[str]:
    """Every single-object read path of those tasks and lists."""
    paths = [f"/tasks/{estate.tasks[name]}{suffix}" for name in names
             for suffix in ("", "/history", "/occurrences", "/shares")]
    return paths + [f"/lists/{estate.lists[name]}{suffix}" for name in lists
                    for suffix in ("", "/tasks", "/shares")]


# -- one object at a time


def test_every_read_of_an_object_outside_is_a_404(estate):
    paths = reads_of(estate, OUTSIDE_TASKS, OUTSIDE_LISTS)
    answers = {path: get(estate.limited, path, status="*").status_int for path in paths}
    assert {path: status for path, status in answers.items() if status != 404} == {}
    for path in paths:  # alice herself may view every one of them
        get(estate.alice, path)
    assert_error(get(estate.limited, paths[0], status=404), 404)


def test_every_read_of_an_object_inside_works(estate):
    paths = [*reads_of(estate, INSIDE_TASKS, INSIDE_LISTS), "/users/me"]
    answers = {path: get(estate.limited, path, status="*").status_int for path in paths}
    assert {path: status for path, status in answers.items() if status != 200} == {}


# -- listings


@pytest.mark.parametrize(("params", "inside", "outside"), [
    ({}, INSIDE_TASKS, OUTSIDE_TASKS),
    ({"q": "probe"}, INSIDE_TASKS, OUTSIDE_TASKS),
    ({"tag": "mark", "done": "false"}, INSIDE_TASKS, OUTSIDE_TASKS),
    ({"due_before": "2031-02-01T00:00:00Z", "sort": "due_at"}, INSIDE_TASKS, OUTSIDE_TASKS),
    ({"parent": "none"}, ("in_mine", "in_shared"), ("in_other", "loose", "shared_loose",
                                                    "in_bobs")),
    ({"owner": "bob"}, ("in_shared",), ("in_bobs", "shared_loose")),
    ({"list": "{mine}"}, ("in_mine", "sub"), ()),
    ({"list": "{other}"}, (), ("in_other", "sub_out")),
    ({"list": "{bobs}"}, (), ("in_bobs",)),
    ({"parent": "{in_other}"}, (), ("sub_out",)),
    ({"parent": "{in_mine}"}, ("sub",), ()),
], ids=lambda value: "&".join(f"{k}={v}" for k, v in value.items()) or "all"
    if isinstance(value, dict) else "")
def test_get_tasks_lists_only_what_is_inside(estate, params, inside, outside):
    query = {key: value.format(**estate.lists, **estate.tasks) for key, value in params.items()}
    assert set(ids(walk(estate.limited.testapp, estate.limited, query, 2))) == estate.task_ids(
        *inside)
    unrestricted = ids(walk(estate.alice.testapp, estate.alice, query, 2))
    assert estate.task_ids(*inside, *outside) <= set(unrestricted)


@pytest.mark.parametrize(("listed", "params", "inside"), [
    ("mine", {}, ("in_mine", "sub")),
    ("mine", {"parent": "none"}, ("in_mine",)),
    ("shared", {"owner": "bob", "q": "probe"}, ("in_shared",)),
])
def test_a_lists_tasks_are_listed_as_for_an_unrestricted_token(estate, listed, params, inside):
    path = f"/lists/{estate.lists[listed]}/tasks"
    found = ids(walk(estate.limited.testapp, estate.limited, params, 1, path=path))
    assert set(found) == estate.task_ids(*inside)
    assert found == ids(walk(estate.alice.testapp, estate.alice, params, 1, path=path))


def test_get_lists_lists_only_the_tokens_lists(estate):
    found = ids(walk(estate.limited.testapp, estate.limited, {}, 1, path="/lists"))
    assert sorted(found) == sorted(estate.lists[name] for name in INSIDE_LISTS)
    everything = ids(walk(estate.alice.testapp, estate.alice, {}, 10, path="/lists"))
    assert sorted(everything) == sorted(estate.lists.values())


def test_get_reminders_lists_only_tasks_inside(estate):
    assert listed_tasks(estate.limited, **WINDOW) == estate.task_ids(*INSIDE_TASKS)
    assert listed_tasks(estate.alice, **WINDOW) == estate.task_ids(*INSIDE_TASKS,
                                                                    *OUTSIDE_TASKS)


# -- the change feed


def inside_objects(estate: Estate) -> set[tuple[str, str]]:
    return ({("task", estate.tasks[name]) for name in INSIDE_TASKS}
            | {("list", estate.lists[name]) for name in INSIDE_LISTS})


def upserted(changes: list[dict]) -> set[tuple[str, str]]:
    return {(change["kind"], change["id"]) for change in changes if not change["deleted"]}


def test_a_full_sync_holds_only_what_is_inside(estate):
    copy = replica(estate.limited, limit=2)
    assert set(copy.objects) == inside_objects(estate)
    assert set(replica(estate.alice).objects) > inside_objects(estate)


def test_an_incremental_sync_upserts_nothing_outside(estate):
    copy = replica(estate.limited)
    for client, name in [(estate.alice, "in_other"), (estate.alice, "loose"),
                         (estate.alice, "sub_out"), (estate.bob, "in_bobs"),
                         (estate.bob, "shared_loose"), (estate.alice, "in_mine")]:
        client.testapp.patch_json(f"/tasks/{estate.tasks[name]}", {"title": "changed"},
                                  headers=client.headers, status=200)
    estate.alice.testapp.patch_json(f"/lists/{estate.lists['other']}", {"name": "changed"},
                                    headers=estate.alice.headers, status=200)
    create_task(estate.alice, list=estate.lists["other"])
    assert upserted(copy.sync()) == {("task", estate.tasks["in_mine"])}
    assert set(copy.objects) == inside_objects(estate)


def test_a_task_moved_out_of_the_lists_is_an_access_revoked_tombstone(estate):
    copy = replica(estate.limited)
    estate.alice.testapp.patch_json(f"/tasks/{estate.tasks['in_mine']}",
                                    {"list": estate.lists["other"]},
                                    headers=estate.alice.headers, status=200)
    changes = {change["id"]: change for change in copy.sync()}
    for name in ("in_mine", "sub"):  # a move takes the whole subtree
        assert changes[estate.tasks[name]] == {
            "kind": "task", "id": estate.tasks[name], "deleted": True, "reason": "access_revoked"}
    assert set(copy.objects) == inside_objects(estate) - {
        ("task", estate.tasks["in_mine"]), ("task", estate.tasks["sub"])}


# -- batch


def test_a_batchs_sub_requests_see_only_what_is_inside(estate):
    requests = [{"method": "GET", "path": f"/tasks/{estate.tasks['in_other']}"},
                {"method": "GET", "path": f"/lists/{estate.lists['bobs']}"},
                {"method": "GET", "path": "/tasks?limit=100"},
                {"method": "GET", "path": "/lists?limit=100"},
                {"method": "GET", "path": "/changes?limit=100"},
                {"method": "GET", "path": f"/tasks/{estate.tasks['in_mine']}"}]
    answer = estate.limited.testapp.post_json(
        "/batch", {"requests": requests}, headers=estate.limited.headers, status=200).json
    task, other_list, tasks, lists, changes, inside = answer["responses"]
    assert (task["status"], other_list["status"], inside["status"]) == (404, 404, 200)
    assert set(ids(tasks["body"]["items"])) == estate.task_ids(*INSIDE_TASKS)
    assert sorted(ids(lists["body"]["items"])) == sorted(
        estate.lists[name] for name in INSIDE_LISTS)
    assert upserted(changes["body"]["changes"]) == inside_objects(estate)


# -- webhooks


def with_list(body: dict, estate: Estate, listed: str | None) -> dict:
    """``body`` with ``list`` the id of the estate's list called ``listed``; None: null;
    ``"omitted"``: no ``list`` at all."""
    return body if listed == "omitted" else {**body, "list": estate.lists.get(listed or "")}


def assert_refused_naming_list(estate: Estate, method: str, path: str, body: dict) -> None:
    """The limited token's ``method path`` with ``body`` is the 400 naming ``list``."""
    response = send_json(estate.limited.testapp, method, path, body, estate.limited.headers,
                         400)
    assert_error(response, 400, ("body", "list"))


@pytest.mark.parametrize("listed", ["other", "bobs", None, "omitted"])
def test_a_webhook_outside_the_lists_or_on_none_is_a_400_naming_list(estate, listed):
    body = with_list({"url": "https://hooks.example.com/", "events": ["*"]}, estate, listed)
    assert_refused_naming_list(estate, "POST", "/webhooks", body)


def test_a_webhook_on_a_list_inside_is_created(estate):
    hook = create_hook(estate.limited, list=estate.lists["mine"])
    assert hook["list"] == estate.lists["mine"]


# -- accounts


def test_another_users_account_is_a_404_and_the_user_list_a_403_even_to_an_admin(
        register):
    admin = register("alice", admin=True)
    bob = register("bob")
    limited = mint(admin, lists=[create_list(admin)["id"]])
    assert_error(get(limited, "/users", status=403), 403)
    for method in ("GET", "DELETE"):
        response = limited.testapp.request("/users/bob", method=method, headers=limited.headers,
                                           status=404)
        assert_error(response, 404)
    get(admin, "/users")
    get(admin, f"/users/{bob.username}")
    get(limited, "/users/me")


# -- creating and moving tasks


@pytest.mark.parametrize("listed", [None, "omitted", "other", "bobs"])
def test_a_task_cannot_be_created_outside_the_lists(estate, listed):
    assert_refused_naming_list(estate, "POST", "/tasks", with_list({"title": "x"}, estate, listed))


def test_a_task_is_created_in_a_list_inside(estate):
    for name in INSIDE_LISTS:
        created = create_task(estate.limited, list=estate.lists[name])
        assert created["list"] == estate.lists[name]
    subtask = create_task(estate.limited, parent=estate.tasks["in_mine"])
    assert subtask["list"] == estate.lists["mine"]


def test_a_lists_tasks_outside_cannot_be_posted_to(estate):
    path = f"/lists/{estate.lists['other']}/tasks"
    response = send_json(estate.limited.testapp, "POST", path, {"title": "x"},
                         estate.limited.headers, 404)
    assert_error(response, 404)


@pytest.mark.parametrize(("method", "suffix", "body", "listed"), [
    ("PATCH", "", {}, None), ("PATCH", "", {}, "other"), ("PATCH", "", {}, "bobs"),
    ("PUT", "", {"title": "x"}, None), ("POST", "/move", {}, None),
    ("POST", "/move", {}, "other"),
])
def test_a_task_cannot_be_taken_out_of_the_lists(estate, method, suffix, body, listed):
    task_id = estate.tasks["in_mine"]
    assert_refused_naming_list(estate, method, f"/tasks/{task_id}{suffix}",
                               with_list(body, estate, listed))
    assert get(estate.alice, f"/tasks/{task_id}").json["list"] == estate.lists["mine"]


def test_a_task_moves_between_the_lists_inside(estate):
    task_id = estate.tasks["in_mine"]
    moved = estate.limited.testapp.patch_json(f"/tasks/{task_id}", {"list": estate.lists["shared"]},
                                              headers=estate.limited.headers, status=200).json
    assert moved["list"] == estate.lists["shared"]
