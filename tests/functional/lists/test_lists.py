"""Lists (contract section 7): the object, its rules, its shares, and what deleting takes.

Who may do what is the permission matrix beside this file; here is what each request
does when it is allowed, and every 400 the contract names.
"""

from __future__ import annotations

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from taskservice.lists.models import ListShare, TaskList
from taskservice.tasks.models import Task, TaskShare, TaskTag
from tests.support.api import assert_error, create_task, send_json
from tests.support.lists import create_list, share_list

READ_ONLY = ("id", "owner", "created_at", "updated_at", "permission", "version")


def get_list(client, list_id, status=200, headers=None):
    return client.testapp.get(f"/lists/{list_id}", headers={**client.headers, **(headers or {})},
                              status=status)


def test_create_returns_the_list_with_location_and_etag(testapp, alice):
    response = testapp.post_json("/lists", {"name": "  Groceries "}, headers=alice.headers,
                                 status=201)
    body = response.json
    assert set(body) == {"id", "name", "description", "owner", "permission", "created_at",
                         "updated_at", "version"}
    assert body["name"] == "Groceries" and body["description"] == ""
    assert body["owner"] == "alice" and body["permission"] == "owner" and body["version"] == 1
    assert response.headers["Location"] == f"http://example.com/lists/{body['id']}"
    assert response.headers["ETag"] == '"1"'
    assert get_list(alice, body["id"]).json == body


@pytest.mark.parametrize(("body", "field"), [
    ({}, "name"), ({"name": ""}, "name"), ({"name": "   "}, "name"),
    ({"name": "x" * 101}, "name"), ({"name": 5}, "name"),
    ({"name": "ok", "description": "x" * 2001}, "description"),
    ({"name": "ok", "description": None}, "description"),
    ({"name": "ok", "colour": "red"}, "colour"),
    *[({"name": "ok", field: "x"}, field) for field in READ_ONLY],
])
def test_a_bad_list_body_is_400_naming_the_field(testapp, alice, body, field):
    response = send_json(testapp, "POST", "/lists", body, alice.headers, status=400)
    assert_error(response, 400, ("body", field))


def test_names_are_counted_in_code_points(testapp, alice):
    assert create_list(alice, name="é" * 100)["name"] == "é" * 100


def test_patch_changes_only_what_is_sent_and_grows_the_version(testapp, alice):
    made = create_list(alice, name="Groceries", description="weekly")
    changed = testapp.patch_json(f"/lists/{made['id']}", {"name": "Food"},
                                 headers=alice.headers, status=200)
    assert changed.json["name"] == "Food" and changed.json["description"] == "weekly"
    assert changed.json["version"] == 2 and changed.headers["ETag"] == '"2"'


@pytest.mark.parametrize("body", [{}, {"name": "Groceries"}, {"description": ""}])
def test_a_patch_that_changes_nothing_keeps_version_and_updated_at(testapp, alice, body):
    made = create_list(alice, name="Groceries")
    after = testapp.patch_json(f"/lists/{made['id']}", body, headers=alice.headers).json
    assert after == made


def test_put_replaces_and_an_absent_description_becomes_empty(testapp, alice):
    made = create_list(alice, name="Groceries", description="weekly")
    replaced = testapp.put_json(f"/lists/{made['id']}", {"name": "Food"},
                                headers=alice.headers, status=200).json
    assert (replaced["name"], replaced["description"], replaced["version"]) == ("Food", "", 2)
    send_json(testapp, "PUT", f"/lists/{made['id']}", {"description": "x"}, alice.headers, 400)


def test_if_match_guards_patch_put_and_delete_with_412(testapp, alice):
    made = create_list(alice)
    url = f"/lists/{made['id']}"
    stale = {**alice.headers, "If-Match": '"7"'}
    for response in (
        send_json(testapp, "PATCH", url, {"name": "b"}, stale, 412),
        send_json(testapp, "PUT", url, {"name": "b"}, stale, 412),
        testapp.delete(url, headers=stale, status=412),
    ):
        assert_error(response, 412, ("header", "If-Match"))
        assert response.headers["ETag"] == '"1"'
    assert get_list(alice, made["id"]).json == made
    weak = {**alice.headers, "If-Match": 'W/"1"'}
    send_json(testapp, "PATCH", url, {"name": "b"}, weak, 412)
    send_json(testapp, "PATCH", url, {"name": "b"}, {**alice.headers, "If-Match": '"1"'}, 200)
    testapp.delete(url, headers={**alice.headers, "If-Match": "*"}, status=204)


def test_if_none_match_with_the_current_etag_is_304(testapp, alice):
    made = create_list(alice)
    response = get_list(alice, made["id"], 304, {"If-None-Match": '"1"'})
    assert response.headers["ETag"] == '"1"' and not response.body
    get_list(alice, made["id"], 200, {"If-None-Match": '"2"'})


def test_the_version_ignores_tasks_and_shares(testapp, alice, bob):
    made = create_list(alice)
    share_list(alice, made["id"], "bob", "edit")
    task = create_task(alice, list=made["id"])
    testapp.patch_json(f"/tasks/{task['id']}", {"done": True}, headers=alice.headers)
    assert get_list(alice, made["id"]).json["version"] == 1


@pytest.mark.parametrize("permission", ["view", "edit", "manage"])
def test_permission_is_the_callers_own_access(testapp, alice, bob, register, permission):
    made = create_list(alice)
    share_list(alice, made["id"], "bob", permission)
    assert get_list(bob, made["id"]).json["permission"] == permission
    listed = testapp.get("/lists", headers=bob.headers).json["items"]
    assert [(i["id"], i["permission"]) for i in listed] == [(made["id"], permission)]
    admin = register("chief", admin=True)
    assert get_list(admin, made["id"]).json["permission"] == "admin"
    share_list(alice, made["id"], "chief", permission)
    assert get_list(admin, made["id"]).json["permission"] == permission  # the share says it


# -- GET /lists ----------------------------------------------------------------------------


def test_get_lists_shows_own_and_shared_lists_only(testapp, alice, bob, register):
    carol = register("carol")
    mine = create_list(alice, name="b mine")
    shared = create_list(bob, name="a shared")
    create_list(bob, name="c not shared")
    create_list(carol, name="d carol's")
    share_list(bob, shared["id"], "alice", "view")
    names = [i["name"] for i in testapp.get("/lists", headers=alice.headers).json["items"]]
    assert names == ["a shared", "b mine"]
    assert mine["id"] != shared["id"]


@pytest.mark.parametrize("sort", ["name", "-name", "created_at", "-created_at"])
def test_get_lists_pages_in_every_sort_with_ties_broken_by_id(testapp, alice, register, sort):
    admin = register("chief", admin=True)
    made = [create_list(alice, name=name) for name in ("b", "a", "b", "c", "a")]
    seen, cursor = [], None
    for _ in range(10):
        params = {"sort": sort, "limit": "2", **({"cursor": cursor} if cursor else {})}
        response = testapp.get("/lists", params, headers=alice.headers, status=200)
        seen += response.json["items"]
        cursor = response.json["next_cursor"]
        assert ("Link" in response.headers) == (cursor is not None)
        if cursor is None:
            break
    field, descending = sort.lstrip("-"), sort.startswith("-")
    expected = sorted(made, key=lambda i: (i[field], int(i["id"])), reverse=descending)
    assert [i["id"] for i in seen] == [i["id"] for i in expected]
    everything = testapp.get("/lists", {"sort": sort, "limit": "100"}, headers=admin.headers)
    assert {i["id"] for i in made} <= {i["id"] for i in everything.json["items"]}


@pytest.mark.parametrize("params", [{"sort": "title"}, {"limit": "0"}, {"cursor": "nope"},
                                    {"done": "true"}])
def test_bad_list_query_parameters_are_400(testapp, alice, params):
    response = testapp.get("/lists", params, headers=alice.headers, status=400)
    assert_error(response, 400, ("querystring", next(iter(params))))


def test_a_task_cursor_is_no_list_cursor(testapp, alice):
    for _ in range(2):
        create_task(alice)
    cursor = testapp.get("/tasks", {"limit": "1", "sort": "created_at"},
                         headers=alice.headers).json["next_cursor"]
    response = testapp.get("/lists", {"cursor": cursor, "sort": "created_at"},
                           headers=alice.headers, status=400)
    assert_error(response, 400, ("querystring", "cursor"))


# -- shares --------------------------------------------------------------------------------


def test_put_share_is_201_then_200_and_get_lists_them_by_username(testapp, alice, register):
    made = create_list(alice)
    for name in ("zoe", "Bob", "mia"):
        register(name)
    assert share_list(alice, made["id"], "zoe", "view") == {"username": "zoe",
                                                             "permission": "view"}
    share_list(alice, made["id"], "BOB", "edit")
    share_list(alice, made["id"], "mia", "manage")
    assert share_list(alice, made["id"], "zoe", "edit", status=200)["permission"] == "edit"
    shares = testapp.get(f"/lists/{made['id']}/shares", headers=alice.headers).json
    assert shares == {"items": [{"username": "Bob", "permission": "edit"},
                                {"username": "mia", "permission": "manage"},
                                {"username": "zoe", "permission": "edit"}]}


def test_a_manager_may_grant_manage(testapp, alice, bob, register):
    made = create_list(alice)
    register("carol")
    share_list(alice, made["id"], "bob", "manage")
    share_list(bob, made["id"], "carol", "manage")
    testapp.delete(f"/lists/{made['id']}/shares/carol", headers=bob.headers, status=204)


@pytest.mark.parametrize("username", ["nobody", "alice", "ALICE", "x"])
def test_sharing_with_an_unknown_user_or_the_owner_is_400_naming_username(testapp, alice,
                                                                           username):
    made = create_list(alice)
    response = send_json(testapp, "PUT", f"/lists/{made['id']}/shares/{username}",
                         {"permission": "view"}, alice.headers, 400)
    assert_error(response, 400, ("path", "username"))


@pytest.mark.parametrize(("body", "named"), [
    ({}, "permission"), ({"permission": "owner"}, "permission"),
    ({"permission": "admin"}, "permission"), ({"permission": "view", "extra": 1}, "extra"),
    ({"permission": None}, "permission"),
])
def test_a_bad_share_body_is_400(testapp, alice, bob, body, named):
    made = create_list(alice)
    response = send_json(testapp, "PUT", f"/lists/{made['id']}/shares/bob", body,
                         alice.headers, 400)
    assert_error(response, 400, ("body", named))
    shares = testapp.get(f"/lists/{made['id']}/shares", headers=alice.headers).json
    assert shares["items"] == []


def test_deleting_a_share_that_does_not_exist_is_404(testapp, alice, bob):
    made = create_list(alice)
    response = testapp.delete(f"/lists/{made['id']}/shares/bob", headers=alice.headers,
                              status=404)
    assert_error(response, 404, ("path", "username"))


def test_a_list_share_that_changes_nothing_changes_nothing(testapp, alice, bob):
    made = create_list(alice)
    share_list(alice, made["id"], "bob", "view")
    share_list(alice, made["id"], "bob", "view", status=200)
    assert get_list(alice, made["id"]).json == made


# -- deletion ------------------------------------------------------------------------------


def count(dbsession: Session, model, *where) -> int:
    return dbsession.execute(select(func.count()).select_from(model).where(*where)).scalar_one()


def test_deleting_a_list_deletes_its_tasks_their_tags_and_shares(testapp, alice, bob,
                                                                 dbsession):
    made = create_list(alice)
    share_list(alice, made["id"], "bob", "edit")
    kept = create_task(alice, title="not in the list", tags=["home"])
    in_list = [create_task(alice, list=made["id"], tags=["home"]),
               create_task(bob, list=made["id"], tags=["work"])]
    testapp.put_json(f"/tasks/{in_list[0]['id']}/shares/bob", {"permission": "view"},
                     headers=alice.headers, status=201)
    testapp.delete(f"/lists/{made['id']}", headers=alice.headers, status=204)
    for task in in_list:
        testapp.get(f"/tasks/{task['id']}", headers=alice.headers, status=404)
    get_list(alice, made["id"], 404)
    ids = [int(t["id"]) for t in in_list]
    assert count(dbsession, Task, Task.id.in_(ids)) == 0
    assert count(dbsession, TaskTag, TaskTag.task_id.in_(ids)) == 0
    assert count(dbsession, TaskShare, TaskShare.task_id.in_(ids)) == 0
    assert count(dbsession, ListShare, ListShare.list_id == int(made["id"])) == 0
    testapp.get(f"/tasks/{kept['id']}", headers=alice.headers, status=200)


def test_deleting_a_user_deletes_their_lists_with_every_task_and_their_list_shares(
        testapp, alice, bob, register, dbsession):
    carol = register("carol")
    theirs = create_list(bob)
    share_list(bob, theirs["id"], "alice", "edit")
    alices_task_in_bobs_list = create_task(alice, list=theirs["id"])
    others = create_list(carol)
    share_list(carol, others["id"], "bob", "view")
    testapp.delete("/users/me", headers=bob.headers, status=204)
    assert count(dbsession, TaskList, TaskList.id == int(theirs["id"])) == 0
    testapp.get(f"/tasks/{alices_task_in_bobs_list['id']}", headers=alice.headers, status=404)
    assert count(dbsession, ListShare, ListShare.list_id == int(others["id"])) == 0
    get_list(carol, others["id"])


def test_deleting_a_user_deletes_their_shares_of_others_lists(testapp, alice, bob, dbsession):
    made = create_list(alice)
    share_list(alice, made["id"], "bob", "manage")
    testapp.delete("/users/me", headers=bob.headers, status=204)
    assert testapp.get(f"/lists/{made['id']}/shares", headers=alice.headers).json == {
        "items": []}
