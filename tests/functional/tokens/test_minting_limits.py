"""Section 15's precisions on minting: a token never creates a token with a scope, a list
or a lifetime beyond its own (a 403); omitted fields take the defaults -- all scopes, no
list limit, ``taskservice.token_ttl`` -- whatever the minting token holds;
``allow_non_expiring = false`` makes ``expires_in: null`` a 400 that comes before the
lifetime's 403.

Each parent token here exceeds the child in everything but the rule under test (it never
expires unless its lifetime is the point), so a 403 can only come from that rule.
"""

from __future__ import annotations

import pytest

from tests.support.api import Client, assert_error
from tests.support.lists import create_list, share_list
from tests.support.token_api import (
    DAY,
    about,
    holder,
    lifetime,
    login,
    mint,
    on,
    password_holder,
)

FOREVER = {"expires_in": None}


def parent(master: Client, **fields: object) -> Client:
    """A token of alice's that never expires and holds ``account`` (to mint with), made
    with ``fields``."""
    return holder(master, **{**FOREVER, **fields})


# -- scopes ------------------------------------------------------------------------------

@pytest.mark.parametrize("scopes", [["read"], ["account"], ["read", "account"]])
def test_a_token_mints_scopes_within_its_own(master, scopes):
    reader = parent(master, scopes=["read", "account"])
    assert sorted(mint(reader, {"name": "c", "scopes": scopes}).json["scopes"]) == sorted(scopes)


@pytest.mark.parametrize("scopes", [["write"], ["read", "write"], ["webhooks"],
                                    ["read", "write", "webhooks", "account"]])
def test_a_scope_beyond_the_minting_tokens_is_a_403(master, scopes):
    reader = parent(master, scopes=["read", "account"])
    assert_error(mint(reader, {"name": "c", "scopes": scopes}, status="*"), 403)


def test_omitted_scopes_mean_all_so_a_restricted_token_must_give_them(master):
    reader = parent(master, scopes=["read", "account"])
    assert_error(mint(reader, {"name": "c"}, status="*"), 403)


# -- lists -------------------------------------------------------------------------------

def test_a_list_limited_token_mints_within_its_lists(master, two_lists):
    limited = parent(master, lists=two_lists)
    assert mint(limited, {"name": "c", "lists": two_lists[:1]}).json["lists"] == two_lists[:1]


@pytest.mark.parametrize("lists", [
    pytest.param("both", id="one-more-list"), pytest.param("other", id="another-list"),
    pytest.param(None, id="null"), pytest.param("omitted", id="omitted"),
])
def test_a_list_beyond_the_minting_tokens_is_a_403(master, two_lists, lists):
    """Omitted or ``null`` lists mean no list limit, so a list-limited token must give
    them; a list its user may view but the token may not reach is a 403."""
    limited = parent(master, lists=two_lists[:1])
    body: dict = {"name": "c"}
    if lists != "omitted":
        body["lists"] = {"both": two_lists, "other": two_lists[1:], None: None}[lists]
    assert_error(mint(limited, body, status="*"), 403)


def test_a_shared_list_beyond_the_minting_tokens_is_a_403(master, bob, two_lists):
    theirs = create_list(bob)["id"]
    share_list(bob, theirs, "alice", "edit")
    limited = parent(master, lists=two_lists[:1])
    assert_error(mint(limited, {"name": "c", "lists": [theirs]}, status="*"), 403)


def test_a_list_the_user_cannot_view_is_a_400_even_from_a_limited_token(master, bob,
                                                                         two_lists):
    limited = parent(master, lists=two_lists[:1])
    theirs = create_list(bob)["id"]
    assert_error(mint(limited, {"name": "c", "lists": [theirs]}, status="*"), 400,
                 ("body", "lists"))


def test_an_unlimited_token_mints_a_list_limited_one(master, two_lists):
    assert mint(master, {"name": "c", "lists": two_lists[1:]}).json["lists"] == two_lists[1:]


# -- lifetime ----------------------------------------------------------------------------

def test_a_token_mints_one_that_expires_before_it(master):
    hour = parent(master, expires_in=3600)
    assert about(lifetime(mint(hour, {"name": "c", "expires_in": 1800}).json), 1800)


@pytest.mark.parametrize("expires_in", [7200, 31_622_400, None, "omitted"])
def test_a_lifetime_beyond_the_minting_tokens_is_a_403(master, expires_in):
    """``null`` never expires, and an omitted ``expires_in`` asks for ``token_ttl`` (a
    day): both outlive a token of an hour."""
    hour = parent(master, expires_in=3600)
    body: dict = {"name": "c", "scopes": ["read"]}
    if expires_in != "omitted":
        body["expires_in"] = expires_in
    assert_error(mint(hour, body, status="*"), 403)


def test_a_login_token_cannot_mint_a_token_of_its_own_lifetime_later(alice):
    """A login's token lives ``token_ttl``; a token minted by it a moment later with the
    default lifetime would outlive it, so it must ask for less."""
    assert_error(mint(alice, {"name": "c"}, status="*"), 403)
    assert about(lifetime(mint(alice, {"name": "c", "expires_in": 3600}).json), 3600)


@pytest.mark.parametrize("expires_in", [60, 31_622_400, None, "omitted"])
def test_a_token_that_never_expires_may_mint_any_lifetime(master, expires_in):
    body: dict = {"name": "c"}
    if expires_in != "omitted":
        body["expires_in"] = expires_in
    child = mint(master, body).json
    if expires_in is None:
        assert child["expires_at"] is None
    else:
        assert about(lifetime(child), DAY if expires_in == "omitted" else expires_in)


def test_an_omitted_lifetime_is_the_token_ttl_setting(app_with, alice):
    """With ``token_ttl`` under the minting token's lifetime the default fits; over it,
    the default is a lifetime beyond the token's own."""
    short_ttl = on(app_with(token_ttl="600"), alice)
    hour = password_holder(short_ttl.testapp, "alice", expires_in=3600)
    assert about(lifetime(mint(hour, {"name": "c"}).json), 600)
    long_ttl = app_with(token_ttl="7200")
    assert_error(mint(on(long_ttl, hour), {"name": "c"}, status="*"), 403)


# -- taskservice.tokens.allow_non_expiring = false -----------------------------------------

@pytest.fixture
def expiring_only(app_with):
    return app_with(**{"tokens.allow_non_expiring": "false"})


def test_without_non_expiring_tokens_the_password_cannot_get_one(expiring_only, alice):
    response = login(expiring_only, "alice", status="*", expires_in=None)
    assert_error(response, 400, ("body", "expires_in"))
    password_holder(expiring_only, "alice", name="still", expires_in=31_622_400)


def test_the_settings_400_comes_before_the_lifetimes_403(expiring_only, alice):
    """A token that expires asking for one that never does breaks both rules: the setting
    is named first, so the client learns what no token could get."""
    response = mint(on(expiring_only, alice), {"name": "c", "expires_in": None}, status="*")
    assert_error(response, 400, ("body", "expires_in"))


def test_even_a_token_that_never_expires_cannot_mint_one_then(expiring_only, master):
    """One made before the setting was turned off still mints, but only expiring ones."""
    forever = on(expiring_only, master)
    assert_error(mint(forever, {"name": "c", "expires_in": None}, status="*"), 400,
                 ("body", "expires_in"))
    assert about(lifetime(mint(forever, {"name": "c"}).json), DAY)
