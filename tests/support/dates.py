"""Contract section 12 from a client's side: dues, zones and recurring tasks through the API.

The expected values in the tests of section 12 are computed here from the contract's words
(00:00 of a date in a zone, a wall-clock time kept across daylight-saving changes), with
the standard library's ``zoneinfo``, never with the service's own date code.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import webtest

from tests.support.api import Client, create_task

DAY = timedelta(days=1)


def iso(moment: datetime) -> str:
    """A UTC time as the API writes it: ``2030-01-31T09:00:00Z``."""
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


def parse(text: str) -> datetime:
    return datetime.fromisoformat(text)


def midnight(day: date | str, zone: str) -> datetime:
    """00:00 of ``day`` in ``zone``, in UTC: where an all-day due sorts and filters."""
    day = date.fromisoformat(day) if isinstance(day, str) else day
    return datetime.combine(day, time(0), ZoneInfo(zone)).astimezone(UTC)


def local(day: date | str, hour: int, zone: str, minute: int = 0) -> str:
    """``hour:minute`` on ``day`` in ``zone``, as the API writes that instant."""
    day = date.fromisoformat(day) if isinstance(day, str) else day
    return iso(datetime.combine(day, time(hour, minute), ZoneInfo(zone)))


def local_date(moment: str, zone: str) -> date:
    """The date ``moment`` falls on in ``zone`` (the day a completion counts in)."""
    return parse(moment).astimezone(ZoneInfo(zone)).date()


def recurring(client: Client, rule: str, origin: str | None = None, **fields: Any) -> dict:
    """A task of ``client``'s with ``recurrence`` ``rule`` (and ``from`` when given)."""
    recurrence = {"rule": rule, **({"from": origin} if origin else {})}
    return create_task(client, recurrence=recurrence, **fields)


def patch(client: Client, task_id: str, body: Any, status: int = 200,
          headers: dict | None = None) -> webtest.TestResponse:
    return client.testapp.patch_json(f"/tasks/{task_id}", body,
                                     headers={**client.headers, **(headers or {})},
                                     status=status)


def put(client: Client, task_id: str, body: Any, status: int = 200) -> webtest.TestResponse:
    return client.testapp.put_json(f"/tasks/{task_id}", body, headers=client.headers,
                                   status=status)


def read(client: Client, task_id: str) -> dict:
    return client.testapp.get(f"/tasks/{task_id}", headers=client.headers, status=200).json


def complete(client: Client, task_id: str) -> dict:
    """``done: true`` by PATCH (200 or the test fails): the task as returned."""
    return patch(client, task_id, {"done": True}).json


def history(client: Client, task_id: str) -> list[dict]:
    """The task's history, newest first (one page of 100 is the whole of it in these tests)."""
    body = client.testapp.get(f"/tasks/{task_id}/history", {"limit": "100"},
                              headers=client.headers, status=200).json
    assert body["next_cursor"] is None
    return body["items"]


def occurrences(client: Client, task_id: str, status: int = 200,
                **params: Any) -> webtest.TestResponse:
    return client.testapp.get(f"/tasks/{task_id}/occurrences", params, headers=client.headers,
                              status=status)


def set_zone(client: Client, zone: str) -> dict:
    """``PATCH /users/me {"time_zone": zone}`` (200 or the test fails): the user object."""
    return client.testapp.patch_json("/users/me", {"time_zone": zone}, headers=client.headers,
                                     status=200).json


def due_of(task: dict) -> dict:
    """The task's due as one field: ``{"due_at": …}`` or ``{"due_date": …}`` (or ``{}``)."""
    return {k: task[k] for k in ("due_at", "due_date") if task[k] is not None}
