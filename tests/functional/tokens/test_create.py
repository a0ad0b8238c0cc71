"""Contract section 15: ``POST /users/me/tokens``, and ``POST /tokens`` with the password
and the same body -- the token object, shown once, usable at once, and each field's rule.

Most tests run on both endpoints (the ``issue`` fixture): the contract gives them one body
and one answer, ``name`` being optional only with the password.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from tests.support.api import Client, assert_error, assert_unauthorized, send_json
from tests.support.database import columns_holding
from tests.support.lists import create_list, share_list
from tests.support.token_api import (
    DAY,
    MINE,
    SCOPES,
    TOKEN_FIELDS,
    about,
    bearer,
    holder,
    lifetime,
    listed,
    login,
    mint,
    parse_time,
)

PHONE = {"name": "phone", "scopes": ["read", "write"], "expires_in": 3600}


@pytest.fixture(params=["/users/me/tokens", "/tokens"])
def issue(request: pytest.FixtureRequest, master: Client) -> Any:
    """Alice asks for a token with a section 15 body: holding a token that may mint any
    (``master``), or with her password."""

    def issue(body: dict, status: int | str = 201) -> Any:
        if request.param == "/tokens":
            return login(master.testapp, "alice", status=status, **body)
        return mint(master, body, status=status)

    return issue


# -- the token object -------------------------------------------------------------------

def test_the_answer_is_the_full_token_object(issue, two_lists):
    body = issue({**PHONE, "lists": [two_lists[0]]}).json
    assert set(body) == TOKEN_FIELDS
    assert isinstance(body["id"], str) and body["id"]
    assert body["name"] == "phone"
    assert body["token_type"] == "Bearer"
    assert sorted(body["scopes"]) == ["read", "write"]
    assert body["lists"] == [two_lists[0]]
    assert body["last_used_at"] is None
    assert abs(parse_time(body["created_at"]) - datetime.now(UTC)) < timedelta(minutes=1)
    assert about(lifetime(body), 3600)
    assert isinstance(body["token"], str) and len(body["token"]) >= 43  # >= 32 random bytes


def test_omitted_fields_take_the_defaults(issue):
    """All four scopes, no list limit, ``taskservice.token_ttl``."""
    body = issue({"name": "laptop"}).json
    assert sorted(body["scopes"]) == sorted(SCOPES)
    assert body["lists"] is None
    assert about(lifetime(body), DAY)


def test_a_token_that_never_expires_says_so(issue):
    body = issue({"name": "calendar", "expires_in": None}).json
    assert body["expires_at"] is None


def test_the_answer_is_never_cached(issue):
    """A response that carries a secret is ``Cache-Control: no-store`` (as a login's is)."""
    assert issue({"name": "phone"}).headers["Cache-Control"] == "no-store"


def test_each_token_is_new(issue):
    first, second = issue({"name": "one"}).json, issue({"name": "two"}).json
    assert first["token"] != second["token"] and first["id"] != second["id"]


def test_the_token_works_at_once(issue, testapp):
    token = issue(PHONE).json["token"]
    assert testapp.get("/users/me", headers=bearer(token), status=200).json["username"] == "alice"


def test_the_secret_is_shown_this_once(issue, master, connection):
    """Never in a listing, never in another answer, never stored as it is."""
    secret = issue(PHONE).json["token"]
    later = [master.testapp.get(MINE, headers=master.headers, status=200),
             master.testapp.get("/users/me", headers=bearer(secret), status=200),
             issue({"name": "another"})]
    for response in later:
        assert secret not in response.text
    assert all("token" not in item for item in listed(master))
    assert columns_holding(connection, secret) == []


# -- the rules of each field --------------------------------------------------------------

@pytest.mark.parametrize("name", ["n", "x" * 100, "é" * 100])
def test_names_of_1_to_100_characters_are_accepted(issue, name):
    assert issue({"name": name}).json["name"] == name


@pytest.mark.parametrize("scopes", [[scope] for scope in SCOPES] + [["webhooks", "read"]])
def test_any_non_empty_subset_of_the_scopes_is_accepted(issue, scopes):
    assert sorted(issue({"name": "n", "scopes": scopes}).json["scopes"]) == sorted(scopes)


@pytest.mark.parametrize("seconds", [60, 31_622_400])
def test_lifetimes_from_a_minute_to_366_days_are_accepted(issue, seconds):
    assert about(lifetime(issue({"name": "n", "expires_in": seconds}).json), seconds)


@pytest.mark.parametrize("field,value,name", [
    ("name", "", "name"), ("name", "x" * 101, "name"), ("name", 5, "name"),
    ("name", None, "name"), ("name", ["phone"], "name"), ("name", "\ud800", "name"),
    ("scopes", [], "scopes"), ("scopes", "read", "scopes"), ("scopes", None, "scopes"),
    ("scopes", ["read", "read"], "scopes"), ("scopes", ["admin"], "scopes.0"),
    ("scopes", ["read", "READ"], "scopes.1"), ("scopes", [1], "scopes.0"),
    ("scopes", [None], "scopes.0"),
    ("lists", [], "lists"), ("lists", "1", "lists"), ("lists", {"id": "1"}, "lists"),
    ("lists", [1], "lists.0"), ("lists", ["x"], "lists.0"), ("lists", ["0"], "lists.0"),
    ("lists", ["-1"], "lists.0"), ("lists", ["99999999999999999999999"], "lists.0"),
    ("lists", [None], "lists.0"),
    ("expires_in", 59, "expires_in"), ("expires_in", 0, "expires_in"),
    ("expires_in", -60, "expires_in"), ("expires_in", 31_622_401, "expires_in"),
    ("expires_in", "3600", "expires_in"), ("expires_in", True, "expires_in"),
    ("expires_in", [3600], "expires_in"), ("expires_in", 10 ** 30, "expires_in"),
], ids=lambda value: repr(value)[:24])
def test_a_value_outside_the_rules_is_a_400_naming_it(issue, field, value, name):
    """Types are strict (section 1): a string for a number or a list, a number for an id,
    ``null`` where the table does not allow it, are 400s like a value out of range. A bad
    item of a list is named by its index, as a task's ``tags.<n>`` is."""
    response = issue({"name": "phone", field: value}, status="*")
    assert_error(response, 400, ("body", name))


@pytest.mark.parametrize("field", ["ttl", "token", "id", "created_at", "last_used_at",
                                   "token_type", "expires_at"])
def test_an_unknown_or_read_only_field_is_a_400_naming_it(issue, field):
    assert_error(issue({"name": "phone", field: "x"}, status="*"), 400, ("body", field))


def test_every_failing_field_is_listed(issue):
    body = {"name": "", "scopes": [], "lists": [], "expires_in": 1, "extra": True}
    assert_error(issue(body, status="*"), 400, *[("body", field) for field in body])


def test_duplicate_lists_are_a_400(issue, two_lists):
    first = two_lists[0]
    assert_error(issue({"name": "n", "lists": [first, first]}, status="*"), 400,
                 ("body", "lists"))


def test_up_to_50_lists_and_not_one_more(issue, alice):
    ids = [create_list(alice, name=f"list {n}")["id"] for n in range(51)]
    assert sorted(issue({"name": "n", "lists": ids[:50]}).json["lists"]) == sorted(ids[:50])
    assert_error(issue({"name": "n", "lists": ids}, status="*"), 400, ("body", "lists"))


def test_a_list_shared_with_the_caller_may_be_given(issue, bob):
    theirs = create_list(bob)["id"]
    share_list(bob, theirs, "alice", "view")
    assert issue({"name": "n", "lists": [theirs]}).json["lists"] == [theirs]


@pytest.mark.parametrize("whose", ["bob's", "deleted", "unknown"])
def test_a_list_the_caller_cannot_view_is_a_400_naming_lists(issue, alice, bob, whose):
    list_id = {"bob's": lambda: create_list(bob)["id"],
               "deleted": lambda: _deleted_list(alice),
               "unknown": lambda: "987654321"}[whose]()
    assert_error(issue({"name": "n", "lists": [list_id]}, status="*"), 400, ("body", "lists"))


def _deleted_list(owner: Client) -> str:
    list_id = create_list(owner)["id"]
    owner.testapp.delete(f"/lists/{list_id}", headers=owner.headers, status=204)
    return list_id


# -- POST /users/me/tokens ---------------------------------------------------------------

@pytest.mark.parametrize("body", [{}, {"scopes": ["read"]}, {"expires_in": 3600}])
def test_a_name_is_required_with_a_token(master, body):
    assert_error(mint(master, body, status="*"), 400, ("body", "name"))


def test_minting_with_a_token_needs_the_account_scope(master):
    """A 403 naming the scope, so the holder knows what their token lacks."""
    lacking = holder(master, scopes=["read", "write", "webhooks"], expires_in=None)
    response = mint(lacking, {"name": "n", "scopes": ["read"]}, status="*")
    [error] = assert_error(response, 403, ("header", "Authorization"))
    assert "account" in error["description"]
    assert response.headers.getall("WWW-Authenticate") == [
        'Bearer error="insufficient_scope", scope="account"']
    only_account = holder(master, scopes=["account"], expires_in=None)
    mint(only_account, {"name": "n", "scopes": ["account"], "expires_in": 60})


def test_minting_anonymously_is_a_401(testapp):
    assert_unauthorized(testapp.post_json(MINE, {"name": "n"}, status="*"))


@pytest.mark.parametrize("raw", [b"", b"{", b"[]", b"null", b'"phone"'])
def test_a_body_that_is_not_an_object_is_a_400(alice, raw):
    assert_error(send_json(alice.testapp, "POST", MINE, raw, alice.headers), 400)


def test_a_body_that_is_not_json_is_a_415(alice):
    response = alice.testapp.post(MINE, "name=phone", headers=alice.headers, status="*",
                                  content_type="application/x-www-form-urlencoded")
    assert_error(response, 415)


# -- POST /tokens with the password -------------------------------------------------------

def test_a_password_login_without_a_name_is_an_unnamed_token_object(testapp, alice):
    body = login(testapp, "alice").json
    assert set(body) == TOKEN_FIELDS
    assert body["name"] is None and body["lists"] is None and body["last_used_at"] is None
    assert sorted(body["scopes"]) == sorted(SCOPES)
    assert about(lifetime(body), DAY)


def test_a_password_login_without_scopes_is_unrestricted(testapp, alice):
    """As before section 15: every scope (account, webhooks, write, read), no list limit."""
    client = Client(testapp, "alice", login(testapp, "alice").json["token"])
    testapp.get(MINE, headers=client.headers, status=200)
    testapp.get("/webhooks", headers=client.headers, status=200)
    testapp.post_json("/tasks", {"title": "t"}, headers=client.headers, status=201)
    testapp.get("/tasks", headers=client.headers, status=200)


def test_the_password_may_ask_for_any_scope_list_and_lifetime(testapp, alice, two_lists):
    body = login(testapp, "alice", name="calendar", scopes=["read"], lists=two_lists,
                 expires_in=None).json
    assert body["scopes"] == ["read"] and sorted(body["lists"]) == sorted(two_lists)
    assert body["expires_at"] is None


def _without_request_id(response: Any) -> dict:
    return {k: v for k, v in response.json.items() if k != "request_id"}


def test_a_wrong_password_is_still_the_same_401(testapp, alice):
    """The section 15 fields change nothing about a failed login: the same body whether
    the user exists or not, and no token."""
    plain = login(testapp, "alice", password="not the password", status=401)
    scoped = login(testapp, "alice", password="not the password", status=401, **PHONE)
    unknown = login(testapp, "nobody", password="not the password", status=401, **PHONE)
    for response in (plain, scoped, unknown):
        assert_unauthorized(response)
        assert _without_request_id(response) == _without_request_id(plain)
    assert [item["name"] for item in listed(alice)] == [None]  # the fixture's login only
