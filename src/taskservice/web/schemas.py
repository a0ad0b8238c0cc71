"""The request-schema shapes every domain's Colander schemas are built from.

Each domain's ``schemas`` module is the only place its input is validated, and the
OpenAPI document is generated from the same schemas, so the two cannot drift.
``request_schema`` wraps a body and/or query-string schema into the shape Cornice's
validator expects; ``limit`` and ``cursor`` are what every paginated list takes.

A body schema is built with ``schema_name=`` (its type's name in the OpenAPI document and
in generated clients; start-up refuses a body without one) and ``example=`` (checked
against the schema itself at start-up).
"""

from __future__ import annotations

from typing import Any, ClassVar

import colander

from ..dates.zones import is_zone
from .schema_types import QueryInteger, StrictMapping, StrictString


def request_schema(
    body: colander.SchemaNode | None = None, querystring: colander.SchemaNode | None = None
) -> colander.SchemaNode:
    """The whole-request schema: ``body`` and ``querystring`` children, the rest ignored.

    Without a ``querystring`` schema the endpoint takes no parameters: any is a 400.
    """
    schema = colander.SchemaNode(colander.Mapping(unknown="ignore"))
    if body is not None:
        body.name = "body"
        schema.add(body)
    querystring = empty_query() if querystring is None else querystring
    querystring.name = "querystring"
    schema.add(querystring)
    return schema


def empty_query() -> colander.SchemaNode:
    """No query parameters are accepted."""
    return colander.SchemaNode(StrictMapping(), missing={})


def _limit_range(node: colander.SchemaNode, kw: dict[str, Any]) -> colander.Range:
    maximum = kw["settings"].page_size_max
    return colander.Range(1, maximum, min_err="Must be at least 1",
                          max_err=f"Must be at most {maximum}")


def _default_limit(node: colander.SchemaNode, kw: dict[str, Any]) -> int:
    default: int = kw["settings"].page_size_default
    return default


# Deferred to ``schema.bind(settings=...)``, once per app: the bounds are the app's settings.
# (Called rather than used as decorators: colander.deferred is untyped.)
LIMIT_RANGE = colander.deferred(_limit_range)
DEFAULT_LIMIT = colander.deferred(_default_limit)


def limit_node() -> colander.SchemaNode:
    return colander.SchemaNode(
        QueryInteger(), name="limit", validator=LIMIT_RANGE, missing=DEFAULT_LIMIT
    )


def cursor_node() -> colander.SchemaNode:
    return colander.SchemaNode(
        StrictString(), name="cursor", validator=colander.Length(1, 1000), missing=None
    )


def _strip(value: object) -> object:
    return value.strip() if isinstance(value, str) else value


def trimmed_text(name: str, max_length: int, partial: bool = False) -> colander.SchemaNode:
    """A required title or name, trimmed and then 1 to ``max_length`` code points.

    ``partial`` (PATCH) makes it optional.
    """
    return colander.SchemaNode(
        StrictString(), name=name, preparer=_strip, validator=colander.Length(1, max_length),
        missing=colander.drop if partial else colander.required,
    )


def page_query() -> colander.SchemaNode:
    """A plain paginated list: ``limit`` and ``cursor`` only."""
    return colander.SchemaNode(StrictMapping(), limit_node(), cursor_node(), missing={})


class _ZoneName:
    """An IANA zone name as the database spells it (a validator: Colander calls it)."""

    # What the OpenAPI document says of the string (see openapi.nodes).
    json_schema: ClassVar[dict[str, Any]] = {"example": "Europe/Paris"}

    def __call__(self, node: colander.SchemaNode, value: str) -> None:
        if not is_zone(value):
            raise colander.Invalid(node, "Must be an IANA time zone name such as "
                                         "Europe/Paris, America/New_York or UTC, spelled "
                                         "as the zone database spells it")


def time_zone_node() -> colander.SchemaNode:
    """An optional ``time_zone``: absent keeps the current one (or the default)."""
    return colander.SchemaNode(StrictString(), name="time_zone", validator=_ZoneName(),
                               missing=colander.drop)
