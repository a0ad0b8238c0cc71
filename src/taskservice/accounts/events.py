"""What the accounts domain tells of its changes (``taskservice.events``).

A deleted user takes their lists and tasks along (database cascades): the lists and
tasks packages hear :class:`~taskservice.events.ResourcesDeleting` of kind ``user`` and
tell of their own deletions, before the user's row goes.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pyramid.request import Request

from ..db.base import utcnow
from ..events import ResourceChanged, ResourcesDeleting, notify_changed, notify_deleting
from .models import User
from .representation import user_json


def _actor(request: Request, user: User) -> str:
    """Who did it: the caller, or, registering, the new user."""
    return request.identity.username if request.identity else user.username


def _change(request: Request, user: User, action: str,
            before: Mapping[str, Any] | None) -> ResourceChanged:
    return ResourceChanged(
        kind="user", action=action, object_id=user.id, owner_id=user.id, list_id=None,
        version=None, before=before, after=None if action == "deleted" else user_json(user),
        actor=_actor(request, user), request=request, at=utcnow(),
    )


def user_changed(request: Request, user: User, action: str,
                 before: Mapping[str, Any] | None = None) -> None:
    """``created`` or ``updated`` (a new password: the body stays as it was)."""
    notify_changed(_change(request, user, action, before))


def user_deleting(request: Request, user: User) -> None:
    """Tell of the deletion of ``user`` and of everything that goes with it, first."""
    change = _change(request, user, "deleted", user_json(user))
    notify_changed(change)
    notify_deleting(ResourcesDeleting("user", User.id == user.id, (change,), request))
