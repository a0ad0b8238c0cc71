"""The tasks of a CalDAV collection (contract section 16): a list's, or the inbox's --
what the caller may view in no list they may view -- and nothing outside their view."""

from __future__ import annotations

from taskservice.caldav.collections import (
    collection_rows,
    parent_uid,
    resource_name,
    resource_uid,
)
from taskservice.caldav.names import derived_uid, object_name
from tests.functional.caldav.conftest import INBOX, held, ids, in_list, store_object
from tests.support.api import create_task
from tests.support.lists import create_list, share_list
from tests.support.subtasks import create_subtask, share_task


def test_a_list_holds_its_tasks_and_no_other(alice, bob, dbsession, who):
    shopping, work = create_list(alice), create_list(alice)
    mine = [create_task(alice, list=shopping["id"])["id"] for _ in range(3)]
    create_task(alice, list=work["id"])
    create_task(alice)
    share_list(alice, shopping["id"], "bob", "view")
    create_task(bob)
    assert held(dbsession, who(alice), in_list(shopping["id"])) == mine
    assert held(dbsession, who(bob), in_list(shopping["id"])) == mine


def test_a_list_the_caller_may_not_view_holds_nothing_for_them(alice, bob, dbsession, who):
    secret = create_list(alice)
    create_task(alice, list=secret["id"])
    assert held(dbsession, who(bob), in_list(secret["id"])) == []


def test_the_inbox_holds_own_tasks_in_no_list_and_tasks_shared_directly(
        alice, bob, register, dbsession, who):
    carol = register("carol")
    listed = create_list(alice)
    create_task(alice, list=listed["id"])
    own = create_task(alice)["id"]
    bobs_list = create_list(bob)
    shared_in_bobs_list = create_task(bob, list=bobs_list["id"])["id"]
    shared_loose = create_task(bob)["id"]
    below_shared = create_subtask(bob, shared_loose)["id"]
    create_task(bob)  # not shared
    create_task(carol)
    share_task(bob, shared_in_bobs_list, "alice", "view")
    share_task(bob, shared_loose, "alice", "edit")
    assert sorted(held(dbsession, who(alice), INBOX), key=int) == sorted(
        [own, shared_in_bobs_list, shared_loose, below_shared], key=int)


def test_a_task_shared_in_a_list_the_caller_may_view_is_in_that_list_not_the_inbox(
        alice, bob, dbsession, who):
    bobs_list = create_list(bob)
    share_list(bob, bobs_list["id"], "alice", "view")
    task = create_task(bob, list=bobs_list["id"])["id"]
    share_task(bob, task, "alice", "view")
    assert held(dbsession, who(alice), INBOX) == []
    assert held(dbsession, who(alice), in_list(bobs_list["id"])) == [task]


def test_own_tasks_in_a_list_the_caller_left_are_in_their_inbox(alice, bob, dbsession, who):
    bobs_list = create_list(bob)
    share_list(bob, bobs_list["id"], "alice", "edit")
    task = create_task(alice, list=bobs_list["id"])["id"]
    create_task(bob, list=bobs_list["id"])
    alice.testapp.delete(f"/lists/{bobs_list['id']}/shares/alice", headers=alice.headers,
                         status=204)
    assert held(dbsession, who(alice), INBOX) == [task]
    assert held(dbsession, who(alice), in_list(bobs_list["id"])) == []


def test_an_admin_inbox_is_every_task_in_no_list(alice, admin, dbsession, who):
    loose = create_task(alice)["id"]
    create_task(alice, list=create_list(alice)["id"])
    assert held(dbsession, who(admin), INBOX) == [loose]


def test_a_list_limited_token_has_no_inbox_and_only_its_lists(alice, dbsession, who):
    allowed, other = create_list(alice), create_list(alice)
    task = create_task(alice, list=allowed["id"])["id"]
    create_task(alice, list=other["id"])
    create_task(alice)
    limited = who(alice, lists=[allowed["id"]])
    assert held(dbsession, limited, INBOX) == []
    assert held(dbsession, limited, in_list(allowed["id"])) == [task]
    assert held(dbsession, limited, in_list(other["id"])) == []


def test_a_collection_streams_in_pages_of_any_size(alice, dbsession, who):
    listed = create_list(alice)
    tasks = [create_task(alice, list=listed["id"])["id"] for _ in range(5)]
    for size in (1, 2, 5, 6):
        rows = collection_rows(dbsession, who(alice), in_list(listed["id"]), page_size=size)
        assert ids(rows) == tasks


def test_a_row_names_the_client_object_or_the_derived_one(alice, dbsession, who):
    parent = create_task(alice)
    child = create_subtask(alice, parent["id"])
    store_object(dbsession, child, "my child@home+1.ics", "child-uid")
    rows = {str(row.id): row for row in collection_rows(dbsession, who(alice), INBOX)}
    parent_row, child_row = rows[parent["id"]], rows[child["id"]]
    assert resource_uid(parent_row) == derived_uid(int(parent["id"]))
    assert resource_name(parent_row) == object_name(derived_uid(int(parent["id"])))
    assert parent_uid(parent_row) is None
    assert (resource_uid(child_row), resource_name(child_row)) == ("child-uid",
                                                                   "my child@home+1.ics")
    assert parent_uid(child_row) == derived_uid(int(parent["id"]))
    store_object(dbsession, parent, "p.ics", "parent-uid")
    rows = {str(row.id): row for row in collection_rows(dbsession, who(alice), INBOX)}
    assert parent_uid(rows[child["id"]]) == "parent-uid"
    assert rows[child["id"]].ical.startswith("BEGIN:VCALENDAR")
