"""The shapes of the response bodies, described by hand for the document's components.

Responses are plain dicts built by the representations, so their schemas are written here
(requests are validated by Colander, and their part of the document is generated).
Response objects forbid unknown properties, so the API fuzz notices any drift between
this module and the representations.
"""

from __future__ import annotations

from typing import Any

from ..batch.runner import KEPT_HEADERS as BATCH_RESPONSE_HEADERS
from ..positions import POSITION_MAX_LENGTH
from ..vocabulary import (
    CHANGE_KINDS,
    DELIVERY_OUTCOMES,
    EVENT_TYPES,
    HISTORY_ACTIONS,
    ID_PATTERN,
    LIST_ACCESS,
    LIST_SHARE_PERMISSIONS,
    MAX_REMINDERS,
    PRIORITIES,
    RECURRENCE_FROM,
    REMINDER_OFFSET_LIMIT,
    SCOPES,
    SHARE_PERMISSIONS,
    SUBSCRIPTIONS,
    TOMBSTONE_REASONS,
)
from . import examples
from .components import ref, with_siblings
from .enums import DATABASE_STATUSES, ERROR_LOCATIONS, ERROR_STATUSES, TOKEN_TYPES, enum_ref

JSON = "application/json"
HTML = "text/html"
TEXT = "text/plain"
TIME = {"type": "string", "format": "date-time"}
DATE = {"type": "string", "format": "date"}
STRING = {"type": "string"}
# Any JSON value, null included (a history entry's old and new value of a field).
ANY: dict[str, Any] = {"nullable": True}
NULLABLE_STRING = {"type": "string", "nullable": True}


def anchored(pattern: str) -> str:
    """A pattern matched against the whole value: OpenAPI patterns are searched, not matched."""
    return f"^(?:{pattern})$"


def obj(**properties: dict[str, Any]) -> dict[str, Any]:
    """A closed JSON object whose properties are all present in every response."""
    return {
        "type": "object", "properties": properties,
        "required": list(properties), "additionalProperties": False,
    }


# A new token's secret, shown once: null in a replay under an Idempotency-Key (only its
# hash is stored).
TOKEN_SECRET = {"type": "string", "nullable": True}
# What a token holds, as every token object shows it (contract section 15).
TOKEN_GRANT: dict[str, dict[str, Any]] = {
    "scopes": {"type": "array", "items": enum_ref(SCOPES), "minItems": 1},
    "lists": {"type": "array", "items": {"type": "string"}, "nullable": True},
    "created_at": TIME,
    "expires_at": {**TIME, "nullable": True},
    "last_used_at": {**TIME, "nullable": True},
}


def page_of(item: str) -> dict[str, Any]:
    """A page of a keyset-paginated list (``next_cursor`` is null on the last page)."""
    return obj(items={"type": "array", "items": ref(item)},
               next_cursor={"type": "string", "nullable": True})


def example(schema: dict[str, Any], value: Any) -> dict[str, Any]:
    return {**schema, "example": value}


# Null only on the replay of an Idempotency-Key request when the webhook is gone or no
# longer the caller's to manage, or inside a replayed batch (idempotency/withheld.py).
SECRET = {"type": "string", "pattern": "^whsec_[A-Za-z0-9+/]+={0,2}$", "nullable": True}
WEBHOOK: dict[str, dict[str, Any]] = {
    "id": STRING, "url": STRING,
    "events": {"type": "array", "items": enum_ref(SUBSCRIPTIONS), "minItems": 1},
    "list": {"type": "string", "nullable": True, "pattern": anchored(ID_PATTERN)},
    "active": {"type": "boolean"}, "disabled_reason": NULLABLE_STRING, "created_at": TIME,
}

SCHEMAS: dict[str, dict[str, Any]] = {
    "Task": example(obj(
        id=STRING, title=STRING, description=STRING, done={"type": "boolean"},
        priority=enum_ref(PRIORITIES), due_at={**TIME, "nullable": True},
        due_date={**DATE, "nullable": True}, time_zone=STRING,
        recurrence=with_siblings(ref("Recurrence"), {"nullable": True}),
        reminders={"type": "array", "items": ref("Reminder"), "maxItems": MAX_REMINDERS},
        tags={"type": "array", "items": STRING},
        list={"type": "string", "nullable": True, "pattern": anchored(ID_PATTERN)},
        parent={"type": "string", "nullable": True, "pattern": anchored(ID_PATTERN)},
        position={"type": "string", "minLength": 1, "maxLength": POSITION_MAX_LENGTH},
        owner=STRING, created_at=TIME,
        updated_at=TIME, completed_at={**TIME, "nullable": True},
        version={"type": "integer", "minimum": 1},
    ), examples.TASK),
    "TaskPage": example(page_of("Task"), examples.page(examples.TASK)),
    # ``start`` is a time or a date, as the due the series began at.
    "Recurrence": example(obj(rule=STRING, **{"from": enum_ref(RECURRENCE_FROM)},
                              start={"type": "string"}),
                          examples.TASK["recurrence"]),
    # An absolute reminder or one relative to the due (contract section 14).
    "Reminder": example({
        "type": "object", "additionalProperties": False, "minProperties": 1,
        "maxProperties": 1, "properties": {
            "at": TIME, "offset": {"type": "integer", "minimum": -REMINDER_OFFSET_LIMIT,
                                   "maximum": REMINDER_OFFSET_LIMIT}},
    }, examples.TASK["reminders"][0]),
    "UpcomingReminder": example(obj(
        task={"type": "string", "pattern": anchored(ID_PATTERN)}, reminder=ref("Reminder"),
        scheduled_for=TIME), examples.REMINDER_PAGE["items"][0]),
    "UpcomingReminderPage": example(page_of("UpcomingReminder"), examples.REMINDER_PAGE),
    # One due of a series: a time or a date, as the task's due is.
    "Occurrence": example({
        "type": "object", "additionalProperties": False, "minProperties": 1,
        "maxProperties": 1, "properties": {"due_at": TIME, "due_date": DATE},
    }, examples.OCCURRENCES["items"][0]),
    "OccurrenceList": example(obj(items={"type": "array", "items": ref("Occurrence")}),
                              examples.OCCURRENCES),
    "User": example(obj(username=STRING, is_admin={"type": "boolean"}, created_at=TIME,
                        time_zone=STRING),
                    examples.USER),
    "UserPage": example(page_of("User"), examples.page(examples.USER)),
    "Share": example(obj(username=STRING, permission=enum_ref(SHARE_PERMISSIONS)),
                     examples.SHARE),
    "ShareList": example(obj(items={"type": "array", "items": ref("Share")}),
                         {"items": [examples.SHARE]}),
    "List": example(obj(
        id=STRING, name=STRING, description=STRING, owner=STRING,
        permission=enum_ref(LIST_ACCESS), created_at=TIME, updated_at=TIME,
        version={"type": "integer", "minimum": 1},
    ), examples.LIST),
    "ListPage": example(page_of("List"), examples.page(examples.LIST)),
    "ListShare": example(obj(username=STRING, permission=enum_ref(LIST_SHARE_PERMISSIONS)),
                         examples.LIST_SHARE),
    "ListShareList": example(obj(items={"type": "array", "items": ref("ListShare")}),
                             {"items": [examples.LIST_SHARE]}),
    # One change of the sync feed: an upsert carries the object (task or list) as GET shows
    # it, a tombstone its reason instead.
    "Change": example({
        "type": "object", "required": ["kind", "id", "deleted"], "additionalProperties": False,
        "properties": {
            "kind": enum_ref(CHANGE_KINDS), "id": STRING, "deleted": {"type": "boolean"},
            "task": ref("Task"), "list": ref("List"), "reason": enum_ref(TOMBSTONE_REASONS),
        },
    }, examples.CHANGE_PAGE["changes"][2]),
    "ChangePage": example(obj(changes={"type": "array", "items": ref("Change")},
                              next_token=STRING, more={"type": "boolean"}),
                          examples.CHANGE_PAGE),
    "FieldChange": example(obj(**{"from": ANY, "to": ANY}), {"from": False, "to": True}),
    "HistoryShare": example(obj(username=STRING, permission=NULLABLE_STRING,
                                previous=NULLABLE_STRING),
                            examples.SHARE_ENTRY["share"]),
    # A task's history entry: ``changes`` for created/updated, ``share`` for (un)shared.
    "HistoryEntry": example({
        "type": "object", "required": ["version", "action", "at", "by"],
        "additionalProperties": False,
        "properties": {
            "version": {"type": "integer", "minimum": 1}, "action": enum_ref(HISTORY_ACTIONS),
            "at": TIME, "by": STRING,
            "changes": {"type": "object", "additionalProperties": ref("FieldChange")},
            "share": ref("HistoryShare"),
            "occurrence": ref("CompletedOccurrence"),
        },
    }, examples.HISTORY_ENTRY),
    # The occurrence a completed_occurrence entry (or a webhook's data) reports.
    "CompletedOccurrence": example({
        "type": "object", "required": ["completed_at"], "additionalProperties": False,
        "properties": {"due_at": TIME, "due_date": DATE, "completed_at": TIME},
    }, {"due_at": "2030-01-31T18:00:00Z", "completed_at": examples.UPDATED}),
    "HistoryPage": example(page_of("HistoryEntry"), examples.page(examples.HISTORY_ENTRY)),
    "Webhook": example(obj(**WEBHOOK), examples.WEBHOOK),
    "NewWebhook": example(obj(**WEBHOOK, secret=SECRET),
                          {**examples.WEBHOOK, "secret": examples.SECRET}),
    "WebhookPage": example(page_of("Webhook"), examples.page(examples.WEBHOOK)),
    "WebhookSecret": example(obj(secret=SECRET), {"secret": examples.SECRET}),
    "WebhookPing": example(obj(event_id=STRING), {"event_id": "42"}),
    "WebhookDelivery": example(obj(
        id=STRING, event_id=STRING, event_type=enum_ref(EVENT_TYPES),
        attempt={"type": "integer", "minimum": 1}, at=TIME,
        outcome=enum_ref(DELIVERY_OUTCOMES), response_status={"type": "integer", "nullable": True},
        duration_ms={"type": "integer", "minimum": 0}, error=NULLABLE_STRING,
    ), examples.DELIVERY),
    "WebhookDeliveryPage": example(page_of("WebhookDelivery"), examples.page(examples.DELIVERY)),
    "NewToken": example(obj(id=STRING, name=NULLABLE_STRING, token=TOKEN_SECRET,
                         token_type=enum_ref(TOKEN_TYPES), **TOKEN_GRANT), examples.TOKEN),
    "ListedToken": example(obj(id=STRING, name=NULLABLE_STRING, **TOKEN_GRANT),
                           examples.LISTED_TOKEN),
    "ListedTokenPage": example(page_of("ListedToken"), examples.page(examples.LISTED_TOKEN)),
    "SubResponse": example({
        "type": "object", "required": ["status", "headers", "body"],
        "additionalProperties": False,
        "properties": {
            "status": {"type": "integer", "minimum": 100, "maximum": 599},
            "headers": {"type": "object", "additionalProperties": False,
                        "properties": {name: STRING for name in BATCH_RESPONSE_HEADERS}},
            "body": ANY,
        },
    }, examples.SUB_RESPONSE),
    # ``committed`` only in an atomic batch's answer.
    "BatchResponse": example({
        "type": "object", "required": ["responses"], "additionalProperties": False,
        "properties": {"responses": {"type": "array", "items": ref("SubResponse")},
                       "committed": {"type": "boolean"}},
    }, {"responses": [examples.SUB_RESPONSE], "committed": True}),
    # The database's check, and one more property per check a plugin adds (ops.heartbeats).
    "Heartbeat": example({**obj(database=enum_ref(DATABASE_STATUSES)),
                          "additionalProperties": enum_ref(DATABASE_STATUSES)},
                         {"database": "ok"}),
    "LoadBalancerHeartbeat": {"type": "object", "additionalProperties": False,
                              "maxProperties": 0, "example": {}},
    "Version": example(obj(name=STRING, version=STRING),
                       {"name": "taskservice", "version": "0.1.0"}),
    "OpenAPIDocument": {"type": "object", "required": ["openapi", "info", "paths"]},
    "ErrorDetail": obj(location=enum_ref(ERROR_LOCATIONS), name=STRING, description=STRING),
    "Error": example(obj(
        status=enum_ref(ERROR_STATUSES), errors={"type": "array", "items": ref("ErrorDetail")},
        request_id=STRING,
    ), examples.error("body", "title", "Required")),
}
