"""What the accounts domain tells of its changes (``taskservice.events``).

A deleted user takes their lists and tasks along (database cascades): the lists and
tasks packages hear :class:`~taskservice.events.ResourcesDeleting` of kind ``user`` and
tell of their own deletions, before the user's row goes.
"""

from __future__ import annotations

from pyramid.request import Request

from ..events import Body, Subject, changed, notify_changed, notify_deleting
from .models import User
from .representation import user_json


def _subject(user: User) -> Subject:
    return Subject("user", user.id, user.id, None, None)


def user_changed(request: Request, user: User, action: str, before: Body | None = None) -> None:
    """``created`` (by the new user themselves) or ``updated`` (a new password: the body
    stays as it was)."""
    actor = request.identity.username if request.identity else user.username
    notify_changed(changed(request, _subject(user), action, before=before,
                           after=user_json(user), actor=actor))


def user_deleting(request: Request, user: User) -> None:
    """Tell of the deletion of ``user`` and of everything that goes with it, first."""
    notify_deleting(request, "user", User.id == user.id, [
        changed(request, _subject(user), "deleted", before=user_json(user))])
