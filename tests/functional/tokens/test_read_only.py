"""Tokens in read-only mode (section 6): minting and revoking are writes (a 503), the
listing reads on, and so does every request of an existing token -- on a database that
may be a read-only replica, where noting a token's first use is a write it cannot make."""

from __future__ import annotations

import pytest

from tests.support.api import assert_error
from tests.support.token_api import MINE, holder, mint, on


@pytest.fixture
def replica(app_with):
    return app_with(readonly="true")


def test_minting_and_revoking_are_503s(replica, master):
    phone = holder(master, name="phone")
    there = on(replica, master)
    assert_error(mint(there, {"name": "c"}, status="*"), 503, ("request", ""))
    assert_error(replica.delete(f"{MINE}/{phone.id}", headers=master.headers, status="*"),
                 503, ("request", ""))
    replica.get("/users/me", headers=phone.headers, status=200)  # not revoked


def test_a_token_never_used_reads_on_without_a_write(replica, master, token_writes):
    phone = holder(master, name="phone", expires_in=None)
    token_writes.clear()
    for path in ("/users/me", "/tasks", MINE):
        replica.get(path, headers=phone.headers, status=200)
    assert token_writes == []
