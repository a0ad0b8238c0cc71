"""The security policy: who is calling (a bearer token) and what they may do (the ACL)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from pyramid.authorization import ACLHelper, Authenticated, Everyone
from pyramid.request import Request
from pyramid.security import Allowed, Denied
from sqlalchemy import bindparam, select

from ..db.base import utcnow
from ..permissions import Principal
from ..web.identity import identity_cache
from .credentials import token_digest
from .models import Token, User

AUTH_SCHEMES = ("bearer", "token")  # "Token" is what Django REST Framework clients send


@dataclass(frozen=True)
class Identity:
    """The authenticated caller: their user row and the token they presented.

    ``user_id``, ``username`` and ``is_admin`` are copied out of the row when the token is
    checked: they stay readable after the request's transaction has ended (an aborted
    transaction expires the row), e.g. for the access log.
    """

    user: User
    token_id: int
    user_id: int
    username: str
    is_admin: bool

    @classmethod
    def of(cls, user: User, token_id: int) -> Identity:
        return cls(user=user, token_id=token_id, user_id=user.id, username=user.username,
                   is_admin=user.is_admin)

    @property
    def principals(self) -> list[str]:
        principals = [Everyone, Authenticated, Principal.user(self.username)]
        if self.is_admin:
            principals.append(Principal.ADMIN)
        return principals


def bearer_token(request: Request) -> str | None:
    """The token in ``Authorization: Bearer <t>`` (or ``Token <t>``), if any."""
    header: str = request.headers.get("Authorization", "")
    scheme, _, token = header.strip().partition(" ")
    token = token.strip()
    if scheme.lower() not in AUTH_SCHEMES or not token or len(token) > 512:
        return None
    return token


# Built once, with named parameters: SQLAlchemy memoizes a statement's cache key, so a
# request neither rebuilds the expression nor walks it to look up the compiled SQL. The
# user and the token's id only: loading the Token entity too (with its joined user) cost
# twice the ORM row processing for a row no view reads.
TOKEN_USER = (
    select(User, Token.id)
    .join(Token, Token.user_id == User.id)
    .where(Token.token_hash == bindparam("digest"), Token.expires_at > bindparam("now"))
)


def _authenticate(request: Request) -> Identity | None:
    """One indexed query: the user holding the unexpired token with that hash."""
    token = bearer_token(request)
    if token is None:
        return None
    row = request.dbsession.execute(
        TOKEN_USER, {"digest": token_digest(token), "now": utcnow()}
    ).one_or_none()
    if row is None:
        return None
    return Identity.of(*row)


class SecurityPolicy:
    """Identity from the bearer token; permissions from the context's ``__acl__``.

    The one small class over Pyramid's ``ACLHelper``: the identity is looked up once per
    request (``web.identity``), and every permission check walks the context's lineage.
    """

    def __init__(self) -> None:
        self.helper = ACLHelper()

    def identity(self, request: Request) -> Identity | None:
        identity: Identity | None = identity_cache.get_or_create(request, _authenticate)
        return identity

    def authenticated_userid(self, request: Request) -> int | None:
        identity = self.identity(request)
        return None if identity is None else identity.user_id

    def permits(self, request: Request, context: object, permission: str) -> Allowed | Denied:
        identity = self.identity(request)
        principals = [Everyone] if identity is None else identity.principals
        result: Allowed | Denied = self.helper.permits(context, principals, permission)
        return result

    def remember(self, request: Request, userid: object, **kw: object) -> list[Any]:
        return []  # tokens are issued by POST /tokens, not by a cookie

    def forget(self, request: Request, **kw: object) -> list[Any]:
        return []
