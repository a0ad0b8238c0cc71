"""Registration, login and password-change bodies."""

from __future__ import annotations

import colander

from .types import StrictMapping, StrictString

# \Z, not $: "$" also matches before a trailing newline.
USERNAME_RULE = colander.Regex(
    r"^[A-Za-z0-9_.\-]{3,32}\Z", msg="Must be 3 to 32 characters of A-Z a-z 0-9 _ . -"
)


def _password(name: str) -> colander.SchemaNode:
    return colander.SchemaNode(
        StrictString(), name=name,
        validator=colander.Length(8, 1024, min_err="Must be at least 8 characters",
                                  max_err="Must be at most 1024 characters"),
    )


def registration_body() -> colander.SchemaNode:
    return colander.SchemaNode(
        StrictMapping(),
        colander.SchemaNode(StrictString(), name="username", validator=USERNAME_RULE),
        _password("password"),
    )


def login_body() -> colander.SchemaNode:
    """Lenient on form (a malformed name is simply unknown: 401), strict on types."""
    return colander.SchemaNode(
        StrictMapping(),
        colander.SchemaNode(StrictString(), name="username", validator=colander.Length(1, 256)),
        colander.SchemaNode(StrictString(), name="password", validator=colander.Length(1, 1024)),
    )


def password_change_body() -> colander.SchemaNode:
    return colander.SchemaNode(
        StrictMapping(),
        colander.SchemaNode(
            StrictString(), name="current_password", validator=colander.Length(1, 1024)
        ),
        _password("password"),
    )
