"""Contract section 2: registration, tokens, the Bearer and Token schemes, expiry, logout."""

from datetime import UTC, datetime, timedelta

import pytest
import webtest
from sqlalchemy import select, update

from taskservice.accounts.credentials import token_digest
from taskservice.accounts.models import Token, User
from tests.support.api import assert_error, assert_unauthorized
from tests.support.constants import PASSWORD


def signup(testapp, username, password=PASSWORD, status=201):
    return testapp.post_json("/users", {"username": username, "password": password},
                             status=status)


def login(testapp, username, password=PASSWORD, status=201):
    return testapp.post_json("/tokens", {"username": username, "password": password},
                             status=status)


def parse_time(text):
    assert text.endswith("Z") or text.endswith("+00:00")
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


# -- registration -------------------------------------------------------------------

@pytest.mark.parametrize("username", [
    "abc", "a" * 32, "A.b-c_9", "___", "...", "UPPER", "0123456789",
])
def test_valid_usernames_register(testapp, username):
    response = signup(testapp, username)
    assert response.headers["Location"] == f"http://example.com/users/{username}"
    assert set(response.json) == {"username", "is_admin", "created_at", "time_zone"}
    assert response.json["username"] == username
    assert response.json["is_admin"] is False
    assert abs(parse_time(response.json["created_at"]) - datetime.now(UTC)) < timedelta(minutes=1)


@pytest.mark.parametrize("username", [
    "ab", "a" * 33, "", "al ice", "al@ice", "alice!", "ålice", "al/ice", "al+ice", " alice",
    "alice\n", "al%ce", "ал",
])
def test_invalid_usernames_are_400(testapp, username):
    assert_error(signup(testapp, username, status=400), 400, ("body", "username"))


@pytest.mark.parametrize("length", [8, 1024])
def test_password_length_limits_are_inclusive(testapp, length):
    signup(testapp, "pwuser", "p" * length, status=201)
    login(testapp, "pwuser", "p" * length, status=201)


@pytest.mark.parametrize("password", ["p" * 7, "p" * 1025, "", "ü" * 1025])
def test_password_outside_the_limits_is_400(testapp, password):
    assert_error(signup(testapp, "pwuser", password, status=400), 400, ("body", "password"))


def test_password_length_counts_characters_not_bytes(testapp):
    signup(testapp, "unicode", "ü" * 8, status=201)
    login(testapp, "unicode", "ü" * 8, status=201)


@pytest.mark.parametrize("body,expected", [
    ({}, [("body", "username"), ("body", "password")]),
    ({"username": 42, "password": ["x"]}, [("body", "username"), ("body", "password")]),
    ({"username": None, "password": True}, [("body", "username"), ("body", "password")]),
    ({"username": "ok_name", "password": PASSWORD, "is_admin": True}, [("body", "is_admin")]),
    ({"username": "ok_name", "password": PASSWORD, "created_at": "x"}, [("body", "created_at")]),
    ({"username": "x", "password": "y", "extra": 1},
     [("body", "username"), ("body", "password"), ("body", "extra")]),
])
def test_bad_registration_bodies_list_every_failing_field(testapp, body, expected):
    assert_error(testapp.post_json("/users", body, status=400), 400, *expected)
    login(testapp, "ok_name", status=401)


@pytest.mark.parametrize("taken", ["alice", "ALICE", "Alice", "aLiCe"])
def test_usernames_are_unique_case_insensitively(testapp, dbsession, taken):
    signup(testapp, "alice")
    assert_error(signup(testapp, taken, status=409), 409, ("body", "username"))
    count = dbsession.scalars(select(User).where(User.username.ilike("alice"))).all()
    assert len(count) == 1


def test_registration_closed_is_403(make_app, dbsession):
    app = webtest.TestApp(make_app(taskservice__registration="closed"),
                          extra_environ={"HTTP_HOST": "example.com"})
    assert_error(signup(app, "newcomer", status=403), 403)
    assert dbsession.scalars(select(User).where(User.username == "newcomer")).all() == []


def test_the_password_is_stored_only_as_a_slow_hash(testapp, dbsession):
    signup(testapp, "hashed")
    stored = dbsession.scalars(select(User.password_hash).where(User.username == "hashed")).one()
    assert PASSWORD not in stored
    assert stored.startswith("$argon2id$")


# -- tokens -------------------------------------------------------------------------

def test_login_issues_a_bearer_token(testapp, dbsession):
    signup(testapp, "tokenuser")
    response = login(testapp, "tokenuser")
    body = response.json
    # Section 15: a login answers the whole token object, unrestricted and unnamed.
    assert set(body) == {"id", "name", "token", "token_type", "scopes", "lists", "created_at",
                         "expires_at", "last_used_at"}
    assert body["token_type"] == "Bearer"
    assert (body["name"], body["lists"], body["last_used_at"]) == (None, None, None)
    assert body["scopes"] == ["read", "write", "webhooks", "account"]
    assert len(body["token"]) >= 43  # 32 random bytes, URL-safe base64
    expires = parse_time(body["expires_at"])
    assert timedelta(hours=23) < expires - datetime.now(UTC) <= timedelta(days=1)
    stored = dbsession.scalars(select(Token.token_hash)).all()
    assert token_digest(body["token"]) in stored and body["token"] not in stored


def test_a_token_response_is_never_stored_by_a_cache(testapp, alice):
    """Issue 24, #10: no browser or proxy cache may keep a bearer token (RFC 6749 5.1),
    whether it comes alone or in a batch's sub-response."""
    response = login(testapp, "alice")
    assert response.headers["Cache-Control"] == "no-store"
    assert response.headers["Pragma"] == "no-cache"
    in_batch = testapp.post_json("/batch", {"requests": [
        {"method": "POST", "path": "/tokens", "body": {"username": "alice", "password": PASSWORD}}
    ]}, headers=alice.headers, status=200)
    assert [item["status"] for item in in_batch.json["responses"]] == [201]
    assert in_batch.headers["Cache-Control"] == "no-store"


def test_each_login_issues_a_new_token(testapp):
    signup(testapp, "twice")
    assert login(testapp, "twice").json["token"] != login(testapp, "twice").json["token"]


@pytest.mark.parametrize("spelling", ["tokenuser", "TOKENUSER", "TokenUser"])
def test_login_is_case_insensitive_and_answers_with_the_registered_name(testapp, spelling):
    signup(testapp, "TokenUser")
    token = login(testapp, spelling).json["token"]
    me = testapp.get("/users/me", headers={"Authorization": f"Bearer {token}"}, status=200)
    assert me.json["username"] == "TokenUser"


def _without_request_id(response):
    return {k: v for k, v in response.json.items() if k != "request_id"}


def test_unknown_user_and_wrong_password_look_the_same(testapp):
    signup(testapp, "realuser")
    wrong_password = login(testapp, "realuser", "not the password", status=401)
    unknown_user = login(testapp, "ghostuser", "not the password", status=401)
    for response in (wrong_password, unknown_user):
        assert_unauthorized(response)
    assert _without_request_id(wrong_password) == _without_request_id(unknown_user)
    assert wrong_password.headers["WWW-Authenticate"] == unknown_user.headers["WWW-Authenticate"]


@pytest.mark.parametrize("username,password", [
    ("realuser", PASSWORD.upper()), ("realuser", PASSWORD + " "), ("realuse", PASSWORD),
    ("a b", PASSWORD), ("x" * 200, PASSWORD),
])
def test_bad_credentials_are_401(testapp, username, password):
    signup(testapp, "realuser")
    assert_unauthorized(login(testapp, username, password, status=401))


@pytest.mark.parametrize("body,expected", [
    ({}, [("body", "username"), ("body", "password")]),
    ({"username": 1, "password": False}, [("body", "username"), ("body", "password")]),
    ({"username": "a", "password": "b", "ttl": 5}, [("body", "ttl")]),
])
def test_malformed_login_bodies_are_400(testapp, body, expected):
    assert_error(testapp.post_json("/tokens", body, status=400), 400, *expected)


@pytest.mark.parametrize("scheme", ["Bearer", "bearer", "BEARER", "Token", "token"])
def test_bearer_and_token_schemes_authenticate(testapp, alice, scheme):
    headers = {"Authorization": f"{scheme} {alice.token}"}
    assert testapp.get("/users/me", headers=headers, status=200).json["username"] == "alice"


@pytest.mark.parametrize("header", ["Basic {t}", "Bearer{t}", "{t}", "Bearer {t}x",
                                    "Bearer x{t}"])
def test_other_authorization_forms_are_401(testapp, alice, header):
    headers = {"Authorization": header.format(t=alice.token)}
    assert_unauthorized(testapp.get("/users/me", headers=headers, status=401))


# -- expiry and revocation -----------------------------------------------------------

def test_token_lifetime_follows_the_setting(make_app):
    app = webtest.TestApp(make_app(taskservice__token_ttl="1"),
                          extra_environ={"HTTP_HOST": "example.com"})
    signup(app, "shortlived")
    expires = parse_time(login(app, "shortlived").json["expires_at"])
    assert timedelta(0) < expires - datetime.now(UTC) <= timedelta(seconds=1)


def test_an_expired_token_is_401(testapp, alice, dbsession):
    testapp.get("/users/me", headers=alice.headers, status=200)
    past = datetime.now(UTC) - timedelta(seconds=1)
    dbsession.execute(update(Token).where(Token.token_hash == token_digest(alice.token))
                      .values(expires_at=past))
    dbsession.commit()
    assert_unauthorized(testapp.get("/users/me", headers=alice.headers, status=401))


def test_a_token_just_before_expiry_still_works(testapp, alice, dbsession):
    soon = datetime.now(UTC) + timedelta(seconds=30)
    dbsession.execute(update(Token).where(Token.token_hash == token_digest(alice.token))
                      .values(expires_at=soon))
    dbsession.commit()
    testapp.get("/users/me", headers=alice.headers, status=200)


def test_logout_revokes_only_the_current_token(testapp, alice):
    other = login(testapp, "alice").json["token"]
    assert testapp.delete("/tokens/current", headers=alice.headers, status=204).body == b""
    assert_unauthorized(testapp.get("/users/me", headers=alice.headers, status=401))
    assert_unauthorized(testapp.delete("/tokens/current", headers=alice.headers, status=401))
    testapp.get("/users/me", headers={"Authorization": f"Bearer {other}"}, status=200)


def test_logout_deletes_the_stored_token(testapp, alice, dbsession):
    testapp.delete("/tokens/current", headers=alice.headers, status=204)
    digest = token_digest(alice.token)
    assert dbsession.scalars(select(Token).where(Token.token_hash == digest)).all() == []
