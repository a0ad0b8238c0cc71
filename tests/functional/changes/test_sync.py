"""``GET /changes`` (contract section 8): full and incremental sync, tombstones, tokens.

Each test drives the API and checks the feed a client sees; the rule behind most of them
is the contract's: a client that syncs repeatedly ends with exactly what a full sync
shows, and never sees what it may not view.
"""

from __future__ import annotations

import random
from datetime import timedelta

import pytest
from sqlalchemy import update

from taskservice.accounts.models import User
from taskservice.changes.tokens import KEPT, SyncToken, decode_token
from taskservice.db.base import utcnow
from taskservice.db.service_keys import SYNC_TOKENS, read_service_key
from tests.support.api import assert_error, assert_unauthorized, create_task
from tests.support.lists import create_list, share_list
from tests.support.sync import Replica, fetcher, replica


def keys(changes):
    return [(c["kind"], c["id"], c["deleted"], c.get("reason")) for c in changes]


def patch(client, task_id, **fields):
    return client.testapp.patch_json(f"/tasks/{task_id}", fields, headers=client.headers,
                                     status=200).json


def delete(client, path):
    client.testapp.delete(path, headers=client.headers, status=204)


def assert_converged(client, copy):
    """The copy built from the feed is exactly what a full sync shows now."""
    copy.sync()
    fresh = replica(client)
    assert copy.objects == fresh.objects


# --- full sync -------------------------------------------------------------------------------


def test_a_full_sync_is_every_list_and_task_the_caller_may_view_as_upserts(alice, bob):
    own = create_task(alice, title="mine")
    groceries = create_list(alice, name="Groceries")
    in_list = create_task(alice, title="milk", list=groceries["id"])
    create_task(bob, title="bob's own")
    shared_list = create_list(bob, name="Bob's")
    share_list(bob, shared_list["id"], "alice", "view")
    theirs = create_task(bob, title="in bob's list", list=shared_list["id"])

    copy = replica(alice)
    assert all(not c["deleted"] for c in copy.seen)
    assert set(copy.objects) == {("task", own["id"]), ("task", in_list["id"]),
                                 ("task", theirs["id"]), ("list", groceries["id"]),
                                 ("list", shared_list["id"])}
    # Each object exactly as GET shows it.
    for (kind, object_id), body in copy.objects.items():
        path = f"/{kind}s/{object_id}"
        assert body == alice.testapp.get(path, headers=alice.headers).json


def test_a_full_sync_pages_with_limit_and_gives_each_object_once(alice):
    lists = [create_list(alice, name=f"l{i}") for i in range(3)]
    tasks = [create_task(alice, title=f"t{i}") for i in range(7)]
    copy = replica(alice, limit=2)
    assert copy.pages == 5
    ids = [(c["kind"], c["id"]) for c in copy.seen]
    assert len(ids) == len(set(ids)) == 10
    assert set(ids) == ({("list", x["id"]) for x in lists} | {("task", t["id"]) for t in tasks})


def test_an_empty_account_syncs_to_nothing_and_gets_a_token(alice, sync_key):
    page = fetcher(alice)({})
    assert page["changes"] == [] and page["more"] is False
    assert decode_token(page["next_token"], sync_key).phase == KEPT


# --- incremental sync ------------------------------------------------------------------------


def test_an_incremental_sync_gives_what_changed_once_in_the_order_of_latest_change(alice):
    first, second, third = (create_task(alice, title=f"t{i}") for i in range(3))
    copy = replica(alice)
    patch(alice, first["id"], title="first, changed")
    patch(alice, second["id"], done=True)
    patch(alice, first["id"], title="first, changed again")
    delete(alice, f"/tasks/{third['id']}")
    changes = copy.sync()
    assert keys(changes) == [("task", second["id"], False, None),
                             ("task", first["id"], False, None),
                             ("task", third["id"], True, "deleted")]
    assert changes[1]["task"]["title"] == "first, changed again"
    assert changes[1]["task"]["version"] == 3
    assert copy.sync() == []  # nothing since


def test_an_unchanged_copy_stays_unchanged_and_a_noop_patch_is_no_change(alice):
    task = create_task(alice, title="same")
    copy = replica(alice)
    patch(alice, task["id"], title="same")
    assert copy.sync() == []


def test_the_caller_never_sees_others_private_changes_not_even_as_tombstones(alice, bob):
    copy = replica(bob)
    task = create_task(alice, title="secret")
    patch(alice, task["id"], title="still secret")
    made = create_list(alice, name="secret list")
    create_task(alice, title="in it", list=made["id"])
    delete(alice, f"/tasks/{task['id']}")
    delete(alice, f"/lists/{made['id']}")
    assert copy.sync() == []


def test_a_sync_that_pages_stops_where_its_first_page_began(alice):
    tasks = [create_task(alice, title=f"t{i}") for i in range(4)]
    copy = replica(alice)
    for task in tasks:
        patch(alice, task["id"], done=True)
    fetch = fetcher(alice)
    page = fetch({"token": copy.token, "limit": 2})
    assert page["more"] is True and len(page["changes"]) == 2
    late = create_task(alice, title="written during the sync")
    patch(alice, tasks[3]["id"], title="changed during the sync")
    page2 = fetch({"token": page["next_token"], "limit": 2})
    assert page2["more"] is False
    assert [c["id"] for c in page["changes"] + page2["changes"]] == [t["id"] for t in tasks]
    following = fetch({"token": page2["next_token"]})
    assert [c["id"] for c in following["changes"]] == [late["id"], tasks[3]["id"]]


def test_a_full_sync_that_pages_while_others_write_misses_nothing(alice):
    for i in range(5):
        create_task(alice, title=f"t{i}")
    fetch = fetcher(alice)
    copy = Replica(fetch)
    page = fetch({"limit": 2})
    for change in page["changes"]:
        copy.apply(change)
    early = page["changes"][0]["id"]
    patch(alice, early, title="changed after it was read")
    new = create_task(alice, title="new")
    copy.token = page["next_token"]
    copy.sync(limit=2)
    copy.sync()
    assert copy.objects[("task", early)]["title"] == "changed after it was read"
    assert ("task", new["id"]) in copy.objects
    assert_converged(alice, copy)


# --- access gained and lost ------------------------------------------------------------------


def test_a_task_share_given_and_removed_is_an_upsert_then_a_tombstone(alice, bob):
    task = create_task(alice, title="shared")
    copy = replica(bob)
    alice.testapp.put_json(f"/tasks/{task['id']}/shares/bob", {"permission": "view"},
                           headers=alice.headers, status=201)
    assert keys(copy.sync()) == [("task", task["id"], False, None)]
    patch(alice, task["id"], title="seen by bob")
    assert copy.sync()[0]["task"]["title"] == "seen by bob"
    delete(alice, f"/tasks/{task['id']}/shares/bob")
    assert keys(copy.sync()) == [("task", task["id"], True, "access_revoked")]
    patch(alice, task["id"], title="no longer seen")
    assert copy.sync() == []


def test_losing_a_list_is_a_tombstone_for_it_and_each_of_its_tasks(alice, bob):
    made = create_list(alice, name="shared")
    tasks = [create_task(alice, title=f"t{i}", list=made["id"]) for i in range(3)]
    own = create_task(bob, title="bob's, in the list")  # bob's own task stays his
    share_list(alice, made["id"], "bob", "edit")
    patch(bob, own["id"], list=made["id"])
    copy = replica(bob)
    assert len(copy.objects) == 5
    delete(alice, f"/lists/{made['id']}/shares/bob")
    changes = copy.sync()
    assert {(c["kind"], c["id"], c["deleted"], c.get("reason")) for c in changes} == {
        ("list", made["id"], True, "access_revoked"),
        *{("task", t["id"], True, "access_revoked") for t in tasks},
        ("task", own["id"], False, None),
    }
    assert set(copy.objects) == {("task", own["id"])}
    assert_converged(bob, copy)


def test_gaining_a_list_brings_every_task_in_it(alice, bob):
    made = create_list(alice, name="shared")
    tasks = [create_task(alice, title=f"t{i}", list=made["id"]) for i in range(3)]
    copy = replica(bob)
    share_list(alice, made["id"], "bob", "view")
    copy.sync()
    assert set(copy.objects) == {("list", made["id"]), *{("task", t["id"]) for t in tasks}}
    assert_converged(bob, copy)


def test_leaving_a_list_is_the_same_as_being_removed(alice, bob):
    made = create_list(alice, name="shared")
    task = create_task(alice, list=made["id"])
    share_list(alice, made["id"], "bob", "view")
    copy = replica(bob)
    delete(bob, f"/lists/{made['id']}/shares/bob")
    assert {(c["id"], c["reason"]) for c in copy.sync()} == {
        (made["id"], "access_revoked"), (task["id"], "access_revoked")}


def test_a_deleted_list_is_a_tombstone_for_it_and_its_tasks_for_everyone(alice, bob):
    made = create_list(alice, name="doomed")
    tasks = [create_task(alice, title=f"t{i}", list=made["id"]) for i in range(2)]
    share_list(alice, made["id"], "bob", "view")
    copies = {who: replica(who) for who in (alice, bob)}
    delete(alice, f"/lists/{made['id']}")
    for who, copy in copies.items():
        assert {(c["kind"], c["id"], c["reason"]) for c in copy.sync()} == {
            ("list", made["id"], "deleted"), *{("task", t["id"], "deleted") for t in tasks}
        }, who.username
        assert copy.objects == {}


def test_a_task_moved_to_a_list_the_caller_cannot_see_is_a_tombstone(alice, bob):
    seen = create_list(alice, name="seen by bob")
    unseen = create_list(alice, name="not seen by bob")
    share_list(alice, seen["id"], "bob", "view")
    task = create_task(alice, list=seen["id"])
    copy = replica(bob)
    patch(alice, task["id"], list=unseen["id"])
    assert keys(copy.sync()) == [("task", task["id"], True, "access_revoked")]
    patch(alice, task["id"], list=seen["id"])
    assert keys(copy.sync()) == [("task", task["id"], False, None)]


def test_a_deleted_task_shared_with_the_caller_is_a_tombstone(alice, bob):
    task = create_task(alice)
    alice.testapp.put_json(f"/tasks/{task['id']}/shares/bob", {"permission": "edit"},
                           headers=alice.headers, status=201)
    copy = replica(bob)
    delete(alice, f"/tasks/{task['id']}")
    assert keys(copy.sync()) == [("task", task["id"], True, "deleted")]


def test_a_deleted_user_leaves_tombstones_for_those_they_shared_with(alice, bob):
    task = create_task(alice)
    made = create_list(alice)
    in_list = create_task(alice, list=made["id"])
    alice.testapp.put_json(f"/tasks/{task['id']}/shares/bob", {"permission": "view"},
                           headers=alice.headers, status=201)
    share_list(alice, made["id"], "bob", "view")
    copy = replica(bob)
    assert len(copy.objects) == 3
    delete(alice, "/users/me")
    assert {(c["id"], c["reason"]) for c in copy.sync()} == {
        (task["id"], "deleted"), (made["id"], "deleted"), (in_list["id"], "deleted")}


def test_an_admin_sees_every_change(alice, bob, admin):
    copy = replica(admin)
    task = create_task(alice)
    made = create_list(bob)
    assert {(c["kind"], c["id"]) for c in copy.sync()} == {("task", task["id"]),
                                                           ("list", made["id"])}
    delete(alice, f"/tasks/{task['id']}")
    assert keys(copy.sync()) == [("task", task["id"], True, "deleted")]


def test_a_list_body_in_the_feed_carries_the_callers_permission(alice, bob):
    made = create_list(alice)
    share_list(alice, made["id"], "bob", "view")
    copy = replica(bob)
    assert copy.objects[("list", made["id"])]["permission"] == "view"
    share_list(alice, made["id"], "bob", "manage", status=200)
    copy.sync()
    assert copy.objects[("list", made["id"])]["permission"] == "manage"


def test_random_writes_by_several_users_converge_to_a_full_sync(alice, bob, register):
    """Many small syncs between random writes, with small pages: the copy of each user,
    built from the feed alone, ends equal to their full sync (ids and bodies)."""
    carol = register("carol")
    users = [alice, bob, carol]
    rng = random.Random(8)
    copies = {u.username: replica(u) for u in users}
    tasks: list[tuple[object, str]] = []
    lists: list[tuple[object, str]] = []
    for step in range(120):
        who = rng.choice(users)
        other = rng.choice([u for u in users if u is not who])
        action = rng.random()
        if action < 0.25 or not tasks:
            in_list = rng.choice([None, *[lid for owner, lid in lists if owner is who]])
            task = create_task(who, title=f"s{step}", **({"list": in_list} if in_list else {}))
            tasks.append((who, task["id"]))
        elif action < 0.45:
            owner, task_id = rng.choice(tasks)
            patch(owner, task_id, title=f"p{step}")
        elif action < 0.55:
            owner, task_id = tasks.pop(rng.randrange(len(tasks)))
            delete(owner, f"/tasks/{task_id}")
        elif action < 0.65:
            owner, task_id = rng.choice(tasks)
            owner.testapp.put_json(f"/tasks/{task_id}/shares/{other.username}",
                                   {"permission": "view"}, headers=owner.headers, status="*")
        elif action < 0.72:
            owner, task_id = rng.choice(tasks)
            owner.testapp.delete(f"/tasks/{task_id}/shares/{other.username}",
                                 headers=owner.headers, status="*")
        elif action < 0.8:
            lists.append((who, create_list(who, name=f"l{step}")["id"]))
        elif action < 0.88 and lists:
            owner, list_id = rng.choice(lists)
            owner.testapp.put_json(f"/lists/{list_id}/shares/{other.username}",
                                   {"permission": "edit"}, headers=owner.headers, status="*")
        elif action < 0.94 and lists:
            owner, list_id = rng.choice(lists)
            owner.testapp.delete(f"/lists/{list_id}/shares/{other.username}",
                                 headers=owner.headers, status="*")
        elif lists:
            owner, task_id = rng.choice(tasks)
            _, list_id = rng.choice(lists)
            owner.testapp.patch_json(f"/tasks/{task_id}", {"list": list_id},
                                     headers=owner.headers, status="*")
        if step % 7 == 0:
            rng.choice(list(copies.values())).sync(limit=rng.choice([1, 3, 100]))
    for user in users:
        assert_converged(user, copies[user.username])


# --- tokens ----------------------------------------------------------------------------------


@pytest.fixture
def sync_key(dbsession):
    """The key the service signs sync tokens with (made by the migration)."""
    return read_service_key(dbsession, SYNC_TOKENS)


@pytest.fixture
def token_of(sync_key):
    def reissue(client, **changes):
        """``client``'s kept token, re-issued with ``changes`` (signed as the service signs)."""
        token = decode_token(replica(client).token, sync_key)
        return SyncToken(**{**token.__dict__, **changes}).encode(sync_key)
    return reissue


def test_a_token_signed_without_the_services_key_is_a_400(alice, sync_key, token_of):
    """Knowing the encoding is not enough to re-date a token past the retention."""
    young = decode_token(token_of(alice, issued_at=utcnow()), sync_key)
    for key in (b"", b"x" * 32):
        forged = young.encode(key)
        response = alice.testapp.get("/changes", {"token": forged}, headers=alice.headers,
                                     status=400)
        assert_error(response, 400, ("querystring", "token"))
    alice.testapp.get("/changes", {"token": young.encode(sync_key)}, headers=alice.headers,
                      status=200)


def test_every_process_signs_with_the_same_key(make_app, alice):
    """A token from one worker is good at another (each reads the key from the database)."""
    import webtest

    other = webtest.TestApp(make_app(), extra_environ={"HTTP_HOST": "example.com"})
    token = replica(alice).token
    page = other.get("/changes", {"token": token}, headers=alice.headers, status=200).json
    assert page["changes"] == [] and page["more"] is False


def test_an_altered_token_is_a_400(alice):
    token = replica(alice).token
    body, _, checksum = token.partition(".")
    for altered in (body[:-2] + ("A" if body[-2] != "A" else "B") + body[-1] + "." + checksum,
                    token + "x", "nonsense", body):
        response = alice.testapp.get("/changes", {"token": altered}, headers=alice.headers,
                                     status=400)
        assert_error(response, 400, ("querystring", "token"))


def test_another_users_token_is_a_400(alice, bob):
    response = bob.testapp.get("/changes", {"token": replica(alice).token},
                               headers=bob.headers, status=400)
    assert_error(response, 400, ("querystring", "token"))


def test_a_token_older_than_the_retention_is_a_410(alice, token_of):
    old = token_of(alice, issued_at=utcnow() - timedelta(seconds=2592000 + 5))
    response = alice.testapp.get("/changes", {"token": old}, headers=alice.headers, status=410)
    assert_error(response, 410, ("querystring", "token"))
    young = token_of(alice, issued_at=utcnow() - timedelta(seconds=2592000 - 60))
    alice.testapp.get("/changes", {"token": young}, headers=alice.headers, status=200)


def test_the_retention_is_the_setting(make_app, alice, token_of):
    import webtest

    short = webtest.TestApp(make_app(taskservice__changes__retention="60"),
                            extra_environ={"HTTP_HOST": "example.com"})
    old = token_of(alice, issued_at=utcnow() - timedelta(seconds=61))
    short.get("/changes", {"token": old}, headers=alice.headers, status=410)


@pytest.mark.parametrize("becomes_admin", [True, False])
def test_a_token_issued_before_an_admin_role_change_is_a_410(alice, dbsession, becomes_admin):
    if not becomes_admin:
        dbsession.execute(update(User).where(User.username == "alice").values(is_admin=True))
        dbsession.commit()
    token = replica(alice).token
    dbsession.execute(update(User).where(User.username == "alice").values(
        is_admin=becomes_admin, role_changed_at=utcnow()))
    dbsession.commit()
    response = alice.testapp.get("/changes", {"token": token}, headers=alice.headers,
                                 status=410)
    assert_error(response, 410, ("querystring", "token"))
    replica(alice)  # a full sync works, and its token is good
    alice.testapp.get("/changes", {"token": replica(alice).token}, headers=alice.headers,
                      status=200)


def test_a_role_changed_back_and_forth_still_makes_old_tokens_410(alice, dbsession):
    token = replica(alice).token
    for flag in (True, False):
        dbsession.execute(update(User).where(User.username == "alice").values(
            is_admin=flag, role_changed_at=utcnow()))
        dbsession.commit()
    alice.testapp.get("/changes", {"token": token}, headers=alice.headers, status=410)


@pytest.mark.parametrize("query", [{"limit": "0"}, {"limit": "101"}, {"limit": "x"},
                                   {"cursor": "abc"}, {"token": ""}, {"since": "1"}])
def test_bad_parameters_are_400s(alice, query):
    response = alice.testapp.get("/changes", query, headers=alice.headers, status=400)
    assert_error(response, 400, ("querystring", next(iter(query))))


def test_changes_need_credentials(testapp):
    assert_unauthorized(testapp.get("/changes", status=401))
