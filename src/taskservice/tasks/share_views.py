"""``/tasks/<id>/shares``: who else may view or edit a task."""

from __future__ import annotations

from typing import Any

from pyramid.httpexceptions import HTTPNoContent
from pyramid.request import Request
from pyramid_retry import mark_error_retryable
from sqlalchemy.exc import IntegrityError

from ..permissions import Permission
from ..web.errors import error_response
from ..web.schemas import request_schema
from ..web.services import api_service
from ..web.validation import BODY_VALIDATORS, NO_QUERY_VALIDATORS
from .representation import share_json
from .schemas import share_body

shares = api_service("shares", "/tasks/{id}/shares", "The shares of a task")
share = api_service("share", "/tasks/{id}/shares/{username}", "A task's share with one user")
SERVICES = (shares, share)


@shares.get(permission=Permission.VIEW, validators=NO_QUERY_VALIDATORS)
def list_shares(request: Request) -> dict[str, Any]:
    """List who a task is shared with, and as what."""
    return {"items": [share_json(s) for s in request.context.task.shares]}


@share.put(
    permission=Permission.SHARE, schema=request_schema(body=share_body()),
    validators=BODY_VALIDATORS,
)
def put_share(request: Request) -> dict[str, str]:
    """Share a task with a user (201), or change the share (200); owner and admins only."""
    context = request.context
    grantee = context.user
    if grantee is None:
        raise error_response(400, "path", "username", "No user has this username")
    if grantee.id == context.task.owner_id:
        raise error_response(400, "path", "username", "A task cannot be shared with its owner")
    permission = request.validated["body"]["permission"]
    existing = context.share
    if existing is None:
        existing = context.task.share_with(grantee, permission)
        request.response.status_code = 201
    else:
        existing.permission = permission
    try:
        request.dbsession.flush()
    except IntegrityError as error:
        # A concurrent request created this share (or deleted the user) since we looked:
        # the retried request sees it and answers 200 (or 400), never a 500.
        mark_error_retryable(error)
        raise
    return share_json(existing)


@share.delete(permission=Permission.UNSHARE, validators=NO_QUERY_VALIDATORS)
def delete_share(request: Request) -> HTTPNoContent:
    """Remove a share: its task's owner or an admin, or its user leaving it."""
    existing = request.context.share
    if existing is None:
        raise error_response(404, "path", "username", "The task is not shared with this user")
    request.context.task.shares.remove(existing)
    request.dbsession.flush()
    return HTTPNoContent()
