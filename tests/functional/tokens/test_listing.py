"""``GET /users/me/tokens`` (the caller's live tokens, newest first, paged, never a secret)
and ``DELETE /users/me/tokens/<id>`` (revoked at once)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from tests.support.api import Client, assert_error, assert_unauthorized
from tests.support.token_api import (
    MINE,
    TOKEN_FIELDS,
    age,
    bearer,
    holder,
    listed,
    mint,
    parse_time,
    password_holder,
    stored,
)

SHOWN = TOKEN_FIELDS - {"token", "token_type", "last_used_at"}  # as the 201 showed them


def login_id(dbsession, client: Client) -> str:
    """The id of a login's token (the fixtures keep only its secret)."""
    return str(stored(dbsession, client.token).id)


def revoke(client: Client, token_id: str, status: int | str = 204):
    return client.testapp.delete(f"{MINE}/{token_id}", headers=client.headers, status=status)


def works(testapp, token: str) -> bool:
    return testapp.get("/users/me", headers=bearer(token), status="*").status_int == 200


# -- the listing -----------------------------------------------------------------------

def test_every_live_token_is_listed_logins_included(alice, master, dbsession):
    phone = mint(master, {"name": "phone", "scopes": ["read"], "expires_in": 3600}).json
    items = {item["id"]: item for item in listed(alice)}
    assert set(items) == {login_id(dbsession, alice), login_id(dbsession, master), phone["id"]}
    assert {k: items[phone["id"]][k] for k in SHOWN} == {k: phone[k] for k in SHOWN}
    assert items[login_id(dbsession, alice)]["name"] is None


def test_no_item_carries_a_secret(alice, master):
    secrets = [alice.token, master.token, mint(master, {"name": "phone"}).json["token"]]
    response = alice.testapp.get(MINE, headers=alice.headers, status=200)
    assert all("token" not in item for item in response.json["items"])
    assert not [secret for secret in secrets if secret in response.text]


def test_newest_first(alice, master):
    minted = [mint(master, {"name": f"token {n}"}).json["id"] for n in range(4)]
    items = listed(alice)
    assert [item["id"] for item in items if item["id"] in minted] == minted[::-1]
    created = [parse_time(item["created_at"]) for item in items]
    assert created == sorted(created, reverse=True)


def test_a_revoked_or_expired_token_is_not_listed(alice, master, dbsession):
    gone, old, kept = (mint(master, {"name": name}).json for name in ("gone", "old", "kept"))
    revoke(alice, gone["id"])
    age(dbsession, old["token"], expires_at=timedelta(seconds=1))
    ids = {item["id"] for item in listed(alice)}
    assert kept["id"] in ids and not {gone["id"], old["id"]} & ids


def test_a_token_that_never_expires_is_listed_so(alice, master):
    forever = mint(master, {"name": "calendar", "expires_in": None}).json
    assert [item["expires_at"] for item in listed(alice) if item["id"] == forever["id"]] == [
        None]


def test_pages_follow_the_cursor_without_a_gap_or_a_repeat(alice, master):
    """``limit``, ``next_cursor`` and ``Link`` as for tasks (``listed`` checks each page)."""
    for n in range(5):
        mint(master, {"name": f"token {n}"})
    everything = listed(alice)
    paged = listed(alice, limit=2)
    assert [item["id"] for item in paged] == [item["id"] for item in everything]
    assert len(everything) == 7  # two logins and five named


def test_the_next_page_is_linked(alice, master):
    mint(master, {"name": "one"})
    response = alice.testapp.get(MINE, {"limit": "1"}, headers=alice.headers, status=200)
    assert response.json["next_cursor"]
    assert 'rel="next"' in response.headers["Link"]


@pytest.mark.parametrize("params,name", [
    ({"limit": "0"}, "limit"), ({"limit": "101"}, "limit"), ({"limit": "two"}, "limit"),
    ({"cursor": "not-a-cursor"}, "cursor"), ({"sort": "name"}, "sort"),
    ({"unknown": "1"}, "unknown"),
])
def test_a_bad_query_parameter_is_a_400_naming_it(alice, params, name):
    response = alice.testapp.get(MINE, params, headers=alice.headers, status="*")
    assert_error(response, 400, ("querystring", name))


def test_another_users_tokens_are_never_listed(alice, bob, admin, dbsession):
    bobs = password_holder(bob.testapp, "bob", name="bob's phone")
    theirs = {login_id(dbsession, bob), login_id(dbsession, bobs),
              login_id(dbsession, admin)}
    assert not theirs & {item["id"] for item in listed(alice)}
    assert login_id(dbsession, alice) not in {item["id"] for item in listed(admin)}


def test_listing_needs_the_account_scope(master):
    """``account`` covers every method on its paths, ``GET`` included."""
    reader = holder(master, scopes=["read", "write", "webhooks"], expires_in=None)
    response = reader.testapp.get(MINE, headers=reader.headers, status="*")
    assert_error(response, 403, ("header", "Authorization"))
    assert response.headers["WWW-Authenticate"] == (
        'Bearer error="insufficient_scope", scope="account"')


def test_listing_anonymously_is_a_401(testapp):
    assert_unauthorized(testapp.get(MINE, status="*"))


# -- revoking by id ----------------------------------------------------------------------

def test_a_revoked_token_fails_at_once(alice, master):
    phone = mint(master, {"name": "phone"}).json
    assert works(alice.testapp, phone["token"])
    assert revoke(master, phone["id"]).body == b""
    assert_unauthorized(alice.testapp.get("/users/me", headers=bearer(phone["token"]),
                                          status="*"))
    assert works(alice.testapp, master.token) and works(alice.testapp, alice.token)


def test_a_token_revokes_itself_by_id(alice, dbsession):
    revoke(alice, login_id(dbsession, alice))
    assert not works(alice.testapp, alice.token)


def test_another_users_token_is_a_404_and_keeps_working(alice, bob, dbsession):
    assert_error(revoke(alice, login_id(dbsession, bob), status="*"), 404)
    assert works(bob.testapp, bob.token)


def test_another_users_token_is_a_404_before_the_scopes_403(master, bob, dbsession):
    """The scope's 403 comes after the 404 of what the caller may not reach."""
    reader = holder(master, scopes=["read"], expires_in=None)
    assert_error(revoke(reader, login_id(dbsession, bob), status="*"), 404)


@pytest.mark.parametrize("token_id", ["987654321", "abc", "-1", "0", "1.5",
                                      "99999999999999999999999"])
def test_an_unknown_id_is_a_404(alice, token_id):
    assert_error(revoke(alice, token_id, status="*"), 404)


def test_a_revoked_id_is_a_404_the_second_time(alice, master):
    phone = mint(master, {"name": "phone"}).json
    revoke(alice, phone["id"])
    assert_error(revoke(alice, phone["id"], status="*"), 404)


def test_revoking_by_id_needs_the_account_scope(master):
    phone = mint(master, {"name": "phone"}).json
    writer = holder(master, scopes=["read", "write", "webhooks"], expires_in=None)
    response = revoke(writer, phone["id"], status="*")
    assert_error(response, 403, ("header", "Authorization"))
    assert response.headers["WWW-Authenticate"] == (
        'Bearer error="insufficient_scope", scope="account"')
    assert works(master.testapp, phone["token"])


# -- DELETE /tokens/current ---------------------------------------------------------------

@pytest.mark.parametrize("scopes", [["read"], ["write"], ["webhooks"], ["account"]])
def test_any_token_revokes_itself_without_a_scope(master, two_lists, scopes):
    """``DELETE /tokens/current`` needs no scope, and no list reach either."""
    own = holder(master, scopes=scopes, lists=two_lists[:1], expires_in=None)
    own.testapp.delete("/tokens/current", headers=own.headers, status=204)
    assert not works(own.testapp, own.token)
    assert works(master.testapp, master.token)
