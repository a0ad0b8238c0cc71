"""``/lists/<id>/shares``: who else may view, edit or manage a list and every task in it."""

from __future__ import annotations

from typing import Any

from pyramid.httpexceptions import HTTPNoContent
from pyramid.request import Request

from ..permissions import CONTENT, Permission
from ..sharing import delete_share, put_share, share_page
from ..web.schemas import request_schema
from ..web.services import api_service
from ..web.validation import BODY_VALIDATORS, NO_QUERY_VALIDATORS
from .schemas import list_share_body

list_shares = api_service("list_shares", "/lists/{id}/shares", "The shares of a list",
                          scopes=CONTENT)
list_share = api_service("list_share", "/lists/{id}/shares/{username}",
                         "A list's share with one user", scopes=CONTENT)
SERVICES = (list_shares, list_share)


@list_shares.get(permission=Permission.VIEW, validators=NO_QUERY_VALIDATORS)
def list_list_shares(request: Request) -> dict[str, Any]:
    """List who a list is shared with, and as what, by username."""
    shares = request.context.shared.shares
    return share_page(sorted(shares, key=lambda share: share.user.username.lower()))


@list_share.put(
    permission=Permission.SHARE, schema=request_schema(body=list_share_body()),
    validators=BODY_VALIDATORS,
)
def put_list_share(request: Request) -> dict[str, str]:
    """Share a list with a user (201), or change the share (200); its owner or a manager."""
    return put_share(request, "list")


@list_share.delete(permission=Permission.UNSHARE, validators=NO_QUERY_VALIDATORS)
def delete_list_share(request: Request) -> HTTPNoContent:
    """Remove a list share: its owner, a manager or an admin, or its user leaving the list."""
    return delete_share(request, "list")
