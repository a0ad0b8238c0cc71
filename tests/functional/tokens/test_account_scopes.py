"""Scopes on the account's own endpoints (section 15): ``PATCH``/``DELETE`` of the caller's
user, by any URL, need ``account``; ``GET /users/me`` needs ``read``. A request its token's
scopes do not cover is a 403 naming the scope (location ``header``, name
``Authorization``, ``WWW-Authenticate: Bearer error="insufficient_scope"``), after the
401 and the 404 and before the 405."""

from __future__ import annotations

from datetime import timedelta

import pytest

from tests.support.api import Client, assert_error, assert_unauthorized
from tests.support.constants import PASSWORD
from tests.support.token_api import age, holder, login

ALL_BUT_ACCOUNT = ["read", "write", "webhooks"]
NEW_PASSWORD = "a brand new passphrase"


def token(master: Client, *scopes: str) -> Client:
    return holder(master, scopes=list(scopes), expires_in=None)


def assert_needs(response, scope: str) -> None:
    """A 403 for a missing ``scope``, telling the client which one."""
    [error] = assert_error(response, 403, ("header", "Authorization"))
    assert scope in error["description"]
    assert response.headers.getall("WWW-Authenticate") == [
        f'Bearer error="insufficient_scope", scope="{scope}"']


def change_password(client: Client, status: int | str = 200):
    body = {"current_password": PASSWORD, "password": NEW_PASSWORD}
    return client.testapp.patch_json("/users/me", body, headers=client.headers, status=status)


def test_changing_the_password_needs_account(master):
    assert_needs(change_password(token(master, *ALL_BUT_ACCOUNT), status="*"), "account")
    login(master.testapp, "alice")  # the password is unchanged


@pytest.mark.parametrize("path", ["/users/me", "/users/alice", "/users/ALICE"])
def test_deleting_oneself_needs_account_by_any_url(master, path):
    response = master.testapp.delete(path, headers=token(master, *ALL_BUT_ACCOUNT).headers,
                                     status="*")
    assert_needs(response, "account")
    master.testapp.get("/users/me", headers=master.headers, status=200)  # still there


def test_the_scopes_403_comes_before_the_405(master):
    """``PATCH /users/alice`` is a 405 (section 2's tests); without ``account`` the scope
    is named first."""
    reader = token(master, "read")
    response = master.testapp.patch_json("/users/alice", {}, headers=reader.headers,
                                         status="*")
    assert_needs(response, "account")


def test_account_alone_changes_the_password_and_deletes_the_user(master):
    keeper = token(master, "account")
    assert change_password(keeper).json["username"] == "alice"
    master.testapp.delete("/users/me", headers=keeper.headers, status=204)
    login(master.testapp, "alice", status=401, password=NEW_PASSWORD)


@pytest.mark.parametrize("scopes", [["account"], ["write"], ["webhooks"],
                                    ["write", "webhooks", "account"]])
def test_reading_oneself_needs_read(master, scopes):
    for path in ("/users/me", "/users/alice"):
        response = master.testapp.get(path, headers=token(master, *scopes).headers,
                                      status="*")
        assert_needs(response, "read")


def test_read_alone_reads_oneself(master):
    reader = token(master, "read")
    assert master.testapp.get("/users/me", headers=reader.headers).json["username"] == "alice"


def test_an_expired_token_is_a_401_before_any_scope(master, dbsession):
    reader = token(master, "read")
    age(dbsession, reader.token, expires_at=timedelta(seconds=1))
    for method in ("GET", "PATCH", "DELETE"):
        response = master.testapp.request("/users/me", method=method, headers=reader.headers,
                                          status="*")
        assert_unauthorized(response)


def test_another_user_is_a_404_before_any_scope(master, bob):
    """Alice may not view bob: whatever her token's scopes, he does not exist for her."""
    reader = token(master, "read")
    assert_error(master.testapp.delete("/users/bob", headers=reader.headers, status="*"), 404)
    bob.testapp.get("/users/me", headers=bob.headers, status=200)


# -- an admin's user administration ---------------------------------------------------------

@pytest.fixture
def root(admin: Client) -> Client:
    """The admin holding a token that never expires, to mint scoped ones."""
    return Client(admin.testapp, admin.username,
                  login(admin.testapp, admin.username, expires_in=None).json["token"])


def test_an_admin_lists_users_only_with_account(root):
    assert_needs(root.testapp.get("/users", headers=token(root, "read").headers, status="*"),
                 "account")
    root.testapp.get("/users", headers=token(root, "account").headers, status=200)


def test_an_admin_deletes_another_user_only_with_account(root, bob):
    response = root.testapp.delete("/users/bob", headers=token(root, *ALL_BUT_ACCOUNT).headers,
                                   status="*")
    assert_needs(response, "account")
    root.testapp.delete("/users/bob", headers=token(root, "account").headers, status=204)
