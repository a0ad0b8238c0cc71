"""``taskservice.tokens.max_per_user``: it counts a user's live named tokens; one more is a
400 naming ``name``, and a login (an unnamed token) never fails for it."""

from __future__ import annotations

from datetime import timedelta

import pytest

from tests.support.api import Client, assert_error
from tests.support.token_api import age, login, mint, on, password_holder

CAP = 2


@pytest.fixture
def capped(app_with, master: Client) -> Client:
    """``master`` on an app whose users may hold two named tokens."""
    return on(app_with(**{"tokens.max_per_user": str(CAP)}), master)


def fill(client: Client, count: int = CAP) -> list[dict]:
    return [mint(client, {"name": f"token {n}"}).json for n in range(count)]


def test_one_named_token_past_the_cap_is_a_400_naming_name(capped):
    fill(capped)
    assert_error(mint(capped, {"name": "one more"}, status="*"), 400, ("body", "name"))


def test_a_named_login_past_the_cap_is_a_400_naming_name(capped):
    fill(capped)
    response = login(capped.testapp, "alice", status="*", name="one more")
    assert_error(response, 400, ("body", "name"))


def test_a_login_never_fails_for_the_cap(capped):
    fill(capped)
    logins = [login(capped.testapp, "alice", status="*") for _ in range(CAP + 1)]
    assert [response.status_int for response in logins] == [201] * (CAP + 1)


def test_logins_do_not_count(capped):
    for _ in range(CAP + 1):
        login(capped.testapp, "alice")
    named = [mint(capped, {"name": f"token {n}"}, status="*") for n in range(CAP)]
    assert [response.status_int for response in named] == [201] * CAP


def test_a_revoked_named_token_frees_its_place(capped):
    first, _ = fill(capped)
    capped.testapp.delete(f"/users/me/tokens/{first['id']}", headers=capped.headers,
                          status=204)
    mint(capped, {"name": "in its place"})


def test_an_expired_named_token_frees_its_place(capped, dbsession):
    """Only live tokens count: an expired one is no longer the user's."""
    first, _ = fill(capped)
    age(dbsession, first["token"], expires_at=timedelta(seconds=1))
    assert mint(capped, {"name": "in its place"}, status="*").status_int == 201


def test_the_cap_is_per_user(capped, bob):
    fill(capped)
    bob_holder = password_holder(capped.testapp, "bob", expires_in=None)
    named = [mint(bob_holder, {"name": f"token {n}"}, status="*") for n in range(CAP)]
    assert [response.status_int for response in named] == [201] * CAP


def test_the_cap_defaults_to_100(master):
    fill(master, 100)
    assert_error(mint(master, {"name": "one more"}, status="*"), 400, ("body", "name"))
