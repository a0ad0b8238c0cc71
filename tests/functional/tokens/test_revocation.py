"""A revoked token is refused at once on every worker (section 15).

Each WebTest app here is built by its own ``make_app()``: a registry, caches and settings
of its own on the same database, as two worker processes have. A token one of them has
just accepted, then revoked through the other, must fail on its next request there --
whatever it may remember of the token.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest
import webtest

from tests.support.api import Client, assert_unauthorized
from tests.support.constants import PASSWORD
from tests.support.token_api import MINE, basic, bearer, mint, on


@pytest.fixture
def other_worker(make_app) -> webtest.TestApp:
    return webtest.TestApp(make_app(), extra_environ={"HTTP_HOST": "example.com"})


def by_id(client: Client, phone: dict) -> None:
    client.testapp.delete(f"{MINE}/{phone['id']}", headers=client.headers, status=204)


def by_itself(client: Client, phone: dict) -> None:
    client.testapp.delete("/tokens/current", headers=bearer(phone["token"]), status=204)


def by_password_change(client: Client, phone: dict) -> None:
    """Section 2: a new password revokes every other token of the user."""
    body = {"current_password": PASSWORD, "password": "a brand new passphrase"}
    client.testapp.patch_json("/users/me", body, headers=client.headers, status=200)


@pytest.mark.parametrize("revoke", [by_id, by_itself, by_password_change])
def test_a_token_revoked_on_one_worker_fails_on_the_other(
        master: Client, other_worker: webtest.TestApp,
        revoke: Callable[[Client, dict], None]) -> None:
    phone = mint(master, {"name": "phone", "expires_in": None}).json
    there = [bearer(phone["token"]), basic("alice", phone["token"])]
    for headers in there * 2:  # accepted, twice, by each form: whatever can be cached is
        other_worker.get("/users/me", headers=headers, status=200)
    revoke(master, phone)
    for headers in there:
        assert_unauthorized(other_worker.get("/users/me", headers=headers, status="*"))
        assert_unauthorized(other_worker.get("/tasks", headers=headers, status="*"))


def test_a_token_minted_on_one_worker_works_on_the_other_at_once(master, other_worker):
    phone = mint(master, {"name": "phone"}).json
    assert other_worker.get("/users/me", headers=bearer(phone["token"]),
                            status=200).json["username"] == "alice"
    mint(on(other_worker, master), {"name": "another"})
