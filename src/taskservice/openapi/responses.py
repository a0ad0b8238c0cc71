"""What the Colander schemas cannot tell the generator: responses and path parameters.

Requests are validated by Colander, so their part of the document is generated
(generator.py). Responses are plain dicts built by representations.py, so their shapes
are described here by hand, next to the one table that says, per operation, the
success status and the errors only that view's own logic produces. Errors that follow
from the route itself (401, 404, 413, 415, 429, 503) are derived by the generator.
Response objects forbid unknown properties, so the API fuzz notices any drift between
this module and representations.py.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..vocabulary import ID_PATTERN, PRIORITIES, SHARE_PERMISSIONS, USERNAME_PATTERN
from .components import ref
from .enums import DATABASE_STATUSES, ERROR_LOCATIONS, ERROR_STATUSES, TOKEN_TYPES, enum_ref

JSON = "application/json"
HTML = "text/html"
TIME = {"type": "string", "format": "date-time"}
STRING = {"type": "string"}


def obj(**properties: dict[str, Any]) -> dict[str, Any]:
    """A closed JSON object whose properties are all present in every response."""
    return {
        "type": "object", "properties": properties,
        "required": list(properties), "additionalProperties": False,
    }


def page_of(item: str) -> dict[str, Any]:
    """A page of a keyset-paginated list (``next_cursor`` is null on the last page)."""
    return obj(items={"type": "array", "items": ref(item)},
               next_cursor={"type": "string", "nullable": True})


SCHEMAS: dict[str, dict[str, Any]] = {
    "Task": obj(
        id=STRING, title=STRING, description=STRING, done={"type": "boolean"},
        priority=enum_ref(PRIORITIES),
        due_at={**TIME, "nullable": True}, tags={"type": "array", "items": STRING},
        owner=STRING, created_at=TIME, updated_at=TIME, completed_at={**TIME, "nullable": True},
        version={"type": "integer", "minimum": 1},
    ),
    "TaskPage": page_of("Task"),
    "User": obj(username=STRING, is_admin={"type": "boolean"}, created_at=TIME),
    "UserPage": page_of("User"),
    "Share": obj(username=STRING, permission=enum_ref(SHARE_PERMISSIONS)),
    "ShareList": obj(items={"type": "array", "items": ref("Share")}),
    "Token": obj(token=STRING, token_type=enum_ref(TOKEN_TYPES), expires_at=TIME),
    "Heartbeat": obj(database=enum_ref(DATABASE_STATUSES)),
    "LoadBalancerHeartbeat": {"type": "object", "additionalProperties": False, "maxProperties": 0},
    "Version": obj(name=STRING, version=STRING),
    "OpenAPIDocument": {"type": "object", "required": ["openapi", "info", "paths"]},
    "ErrorDetail": obj(location=enum_ref(ERROR_LOCATIONS), name=STRING, description=STRING),
    "Error": obj(
        status=enum_ref(ERROR_STATUSES), errors={"type": "array", "items": ref("ErrorDetail")},
        request_id=STRING,
    ),
}

HEADERS: dict[str, dict[str, Any]] = {
    "Location": {"description": "URL of the created resource", "schema": STRING},
    "ETag": {"description": 'The task\'s version as a strong ETag, e.g. "3"', "schema": STRING},
    "Link": {"description": 'The next page: <url>; rel="next"', "schema": STRING},
    "Allow": {"description": "The methods this resource accepts", "schema": STRING},
    "Retry-After": {"description": "Seconds to wait before trying again",
                    "schema": {"type": "integer"}},
    "WWW-Authenticate": {"description": 'Bearer realm="taskservice"', "schema": STRING},
}

# Every status other than a success: its description and the headers it carries.
STATUSES: dict[int, tuple[str, tuple[str, ...]]] = {
    304: ("Not modified: the task's ETag is the one sent in If-None-Match", ("ETag",)),
    400: ("Invalid request: every failing field is listed", ()),
    401: ("Missing, unknown, revoked or expired token, or bad credentials",
          ("WWW-Authenticate",)),
    403: ("Authenticated, but this action is not permitted", ()),
    404: ("No such resource, or one the caller may not view", ()),
    409: ("The username is already taken", ()),
    412: ("If-Match does not name the current ETag", ("ETag",)),
    413: ("The request body is larger than the service accepts", ()),
    415: ("The request body is not application/json", ()),
    429: ("Rate limit exceeded", ("Retry-After",)),
    503: ("Read-only mode on a write, or the database is unavailable", ("Retry-After",)),
}

REQUEST_HEADERS: dict[str, dict[str, Any]] = {
    "If-Match": {"name": "If-Match", "in": "header", "required": False, "schema": STRING,
                 "description": 'Only act if the task\'s ETag is this one (or "*"); else 412'},
    "If-None-Match": {"name": "If-None-Match", "in": "header", "required": False,
                      "schema": STRING,
                      "description": "304 with no body when the task's ETag is this one"},
}

PATH_PARAMETERS: dict[str, dict[str, Any]] = {
    "id": {"type": "string", "pattern": ID_PATTERN},
    "username": {"type": "string", "pattern": USERNAME_PATTERN},
}

@dataclass(frozen=True)
class Outcome:
    """How one operation answers when it succeeds, and the other statuses only its view gives."""

    statuses: tuple[int, ...]
    schema: str | None = None
    headers: tuple[str, ...] = ()
    others: tuple[int, ...] = ()
    request_headers: tuple[str, ...] = ()
    media_type: str = JSON


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
    ("tokens", "POST"): Outcome((201,), "Token", others=(401,)),
    ("token_current", "DELETE"): NO_CONTENT,
    ("tasks", "POST"): Outcome((201,), "Task", ("Location", "ETag")),
    ("tasks", "GET"): Outcome((200,), "TaskPage", ("Link",)),
    ("task", "GET"): Outcome((200,), "Task", ("ETag",), others=(304,),
                             request_headers=("If-None-Match",)),
    ("task", "PATCH"): Outcome((200,), "Task", ("ETag",), (403, 412), GUARDED),
    ("task", "PUT"): Outcome((200,), "Task", ("ETag",), (403, 412), GUARDED),
    ("task", "DELETE"): Outcome((204,), others=(403, 412), request_headers=GUARDED),
    ("shares", "GET"): Outcome((200,), "ShareList"),
    ("share", "PUT"): Outcome((200, 201), "Share", others=(403,)),
    ("share", "DELETE"): Outcome((204,), others=(403,)),
    ("heartbeat", "GET"): Outcome((200,), "Heartbeat"),
    ("lbheartbeat", "GET"): Outcome((200,), "LoadBalancerHeartbeat"),
    ("version", "GET"): Outcome((200,), "Version"),
    ("openapi", "GET"): Outcome((200,), "OpenAPIDocument"),
    ("docs", "GET"): Outcome((200,), media_type=HTML),
}
