"""Shares, for tasks and lists alike: the ``.../shares/<username>`` resources and views' work.

A task and a list are shared the same way (contract sections 4 and 7): ``PUT`` a user's
share (201 new, 200 changed), ``GET`` them all, ``DELETE`` one (its own user may leave
it), never with an unknown user or the owner. Only the shared row and the vocabulary of
permissions differ, so both packages build their services on what is here; who may do
each is their resources' ACLs, never a test in these functions.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any, Protocol

from pyramid.authorization import Allow
from pyramid.httpexceptions import HTTPNoContent
from pyramid.request import Request
from pyramid_retry import mark_error_retryable
from sqlalchemy.exc import IntegrityError

from .accounts.models import User, find_user
from .events import ShareChange
from .permissions import Permission, Principal
from .traversal import ACE, Resource
from .web.errors import error_response


class ShareRow(Protocol):
    """A task's or a list's share with one user."""

    user: User
    permission: str


class Shareable(Protocol):
    """A task or a list: an owner, and its shares."""

    id: int
    owner_id: int
    version: int

    @property
    def shares(self) -> list[Any]: ...

    def share_with(self, user: User, permission: str) -> Any: ...


class SharingParent(Protocol):
    """The resource a ``shares`` collection hangs under; its domain tells of a change."""

    @property
    def shared(self) -> Shareable: ...

    def share_changed(self, share: ShareChange) -> None: ...


class ShareCollection(Resource):
    """The shares of the parent resource; its permissions are the parent's."""

    __parent__: SharingParent  # type: ignore[assignment]  # always: only parents make one

    @property
    def shared(self) -> Shareable:
        return self.__parent__.shared

    def __getitem__(self, username: str) -> ShareResource:
        # Any name resolves: one that cannot exist is an unknown user (a 400 on PUT, a 404
        # on DELETE), judged by the view after the parent's ACL, never a 404 for the URL.
        return ShareResource(self.request, username, self)


class ShareResource(Resource):
    """The parent's share with ``username``, which may not exist yet (PUT makes it)."""

    __parent__: ShareCollection  # always: only ShareCollection.__getitem__ makes one

    @property
    def shared(self) -> Shareable:
        return self.__parent__.shared

    @property
    def user(self) -> User | None:
        return find_user(self.request.dbsession, self.__name__)

    @property
    def share(self) -> ShareRow | None:
        wanted = self.__name__.lower()
        found: ShareRow | None = next(
            (s for s in self.shared.shares if s.user.username.lower() == wanted), None
        )
        return found

    def tell(self, share: ShareChange) -> None:
        """Have the parent's domain tell of this share's change."""
        self.__parent__.__parent__.share_changed(share)

    def __acl__(self) -> Iterator[ACE]:
        # Whoever holds a share may leave it; the rest is the parent's ACL.
        share = self.share
        if share is not None:
            yield (Allow, Principal.user(share.user.username), (Permission.UNSHARE,))


def share_json(share: ShareRow) -> dict[str, str]:
    return {"username": share.user.username, "permission": share.permission}


def share_page(shares: Iterable[ShareRow]) -> dict[str, Any]:
    return {"items": [share_json(s) for s in shares]}


def put_share(request: Request, what: str) -> dict[str, str]:
    """Share ``request.context.shared`` with the user the URL names (201), or change it (200).

    ``what`` names the shared thing in error descriptions (``task``, ``list``).
    """
    context: ShareResource = request.context
    grantee = context.user
    if grantee is None:
        raise error_response(400, "path", "username", "No user has this username")
    if grantee.id == context.shared.owner_id:
        raise error_response(400, "path", "username", f"A {what} cannot be shared with its owner")
    permission = request.validated["body"]["permission"]
    existing = context.share
    previous = None if existing is None else existing.permission
    if existing is None:
        existing = context.shared.share_with(grantee, permission)
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
    if previous != permission:  # a share that changes nothing is no change (nor history)
        context.tell(ShareChange(grantee.id, grantee.username, permission, previous))
    return share_json(existing)


def delete_share(request: Request, what: str) -> HTTPNoContent:
    """Remove the share the URL names; a 404 when there is none."""
    context: ShareResource = request.context
    existing = context.share
    if existing is None:
        raise error_response(404, "path", "username", f"The {what} is not shared with this user")
    user = existing.user
    change = ShareChange(user.id, user.username, None, existing.permission)
    context.shared.shares.remove(existing)
    request.dbsession.flush()
    context.tell(change)
    return HTTPNoContent()
