"""A user as the contract's JSON bodies show it: never a password hash."""

from __future__ import annotations

from typing import Any

from ..web.representation import timestamp
from .models import User


def user_json(user: User) -> dict[str, Any]:
    return {
        "username": user.username,
        "is_admin": user.is_admin,
        "created_at": timestamp(user.created_at),
        "time_zone": user.time_zone,
    }
