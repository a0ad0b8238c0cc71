"""Colander schemas for every request body and query string.

They are the only place input is validated, and the OpenAPI document is generated from
them, so the two cannot drift. ``request_schema`` wraps a body and/or query-string schema
into the shape Cornice's validator expects.
"""

from __future__ import annotations

import colander

from .types import StrictMapping


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
