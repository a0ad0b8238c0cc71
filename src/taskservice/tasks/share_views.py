"""``/tasks/<id>/shares``: who else may view or edit a task (the work is in ``sharing``)."""

from __future__ import annotations

from typing import Any

from pyramid.httpexceptions import HTTPNoContent
from pyramid.request import Request

from ..permissions import CONTENT, Permission
from ..sharing import delete_share as remove_share
from ..sharing import put_share as store_share
from ..sharing import share_page
from ..web.schemas import request_schema
from ..web.services import api_service
from ..web.validation import BODY_VALIDATORS, NO_QUERY_VALIDATORS
from .schemas import share_body

shares = api_service("shares", "/tasks/{id}/shares", "The shares of a task", scopes=CONTENT)
share = api_service("share", "/tasks/{id}/shares/{username}", "A task's share with one user",
                    scopes=CONTENT)
SERVICES = (shares, share)


@shares.get(permission=Permission.VIEW, validators=NO_QUERY_VALIDATORS)
def list_shares(request: Request) -> dict[str, Any]:
    """List who a task is shared with, and as what."""
    return share_page(request.context.shared.shares)


@share.put(
    permission=Permission.SHARE, schema=request_schema(body=share_body()),
    validators=BODY_VALIDATORS,
)
def put_share(request: Request) -> dict[str, str]:
    """Share a task with a user (201), or change the share (200); owner and admins only."""
    return store_share(request, "task")


@share.delete(permission=Permission.UNSHARE, validators=NO_QUERY_VALIDATORS)
def delete_share(request: Request) -> HTTPNoContent:
    """Remove a share: its task's owner or an admin, or its user leaving it."""
    return remove_share(request, "task")
