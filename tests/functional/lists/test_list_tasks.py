"""Tasks in lists: ``list`` in task bodies, ``list=``, ``/lists/<id>/tasks`` and ``GET /tasks``
of a list member (contract sections 3 and 7)."""

from __future__ import annotations

import pytest

from tests.support.api import assert_error, create_task, send_json
from tests.support.listing import expected_order, ids, walk
from tests.support.lists import create_list, share_list


@pytest.fixture
def groceries(alice, bob):
    """Alice's list, which bob may edit."""
    made = create_list(alice, name="Groceries")
    share_list(alice, made["id"], "bob", "edit")
    return made


def test_a_task_is_in_no_list_by_default(alice):
    assert create_task(alice)["list"] is None


def test_a_member_who_may_edit_creates_a_task_in_the_list(testapp, bob, groceries):
    task = create_task(bob, list=groceries["id"])
    assert task["list"] == groceries["id"] and task["owner"] == "bob"


@pytest.mark.parametrize("value", [7, "abc", "0", "07", "1" * 19, "", ["1"], True])
def test_a_list_that_is_no_id_is_400_naming_list(testapp, alice, value):
    response = send_json(testapp, "POST", "/tasks", {"title": "t", "list": value},
                         alice.headers, 400)
    assert_error(response, 400, ("body", "list"))


def test_a_list_the_caller_cannot_view_is_400_and_one_they_only_view_is_403(
        testapp, alice, bob, register):
    carol = register("carol")
    hidden = create_list(carol)
    viewed = create_list(carol)
    share_list(carol, viewed["id"], "alice", "view")
    for list_id, status in ((hidden["id"], 400), ("999999", 400), (viewed["id"], 403)):
        response = send_json(testapp, "POST", "/tasks", {"title": "t", "list": list_id},
                             alice.headers, status)
        assert_error(response, status, ("body", "list"))
    assert testapp.get("/tasks", headers=alice.headers).json["items"] == []


def test_post_to_the_lists_tasks_is_post_tasks_with_the_list(testapp, bob, groceries):
    url = f"/lists/{groceries['id']}/tasks"
    made = testapp.post_json(url, {"title": "Milk", "tags": ["dairy"]}, headers=bob.headers,
                             status=201)
    assert made.json["list"] == groceries["id"] and made.json["tags"] == ["dairy"]
    assert made.headers["Location"].endswith(f"/tasks/{made.json['id']}")
    assert made.headers["ETag"] == '"1"'
    same = {"title": "Eggs", "list": groceries["id"]}
    assert testapp.post_json(url, same, headers=bob.headers, status=201).json["list"] == \
        groceries["id"]
    other = create_list(bob)
    response = send_json(testapp, "POST", url, {"title": "x", "list": other["id"]},
                         bob.headers, 400)
    assert_error(response, 400, ("body", "list"))
    response = send_json(testapp, "POST", url, {"title": ""}, bob.headers, 400)
    assert_error(response, 400, ("body", "title"))


def test_moving_needs_the_right_to_add_to_the_target(testapp, alice, bob, register,
                                                     groceries):
    carol = register("carol")
    task = create_task(bob, list=groceries["id"])
    url = f"/tasks/{task['id']}"
    viewed = create_list(carol)
    share_list(carol, viewed["id"], "bob", "view")
    hidden = create_list(carol)
    for target, status in ((viewed["id"], 403), (hidden["id"], 400)):
        response = send_json(testapp, "PATCH", url, {"list": target}, bob.headers, status)
        assert_error(response, status, ("body", "list"))
    editable = create_list(carol)
    share_list(carol, editable["id"], "bob", "edit")
    moved = testapp.patch_json(url, {"list": editable["id"]}, headers=bob.headers).json
    assert moved["list"] == editable["id"] and moved["version"] == 2
    # Alice's list no longer holds it: its owner no longer sees it.
    testapp.get(url, headers=alice.headers, status=404)


def test_an_editor_of_the_list_may_not_move_anothers_task_even_to_a_list_of_their_own(
        testapp, alice, bob, groceries):
    """Moving needs the right to share the task, which an ``edit`` role does not give."""
    task = create_task(alice, list=groceries["id"])
    bobs = create_list(bob)
    response = send_json(testapp, "PATCH", f"/tasks/{task['id']}", {"list": bobs["id"]},
                         bob.headers, 403)
    assert_error(response, 403, ("body", "list"))
    kept = testapp.get(f"/tasks/{task['id']}", headers=alice.headers, status=200).json
    assert kept == task


def test_sending_the_list_a_task_is_in_needs_no_right_and_changes_nothing(
        testapp, alice, bob, groceries):
    task = create_task(alice, list=groceries["id"])
    same = testapp.patch_json(f"/tasks/{task['id']}", {"list": groceries["id"]},
                              headers=bob.headers, status=200).json
    assert same == task


def test_put_keeps_the_list_when_absent_and_null_takes_the_task_out(testapp, alice,
                                                                     groceries):
    task = create_task(alice, list=groceries["id"])
    url = f"/tasks/{task['id']}"
    kept = testapp.put_json(url, {"title": "Replaced"}, headers=alice.headers).json
    assert kept["list"] == groceries["id"] and kept["description"] == ""
    out = testapp.put_json(url, {"title": "Replaced", "list": None}, headers=alice.headers)
    assert out.json["list"] is None and out.json["version"] == 3
    back = testapp.patch_json(url, {"list": groceries["id"]}, headers=alice.headers).json
    assert back["list"] == groceries["id"]


def test_the_list_owner_may_not_take_anothers_task_out(testapp, alice, bob, groceries):
    task = create_task(bob, list=groceries["id"])
    response = send_json(testapp, "PUT", f"/tasks/{task['id']}", {"title": "t", "list": None},
                         alice.headers, 403)
    assert_error(response, 403, ("body", "list"))


# -- listing -------------------------------------------------------------------------------


def test_list_filter_and_the_lists_tasks_are_the_same_page(testapp, alice, bob, groceries):
    in_list = [create_task(alice, list=groceries["id"], done=i % 2 == 0) for i in range(3)]
    create_task(alice, title="elsewhere")
    for client in (alice, bob):
        by_filter = testapp.get("/tasks", {"list": groceries["id"], "done": "false"},
                                headers=client.headers).json
        by_path = testapp.get(f"/lists/{groceries['id']}/tasks", {"done": "false"},
                              headers=client.headers).json
        assert by_filter == by_path
        assert ids(by_path["items"]) == [in_list[1]["id"]]


def test_the_lists_tasks_are_401_anonymous_and_404_to_a_stranger_whatever_the_query(
        testapp, groceries, register):
    stranger = register("stranger")
    url = f"/lists/{groceries['id']}/tasks"
    assert_error(testapp.get(url, {"list": groceries["id"]}, status=401), 401)
    assert_error(testapp.get(url, headers=stranger.headers, status=404), 404)
    assert_error(testapp.get(url, {"sort": "nope"}, headers=stranger.headers, status=404), 404)


def test_an_unknown_parameter_on_the_lists_tasks_is_400(testapp, alice, groceries):
    response = testapp.get(f"/lists/{groceries['id']}/tasks", {"list": groceries["id"]},
                           headers=alice.headers, status=400)
    assert_error(response, 400, ("querystring", "list"))


@pytest.mark.parametrize("value", ["abc", "0", "-1", "1" * 19])
def test_a_bad_list_filter_is_400(testapp, alice, value):
    response = testapp.get("/tasks", {"list": value}, headers=alice.headers, status=400)
    assert_error(response, 400, ("querystring", "list"))


def test_a_list_the_caller_cannot_view_lists_nothing_even_their_own_task(
        testapp, alice, bob, groceries):
    task = create_task(bob, list=groceries["id"])
    testapp.delete(f"/lists/{groceries['id']}/shares/bob", headers=bob.headers, status=204)
    assert testapp.get("/tasks", {"list": groceries["id"]}, headers=bob.headers).json == {
        "items": [], "next_cursor": None}
    # ... while the task is still theirs, listed without the filter.
    assert ids(testapp.get("/tasks", headers=bob.headers).json["items"]) == [task["id"]]
    assert testapp.get("/tasks", {"list": "999999"}, headers=bob.headers).json["items"] == []


def test_owner_filter_reaches_into_the_callers_lists(testapp, alice, bob, register, groceries):
    carol = register("carol")
    share_list(alice, groceries["id"], "carol", "view")
    bobs = create_task(bob, list=groceries["id"])
    create_task(alice, list=groceries["id"])
    listed = testapp.get("/tasks", {"owner": "bob"}, headers=carol.headers).json["items"]
    assert ids(listed) == [bobs["id"]]
    in_list = testapp.get("/tasks", {"owner": "BOB", "list": groceries["id"]},
                          headers=carol.headers).json["items"]
    assert ids(in_list) == [bobs["id"]]


@pytest.mark.parametrize("sort", ["-created_at", "title", "-priority", "due_at", "-due_at",
                                  "updated_at"])
def test_a_member_pages_own_shared_and_list_tasks_once_each_in_order(
        testapp, alice, bob, register, sort):
    """Every branch at once (own, shared, two lists), with overlaps: a task of carol's own
    in her own list, and one of bob's in a list she is in that he also shares with her."""
    carol = register("carol")
    hers = create_list(carol)
    alices = create_list(alice)
    share_list(alice, alices["id"], "carol", "view")
    share_list(alice, alices["id"], "bob", "edit")
    priorities = ["low", "normal", "high", "urgent"]
    expected = [create_task(carol, title=f"own {i}", priority=priorities[i % 4]) for i in range(3)]
    expected += [create_task(carol, title=f"mine in mine {i}", list=hers["id"],
                             due_at=None if i else "2030-01-01T00:00:00Z") for i in range(2)]
    expected += [create_task(alice, title=f"alice {i}", list=alices["id"],
                             priority=priorities[i % 4], due_at=f"2030-02-0{i + 1}T00:00:00Z")
                 for i in range(4)]
    twice = create_task(bob, title="bob in alice's, shared too", list=alices["id"])
    testapp.put_json(f"/tasks/{twice['id']}/shares/carol", {"permission": "view"},
                     headers=bob.headers, status=201)
    shared = create_task(bob, title="bob shared")
    testapp.put_json(f"/tasks/{shared['id']}/shares/carol", {"permission": "edit"},
                     headers=bob.headers, status=201)
    create_task(bob, title="bob private")
    create_task(alice, title="alice private")
    expected += [twice, shared]
    seen = walk(testapp, carol, {"sort": sort}, limit=3)
    assert ids(seen) == ids(expected_order(expected, sort))
