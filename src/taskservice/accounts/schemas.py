"""Registration, login, password-change and token bodies."""

from __future__ import annotations

from typing import Any, ClassVar

import colander

from ..vocabulary import (
    SCOPES,
    TOKEN_MAX_LIFETIME,
    TOKEN_MAX_LISTS,
    TOKEN_MIN_LIFETIME,
    TOKEN_NAME_MAX_LENGTH,
    USERNAME_PATTERN,
    USERNAME_RULE,
)
from ..web.schema_types import (
    NullableLength,
    NullableRange,
    StrictId,
    StrictInteger,
    StrictMapping,
    StrictSequence,
    StrictString,
)
from ..web.schemas import time_zone_node

# \Z, not $: "$" also matches before a trailing newline.
USERNAME = colander.Regex(rf"^{USERNAME_PATTERN}\Z", msg=f"Must be {USERNAME_RULE}")


def _password(name: str, missing: object = colander.required) -> colander.SchemaNode:
    return colander.SchemaNode(
        StrictString(), name=name, missing=missing,
        validator=colander.Length(8, 1024, min_err="Must be at least 8 characters",
                                  max_err="Must be at most 1024 characters"),
    )


# The OpenAPI document's example of each body (the same user throughout).
CREDENTIALS = {"username": "alice", "password": "correct horse battery"}


def registration_body() -> colander.SchemaNode:
    return colander.SchemaNode(
        StrictMapping(),
        colander.SchemaNode(StrictString(), name="username", validator=USERNAME),
        _password("password"),
        schema_name="Registration", example=CREDENTIALS,
    )


class _Distinct:
    """No item twice (a validator: Colander calls it); ``null`` passes."""

    json_schema: ClassVar[dict[str, Any]] = {"uniqueItems": True}

    def __call__(self, node: colander.SchemaNode, value: list[Any] | None) -> None:
        if value is not None and len(set(value)) != len(value):
            raise colander.Invalid(node, f"Must not name the same {node.children[0].name} twice")


def token_nodes(name_required: bool) -> list[colander.SchemaNode]:
    """What a token is made with (contract section 15); absent fields take the defaults:
    every scope, no list limit, ``taskservice.token_ttl`` seconds."""
    return [
        colander.SchemaNode(
            StrictString(), name="name", validator=colander.Length(1, TOKEN_NAME_MAX_LENGTH),
            missing=colander.required if name_required else colander.drop,
            description="What the token is for, shown in the list of tokens"),
        colander.SchemaNode(
            StrictSequence(),
            colander.SchemaNode(StrictString(), name="scope", validator=colander.OneOf(SCOPES)),
            name="scopes", missing=colander.drop,
            validator=colander.All(colander.Length(1, len(SCOPES)), _Distinct()),
            description="What the token may do; default: all of them"),
        colander.SchemaNode(
            StrictSequence(nullable=True), colander.SchemaNode(StrictId(), name="list"),
            name="lists", missing=colander.drop,
            validator=colander.All(NullableLength(1, TOKEN_MAX_LISTS), _Distinct()),
            description="The only lists (and their tasks) the token reaches; null: no limit"),
        colander.SchemaNode(
            StrictInteger(nullable=True), name="expires_in", missing=colander.drop,
            validator=NullableRange(TOKEN_MIN_LIFETIME, TOKEN_MAX_LIFETIME),
            description="Seconds the token lives; null: it never expires (when the service "
                        "allows it); default: taskservice.token_ttl"),
    ]


# The OpenAPI document's example of a token request.
TOKEN_REQUEST = {"name": "phone", "scopes": ["read", "write"], "lists": ["4"],
                 "expires_in": 3600}


def token_body() -> colander.SchemaNode:
    """``POST /users/me/tokens``."""
    return colander.SchemaNode(StrictMapping(), *token_nodes(name_required=True),
                               schema_name="TokenRequest", example=TOKEN_REQUEST)


def login_body() -> colander.SchemaNode:
    """Lenient on form (a malformed name is simply unknown: 401), strict on types; and
    what a token made with the password may be (``POST /users/me/tokens``'s body)."""
    return colander.SchemaNode(
        StrictMapping(),
        colander.SchemaNode(StrictString(), name="username", validator=colander.Length(1, 256)),
        colander.SchemaNode(StrictString(), name="password", validator=colander.Length(1, 1024)),
        *token_nodes(name_required=False),
        schema_name="Credentials", example=CREDENTIALS,
    )


# A password change sends the current password and the new one, or neither.
PASSWORD_CHANGE = ("current_password", "password")


def account_change_body() -> colander.SchemaNode:
    """``PATCH /users/me``: the zone, the password (with the current one), or both."""
    return colander.SchemaNode(
        StrictMapping(together=(PASSWORD_CHANGE,)),
        colander.SchemaNode(
            StrictString(), name="current_password", validator=colander.Length(1, 1024),
            missing=colander.drop,
        ),
        _password("password", missing=colander.drop),
        time_zone_node(),
        schema_name="AccountChange",
        example={"current_password": CREDENTIALS["password"], "password": "a longer passphrase",
                 "time_zone": "Asia/Tokyo"},
    )
