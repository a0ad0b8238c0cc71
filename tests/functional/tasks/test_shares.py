"""Sharing a task (contract section 4) and the task list staying consistent with the ACL.

The list is filtered in SQL while single tasks are guarded by their ``__acl__``; the two
are written separately, so the walk-through-every-page tests check that they agree for
every kind of caller.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import pytest
import webtest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from taskservice.accounts.models import User
from taskservice.sharing import ShareResource
from taskservice.tasks.models import TaskShare
from tests.support.api import Client


def new_task(testapp: webtest.TestApp, client: Client, **fields) -> str:
    body = {"title": "A task", **fields}
    return testapp.post_json("/tasks", body, headers=client.headers, status=201).json["id"]


def put_share(
    testapp: webtest.TestApp, client: Client, task_id: str, username: str,
    permission: object = "view", status: int = 201,
) -> webtest.TestResponse:
    return testapp.put_json(
        f"/tasks/{task_id}/shares/{username}", {"permission": permission},
        headers=client.headers, status=status,
    )


def list_shares(testapp: webtest.TestApp, client: Client, task_id: str) -> list[dict]:
    return testapp.get(f"/tasks/{task_id}/shares", headers=client.headers, status=200).json["items"]


def listed_ids(testapp: webtest.TestApp, client: Client, **params: str) -> list[str]:
    """The ids of every task in ``GET /tasks``, following ``next_cursor`` to the last page."""
    ids: list[str] = []
    params = {"limit": "2", **params}
    for _ in range(100):  # a cursor that stopped advancing would page forever
        page = testapp.get("/tasks", params, headers=client.headers, status=200).json
        ids += [task["id"] for task in page["items"]]
        if page["next_cursor"] is None:
            return ids
        params["cursor"] = page["next_cursor"]
    pytest.fail(f"no last page after 100 pages; the last ids were {ids[-2:]}")


def single_error(response: webtest.TestResponse) -> tuple[str, str]:
    (error,) = response.json["errors"]
    return error["location"], error["name"]


@pytest.fixture
def task(testapp: webtest.TestApp, alice: Client) -> str:
    return new_task(testapp, alice)


# --- creating, changing, listing and removing shares -------------------------------------


def test_put_creates_a_share_with_201(testapp, alice, bob, task):
    response = put_share(testapp, alice, task, "bob", "edit", status=201)
    assert response.json == {"username": "bob", "permission": "edit"}
    assert list_shares(testapp, alice, task) == [{"username": "bob", "permission": "edit"}]


@pytest.mark.parametrize(
    ("first", "second"), [("view", "edit"), ("edit", "view"), ("view", "view")]
)
def test_put_on_an_existing_share_sets_it_with_200(testapp, alice, bob, task, first, second):
    put_share(testapp, alice, task, "bob", first, status=201)
    response = put_share(testapp, alice, task, "bob", second, status=200)
    assert response.json == {"username": "bob", "permission": second}
    assert list_shares(testapp, alice, task) == [{"username": "bob", "permission": second}]


def test_the_share_list_holds_every_share_and_sharees_may_read_it(
    testapp, alice, bob, register, task
):
    carol = register("carol")
    put_share(testapp, alice, task, "bob", "edit")
    put_share(testapp, alice, task, "carol", "view")
    expected = [
        {"username": "bob", "permission": "edit"}, {"username": "carol", "permission": "view"}
    ]
    for reader in (alice, bob, carol):
        assert sorted(list_shares(testapp, reader, task), key=lambda s: s["username"]) == expected


def test_an_unshared_task_has_an_empty_share_list(testapp, alice, task):
    assert list_shares(testapp, alice, task) == []


def test_delete_removes_the_share_with_204(testapp, alice, bob, task):
    put_share(testapp, alice, task, "bob")
    response = testapp.delete(f"/tasks/{task}/shares/bob", headers=alice.headers, status=204)
    assert response.body == b""
    assert list_shares(testapp, alice, task) == []


def test_deleting_a_share_that_does_not_exist_is_404(testapp, alice, bob, task):
    response = testapp.delete(f"/tasks/{task}/shares/bob", headers=alice.headers, status=404)
    assert single_error(response) == ("path", "username")


@pytest.mark.parametrize("permission", ["view", "edit"])
def test_a_removed_share_makes_the_task_a_404_again(testapp, alice, bob, task, permission):
    put_share(testapp, alice, task, "bob", permission)
    testapp.get(f"/tasks/{task}", headers=bob.headers, status=200)
    testapp.delete(f"/tasks/{task}/shares/bob", headers=alice.headers, status=204)
    testapp.get(f"/tasks/{task}", headers=bob.headers, status=404)
    testapp.get(f"/tasks/{task}/shares", headers=bob.headers, status=404)
    testapp.patch_json(f"/tasks/{task}", {"done": True}, headers=bob.headers, status=404)
    assert listed_ids(testapp, bob) == []


def test_downgrading_a_share_takes_away_editing(testapp, alice, bob, task):
    put_share(testapp, alice, task, "bob", "edit")
    testapp.patch_json(f"/tasks/{task}", {"done": True}, headers=bob.headers, status=200)
    put_share(testapp, alice, task, "bob", "view", status=200)
    testapp.patch_json(f"/tasks/{task}", {"done": False}, headers=bob.headers, status=403)


# --- what a share may not be ----------------------------------------------------------------


@pytest.mark.parametrize("username", ["nobody", "x", "a" * 33, "no$such"])
def test_sharing_with_an_unknown_user_is_400_on_the_path(testapp, alice, task, username):
    """A name that cannot exist is as unknown as one that does not."""
    response = put_share(testapp, alice, task, username, status=400)
    assert single_error(response) == ("path", "username")
    assert list_shares(testapp, alice, task) == []


@pytest.mark.parametrize("username", ["alice", "ALICE", "Alice"])
def test_sharing_with_the_owner_is_400_on_the_path(testapp, alice, task, username):
    response = put_share(testapp, alice, task, username, status=400)
    assert single_error(response) == ("path", "username")
    assert list_shares(testapp, alice, task) == []


def test_an_admin_cannot_share_a_task_with_its_owner_either(testapp, alice, admin, task):
    response = put_share(testapp, admin, task, "alice", status=400)
    assert single_error(response) == ("path", "username")


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"permission": "admin"}, "permission"),
        ({"permission": "VIEW"}, "permission"),
        ({"permission": ""}, "permission"),
        ({"permission": 1}, "permission"),
        ({"permission": None}, "permission"),
        ({"permission": ["view"]}, "permission"),
        ({}, "permission"),
        ({"permission": "view", "role": "x"}, "role"),
    ],
)
def test_a_bad_share_body_is_400_naming_the_field(testapp, alice, bob, task, body, field):
    response = testapp.put_json(
        f"/tasks/{task}/shares/bob", body, headers=alice.headers, status=400
    )
    assert single_error(response) == ("body", field)
    assert list_shares(testapp, alice, task) == []


def test_a_stranger_sharing_with_an_unknown_name_still_gets_404(testapp, alice, bob, task):
    """404 outranks 400: the body and the name are not judged on an invisible task."""
    put_share(testapp, bob, task, "x", "nonsense", status=404)


# --- usernames are case-insensitive ---------------------------------------------------------


def test_share_urls_ignore_the_case_of_the_username(testapp, alice, register, task):
    register("BobSmith")
    response = put_share(testapp, alice, task, "bobsmith", "view", status=201)
    assert response.json == {"username": "BobSmith", "permission": "view"}
    put_share(testapp, alice, task, "BOBSMITH", "edit", status=200)
    assert list_shares(testapp, alice, task) == [{"username": "BobSmith", "permission": "edit"}]
    testapp.delete(f"/tasks/{task}/shares/bObSmItH", headers=alice.headers, status=204)
    assert list_shares(testapp, alice, task) == []


def test_a_sharee_may_leave_through_any_case_of_their_name(testapp, alice, register, task):
    sharee = register("BobSmith")
    put_share(testapp, alice, task, "BobSmith")
    testapp.delete(f"/tasks/{task}/shares/bobsmith", headers=sharee.headers, status=204)
    testapp.get(f"/tasks/{task}", headers=sharee.headers, status=404)


# --- deleting users -------------------------------------------------------------------------


def _share_rows(dbsession: Session, username: str) -> int:
    user_id = select(User.id).where(User.username == username).scalar_subquery()
    return dbsession.execute(
        select(func.count()).select_from(TaskShare).where(TaskShare.user_id == user_id)
    ).scalar_one()


@pytest.mark.parametrize("deleter", ["self", "admin"])
def test_deleting_a_user_removes_their_shares(
    testapp, dbsession, alice, bob, admin, task, deleter
):
    put_share(testapp, alice, task, "bob", "edit")
    assert _share_rows(dbsession, "bob") == 1
    headers = bob.headers if deleter == "self" else admin.headers
    testapp.delete("/users/bob", headers=headers, status=204)
    assert list_shares(testapp, alice, task) == []
    assert _share_rows(dbsession, "bob") == 0


def test_deleting_the_owner_removes_the_task_for_its_sharees(testapp, alice, bob, task):
    put_share(testapp, alice, task, "bob")
    testapp.delete("/users/alice", headers=alice.headers, status=204)
    testapp.get(f"/tasks/{task}", headers=bob.headers, status=404)
    assert listed_ids(testapp, bob) == []


# --- the list agrees with the ACL -----------------------------------------------------------


def test_the_list_includes_tasks_shared_with_the_caller(testapp, alice, bob, task):
    own = new_task(testapp, bob)
    put_share(testapp, alice, task, "bob")
    assert set(listed_ids(testapp, bob)) == {own, task}


@dataclass
class Crowd:
    """Several users' tasks, shared in every way, and every task id that exists."""

    users: dict[str, Client]
    task_ids: list[str]


ROLES = ("owner", "editor", "viewer", "admin", "stranger")
TASK_SPECS = [
    {"title": "walk dog", "priority": "high", "due_at": "2031-01-01T00:00:00Z"},
    {"title": "Buy milk", "priority": "low"},
    {"title": "call mum", "priority": "urgent", "due_at": "2030-06-01T00:00:00Z"},
    {"title": "file taxes", "priority": "normal"},
    {"title": "Answer mail", "priority": "high", "due_at": "2030-06-01T00:00:00Z"},
]


@pytest.fixture
def crowd(testapp: webtest.TestApp, register: Callable[..., Client]) -> Crowd:
    """Everyone owns tasks; owner shares some as edit with editor, some as view with viewer.

    The editor also shares one of theirs with the owner, so "own" and "shared with me"
    interleave in every sort order, and the stranger's tasks are shared with nobody.
    """
    users = {role: register(role, admin=role == "admin") for role in ROLES}
    task_ids: list[str] = []
    for role in ROLES:
        for spec in TASK_SPECS:
            task_ids.append(new_task(testapp, users[role], **spec))
    owner_tasks, editor_tasks = task_ids[0:5], task_ids[5:10]
    for task_id in owner_tasks[:3]:
        put_share(testapp, users["owner"], task_id, "editor", "edit")
    for task_id in owner_tasks[2:]:
        put_share(testapp, users["owner"], task_id, "viewer", "view")
    put_share(testapp, users["editor"], editor_tasks[1], "owner", "view")
    return Crowd(users, task_ids)


def viewable_ids(testapp: webtest.TestApp, client: Client, task_ids: list[str]) -> set[str]:
    """The tasks ``client`` may GET, asked one by one (the ACL's answer, not the list's)."""
    return {
        task_id for task_id in task_ids
        if testapp.get(f"/tasks/{task_id}", headers=client.headers, expect_errors=True).status_int
        == 200
    }


@pytest.mark.parametrize("sort", ["-created_at", "title", "-priority", "due_at", "-due_at"])
@pytest.mark.parametrize("role", ROLES)
def test_walking_every_page_yields_exactly_the_viewable_tasks(testapp, crowd, role, sort):
    client = crowd.users[role]
    walked = listed_ids(testapp, client, sort=sort)
    assert len(walked) == len(set(walked)), "a task appeared on two pages"
    assert set(walked) == viewable_ids(testapp, client, crowd.task_ids)


@pytest.mark.parametrize(
    ("role", "expected_count"),
    [("owner", 6), ("editor", 8), ("viewer", 8), ("admin", 25), ("stranger", 5)],
)
def test_each_role_sees_its_own_shared_or_all_tasks(testapp, crowd, role, expected_count):
    """Pins the crowd's shape, so the walk above cannot pass by everyone seeing nothing."""
    assert len(listed_ids(testapp, crowd.users[role])) == expected_count


@pytest.mark.parametrize(
    ("role", "owner", "expected"),
    [
        ("editor", "owner", slice(0, 3)),  # only the owner's tasks shared with the editor
        ("viewer", "OWNER", slice(2, 5)),  # the owner filter ignores case too
        ("editor", "editor", slice(5, 10)),  # the caller's own tasks
        ("admin", "owner", slice(0, 5)),  # an admin narrows to all of one owner's tasks
        ("admin", "stranger", slice(20, 25)),
        ("stranger", "owner", slice(0, 0)),  # nothing shared: nothing listed
        ("viewer", "nobody", slice(0, 0)),  # an unknown owner is an empty list, not an error
    ],
)
def test_the_owner_filter_narrows_to_one_owner(testapp, crowd, role, owner, expected):
    walked = listed_ids(testapp, crowd.users[role], owner=owner)
    assert sorted(walked) == sorted(crowd.task_ids[expected])


# --- a share created concurrently -----------------------------------------------------------


# The simulated race leaves the existing share in the session, which SQLAlchemy warns
# about before the database refuses the duplicate; a real race (another transaction's row)
# goes straight to the refusal.
@pytest.mark.filterwarnings("ignore:New instance:sqlalchemy.exc.SAWarning")
def test_a_share_created_meanwhile_makes_put_retry_not_fail(
    testapp, alice, bob, task, monkeypatch
):
    """Between looking for the share and inserting it, another request may have created it:
    the duplicate insert is retried, and the retry finds the share and changes it (200)."""
    put_share(testapp, alice, task, "bob", "view")
    real_share = ShareResource.share

    def share(resource: ShareResource):
        """The first attempt does not see the share that already exists."""
        first_attempt = resource.request.environ["retry.attempt"] == 0
        return None if first_attempt else real_share.fget(resource)

    monkeypatch.setattr(ShareResource, "share", property(share))
    response = put_share(testapp, alice, task, "bob", "edit", status=200)
    assert response.json == {"username": "bob", "permission": "edit"}
    assert list_shares(testapp, alice, task) == [{"username": "bob", "permission": "edit"}]
