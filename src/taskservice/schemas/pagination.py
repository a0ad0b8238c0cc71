"""The ``limit`` and ``cursor`` parameters every paginated list takes."""

from __future__ import annotations

import colander

from .types import QueryInteger, StrictMapping, StrictString


@colander.deferred
def _limit_range(node: colander.SchemaNode, kw: dict) -> colander.Range:
    maximum = kw["settings"].page_size_max
    return colander.Range(1, maximum, min_err="Must be at least 1",
                          max_err=f"Must be at most {maximum}")


@colander.deferred
def _default_limit(node: colander.SchemaNode, kw: dict) -> int:
    return kw["settings"].page_size_default


def limit_node() -> colander.SchemaNode:
    return colander.SchemaNode(
        QueryInteger(), name="limit", validator=_limit_range, missing=_default_limit
    )


def cursor_node() -> colander.SchemaNode:
    return colander.SchemaNode(
        StrictString(), name="cursor", validator=colander.Length(1, 1000), missing=None
    )


def page_query() -> colander.SchemaNode:
    """A plain paginated list: ``limit`` and ``cursor`` only."""
    return colander.SchemaNode(StrictMapping(), limit_node(), cursor_node(), missing={})
