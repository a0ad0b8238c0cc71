"""Examples of what the service answers: one per response body and per error status.

Swagger UI shows them and client generators copy them into their docs. Each is checked
against its schema by tests/functional/openapi; the request bodies' examples are on
their Colander schemas instead, checked by those schemas at start-up (nodes.py).
"""

from __future__ import annotations

from typing import Any

REQUEST_ID = "0f6b7c1d2e3a4b5c8d9e0f1a2b3c4d5e"
CREATED = "2030-01-30T08:00:00Z"
UPDATED = "2030-01-30T08:05:00Z"

TASK: dict[str, Any] = {
    "id": "42", "title": "Buy milk", "description": "Semi-skimmed", "done": False,
    "priority": "high", "due_at": "2030-01-31T18:00:00Z", "due_date": None,
    "time_zone": "Europe/Paris",
    "recurrence": {"rule": "FREQ=WEEKLY;BYDAY=TH", "from": "due",
                   "start": "2030-01-31T18:00:00Z"},
    "reminders": [{"offset": -900}, {"at": "2030-01-31T08:00:00Z"}],
    "tags": ["home"], "list": "7", "parent": None, "position": "a3", "owner": "alice",
    "created_at": CREATED, "updated_at": UPDATED, "completed_at": None, "version": 2,
}
USER: dict[str, Any] = {"username": "alice", "is_admin": False, "created_at": CREATED,
                        "time_zone": "Europe/Paris"}
SHARE: dict[str, Any] = {"username": "bob", "permission": "edit"}
LIST: dict[str, Any] = {
    "id": "7", "name": "Groceries", "description": "For the weekend", "owner": "alice",
    "permission": "owner", "created_at": CREATED, "updated_at": UPDATED, "version": 2,
}
LIST_SHARE: dict[str, Any] = {"username": "bob", "permission": "manage"}
LISTED_TOKEN: dict[str, Any] = {
    "id": "12", "name": "phone", "scopes": ["read", "write"], "lists": ["7"],
    "created_at": CREATED, "expires_at": "2030-01-31T08:00:00Z", "last_used_at": None,
}
TOKEN: dict[str, Any] = {
    "id": "12", "name": "phone",
    "token": "3q2-7wAAAAB0b2tlbi1leGFtcGxlLW9ubHktbm90LXJlYWw", "token_type": "Bearer",
    **{key: value for key, value in LISTED_TOKEN.items() if key not in ("id", "name")},
}
NEXT_CURSOR = "eyJzb3J0IjoiLWNyZWF0ZWRfYXQifQ.c2lnbmVk"


def page(item: dict[str, Any]) -> dict[str, Any]:
    """A page of one item with a next page to fetch."""
    return {"items": [item], "next_cursor": NEXT_CURSOR}


def error(location: str, name: str, description: str) -> dict[str, Any]:
    """An error body as web.errors renders it."""
    return {
        "status": "error",
        "errors": [{"location": location, "name": name, "description": description}],
        "request_id": REQUEST_ID,
    }
SYNC_TOKEN = "WzEsIjIwMzAtMDEtMzBUMDg6MDU6MDArMDA6MDAiLDAsMTcsMCwia2VwdCIsbnVsbF0.1f2e3d4c5b6a7988"
CHANGE_PAGE: dict[str, Any] = {
    "changes": [
        {"kind": "task", "id": TASK["id"], "deleted": False, "task": TASK},
        {"kind": "list", "id": LIST["id"], "deleted": False, "list": LIST},
        {"kind": "task", "id": "9", "deleted": True, "reason": "deleted"},
        {"kind": "list", "id": "3", "deleted": True, "reason": "access_revoked"},
    ],
    "next_token": SYNC_TOKEN, "more": False,
}
HISTORY_ENTRY: dict[str, Any] = {
    "version": 3, "action": "updated", "at": UPDATED, "by": "bob",
    "changes": {"done": {"from": False, "to": True},
                "completed_at": {"from": None, "to": UPDATED}},
}
OCCURRENCES: dict[str, Any] = {"items": [{"due_at": "2030-01-31T18:00:00Z"},
                                         {"due_at": "2030-02-07T18:00:00Z"}]}
REMINDER_PAGE: dict[str, Any] = {
    "items": [{"task": TASK["id"], "reminder": TASK["reminders"][1],
               "scheduled_for": "2030-01-31T08:00:00Z"},
              {"task": TASK["id"], "reminder": TASK["reminders"][0],
               "scheduled_for": "2030-01-31T17:45:00Z"}],
    "next_cursor": None,
}
SHARE_ENTRY: dict[str, Any] = {
    "version": 3, "action": "shared", "at": UPDATED, "by": "alice",
    "share": {"username": "bob", "permission": "edit", "previous": None},
}

SUB_RESPONSE = {"status": 201, "headers": {"ETag": '"1"', "Location": "https://tasks.example.com"
                                           f"/tasks/{TASK['id']}"}, "body": TASK}
WEBHOOK: dict[str, Any] = {
    "id": "5", "url": "https://hooks.example.com/taskservice",
    "events": ["task.created", "task.updated"], "list": None, "active": True,
    "disabled_reason": None, "created_at": CREATED,
}
SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
DELIVERY: dict[str, Any] = {
    "id": "8", "event_id": "42", "event_type": "task.updated", "attempt": 1, "at": UPDATED,
    "outcome": "succeeded", "response_status": 204, "duration_ms": 31, "error": None,
}
