"""Brute force on POST /tokens: failed logins are limited per username and per client
address, and an unknown username costs the same password check as a known one."""

import time

import pytest
import webtest

from taskservice.accounts.interfaces import IPasswords
from tests.support.constants import PASSWORD


@pytest.fixture
def throttled(make_app):
    return webtest.TestApp(make_app(taskservice__login_ratelimit="3/minute"),
                           extra_environ={"REMOTE_ADDR": "192.0.2.10"})


def _login(testapp: webtest.TestApp, username: str, password: str, status: int,
           addr: str = "192.0.2.10") -> webtest.TestResponse:
    return testapp.post_json("/tokens", {"username": username, "password": password},
                             extra_environ={"REMOTE_ADDR": addr}, status=status)


def test_failed_logins_beyond_the_limit_get_429_with_retry_after(throttled):
    throttled.post_json("/users", {"username": "carol", "password": PASSWORD}, status=201)
    for _ in range(3):
        _login(throttled, "carol", "wrong password", status=401)
    # Even the right password is refused until the window passes.
    refused = _login(throttled, "carol", PASSWORD, status=429)
    assert 1 <= int(refused.headers["Retry-After"]) <= 60
    assert refused.json["errors"][0]["name"] == "username"


def test_the_username_limit_holds_from_another_address(throttled):
    for _ in range(3):
        _login(throttled, "carol", "wrong password", status=401)
    _login(throttled, "CAROL", "wrong password", status=429, addr="198.51.100.7")


def test_other_users_from_the_same_address_are_not_blocked_by_one_users_failures(throttled):
    throttled.post_json("/users", {"username": "dave", "password": PASSWORD}, status=201)
    for _ in range(3):
        _login(throttled, "carol", "wrong password", status=401)
    _login(throttled, "dave", PASSWORD, status=201)


def test_the_address_limit_stops_spraying_many_usernames(throttled):
    for number in range(30):  # ten times the per-username limit
        _login(throttled, f"user{number}", "wrong password", status=401)
    _login(throttled, "someone-else", "wrong password", status=429)


def test_successful_logins_are_not_counted(throttled):
    throttled.post_json("/users", {"username": "erin", "password": PASSWORD}, status=201)
    for _ in range(5):
        _login(throttled, "erin", PASSWORD, status=201)


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
