"""What the accounts domain tells whoever listens (``taskservice.events`` and
``registry.notify``): its changes, and a password check the throttle refused.

A deleted user takes their lists and tasks along (database cascades): the lists and
tasks packages hear :class:`~taskservice.events.ResourcesDeleting` of kind ``user`` and
tell of their own deletions, before the user's row goes. A consumer (metrics counts
refusals) subscribes in its own ``includeme``: accounts never imports a consumer.
"""

from __future__ import annotations

from dataclasses import dataclass

from pyramid.request import Request

from ..events import Body, Subject, changed, notify_changed, notify_deleting
from .models import User
from .representation import user_json


@dataclass(frozen=True)
class LoginRefused:
    """A password check (a login or a password change) refused by the password throttle."""

    request: Request


def _subject(user: User) -> Subject:
    return Subject("user", user.id, user.id, None, None)


def user_changed(request: Request, user: User, action: str, before: Body | None = None,
                 actor: str | None = None) -> None:
    """``created`` or ``updated`` by ``actor``: the caller, else (registering) the new
    user themselves; a new password leaves the body as it was."""
    actor = actor or (request.identity.username if request.identity else user.username)
    notify_changed(changed(request, _subject(user), action, before=before,
                           after=user_json(user), actor=actor))


def user_deleting(request: Request, user: User) -> None:
    """Tell of the deletion of ``user`` and of everything that goes with it, first."""
    notify_deleting(request, "user", User.id == user.id, [
        changed(request, _subject(user), "deleted", before=user_json(user))])
