"""What the Colander schemas cannot tell the generator: responses and path parameters.

Requests are validated by Colander, so their part of the document is generated
(generator.py); the response bodies' shapes are response_schemas.py's. Here is the one
table that says, per operation, the success status and the errors only that view's own
logic produces, with the headers and the shared error statuses. (A view may carry its
Outcome itself instead, ``@service.get(outcome=...)``: a plugin's does.) Errors that follow from
the route itself (401, 404, 413, 415, 429, 503) are derived by the generator.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from ..vocabulary import (
    ID_PATTERN,
    IDEMPOTENCY_KEY_HEADER,
    IDEMPOTENCY_KEY_MAX_LENGTH,
    USERNAME_PATTERN,
)
from ..web.requestlog import SANE_ID
from . import examples
from .enums import EnumType
from .response_schemas import HTML, JSON, STRING, TEXT, anchored

REQUEST_ID = "X-Request-Id"
REPLAYED = "Idempotent-Replayed"

HEADERS: dict[str, dict[str, Any]] = {
    REQUEST_ID: {
        "description": "The request's id: the client's own X-Request-Id when it sent a sane "
                       "one, else a new one; error bodies carry it as request_id, and the "
                       "service's log files every line of the request under it",
        "required": True, "schema": {"type": "string", "pattern": anchored(SANE_ID.pattern)},
    },
    "Location": {"description": "URL of the created resource", "required": True,
                 "schema": STRING},
    "ETag": {"description": 'The task\'s or list\'s version as a strong ETag, e.g. "3"',
             "required": True,
             "schema": STRING},
    "Link": {"description": 'The next page, while there is one: <url>; rel="next"',
             "schema": STRING},
    "Allow": {"description": "The methods this resource accepts", "schema": STRING},
    "Retry-After": {"description": "Seconds to wait before trying again",
                    "schema": {"type": "integer"}},
    "WWW-Authenticate": {"description": 'Bearer realm="taskservice"', "required": True,
                         "schema": STRING},
    REPLAYED: {"description": "true on the kept response of an earlier request "
                                           "with the same Idempotency-Key, replayed",
                            "schema": {"type": "string", "pattern": "^true$"}},
}


@dataclass(frozen=True)
class Status:
    """A shared non-success response: what it means, the error it is an example of
    (``location``, ``name``, ``description``; None for a response without a body) and
    the headers it carries besides X-Request-Id."""

    description: str
    error: tuple[str, str, str] | None
    headers: tuple[str, ...] = ()


STATUSES: dict[int, Status] = {
    304: Status("Not modified: the ETag is the one sent in If-None-Match", None,
                ("ETag",)),
    400: Status("Invalid request: every failing field is listed",
                ("body", "title", "Required")),
    401: Status("Missing, unknown, revoked or expired token, or bad credentials",
                ("header", "Authorization", "Send a valid token: Authorization: Bearer <token> "
                 "(POST /tokens issues one)"), ("WWW-Authenticate",)),
    403: Status("Authenticated, but this action is not permitted",
                ("path", "", "You are not allowed to edit this resource")),
    404: Status("No such resource, or one the caller may not view",
                ("path", "", "No such resource")),
    409: Status("The username is already taken, or the first request with this "
                "Idempotency-Key is still running (retry after Retry-After)",
                ("body", "username", "This username is already taken"), ("Retry-After",)),
    410: Status("The sync token is older than the change log keeps, or was issued before "
                "the caller's admin role changed: drop the copy and sync in full",
                ("querystring", "token", "This token is older than the change log keeps "
                 "(2592000 seconds): drop the copy and sync in full (without token)")),
    412: Status("If-Match does not name the current ETag",
                ("header", "If-Match", 'The task has changed: its current ETag is "3"'),
                ("ETag",)),
    413: Status("The request body is larger than the service accepts",
                ("header", "Content-Length", "Request bodies are limited to 1048576 bytes")),
    415: Status("The request body is not application/json",
                ("header", "Content-Type", "Request bodies must be application/json")),
    422: Status("The Idempotency-Key was used before with another method, path or body",
                ("header", IDEMPOTENCY_KEY_HEADER, "This Idempotency-Key was used with a "
                 "different request")),
    429: Status("Rate limit exceeded",
                ("request", "", "Too many requests; retry in 30 seconds"), ("Retry-After",)),
    503: Status("Read-only mode on a write, or the database is unavailable",
                ("request", "", "The service is in read-only mode; try again later"),
                ("Retry-After",)),
}
# Every other answer is an error too, in the same shape: a 405 (with Allow), a 500...
DEFAULT = Status("Any other error, in the same shape: a 405 with Allow, a 500 with the "
                 "request id the log files its traceback under",
                 ("request", "method",
                 "POST is not allowed here; use DELETE, GET, HEAD, PATCH, PUT"),
                 ("Allow",))

REQUEST_HEADERS: dict[str, dict[str, Any]] = {
    "If-Match": {"name": "If-Match", "in": "header", "required": False, "schema": STRING,
                 "description": 'Only act if the ETag is this one (or "*"); else 412'},
    "If-None-Match": {"name": "If-None-Match", "in": "header", "required": False,
                      "schema": STRING,
                      "description": "304 with no body when the ETag is this one"},
    IDEMPOTENCY_KEY_HEADER: {
        "name": IDEMPOTENCY_KEY_HEADER, "in": "header", "required": False,
        "schema": {"type": "string", "pattern": "^[!-~]+$",
                   "maxLength": IDEMPOTENCY_KEY_MAX_LENGTH},
        "description": "Makes a retried POST safe: the same key with the same request "
                       "replays the first response (409 while it runs, 422 for another "
                       "request)",
    },
}

PATH_PARAMETERS: dict[str, dict[str, Any]] = {
    "id": {"type": "string", "pattern": anchored(ID_PATTERN), "example": examples.TASK["id"]},
    "username": {"type": "string", "pattern": anchored(USERNAME_PATTERN),
                 "example": examples.SHARE["username"]},
}


@dataclass(frozen=True)
class Outcome:
    """How one operation answers when it succeeds, and the other statuses only its view gives.

    ``schema`` names the success body's component; ``schemas`` and ``enums`` are
    components the view brings along (a plugin's endpoint, whose shapes are not in
    response_schemas.SCHEMAS nor its choices in enums.ENUMS). A view passes its Outcome as
    ``@service.get(outcome=Outcome(...))``; the service's own views are in ``OUTCOMES``.
    """

    statuses: tuple[int, ...]
    schema: str | None = None
    headers: tuple[str, ...] = ()
    others: tuple[int, ...] = ()
    request_headers: tuple[str, ...] = ()
    media_type: str = JSON
    schemas: Mapping[str, dict[str, Any]] = field(default_factory=dict)
    enums: tuple[EnumType, ...] = ()


NO_CONTENT = Outcome((204,))
GUARDED = ("If-Match",)

OUTCOMES: dict[tuple[str, str], Outcome] = {
    ("users", "POST"): Outcome((201,), "User", ("Location",), others=(403, 409)),
    ("users", "GET"): Outcome((200,), "UserPage", ("Link",), others=(403,)),
    ("user_me", "GET"): Outcome((200,), "User"),
    ("user_me", "PATCH"): Outcome((200,), "User"),
    ("user_me", "DELETE"): NO_CONTENT,
    ("user", "GET"): Outcome((200,), "User"),
    ("user", "DELETE"): NO_CONTENT,
    ("tokens", "POST"): Outcome((201,), "NewToken", others=(401,)),
    ("token_current", "DELETE"): NO_CONTENT,
    ("user_tokens", "GET"): Outcome((200,), "ListedTokenPage", ("Link",)),
    ("user_tokens", "POST"): Outcome((201,), "NewToken", others=(403,)),
    ("user_token", "DELETE"): NO_CONTENT,
    ("tasks", "POST"): Outcome((201,), "Task", ("Location", "ETag"), others=(403,)),
    ("tasks", "GET"): Outcome((200,), "TaskPage", ("Link",)),
    ("task", "GET"): Outcome((200,), "Task", ("ETag",), others=(304,),
                             request_headers=("If-None-Match",)),
    ("task", "PATCH"): Outcome((200,), "Task", ("ETag",), (403, 412), GUARDED),
    ("task", "PUT"): Outcome((200,), "Task", ("ETag",), (403, 412), GUARDED),
    ("task", "DELETE"): Outcome((204,), others=(403, 412), request_headers=GUARDED),
    ("shares", "GET"): Outcome((200,), "ShareList"),
    ("share", "PUT"): Outcome((200, 201), "Share", others=(403,)),
    ("share", "DELETE"): Outcome((204,), others=(403,)),
    ("lists", "POST"): Outcome((201,), "List", ("Location", "ETag")),
    ("lists", "GET"): Outcome((200,), "ListPage", ("Link",)),
    ("list", "GET"): Outcome((200,), "List", ("ETag",), others=(304,),
                             request_headers=("If-None-Match",)),
    ("list", "PATCH"): Outcome((200,), "List", ("ETag",), (403, 412), GUARDED),
    ("list", "PUT"): Outcome((200,), "List", ("ETag",), (403, 412), GUARDED),
    ("list", "DELETE"): Outcome((204,), others=(403, 412), request_headers=GUARDED),
    ("list_tasks", "GET"): Outcome((200,), "TaskPage", ("Link",)),
    ("list_tasks", "POST"): Outcome((201,), "Task", ("Location", "ETag"), others=(403,)),
    ("list_shares", "GET"): Outcome((200,), "ListShareList"),
    ("list_share", "PUT"): Outcome((200, 201), "ListShare", others=(403,)),
    ("list_share", "DELETE"): Outcome((204,), others=(403,)),
    ("changes", "GET"): Outcome((200,), "ChangePage", others=(410,)),
    ("task_history", "GET"): Outcome((200,), "HistoryPage", ("Link",)),
    ("task_occurrences", "GET"): Outcome((200,), "OccurrenceList"),
    ("task_move", "POST"): Outcome((200,), "Task", ("ETag",), (403, 412), GUARDED),
    ("reminders", "GET"): Outcome((200,), "UpcomingReminderPage", ("Link",)),
    ("batch", "POST"): Outcome((200,), "BatchResponse"),
    ("webhooks", "POST"): Outcome((201,), "NewWebhook", ("Location",)),
    ("webhooks", "GET"): Outcome((200,), "WebhookPage", ("Link",)),
    ("webhook", "GET"): Outcome((200,), "Webhook"),
    ("webhook", "PATCH"): Outcome((200,), "Webhook"),
    ("webhook", "DELETE"): NO_CONTENT,
    ("webhook_rotate_secret", "POST"): Outcome((200,), "WebhookSecret"),
    ("webhook_ping", "POST"): Outcome((202,), "WebhookPing"),
    ("webhook_deliveries", "GET"): Outcome((200,), "WebhookDeliveryPage", ("Link",)),
    ("heartbeat", "GET"): Outcome((200,), "Heartbeat"),
    ("lbheartbeat", "GET"): Outcome((200,), "LoadBalancerHeartbeat"),
    ("version", "GET"): Outcome((200,), "Version"),
    ("openapi", "GET"): Outcome((200,), "OpenAPIDocument"),
    ("docs", "GET"): Outcome((200,), media_type=HTML),
    ("metrics", "GET"): Outcome((200,), others=(401,), media_type=TEXT),
}
