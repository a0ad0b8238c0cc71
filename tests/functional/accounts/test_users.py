"""Contract section 2: the users endpoints (self, admin, others) and password changes."""

import pytest
from sqlalchemy import func, select

from taskservice.accounts.models import Token, User
from taskservice.tasks.models import Task, TaskShare, TaskTag
from tests.support.api import assert_error, assert_unauthorized, create_task
from tests.support.constants import PASSWORD
from tests.support.listing import forged

NEW_PASSWORD = "a brand new secret"


def user_body(response):
    body = response.json
    assert set(body) == {"username", "is_admin", "created_at", "time_zone"}
    return body


def count(dbsession, model, *where):
    return dbsession.scalar(select(func.count()).select_from(model).where(*where))


# -- reading ------------------------------------------------------------------------

def test_me_is_the_caller(testapp, alice):
    body = user_body(testapp.get("/users/me", headers=alice.headers, status=200))
    assert (body["username"], body["is_admin"]) == ("alice", False)


def test_admin_flag_is_shown(testapp, admin):
    assert user_body(testapp.get("/users/me", headers=admin.headers))["is_admin"] is True


@pytest.mark.parametrize("spelling", ["alice", "ALICE", "Alice"])
def test_a_user_reads_themselves_in_any_case(testapp, alice, spelling):
    body = user_body(testapp.get(f"/users/{spelling}", headers=alice.headers, status=200))
    assert body["username"] == "alice"


def test_an_admin_reads_anyone(testapp, alice, admin):
    body = user_body(testapp.get("/users/Alice", headers=admin.headers, status=200))
    assert body == testapp.get("/users/me", headers=alice.headers).json


def test_another_user_is_404_like_a_missing_one(testapp, alice, bob):
    other = testapp.get("/users/bob", headers=alice.headers, status=404)
    missing = testapp.get("/users/nobody", headers=alice.headers, status=404)
    assert_error(other, 404)
    assert other.json["errors"] == missing.json["errors"]


# -- listing (admins only) ----------------------------------------------------------

def test_listing_users_is_403_for_non_admins(testapp, alice):
    assert_error(testapp.get("/users", headers=alice.headers, status=403), 403)


def test_listing_users_is_401_for_anonymous(testapp):
    assert_unauthorized(testapp.get("/users", status=401))


def test_admin_lists_every_user_page_by_page(testapp, register, admin):
    names = {admin.username} | {register().username for _ in range(4)}
    seen, cursor = [], None
    for _ in range(100):  # bounded: a cursor that stopped advancing would page forever
        params = {"limit": "2", **({"cursor": cursor} if cursor else {})}
        page = testapp.get("/users", params, headers=admin.headers, status=200).json
        assert set(page) == {"items", "next_cursor"} and len(page["items"]) <= 2
        seen += [item["username"] for item in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert cursor is None and sorted(seen) == sorted(names)


@pytest.mark.parametrize("params,name", [
    ({"limit": "0"}, "limit"), ({"limit": "-1"}, "limit"), ({"limit": "abc"}, "limit"),
    ({"limit": "101"}, "limit"), ({"cursor": "tampered"}, "cursor"), ({"sort": "x"}, "sort"),
])
def test_listing_users_rejects_bad_parameters(testapp, admin, params, name):
    response = testapp.get("/users", params, headers=admin.headers, status=400)
    assert_error(response, 400, ("querystring", name))


def test_a_task_cursor_is_not_a_user_cursor(testapp, admin):
    for _ in range(2):
        create_task(admin)
    cursor = testapp.get("/tasks", {"limit": "1"}, headers=admin.headers).json["next_cursor"]
    response = testapp.get("/users", {"cursor": cursor}, headers=admin.headers, status=400)
    assert_error(response, 400, ("querystring", "cursor"))


# -- deleting -----------------------------------------------------------------------

def _user_id(dbsession, username):
    return dbsession.scalar(select(User.id).where(User.username == username))


def test_deleting_yourself_cascades_to_tasks_and_tokens(testapp, alice, bob, dbsession):
    create_task(alice, tags=["a", "b"])
    create_task(bob)
    alice_id = _user_id(dbsession, "alice")
    assert testapp.delete("/users/alice", headers=alice.headers, status=204).body == b""
    assert _user_id(dbsession, "alice") is None
    assert count(dbsession, Task, Task.owner_id == alice_id) == 0
    assert count(dbsession, Token, Token.user_id == alice_id) == 0
    assert count(dbsession, TaskTag) == 0
    assert count(dbsession, Task) == 1
    assert_unauthorized(testapp.get("/users/me", headers=alice.headers, status=401))


def test_deleting_a_user_removes_the_shares_with_them(testapp, alice, bob, dbsession):
    task = create_task(alice)
    testapp.put_json(f"/tasks/{task['id']}/shares/bob", {"permission": "view"},
                     headers=alice.headers, status=201)
    assert count(dbsession, TaskShare) == 1
    testapp.delete("/users/bob", headers=bob.headers, status=204)
    assert count(dbsession, TaskShare) == 0
    assert testapp.get(f"/tasks/{task['id']}", headers=alice.headers).json == task


def test_deleting_me(testapp, alice, dbsession):
    testapp.delete("/users/me", headers=alice.headers, status=204)
    assert _user_id(dbsession, "alice") is None


def test_a_deleted_username_can_be_registered_again(testapp, alice):
    testapp.delete("/users/alice", headers=alice.headers, status=204)
    testapp.post_json("/users", {"username": "Alice", "password": PASSWORD}, status=201)


def test_an_admin_deletes_anyone(testapp, alice, admin, dbsession):
    create_task(alice)
    testapp.delete("/users/ALICE", headers=admin.headers, status=204)
    assert _user_id(dbsession, "alice") is None
    assert count(dbsession, Task) == 0


def test_deleting_another_user_is_404(testapp, alice, bob, dbsession):
    assert_error(testapp.delete("/users/bob", headers=alice.headers, status=404), 404)
    assert _user_id(dbsession, "bob") is not None


# -- password change ----------------------------------------------------------------

def change_password(testapp, client, current, new=NEW_PASSWORD, status=200):
    body = {"current_password": current, "password": new}
    return testapp.patch_json("/users/me", body, headers=client.headers, status=status)


def log_in(testapp, username, password, status=201):
    return testapp.post_json("/tokens", {"username": username, "password": password},
                             status=status)


def test_changing_the_password_revokes_every_other_token(testapp, alice):
    other = log_in(testapp, "alice", PASSWORD).json["token"]
    body = user_body(change_password(testapp, alice, PASSWORD))
    assert body["username"] == "alice"
    testapp.get("/users/me", headers=alice.headers, status=200)
    assert_unauthorized(testapp.get("/users/me", headers={"Authorization": f"Bearer {other}"},
                                    status=401))
    log_in(testapp, "alice", PASSWORD, status=401)
    log_in(testapp, "alice", NEW_PASSWORD)


def test_a_wrong_current_password_is_400_naming_it(testapp, alice):
    other = log_in(testapp, "alice", PASSWORD).json["token"]
    response = change_password(testapp, alice, "not my password", status=400)
    assert_error(response, 400, ("body", "current_password"))
    assert "WWW-Authenticate" not in response.headers
    log_in(testapp, "alice", PASSWORD)
    testapp.get("/users/me", headers={"Authorization": f"Bearer {other}"}, status=200)


@pytest.mark.parametrize("new,expected", [
    ("short", [("body", "password")]),
    ("p" * 1025, [("body", "password")]),
    (None, [("body", "password")]),
])
def test_the_new_password_follows_the_registration_rules(testapp, alice, new, expected):
    response = change_password(testapp, alice, PASSWORD, new, status=400)
    assert_error(response, 400, *expected)
    log_in(testapp, "alice", PASSWORD)


def test_password_change_lists_every_failing_field(testapp, alice):
    body = {"password": "x", "username": "mallory"}
    response = testapp.patch_json("/users/me", body, headers=alice.headers, status=400)
    assert_error(response, 400, ("body", "current_password"), ("body", "password"),
                 ("body", "username"))


def test_patching_another_user_is_404_not_405(testapp, alice, bob):
    body = {"current_password": PASSWORD, "password": NEW_PASSWORD}
    response = testapp.patch_json("/users/bob", body, headers=alice.headers, status=404)
    assert_error(response, 404)
    log_in(testapp, "bob", PASSWORD)


def test_patching_yourself_by_name_is_405(testapp, alice):
    response = testapp.patch_json("/users/alice", {}, headers=alice.headers, status=405)
    assert_error(response, 405)
    assert response.headers["Allow"] == "DELETE, GET, HEAD"


def test_listing_users_links_the_next_page_while_there_is_one(testapp, register, admin):
    for _ in range(2):
        register()
    first = testapp.get("/users", {"limit": "2"}, headers=admin.headers, status=200)
    cursor = first.json["next_cursor"]
    assert first.headers["Link"] == (
        f'<http://example.com/users?limit=2&cursor={cursor}>; rel="next"'
    )
    last = testapp.get("/users", {"limit": "2", "cursor": cursor}, headers=admin.headers)
    assert last.json["next_cursor"] is None and "Link" not in last.headers


@pytest.mark.parametrize("after_id", [2**63, -(2**63) - 1, 1.5, "1"])
def test_listing_users_with_a_forged_cursor_past_any_id_is_400(testapp, admin, after_id,
                                                               cursor_key):
    cursor = forged("users", [after_id], cursor_key)
    response = testapp.get("/users", {"cursor": cursor}, headers=admin.headers, status=400)
    assert_error(response, 400, ("querystring", "cursor"))
