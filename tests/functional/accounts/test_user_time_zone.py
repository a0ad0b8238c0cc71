"""Contract section 12, users: ``time_zone`` in the user object and ``PATCH /users/me``.

A zone alone needs no ``current_password``; with a password change it still does. A body
refused for its password changes nothing (its zone included), and only a password change
revokes the user's other tokens. The zone is the default of tasks created afterwards.
"""

from __future__ import annotations

import pytest

from tests.support.api import assert_error, assert_unauthorized, create_task
from tests.support.constants import PASSWORD
from tests.support.dates import read, set_zone

NEW_PASSWORD = "a brand new secret"


def me(client) -> dict:
    return client.testapp.get("/users/me", headers=client.headers, status=200).json


def patch_me(client, body, status=200):
    return client.testapp.patch_json("/users/me", body, headers=client.headers, status=status)


def log_in(testapp, password, status=201):
    return testapp.post_json("/tokens", {"username": "alice", "password": password},
                             status=status)


@pytest.fixture
def other_token(testapp, alice) -> dict:
    """The headers of a second token of alice's, which a password change revokes."""
    token = log_in(testapp, PASSWORD).json["token"]
    return {"Authorization": f"Bearer {token}"}


def still_valid(testapp, headers) -> bool:
    return testapp.get("/users/me", headers=headers, status="*").status_int == 200


def test_a_new_user_is_in_utc(testapp, alice):
    created = testapp.post_json("/users", {"username": "carol", "password": PASSWORD},
                                status=201).json
    assert created["time_zone"] == "UTC"
    assert me(alice)["time_zone"] == "UTC"


def test_the_zone_alone_needs_no_password_and_revokes_nothing(testapp, alice, other_token):
    body = patch_me(alice, {"time_zone": "Asia/Tokyo"}).json
    assert body["time_zone"] == "Asia/Tokyo" and body["username"] == "alice"
    assert me(alice) == body
    assert still_valid(testapp, other_token)
    log_in(testapp, PASSWORD)  # the password is as it was


def test_an_admin_reading_a_user_sees_their_zone(testapp, alice, admin):
    set_zone(alice, "America/New_York")
    shown = testapp.get("/users/alice", headers=admin.headers, status=200).json
    assert shown["time_zone"] == "America/New_York"


def test_the_zone_with_a_password_change_changes_both_and_revokes(testapp, alice, other_token):
    body = patch_me(alice, {"time_zone": "Europe/Paris", "current_password": PASSWORD,
                            "password": NEW_PASSWORD}).json
    assert body["time_zone"] == "Europe/Paris"
    assert me(alice)["time_zone"] == "Europe/Paris"
    assert_unauthorized(testapp.get("/users/me", headers=other_token, status=401))
    log_in(testapp, PASSWORD, status=401)
    log_in(testapp, NEW_PASSWORD)


@pytest.mark.parametrize(("body", "names"), [
    ({"current_password": "not my password", "password": NEW_PASSWORD},
     ["current_password"]),
    ({"password": NEW_PASSWORD}, ["current_password"]),
    ({"current_password": PASSWORD, "password": "short"}, ["password"]),
], ids=["wrong-current", "no-current", "too-short"])
def test_a_body_refused_for_its_password_changes_nothing(testapp, alice, other_token, body,
                                                          names):
    response = patch_me(alice, {"time_zone": "Asia/Tokyo", **body}, status=400)
    assert_error(response, 400, *(("body", name) for name in names))
    assert me(alice)["time_zone"] == "UTC"
    assert still_valid(testapp, other_token)
    log_in(testapp, PASSWORD)
    assert create_task(alice)["time_zone"] == "UTC"


def test_a_bad_zone_with_a_good_password_change_changes_nothing(testapp, alice, other_token):
    response = patch_me(alice, {"time_zone": "asia/tokyo", "current_password": PASSWORD,
                                "password": NEW_PASSWORD}, status=400)
    assert_error(response, 400, ("body", "time_zone"))
    assert still_valid(testapp, other_token)
    log_in(testapp, PASSWORD)
    assert me(alice)["time_zone"] == "UTC"


@pytest.mark.parametrize("zone", ["asia/tokyo", "Asia/Tokio", "", "+09:00", None, 9, ["UTC"]])
def test_a_zone_that_is_not_an_iana_name_is_a_400_naming_time_zone(alice, zone):
    assert_error(patch_me(alice, {"time_zone": zone}, status=400), 400, ("body", "time_zone"))
    assert me(alice)["time_zone"] == "UTC"


def test_the_zone_applies_to_tasks_created_afterwards_only(alice):
    before = create_task(alice, due_date="2030-05-10")
    set_zone(alice, "Asia/Tokyo")
    after = create_task(alice, due_date="2030-05-10")
    assert (read(alice, before["id"]), after["time_zone"]) == (before, "Asia/Tokyo")
    set_zone(alice, "Europe/Paris")
    assert read(alice, after["id"])["time_zone"] == "Asia/Tokyo"


def test_another_users_zone_is_theirs(alice, bob):
    set_zone(alice, "Asia/Tokyo")
    assert me(bob)["time_zone"] == "UTC"
    assert create_task(bob)["time_zone"] == "UTC"


def test_every_failing_field_is_listed_with_time_zone(alice):
    response = patch_me(alice, {"time_zone": "asia/tokyo", "password": "x"}, status=400)
    assert_error(response, 400, ("body", "time_zone"), ("body", "current_password"),
                 ("body", "password"))
