"""Reading task lists the way a client does: page by page, and in the contract's order."""

from __future__ import annotations

import base64
import hashlib
import json
from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

import pytest
import webtest

from tests.support.api import Client

# Priorities sort by rank, not by name.
RANK = {"low": 0, "normal": 1, "high": 2, "urgent": 3}


def parse(text: str) -> datetime:
    return datetime.fromisoformat(text)


def page(testapp: webtest.TestApp, client: Client, params: Any = (),
         status: int = 200, path: str = "/tasks") -> webtest.TestResponse:
    """One ``GET /tasks`` (or ``path``, a list's tasks) as ``client``, expecting ``status``."""
    return testapp.get(path, params, headers=client.headers, status=status)


def ids(tasks: Iterable[Mapping[str, Any]]) -> list[str]:
    return [task["id"] for task in tasks]


def walk(testapp: webtest.TestApp, client: Client, params: Mapping[str, Any], limit: int,
         most_pages: int = 100, path: str = "/tasks") -> list[dict]:
    """Every page of a listing (``GET /tasks`` or ``path``), checking each page's size,
    cursor and Link header.

    A cursor that stops advancing would page forever: more than ``most_pages`` fails.
    """
    seen: list[dict] = []
    cursor = None
    for _ in range(most_pages):
        query = {**params, "limit": str(limit), **({"cursor": cursor} if cursor else {})}
        response = page(testapp, client, query, path=path)
        body = response.json
        assert set(body) == {"items", "next_cursor"} and len(body["items"]) <= limit
        seen += body["items"]
        cursor = body["next_cursor"]
        assert ("Link" in response.headers) == (cursor is not None)
        if cursor is None:
            return seen
    pytest.fail(f"no last page after {most_pages} pages: {ids(seen[-limit:])} came last")


def expected_order(tasks: Iterable[dict], sort: str) -> list[dict]:
    """The contract's order: by the field (priority by rank, a position by its bytes),
    nulls last, ties by id.

    Computed from the tasks as the API shows them, independently of the SQL under test.
    """
    tasks = list(tasks)
    field, descending = sort.lstrip("-"), sort.startswith("-")

    def value(task: dict) -> Any:
        raw = task[field]
        if field == "priority":
            return RANK[raw]
        if field == "position":  # compared byte by byte (contract section 13)
            return raw.encode("utf-8")
        return raw if field == "title" else parse(raw)

    def by_id(task: dict) -> int:
        return int(task["id"])

    valued = [t for t in tasks if t[field] is not None]
    empty = [t for t in tasks if t[field] is None]
    return (sorted(valued, key=lambda t: (value(t), by_id(t)), reverse=descending)
            + sorted(empty, key=by_id, reverse=descending))


def forged(kind: str, values: list[object], key: bytes) -> str:
    """A cursor the service would accept but for its values: signed with its ``key``."""
    payload = json.dumps([kind, values], separators=(",", ":")).encode()
    checksum = hashlib.blake2b(payload, digest_size=16, key=key, person=b"tscursor").hexdigest()
    return base64.urlsafe_b64encode(payload).rstrip(b"=").decode() + "." + checksum
