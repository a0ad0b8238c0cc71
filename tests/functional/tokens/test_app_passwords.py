"""App passwords (section 15): ``Authorization: Basic base64(<username>:<token>)``
authenticates exactly as ``Bearer <token>`` when the token is that user's (the name
case-insensitively); the account's own password is never accepted there, and costs no
password hash. A 401 offers Bearer, and under ``/dav/`` Basic as well."""

from __future__ import annotations

import pytest

from tests.support.api import assert_error, assert_unauthorized, create_task
from tests.support.constants import PASSWORD
from tests.support.token_api import (
    BASIC_CHALLENGE,
    BEARER_CHALLENGE,
    MINE,
    basic,
    bearer,
    encode_basic,
    holder,
    login,
    mint,
)


@pytest.fixture
def phone(master):
    return holder(master, name="phone", expires_in=None)


@pytest.mark.parametrize("path", ["/tasks", "/users/me", "/lists", "/webhooks"])
def test_basic_answers_exactly_as_bearer(alice, phone, path):
    create_task(alice, title="milk", tags=["home"])
    via_bearer = alice.testapp.get(path, headers=bearer(phone.token), status=200)
    via_basic = alice.testapp.get(path, headers=basic("alice", phone.token), status=200)
    assert via_basic.json == via_bearer.json


@pytest.mark.parametrize("spelling", ["alice", "ALICE", "Alice", "aLiCE"])
def test_the_username_is_case_insensitive(phone, spelling):
    me = phone.testapp.get("/users/me", headers=basic(spelling, phone.token), status=200)
    assert me.json["username"] == "alice"


def test_a_name_registered_in_capitals_is_matched_in_any_case(register):
    camel = register("CamelCase")
    for spelling in ("camelcase", "CAMELCASE", "CamelCase"):
        me = camel.testapp.get("/users/me", headers=basic(spelling, camel.token), status=200)
        assert me.json["username"] == "CamelCase"


@pytest.mark.parametrize("scheme", ["Basic", "basic", "BASIC"])
def test_the_scheme_is_case_insensitive(phone, scheme):
    credentials = encode_basic(f"alice:{phone.token}".encode())
    headers = {"Authorization": f"{scheme} {credentials}"}
    phone.testapp.get("/users/me", headers=headers, status=200)


@pytest.mark.parametrize("username", ["bob", "BOB", "nobody", "alic", "alice2", "alice ",
                                      " alice"])
def test_a_valid_token_under_another_name_is_a_401(phone, bob, username):
    response = phone.testapp.get("/users/me", headers=basic(username, phone.token), status="*")
    assert_unauthorized(response)


def test_another_users_valid_token_under_ones_own_name_is_a_401(alice, bob):
    assert_unauthorized(alice.testapp.get("/users/me", headers=basic("alice", bob.token),
                                          status="*"))


@pytest.mark.parametrize("username", ["alice", "ALICE", "bob", "nobody"])
def test_the_account_password_is_a_401_that_costs_no_hash(alice, bob, argon2_calls,
                                                           username):
    """So a device never holds the password and a request never pays argon2 for it."""
    for path in ("/users/me", "/tasks", "/dav/"):
        response = alice.testapp.get(path, headers=basic(username, PASSWORD), status="*")
        assert response.status_int == 401
    assert argon2_calls == []


def test_the_hash_watch_sees_a_login(testapp, alice, argon2_calls):
    """The watch of the previous test sees argon2 when the app uses it."""
    login(testapp, "alice")
    assert argon2_calls == ["verify"]


def test_an_app_password_keeps_its_tokens_scopes(master):
    reader = holder(master, scopes=["read"], expires_in=None)
    response = reader.testapp.post_json("/tasks", {"title": "t"}, status="*",
                                        headers=basic("alice", reader.token))
    assert_error(response, 403, ("header", "Authorization"))
    assert response.headers["WWW-Authenticate"] == (
        'Bearer error="insufficient_scope", scope="write"')


def test_an_app_password_mints_and_revokes_as_a_bearer_token(phone):
    headers = basic("alice", phone.token)
    phone.testapp.post_json(MINE, {"name": "c", "scopes": ["read"]}, headers=headers,
                            status=201)
    phone.testapp.delete("/tokens/current", headers=headers, status=204)
    assert_unauthorized(phone.testapp.get("/users/me", headers=headers, status="*"))
    assert_unauthorized(phone.testapp.get("/users/me", headers=phone.headers, status="*"))


def test_a_token_of_a_login_is_an_app_password_too(alice):
    alice.testapp.get("/users/me", headers=basic("alice", alice.token), status=200)
    mint(alice, {"name": "c", "expires_in": 60})


# -- WWW-Authenticate ---------------------------------------------------------------------

UNAUTHENTICATED = [
    pytest.param({}, id="none"),
    pytest.param(bearer("not-a-token"), id="bad-bearer"),
    pytest.param(basic("alice", "not-a-token"), id="bad-basic"),
    pytest.param(basic("alice", PASSWORD), id="password-in-basic"),
]


@pytest.mark.parametrize("headers", UNAUTHENTICATED)
@pytest.mark.parametrize("path", ["/tasks", "/users/me", MINE, "/davx", "/nowhere"])
def test_a_401_offers_bearer_alone_outside_dav(testapp, alice, headers, path):
    response = testapp.get(path, headers=headers, status="*")
    assert_error(response, 401)
    assert response.headers.getall("WWW-Authenticate") == [BEARER_CHALLENGE]


@pytest.mark.parametrize("headers", UNAUTHENTICATED)
@pytest.mark.parametrize("method,path", [
    ("GET", "/dav/"), ("PROPFIND", "/dav/"), ("PROPFIND", "/dav/calendars/alice/"),
    ("GET", "/dav/principals/alice/"), ("PUT", "/dav/calendars/alice/inbox/x.ics"),
    ("REPORT", "/dav/calendars/alice/1/"),
])
def test_a_401_under_dav_offers_basic_and_bearer(testapp, alice, headers, method, path):
    """Calendar apps prompt for an app password only when Basic is offered. (Section 16's
    error rules replace the JSON error shape under ``/dav/``: only the status and the
    challenges are the contract's here.)"""
    response = testapp.request(path, method=method, headers=headers, status="*")
    assert response.status_int == 401
    # One header listing both, Basic first: the caldav library reads only one header.
    assert response.headers.getall("WWW-Authenticate") == [
        f"{BASIC_CHALLENGE}, {BEARER_CHALLENGE}"]
