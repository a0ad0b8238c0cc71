"""List-limited tokens (contract section 15) for the tests of what such a token reaches.

``limited_client(client, [list ids])`` is ``client``'s user holding a new token that
reaches only those lists, minted by ``client`` through ``POST /users/me/tokens`` -- the
token a phone or an integration would hold -- so every test talks to the API as that
token's holder does.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from tests.support.api import Client
from tests.support.token_api import holder

# Shorter than a login token's own life: a token never outlives the token that mints it.
LIMITED_LIFETIME = 3600


def limited_client(client: Client, lists: Iterable[str], **fields: Any) -> Client:
    """``client``'s user with a token limited to ``lists`` (ids as the API gives them),
    and every scope unless ``fields`` says otherwise."""
    return holder(client, name="limited", lists=list(lists), expires_in=LIMITED_LIFETIME,
                  **fields)
