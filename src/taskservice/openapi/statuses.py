"""Response objects: each operation's successes, and the error responses they share.

Every error status is one component response (``BadRequest``, ``PreconditionFailed``...)
with the ``Error`` schema and an example, and every operation also refers to the
``default`` one, so a generated client has a type for any answer the service gives,
the 405 and 500 no operation lists included. Every response declares X-Request-Id.
"""

from __future__ import annotations

from collections.abc import Iterable
from http import HTTPStatus
from typing import Any

from . import examples
from .components import ref
from .response_schemas import JSON
from .responses import (
    DEFAULT,
    HEADERS,
    REPLAYED,
    REQUEST_ID,
    STATUSES,
    Outcome,
    Status,
)

RESPONSES_PREFIX = "#/components/responses/"
DEFAULT_NAME = "OtherError"


def header_refs(names: Iterable[str]) -> dict[str, dict[str, str]]:
    """The headers of a response: X-Request-Id, then ``names``."""
    return {name: {"$ref": f"#/components/headers/{name}"} for name in (REQUEST_ID, *names)}


def success_response(outcome: Outcome, status: int, replayable: bool = False) -> dict[str, Any]:
    """``replayable``: it may be the replay of a kept one (``Idempotent-Replayed``)."""
    headers = (*outcome.headers, *((REPLAYED,) if replayable else ()))
    response: dict[str, Any] = {
        "description": HTTPStatus(status).phrase, "headers": header_refs(headers),
    }
    if outcome.schema is not None:
        response["content"] = {outcome.media_type: {"schema": ref(outcome.schema)}}
    elif outcome.media_type != JSON:  # a page or a text format: a string
        response["content"] = {outcome.media_type: {"schema": {"type": "string"}}}
    return response


def response_name(status: int) -> str:
    """``PreconditionFailed`` for 412: the component's name, after the status's phrase."""
    return HTTPStatus(status).phrase.title().replace(" ", "").replace("-", "")


def error_responses(statuses: Iterable[int]) -> dict[str, dict[str, str]]:
    """References to the shared responses of ``statuses``, then to the default one."""
    names = {str(status): response_name(status) for status in sorted(statuses)}
    return {key: {"$ref": RESPONSES_PREFIX + name}
            for key, name in {**names, "default": DEFAULT_NAME}.items()}


def status_response(status: Status) -> dict[str, Any]:
    """A shared response: the error shape with its example; nothing for a 304."""
    response: dict[str, Any] = {
        "description": status.description, "headers": header_refs(status.headers),
    }
    if status.error is not None:
        response["content"] = {
            JSON: {"schema": ref("Error"), "example": examples.error(*status.error)},
        }
    return response


def response_components() -> dict[str, Any]:
    """``components/responses`` and ``components/headers``."""
    responses = {response_name(code): status_response(status) for code, status in STATUSES.items()}
    return {
        "responses": {**responses, DEFAULT_NAME: status_response(DEFAULT)},
        "headers": HEADERS,
    }
