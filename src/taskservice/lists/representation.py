"""Lists as the contract's JSON bodies show them."""

from __future__ import annotations

from typing import Any

from ..accounts.security import Identity
from ..web.representation import timestamp
from .models import TaskList


def access(row: TaskList, viewer: Identity, share_permission: str | None) -> str:
    """The caller's own access to a list they may view: ``owner``, their share's, or ``admin``.

    A share wins over being an admin (contract section 7: ``admin`` is for an admin who
    has none of the others).
    """
    if row.owner_id == viewer.user_id:
        return "owner"
    return share_permission or "admin"


def list_json(row: TaskList, permission: str) -> dict[str, Any]:
    return {
        "id": str(row.id),
        "name": row.name,
        "description": row.description,
        "owner": row.owner.username,
        "permission": permission,
        "created_at": timestamp(row.created_at),
        "updated_at": timestamp(row.updated_at),
        "version": row.version,
    }
