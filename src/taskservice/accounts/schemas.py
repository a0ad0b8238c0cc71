"""Registration, login and password-change bodies."""

from __future__ import annotations

import colander

from ..vocabulary import USERNAME_PATTERN, USERNAME_RULE
from ..web.schema_types import StrictMapping, StrictString
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


def login_body() -> colander.SchemaNode:
    """Lenient on form (a malformed name is simply unknown: 401), strict on types."""
    return colander.SchemaNode(
        StrictMapping(),
        colander.SchemaNode(StrictString(), name="username", validator=colander.Length(1, 256)),
        colander.SchemaNode(StrictString(), name="password", validator=colander.Length(1, 1024)),
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
