"""Users and tokens in the resource tree: an account is visible to itself and admins."""

from __future__ import annotations

from collections.abc import Callable
from functools import cached_property
from typing import ClassVar

from pyramid.authorization import ALL_PERMISSIONS, DENY_ALL, Allow, Authenticated, Deny, Everyone
from pyramid.request import Request
from sqlalchemy import bindparam, select
from zope.interface import implementer

from ..db.base import utcnow
from ..permissions import Permission, Principal
from ..traversal import ACE, ACL, IN_NO_LIST, IPrivateResource, Resource
from ..web.schema_types import ID
from .models import Token, User, find_user
from .tokens import live

# One of the caller's live tokens (only /users/me has tokens in the tree).
OWN_TOKEN = live(select(Token)).where(Token.id == bindparam("id"),
                                      Token.user_id == bindparam("user_id"))


class UserCollection(Resource):
    __acl__: ClassVar[ACL] = [
        (Allow, Everyone, Permission.REGISTER),
        # An admin's token limited to lists administers no user (contract section 15).
        (Deny, Principal.LIST_LIMITED, Permission.LIST),
        (Allow, Principal.ADMIN, Permission.LIST),
        (Allow, Authenticated, Permission.VIEW),
    ]

    def __getitem__(self, name: str) -> Resource:
        if name == "me":
            identity = self.request.identity
            if identity is None:
                raise KeyError(name)
            return UserResource(self.request, identity.username, self, name,
                                lambda: identity.user_row(self.request.dbsession))
        user = find_user(self.request.dbsession, name)
        if user is None:
            raise KeyError(name)
        account = UserResource(self.request, user.username, self, name, lambda: user)
        identity = self.request.identity
        if identity is None or identity.user_id != user.id:
            account.content_list = IN_NO_LIST  # another user's is in no list of a token's
        return account


@implementer(IPrivateResource)
class UserResource(Resource):
    """One user account: visible and deletable by that user and by admins.

    The caller's own (``/users/me``) is loaded only when a view asks for its row: a
    password change checks the password first, before its writing transaction begins.
    """

    def __init__(self, request: Request, username: str, parent: UserCollection, name: str,
                 load: Callable[[], User]) -> None:
        super().__init__(request, name, parent)
        self.username = username
        self._load = load

    @cached_property
    def user(self) -> User:
        """The account's row, in the request's session."""
        return self._load()

    def __acl__(self) -> list[ACE]:
        # A method, not a property (Pyramid calls a callable ACL): the base class declares
        # the attribute, which a read-only property may not override.
        return [
            (Allow, Principal.ADMIN, ALL_PERMISSIONS),
            (Allow, Principal.user(self.username),
             (Permission.VIEW, Permission.EDIT, Permission.DELETE)),
            DENY_ALL,
        ]


    def __getitem__(self, name: str) -> UserTokens:
        if name != "tokens":
            raise KeyError(name)
        return UserTokens(self.request, name, self)


class UserTokens(Resource):
    """``/users/me/tokens``: the caller's live tokens (contract section 15)."""

    __parent__: UserResource

    def __acl__(self) -> list[ACE]:
        return [(Allow, Principal.user(self.__parent__.username),
                 (Permission.VIEW, Permission.LIST, Permission.CREATE)), DENY_ALL]

    def __getitem__(self, key: str) -> UserToken:
        if not ID.fullmatch(key):
            raise KeyError(key)
        token = self.request.dbsession.execute(
            OWN_TOKEN, {"id": int(key), "user_id": self.request.identity.user_id, "now": utcnow()}
        ).scalar_one_or_none()
        if token is None:
            raise KeyError(key)
        return UserToken(self.request, key, self, token)


@implementer(IPrivateResource)
class UserToken(Resource):
    """One live token of the caller's: only they may revoke it."""

    __parent__: UserTokens

    def __init__(self, request: Request, name: str, parent: UserTokens, token: Token) -> None:
        super().__init__(request, name, parent)
        self.token = token

    def __acl__(self) -> list[ACE]:
        return [(Allow, Principal.user(self.__parent__.__parent__.username),
                 (Permission.VIEW, Permission.DELETE)), DENY_ALL]


class TokenCollection(Resource):
    __acl__: ClassVar[ACL] = [(Allow, Everyone, Permission.LOGIN)]

    def __getitem__(self, name: str) -> CurrentToken:
        if name != "current":
            raise KeyError(name)
        return CurrentToken(self.request, name, self)


class CurrentToken(Resource):
    """The token the request was made with."""

    __acl__: ClassVar[ACL] = [(Allow, Authenticated, Permission.LOGOUT)]
