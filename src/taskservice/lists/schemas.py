"""List and list-share bodies, and the list-list query string."""

from __future__ import annotations

from typing import Any

import colander

from ..vocabulary import (
    DEFAULT_LIST_SORT,
    LIST_DESCRIPTION_MAX_LENGTH,
    LIST_NAME_MAX_LENGTH,
    LIST_SHARE_PERMISSIONS,
    LIST_SORTS,
)
from ..web.schema_types import StrictMapping, StrictString
from ..web.schemas import cursor_node, limit_node, trimmed_text


def list_body(
    schema_name: str, example: dict[str, Any], partial: bool = False
) -> colander.SchemaNode:
    """A list as a client sends it; ``partial`` (PATCH) makes every field optional."""
    return colander.SchemaNode(
        StrictMapping(),
        trimmed_text("name", LIST_NAME_MAX_LENGTH, partial),
        colander.SchemaNode(
            StrictString(), name="description",
            validator=colander.Length(max=LIST_DESCRIPTION_MAX_LENGTH),
            missing=colander.drop if partial else "",
        ),
        schema_name=schema_name, example=example,
    )


def list_create_body() -> colander.SchemaNode:
    """``POST /lists``: only the name is required."""
    return list_body("ListCreate", {"name": "Groceries"})


def list_replace_body() -> colander.SchemaNode:
    """``PUT /lists/<id>``: the whole list; an absent description becomes ``""``."""
    return list_body("ListReplace", {"name": "Groceries", "description": "For the weekend"})


def list_patch_body() -> colander.SchemaNode:
    """``PATCH /lists/<id>``: only the fields sent change."""
    return list_body("ListPatch", {"description": "For the weekend"}, partial=True)


def list_share_body() -> colander.SchemaNode:
    """``PUT /lists/<id>/shares/<username>``."""
    return colander.SchemaNode(
        StrictMapping(),
        colander.SchemaNode(
            StrictString(), name="permission", validator=colander.OneOf(LIST_SHARE_PERMISSIONS)
        ),
        schema_name="ListShareRequest", example={"permission": "manage"},
    )


def list_list_query() -> colander.SchemaNode:
    """``GET /lists``: page and sort."""
    return colander.SchemaNode(
        StrictMapping(),
        limit_node(),
        cursor_node(),
        colander.SchemaNode(
            StrictString(), name="sort", validator=colander.OneOf(LIST_SORTS),
            missing=DEFAULT_LIST_SORT,
        ),
        missing={},
    )
