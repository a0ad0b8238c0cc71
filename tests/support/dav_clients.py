"""Accounts and JSON API probes for the system tests of real CalDAV clients
(tests/system/caldav/): the caldav library, vdirsyncer and todoman against ``pserve``.

A calendar app holds an app password (contract section 15: a named token sent as HTTP
Basic), never the account's password. Every change such an app makes is then checked
through the JSON API, the other door to the same tasks, with the user's bearer token.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import urlencode

from tests.support.constants import PASSWORD
from tests.support.load import ApiUser
from tests.support.servers import http_request

# An app password as a phone's calendar app gets one: content only, never expiring.
APP_PASSWORD = {"name": "calendar app", "scopes": ["read", "write"], "expires_in": None}


@dataclass(frozen=True)
class DavAccount:
    """A registered user: a JSON API session and an app password for a CalDAV client."""

    api: ApiUser
    app_password: str

    @property
    def username(self) -> str:
        return self.api.username

    @classmethod
    def register(cls, port: int) -> DavAccount:
        """A new user (a name of its own, so tests never see each other's tasks)."""
        api = ApiUser.register(port, f"dav{secrets.token_hex(4)}")
        status, _, body = http_request(port, "POST", "/tokens", {
            "username": api.username, "password": PASSWORD, **APP_PASSWORD})
        assert status == 201, body
        return cls(api, body["token"])

    def create_list(self, name: str) -> str:
        status, _, body = self.api.request("POST", "/lists", {"name": name})
        assert status == 201, body
        return str(body["id"])

    def list_named(self, name: str) -> dict[str, Any]:
        """The one list of this user with this name (a client made it, so its id is unknown)."""
        status, _, body = self.api.request("GET", "/lists?limit=100")
        assert status == 200, body
        found = [item for item in body["items"] if item["name"] == name]
        assert len(found) == 1, body["items"]
        return found[0]

    def patch_list(self, list_id: str, changes: dict[str, Any]) -> dict[str, Any]:
        status, _, body = self.api.request("PATCH", f"/lists/{list_id}", changes)
        assert status == 200, body
        return body

    def list_status(self, list_id: str) -> int:
        return self.api.request("GET", f"/lists/{list_id}")[0]

    def create_task(self, title: str, list_id: str | None = None) -> dict[str, Any]:
        status, _, body = self.api.request("POST", "/tasks", {"title": title, "list": list_id})
        assert status == 201, body
        return body

    def task(self, task_id: str) -> tuple[dict[str, Any], str]:
        """The task and its ``ETag`` as the JSON API serves them."""
        status, headers, body = self.api.request("GET", f"/tasks/{task_id}")
        assert status == 200, (status, body)
        return body, header(headers, "ETag")

    def task_status(self, task_id: str) -> int:
        return self.api.request("GET", f"/tasks/{task_id}")[0]

    def task_titled(self, title: str) -> dict[str, Any]:
        """The one task with exactly this title (a client made it, so its id is unknown)."""
        query = urlencode({"q": title, "limit": 100})
        status, _, body = self.api.request("GET", f"/tasks?{query}")
        assert status == 200, body
        found = [item for item in body["items"] if item["title"] == title]
        assert len(found) == 1, body["items"]
        return found[0]

    def patch_task(self, task_id: str, changes: dict[str, Any]) -> dict[str, Any]:
        status, _, body = self.api.request("PATCH", f"/tasks/{task_id}", changes)
        assert status == 200, body
        return body

    def delete_task(self, task_id: str) -> None:
        status, _, body = self.api.request("DELETE", f"/tasks/{task_id}")
        assert status == 204, body


def header(headers: dict[str, str], name: str) -> str:
    """A response header by name, whatever its case on the wire."""
    values = [value for key, value in headers.items() if key.lower() == name.lower()]
    assert len(values) == 1, headers
    return values[0]


def instant(text: str | None) -> datetime | None:
    """A JSON API time as a datetime (``Z`` or an offset), so equal instants compare equal."""
    return None if text is None else datetime.fromisoformat(text.replace("Z", "+00:00"))
