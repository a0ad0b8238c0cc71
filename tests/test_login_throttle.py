"""Failed logins are limited per username and per client address (brute force)."""

import pytest
import webtest

from tests.support.constants import PASSWORD


@pytest.fixture
def throttled(make_app):
    return webtest.TestApp(make_app(taskservice__login_ratelimit="3/minute"),
                           extra_environ={"REMOTE_ADDR": "192.0.2.10"})


def _login(testapp, username, password, status, addr="192.0.2.10"):
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
