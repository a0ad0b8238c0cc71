"""What every request goes through before a view runs, in the contract's order.

413 (body too large, judged from ``Content-Length`` before the body is read), then 415
(a body that is not JSON), then 400 (the Colander schema, every failing field at once).
Authentication, traversal and method matching (401, 404, 405) have already happened by
the time Cornice calls these validators.
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import unquote_to_bytes

import colander
from cornice.validators import colander_validator
from pyramid.request import Request

from .errors import error_response

JSON_MEDIA_TYPES = frozenset({"application/json"})


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not valid JSON")


def check_body_size(request: Request, **kwargs: Any) -> None:
    """413 before reading a body larger than ``taskservice.max_body_bytes``."""
    limit = request.registry.app_settings.max_body_bytes
    length = request.content_length
    if length is None:
        # waitress sets Content-Length even for chunked bodies (bounded in memory by its
        # own max_request_body_size); other servers may not.
        length = len(request.body)
    if length > limit:
        raise error_response(
            413, "header", "Content-Length", f"Request bodies are limited to {limit} bytes"
        )


def check_json_content_type(request: Request, **kwargs: Any) -> None:
    """415 for a non-empty body that is not ``application/json``."""
    # Media types are case-insensitive (RFC 9110 8.3.1): APPLICATION/JSON is JSON.
    if request.content_length and request.content_type.lower() not in JSON_MEDIA_TYPES:
        raise error_response(
            415, "header", "Content-Type", "Request bodies must be application/json"
        )


def _parse_body(request: Request) -> Any:
    if not request.body:  # even an empty change is sent as {}
        request.errors.add("body", "", "A JSON body is required (send {} for no fields)")
        return colander.null
    try:
        return json.loads(request.body.decode("utf-8"), parse_constant=_reject_constant)
    except UnicodeDecodeError:
        request.errors.add("body", "", "The body must be UTF-8 encoded JSON")
    except (ValueError, RecursionError) as error:
        request.errors.add("body", "", _malformed(error))
    return colander.null


def _malformed(error: Exception) -> str:
    """Where the body stops being JSON, if the parser knows: never its message.

    A parser's message is its own vocabulary (and may quote the input back, as the
    rejection of ``NaN`` does); the client needs only to know that and where.
    """
    where = ""
    if isinstance(error, json.JSONDecodeError):
        where = f" (line {error.lineno}, column {error.colno})"
    return f"Malformed JSON: the body is not valid JSON{where}"


def _undecodable_names(query_string: str) -> list[str]:
    """The parameters whose name or value does not decode as UTF-8, named as best we can."""
    names = []
    for pair in query_string.split("&"):
        raw = [unquote_to_bytes(part.replace("+", " ")) for part in pair.partition("=")[::2]]
        try:
            for part in raw:
                part.decode("utf-8")
        except UnicodeDecodeError:
            names.append(raw[0].decode("utf-8", "replace"))
    return names


def query_parameters(request: Request) -> dict[str, Any]:
    """The query string as a dict (a list for a repeated name), or {} after a 400 error.

    WebOb decodes it as strict UTF-8 and raises on anything else (a lone surrogate can
    only arrive as such bytes), which would be a 500; here it is a 400 per parameter.
    """
    try:
        parameters: dict[str, Any] = request.GET.mixed()
    except UnicodeDecodeError:
        for name in _undecodable_names(request.query_string):
            request.errors.add("querystring", name, "Must be percent-encoded UTF-8")
        return {}
    return parameters


def reject_query_parameters(request: Request, **kwargs: Any) -> None:
    """400 naming each query parameter sent to an endpoint that takes none."""
    if not request.query_string:  # the usual case: parse nothing
        return
    for name in query_parameters(request):
        request.errors.add("querystring", name, "Unknown parameter")


def _bound(request: Request, schema: colander.SchemaNode) -> colander.SchemaNode:
    """``schema`` bound to the app's settings, once per app (deferred limits and defaults)."""
    cache = request.registry.setdefault("bound_schemas", {})
    bound = cache.get(id(schema))
    if bound is None:
        bound = cache[id(schema)] = schema.bind(settings=request.registry.app_settings)
    return bound


def validate_schema(
    request: Request, schema: colander.SchemaNode | None = None, **kwargs: Any
) -> None:
    """400 with every failing field, or the clean values in ``request.validated``."""
    if schema is None:
        return
    cstruct = {"querystring": query_parameters(request)}
    if schema.get("body") is not None:
        cstruct["body"] = _parse_body(request)
    if request.errors:  # no JSON to validate field by field
        return
    colander_validator(request, schema=_bound(request, schema), deserializer=lambda _: cstruct)


BODY_VALIDATORS = (check_body_size, check_json_content_type, validate_schema)
QUERY_VALIDATORS = (validate_schema,)
NO_QUERY_VALIDATORS = (reject_query_parameters,)
