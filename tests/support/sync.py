"""A client's copy built only from ``GET /changes``, for the sync tests of every layer.

``Replica`` keeps what the feed told it -- each object's body by (kind, id) -- and the
sync token; ``sync`` pages until ``more`` is false, as a real client does. A fetch
function does the HTTP, so the same replica runs on WebTest and on a real server;
``fetcher`` and ``replica`` are those of a WebTest client (tests.support.api.Client).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

# (query parameters) -> the decoded 200 body of GET /changes
Fetch = Callable[[dict[str, Any]], dict[str, Any]]
Key = tuple[str, str]


@dataclass
class Replica:
    fetch: Fetch
    objects: dict[Key, dict[str, Any]] = field(default_factory=dict)
    token: str | None = None
    pages: int = 0
    seen: list[dict[str, Any]] = field(default_factory=list)  # the last sync's changes

    def sync(self, limit: int | None = None, max_pages: int = 10000) -> list[dict[str, Any]]:
        """One whole sync (every page); returns its changes, in order."""
        changes: list[dict[str, Any]] = []
        token = self.token
        for _ in range(max_pages):
            params: dict[str, Any] = {} if token is None else {"token": token}
            if limit is not None:
                params["limit"] = limit
            page = self.fetch(params)
            self.pages += 1
            for change in page["changes"]:
                self.apply(change)
            changes += page["changes"]
            token = page["next_token"]
            if not page["more"]:
                self.token = token
                self.seen = changes
                return changes
        raise AssertionError(f"a sync did not end within {max_pages} pages")

    def apply(self, change: dict[str, Any]) -> None:
        key = (change["kind"], change["id"])
        if change["deleted"]:
            self.objects.pop(key, None)
        else:
            self.objects[key] = change[change["kind"]]

    def versions(self) -> dict[Key, int]:
        return {key: body["version"] for key, body in self.objects.items()}


def full_copy(fetch: Fetch, limit: int | None = None) -> Replica:
    """A fresh replica after a full sync."""
    replica = Replica(fetch)
    replica.sync(limit)
    return replica


def fetcher(client: Any) -> Fetch:
    """``GET /changes`` as ``client``, a WebTest ``Client`` (200 or the test fails)."""
    def fetch(params: dict[str, Any]) -> dict[str, Any]:
        return client.testapp.get("/changes", params, headers=client.headers, status=200).json
    return fetch


def replica(client: Any, limit: int | None = None) -> Replica:
    """A fresh replica of ``client``'s (a WebTest ``Client``) after a full sync."""
    return full_copy(fetcher(client), limit)
