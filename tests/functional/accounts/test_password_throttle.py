"""Guessing passwords: every password check (POST /tokens, PATCH /users/me, and either as
a batch sub-request) counts against one throttle, per account and client address (so a
stranger cannot lock the owner out), per client address, and per token; an unknown
username costs the same password check as a known one."""

import time

import pytest
import webtest

from taskservice.accounts.interfaces import IPasswords
from tests.support.api import assert_error
from tests.support.constants import PASSWORD

# The guesser's address, and the owner's.
GUESSER, OWNER = "127.0.0.2", "127.0.0.3"


@pytest.fixture
def throttled(make_app):
    return webtest.TestApp(make_app(taskservice__login_ratelimit="3/minute"),
                           extra_environ={"REMOTE_ADDR": "192.0.2.10"})


def _login(testapp: webtest.TestApp, username: str, password: str, status: int,
           addr: str = "192.0.2.10") -> webtest.TestResponse:
    return testapp.post_json("/tokens", {"username": username, "password": password},
                             extra_environ={"REMOTE_ADDR": addr}, status=status)


def _change(testapp: webtest.TestApp, client, current: str, status: int,
            addr: str = "192.0.2.10") -> webtest.TestResponse:
    body = {"current_password": current, "password": "a brand new passphrase"}
    return testapp.patch_json("/users/me", body, headers=client.headers,
                              extra_environ={"REMOTE_ADDR": addr}, status=status)


def _assert_throttled(response: webtest.TestResponse, name: str) -> None:
    assert_error(response, 429, ("request", name))
    assert 1 <= int(response.headers["Retry-After"]) <= 60


def test_failed_logins_beyond_the_limit_get_429_with_retry_after(throttled):
    throttled.post_json("/users", {"username": "carol", "password": PASSWORD}, status=201)
    for _ in range(3):
        _login(throttled, "carol", "wrong password", status=401)
    # Even the right password is refused from this address until the window passes.
    _assert_throttled(_login(throttled, "carol", PASSWORD, status=429), "username")
    _login(throttled, "CAROL", "wrong password", status=429)  # usernames ignore case


@pytest.mark.parametrize("username", ["carol", "root"])
def test_a_strangers_failed_logins_never_lock_the_owner_out(throttled, register, username):
    """Issue 24, #5: ten anonymous bad logins a minute used to lock anyone out, root too."""
    register(username, admin=username == "root")
    for _ in range(3):
        _login(throttled, username, "wrong password", 401, GUESSER)
    _login(throttled, username, "wrong password", 429, GUESSER)
    assert _login(throttled, username, PASSWORD, 201, OWNER).json["token_type"] == "Bearer"
    # ...and the guesser is still stopped, the right password included.
    _login(throttled, username, PASSWORD, 429, GUESSER)


def test_other_users_from_the_same_address_are_not_blocked_by_one_users_failures(throttled):
    throttled.post_json("/users", {"username": "dave", "password": PASSWORD}, status=201)
    for _ in range(3):
        _login(throttled, "carol", "wrong password", status=401)
    _login(throttled, "dave", PASSWORD, status=201)


def test_the_address_limit_stops_spraying_many_usernames(throttled):
    for number in range(30):  # ten times the per-account limit
        _login(throttled, f"user{number}", "wrong password", status=401)
    _login(throttled, "someone-else", "wrong password", status=429)


def test_an_ipv6_client_counts_by_its_64_network(throttled):
    for host in range(1, 4):
        _login(throttled, "carol", "wrong password", 401, f"2001:db8:1:2::{host}")
    _login(throttled, "carol", "wrong password", 429, "2001:db8:1:2:ffff::1")
    _login(throttled, "carol", "wrong password", 401, "2001:db8:1:3::1")


def test_successful_logins_are_not_counted(throttled):
    throttled.post_json("/users", {"username": "erin", "password": PASSWORD}, status=201)
    for _ in range(5):
        _login(throttled, "erin", PASSWORD, status=201)


# -- PATCH /users/me: the same budget ---------------------------------------------------------


def test_wrong_current_passwords_beyond_the_limit_get_429(throttled, alice):
    """Issue 24, #2: a stolen token used to guess the password without any limit."""
    for _ in range(3):
        _change(throttled, alice, "wrong password", 400)
    _assert_throttled(_change(throttled, alice, PASSWORD, 429), "current_password")
    _login(throttled, "alice", PASSWORD, 429)  # the one budget: login is refused too


def test_failed_logins_and_failed_password_changes_share_one_budget(throttled, alice):
    _login(throttled, "alice", "wrong password", 401)
    _change(throttled, alice, "wrong password", 400)
    _login(throttled, "ALICE", "wrong password", 401)
    _change(throttled, alice, PASSWORD, 429)


def test_a_batch_of_guesses_is_throttled_like_single_requests(throttled, alice):
    guess = {"method": "PATCH", "path": "/users/me",
             "body": {"current_password": "wrong password", "password": "a brand new one"}}
    right = {**guess, "body": {**guess["body"], "current_password": PASSWORD}}
    batch = throttled.post_json("/batch", {"requests": [guess] * 24 + [right]},
                                headers=alice.headers, status=200).json
    statuses = [item["status"] for item in batch["responses"]]
    assert statuses == [400] * 3 + [429] * 22
    refused = batch["responses"][-1]
    assert refused["body"]["errors"][0]["name"] == "current_password"
    assert 1 <= int(refused["headers"]["Retry-After"]) <= 60
    _login(throttled, "alice", PASSWORD, 429)


def test_a_stolen_token_gets_no_more_guesses_from_more_addresses(throttled, alice, testapp):
    thief = alice
    for address in ("198.51.100.1", "198.51.100.2", "198.51.100.3"):
        _change(throttled, thief, "wrong password", 400, address)
    _change(throttled, thief, "wrong password", 429, "198.51.100.4")
    # The owner, with a token of their own from their own address, changes the password
    # (which revokes the thief's token).
    own_token = _login(throttled, "alice", PASSWORD, 201, OWNER).json["token"]
    owner = type(alice)(testapp, "alice", own_token)
    _change(throttled, owner, PASSWORD, 200, OWNER)
    throttled.get("/users/me", headers=thief.headers, status=401)


def test_a_refused_check_runs_no_argon2(make_app, alice, monkeypatch):
    app = make_app(taskservice__login_ratelimit="1/minute")
    throttled = webtest.TestApp(app)
    passwords = app.registry.getUtility(IPasswords)
    spy = VerifySpy(passwords._hasher)
    monkeypatch.setattr(passwords, "_hasher", spy)
    _change(throttled, alice, "wrong password", 400)
    _change(throttled, alice, PASSWORD, 429)
    _login(throttled, "alice", PASSWORD, 429)
    assert len(spy.verified) == 1


def test_password_changes_are_not_throttled_when_the_throttle_is_off(testapp, alice):
    for _ in range(12):
        _change(testapp, alice, "wrong password", 400)
    _change(testapp, alice, PASSWORD, 200)


# -- the window, and what a failed login costs ----------------------------------------------

# An address of these tests' own, apart from the throttled fixture's.
ELSEWHERE = "192.0.2.77"


def test_the_right_password_works_once_the_window_has_passed(make_app, alice):
    throttled = webtest.TestApp(make_app(taskservice__login_ratelimit="1/second"))
    _login(throttled, "alice", "wrong password", 401, ELSEWHERE)
    refused = _login(throttled, "alice", PASSWORD, 429, ELSEWHERE)
    wait = int(refused.headers["Retry-After"])
    assert 1 <= wait <= 1
    time.sleep(wait + 0.1)
    assert _login(throttled, "alice", PASSWORD, 201, ELSEWHERE).json["token_type"] == "Bearer"


class VerifySpy:
    """Stands in for the argon2 hasher and records the hash of every ``verify`` call."""

    def __init__(self, hasher) -> None:
        self.hasher = hasher
        self.verified: list[str] = []

    def verify(self, password_hash: str, password: str) -> bool:
        self.verified.append(password_hash)
        return self.hasher.verify(password_hash, password)

    def __getattr__(self, name: str):
        return getattr(self.hasher, name)


def argon2_cost(password_hash: str) -> str:
    """The part of an encoded argon2 hash that sets its cost: ``$argon2id$v=..$m=..,t=..,p=..``."""
    return "$".join(password_hash.split("$")[:4])


def test_an_unknown_username_costs_one_full_hash_check_like_a_known_one(
    app, testapp, alice, monkeypatch
):
    passwords = app.registry.getUtility(IPasswords)
    spy = VerifySpy(passwords._hasher)
    monkeypatch.setattr(passwords, "_hasher", spy)
    known = _login(testapp, "alice", "wrong password", 401, ELSEWHERE)
    [known_hash] = spy.verified
    unknown = _login(testapp, "nobody-here", "wrong password", 401, ELSEWHERE)
    [_, decoy_hash] = spy.verified  # exactly one verification each, none skipped
    assert argon2_cost(decoy_hash) == argon2_cost(known_hash)  # the same work
    assert known.json["errors"] == unknown.json["errors"]  # and the same answer
    assert known.headers["WWW-Authenticate"] == unknown.headers["WWW-Authenticate"]
