"""Lists made and shared through the API, for the tests of contract section 7."""

from __future__ import annotations

from typing import Any

from tests.support.api import Client


def create_list(client: Client, **fields: Any) -> dict:
    """A list of ``client``'s made through the API (201 or the test fails), as returned."""
    fields.setdefault("name", "A list")
    return client.testapp.post_json("/lists", fields, headers=client.headers, status=201).json


def share_list(owner: Client, list_id: str, username: str, permission: str,
               status: int = 201) -> dict:
    """``owner`` (or anyone allowed) shares the list with ``username`` as ``permission``."""
    return owner.testapp.put_json(
        f"/lists/{list_id}/shares/{username}", {"permission": permission},
        headers=owner.headers, status=status,
    ).json
