"""``last_used_at`` (section 15): null at creation, set by the first authenticated request,
rewritten at most once a minute -- not a write per request -- and never by a request that
fails authentication.

A minute passes by moving the stored ``last_used_at`` back (``age``), not by waiting.
Writes are counted by the ``token_writes`` fixture (conftest.py).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from tests.support.api import Client
from tests.support.token_api import (
    Holder,
    age,
    basic,
    holder,
    listed_one,
    parse_time,
    stored,
)

SECOND = timedelta(seconds=1)


@pytest.fixture
def phone(master: Client) -> Holder:
    return holder(master, name="phone", expires_in=None)


def last_use(master: Client, token: Holder) -> datetime | None:
    """``token``'s ``last_used_at`` as alice's listing shows it."""
    shown = listed_one(master, token.id)["last_used_at"]
    return None if shown is None else parse_time(shown)


def use(client: Client, status: int = 200, headers: dict | None = None) -> None:
    client.testapp.get("/users/me", headers=headers or client.headers, status=status)


def now() -> datetime:
    return datetime.now(UTC)


def test_null_until_the_first_use(master, phone):
    assert phone.shown["last_used_at"] is None
    assert last_use(master, phone) is None


@pytest.mark.parametrize("form", ["bearer", "basic"])
def test_the_first_authenticated_request_sets_it(master, phone, form):
    before = now()
    use(phone, headers=None if form == "bearer" else basic("alice", phone.token))
    after = now()
    used = last_use(master, phone)
    assert used is not None and before - SECOND <= used <= after + SECOND


def test_a_request_refused_for_its_scope_is_still_authenticated(master):
    """A 403 for a scope comes after authentication succeeded: the token was used."""
    reader = holder(master, scopes=["read"], expires_in=None)
    reader.testapp.post_json("/tasks", {"title": "t"}, headers=reader.headers, status=403)
    assert last_use(master, reader) is not None


def test_each_token_has_its_own(master, phone):
    laptop = holder(master, name="laptop", expires_in=None)
    use(phone)
    assert last_use(master, laptop) is None


def test_not_rewritten_within_a_minute(master, phone, dbsession, token_writes):
    use(phone)
    age(dbsession, phone.token, last_used_at=timedelta(seconds=30))
    half_a_minute_ago = last_use(master, phone)
    token_writes.clear()
    for _ in range(5):
        use(phone)
    assert last_use(master, phone) == half_a_minute_ago
    assert token_writes == []  # not a write per request, not even a write of the same value


def test_rewritten_after_a_minute(master, phone, dbsession, token_writes):
    use(phone)
    age(dbsession, phone.token, last_used_at=timedelta(seconds=90))
    token_writes.clear()
    before = now()
    for _ in range(3):
        use(phone)
    used = last_use(master, phone)
    assert used is not None and used >= before - SECOND
    assert len(token_writes) == 1  # the first of the three requests, once


@pytest.mark.parametrize("failure", ["another user's name", "expired"])
def test_a_request_failing_authentication_does_not_count(phone, bob, dbsession, failure):
    if failure == "expired":
        age(dbsession, phone.token, expires_at=SECOND)
        headers = phone.headers
    else:
        headers = basic("bob", phone.token)
    use(phone, status=401, headers=headers)
    assert stored(dbsession, phone.token).last_used_at is None
