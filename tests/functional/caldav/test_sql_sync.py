"""``sync-collection`` from the change log (contract sections 8 and 16): an upsert per
changed task the collection holds, a removed name per task that left it or the caller's
view, signed tokens bound to one collection."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest

from taskservice.caldav import sync
from taskservice.caldav.names import derived_uid, object_name
from taskservice.caldav.sync import (
    InvalidSyncToken,
    collection_changes,
    current_token,
    parse_token,
)
from taskservice.db.base import utcnow
from tests.functional.caldav.conftest import INBOX, ids, in_list, store_object
from tests.support.api import create_task
from tests.support.lists import create_list, share_list
from tests.support.subtasks import create_subtask, patch, share_task

RETENTION = 3600 * 24 * 30


def derived_name(task):
    return object_name(derived_uid(int(task["id"])))


class Copy:
    """A client's copy of one collection: its token, kept from sync to sync."""

    def __init__(self, dbsession, key, viewer, collection):
        self.args = (dbsession, key, viewer, collection)
        self.token = None

    def sync(self, limit=None):
        """(upserted ids, removed names) of one sync-collection, the token kept."""
        dbsession, key, viewer, collection = self.args
        since = None if self.token is None else parse_token(
            dbsession, key, viewer, collection, self.token, RETENTION)
        page = collection_changes(dbsession, key, viewer, collection, since, limit)
        self.token = page.token
        self.truncated = page.truncated
        return ids(page.upserts), page.removed


@pytest.fixture
def copy(dbsession, key, who):
    def make(client, collection):
        replica = Copy(dbsession, key, who(client), collection)
        replica.sync()
        return replica
    return make


def delete_task(client, task):
    client.testapp.delete(f"/tasks/{task['id']}", headers=client.headers, status=204)


def test_an_initial_sync_lists_what_exists_and_never_a_removal(alice, dbsession, key, who):
    listed = create_list(alice)
    kept = create_task(alice, list=listed["id"])["id"]
    delete_task(alice, create_task(alice, list=listed["id"]))
    replica = Copy(dbsession, key, who(alice), in_list(listed["id"]))
    assert replica.sync() == ([kept], [])
    assert replica.token == current_token(dbsession, key, who(alice), in_list(listed["id"]))
    assert replica.sync() == ([], [])


def test_a_list_sync_reports_changes_and_removals(alice, dbsession, copy):
    listed, other = create_list(alice), create_list(alice)
    stays, moves, named, plain = (create_task(alice, list=listed["id"]) for _ in range(4))
    store_object(dbsession, named, "named@client.ics", "named-uid")
    replica = copy(alice, in_list(listed["id"]))
    patch(alice, stays["id"], {"title": "changed"})
    patch(alice, moves["id"], {"list": other["id"]})
    delete_task(alice, named)
    delete_task(alice, plain)
    created = create_task(alice, list=listed["id"])
    upserts, removed = replica.sync()
    assert upserts == [stays["id"], created["id"]]
    assert sorted(removed) == sorted([derived_name(moves), "named@client.ics",
                                      derived_name(plain)])
    assert replica.sync() == ([], [])


def test_a_moved_task_keeps_its_name_in_its_new_collection(alice, dbsession, copy):
    source, target = create_list(alice), create_list(alice)
    task = create_task(alice, list=source["id"])
    store_object(dbsession, task, "kept.ics", "kept-uid")
    old, new = copy(alice, in_list(source["id"])), copy(alice, in_list(target["id"]))
    patch(alice, task["id"], {"list": target["id"]})
    assert old.sync() == ([], ["kept.ics"])
    assert new.sync() == ([task["id"]], [])


def test_the_inbox_reports_tasks_entering_and_leaving_it(alice, bob, dbsession, copy):
    listed = create_list(alice)
    goes_to_list, stays = create_task(alice), create_task(alice)
    comes_back = create_task(alice, list=listed["id"])
    in_list_only = create_task(alice, list=listed["id"])
    bobs = create_task(bob)
    replica = copy(alice, INBOX)
    patch(alice, goes_to_list["id"], {"list": listed["id"]})
    patch(alice, comes_back["id"], {"list": None})
    patch(alice, in_list_only["id"], {"title": "edited in its list"})
    patch(alice, stays["id"], {"title": "edited"})
    create_task(alice, list=listed["id"])
    share_task(bob, bobs["id"], "alice", "view")
    upserts, removed = replica.sync()
    assert sorted(upserts, key=int) == sorted([comes_back["id"], stays["id"], bobs["id"]],
                                              key=int)
    assert removed == [derived_name(goes_to_list)]


def test_an_unshared_task_is_a_removed_name_and_its_changes_are_not_seen(
        alice, bob, dbsession, copy):
    bobs = create_task(bob)
    child = create_subtask(bob, bobs["id"])
    share_task(bob, bobs["id"], "alice", "edit")
    replica = copy(alice, INBOX)
    patch(bob, bobs["id"], {"title": "seen"})
    patch(bob, child["id"], {"title": "seen too"})
    assert replica.sync() == ([bobs["id"], child["id"]], [])
    bob.testapp.delete(f"/tasks/{bobs['id']}/shares/alice", headers=bob.headers, status=204)
    patch(bob, bobs["id"], {"title": "not seen"})
    upserts, removed = replica.sync()
    assert upserts == []
    assert sorted(removed) == sorted([derived_name(bobs), derived_name(child)])
    patch(bob, bobs["id"], {"title": "still not seen"})
    assert replica.sync() == ([], [])


def test_another_users_changes_never_reach_a_collection(alice, bob, dbsession, copy):
    listed = create_list(alice)
    inbox, lst = copy(alice, INBOX), copy(alice, in_list(listed["id"]))
    bobs_list = create_list(bob)
    task = create_task(bob, list=bobs_list["id"])
    create_task(bob)
    delete_task(bob, task)
    assert inbox.sync() == ([], [])
    assert lst.sync() == ([], [])


def test_leaving_a_list_brings_own_tasks_into_the_inbox_and_empties_the_list(
        alice, bob, dbsession, copy):
    bobs_list = create_list(bob)
    share_list(bob, bobs_list["id"], "alice", "edit")
    own = create_task(alice, list=bobs_list["id"])
    create_task(bob, list=bobs_list["id"])
    inbox = copy(alice, INBOX)
    alice.testapp.delete(f"/lists/{bobs_list['id']}/shares/alice", headers=alice.headers,
                         status=204)
    assert inbox.sync() == ([own["id"]], [])


def test_joining_a_list_takes_tasks_shared_in_it_out_of_the_inbox(alice, bob, dbsession, copy):
    bobs_list = create_list(bob)
    task = create_task(bob, list=bobs_list["id"])
    share_task(bob, task["id"], "alice", "view")
    inbox = copy(alice, INBOX)
    assert inbox.sync() == ([], [])
    share_list(bob, bobs_list["id"], "alice", "view")
    assert inbox.sync() == ([], [derived_name(task)])


def test_a_limit_cuts_a_sync_and_the_token_continues_it(alice, dbsession, copy):
    listed = create_list(alice)
    replica = copy(alice, in_list(listed["id"]))
    tasks = [create_task(alice, list=listed["id"])["id"] for _ in range(5)]
    seen = []
    for _ in range(3):
        upserts, _removed = replica.sync(limit=2)
        seen += upserts
    assert seen == tasks
    assert replica.truncated is False
    assert replica.sync() == ([], [])


def test_a_limit_cuts_an_initial_sync_too(alice, dbsession, key, who):
    listed = create_list(alice)
    tasks = [create_task(alice, list=listed["id"])["id"] for _ in range(3)]
    replica = Copy(dbsession, key, who(alice), in_list(listed["id"]))
    assert replica.sync(limit=2) == (tasks[:2], []) and replica.truncated
    late = create_task(alice, list=listed["id"])["id"]
    assert replica.sync(limit=2) == ([*tasks[2:], late], []) and not replica.truncated
    assert replica.sync() == ([late], [])  # changed after the listing began: again
    assert replica.sync() == ([], [])


def test_the_current_token_changes_with_every_change_and_only_then(alice, dbsession, key,
                                                                   who):
    listed = create_list(alice)
    task = create_task(alice, list=listed["id"], due_at="2030-01-01T09:00:00Z")
    viewer, collection = who(alice), in_list(listed["id"])
    tokens = [current_token(dbsession, key, viewer, collection)]
    create_task(alice)  # elsewhere
    tokens.append(current_token(dbsession, key, viewer, collection))
    patch(alice, task["id"], {"reminders": [{"offset": -900}]})
    tokens.append(current_token(dbsession, key, viewer, collection))
    inbox = [current_token(dbsession, key, viewer, INBOX)]
    create_task(alice)
    inbox.append(current_token(dbsession, key, viewer, INBOX))
    assert tokens[0] == tokens[1] != tokens[2]
    assert inbox[0] != inbox[1]


def test_a_token_of_another_collection_user_or_altered_is_refused(alice, bob, dbsession, key,
                                                                   who):
    first, second = create_list(alice), create_list(alice)
    share_list(alice, first["id"], "bob", "view")
    token = current_token(dbsession, key, who(alice), in_list(first["id"]))
    parse_token(dbsession, key, who(alice), in_list(first["id"]), token, RETENTION)
    altered = token[:-3] + ("AAA" if not token.endswith("AAA") else "BBB")
    for viewer, collection, text in [
            (who(alice), in_list(second["id"]), token),
            (who(alice), INBOX, token),
            (who(bob), in_list(first["id"]), token),
            (who(alice), in_list(first["id"]), altered),
            (who(alice), in_list(first["id"]), "http://example.com/sync/1"),
            (who(alice), in_list(first["id"]), "")]:
        with pytest.raises(InvalidSyncToken):
            parse_token(dbsession, key, viewer, collection, text, RETENTION)


def test_a_token_past_the_log_or_the_retention_is_refused(alice, dbsession, key, who,
                                                          monkeypatch):
    listed = create_list(alice)
    viewer, collection = who(alice), in_list(listed["id"])
    beyond = sync.sync_token(key, viewer, collection, sync.Position(10**9))
    with pytest.raises(InvalidSyncToken):
        parse_token(dbsession, key, viewer, collection, beyond, RETENTION)
    old = sync.sync_token(key, viewer, collection, sync.Position(0),
                          now=utcnow() - timedelta(seconds=RETENTION + 7200))
    with pytest.raises(InvalidSyncToken):
        parse_token(dbsession, key, viewer, collection, old, RETENTION)


def test_a_deleted_tasks_client_name_is_kept_and_purged(alice, dbsession):
    task = create_task(alice)
    store_object(dbsession, task, "gone.ics", "gone-uid")
    delete_task(alice, task)
    assert sync._names(dbsession, [int(task["id"])]) == ["gone.ics"]
    assert sync.purge_tombstones(dbsession, utcnow() - timedelta(hours=1)) == 0
    assert sync.purge_tombstones(dbsession, utcnow() + timedelta(seconds=1)) == 1
    assert sync._names(dbsession, [int(task["id"])]) == [derived_name(task)]


def test_subtasks_leave_a_list_with_their_parent(alice, dbsession, copy):
    source, target = create_list(alice), create_list(alice)
    parent = create_task(alice, list=source["id"])
    child = create_subtask(alice, parent["id"], list=source["id"])
    old, new = copy(alice, in_list(source["id"])), copy(alice, in_list(target["id"]))
    patch(alice, parent["id"], {"list": target["id"]})
    upserts, removed = old.sync()
    assert (upserts, sorted(removed)) == ([], sorted([derived_name(parent),
                                                      derived_name(child)]))
    assert new.sync() == ([parent["id"], child["id"]], [])


def test_a_limit_below_one_still_makes_progress(alice, dbsession, copy):
    listed = create_list(alice)
    replica = copy(alice, in_list(listed["id"]))
    task = create_task(alice, list=listed["id"])["id"]
    assert replica.sync(limit=0) == ([task], [])


def test_a_list_left_or_outside_a_limited_token_reports_nothing(alice, bob, dbsession, key,
                                                                 who):
    bobs_list, other = create_list(bob), create_list(alice)
    share_list(bob, bobs_list["id"], "alice", "edit")
    replica = Copy(dbsession, key, who(alice), in_list(bobs_list["id"]))
    replica.sync()
    limited = Copy(dbsession, key, who(alice, lists=[other["id"]]), in_list(bobs_list["id"]))
    assert limited.sync() == ([], [])
    task = create_task(bob, list=bobs_list["id"])
    alice.testapp.delete(f"/lists/{bobs_list['id']}/shares/alice", headers=alice.headers,
                         status=204)
    patch(bob, task["id"], {"title": "after alice left"})
    assert replica.sync() == ([], [])
    assert limited.sync() == ([], [])


def test_a_limited_token_syncs_its_lists(alice, dbsession, key, who):
    listed = create_list(alice)
    replica = Copy(dbsession, key, who(alice, lists=[listed["id"]]), in_list(listed["id"]))
    replica.sync()
    task = create_task(alice, list=listed["id"])
    create_task(alice)
    assert replica.sync() == ([task["id"]], [])


def test_an_admin_inbox_syncs_every_task_in_no_list(alice, admin, dbsession, key, who):
    listed = create_list(alice)
    replica = Copy(dbsession, key, who(admin), INBOX)
    replica.sync()
    loose, listed_task = create_task(alice), create_task(alice, list=listed["id"])
    assert replica.sync() == ([loose["id"]], [])
    patch(alice, loose["id"], {"list": listed["id"]})
    patch(alice, listed_task["id"], {"title": "stays in its list"})
    assert replica.sync() == ([], [derived_name(loose)])


def test_a_token_issued_before_the_admin_role_changed_is_refused(alice, dbsession, key, who):
    viewer = who(alice)
    token = current_token(dbsession, key, viewer, INBOX)
    as_admin = replace(viewer, is_admin=True)
    with pytest.raises(InvalidSyncToken):
        parse_token(dbsession, key, as_admin, INBOX, token, RETENTION)
