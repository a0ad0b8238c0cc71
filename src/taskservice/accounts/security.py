"""The security policy: who is calling (a bearer token) and what they may do (the ACL)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast

from pyramid.authorization import ACLHelper, Authenticated, Everyone
from pyramid.request import Request
from pyramid.security import Allowed, Denied
from sqlalchemy import Table, bindparam, select
from sqlalchemy.orm import Session

from ..db.base import utcnow
from ..db.session import read_outside_transaction
from ..permissions import Principal
from ..web.endpoints import checks_password
from ..web.identity import identity_cache
from .credentials import token_digest
from .models import Token, User

AUTH_SCHEMES = ("bearer", "token")  # "Token" is what Django REST Framework clients send


@dataclass(frozen=True)
class Identity:
    """The authenticated caller: who they are and the token they presented.

    Plain values, not the user's row: they are what every request needs (principals, the
    rate-limit key, the access log, the listing's visibility), they stay readable after
    the request's transaction has ended, and building an ORM object for them on every
    request cost as much as the query. A view that changes the account loads the row
    (:meth:`user_row`).
    """

    token_id: int
    user_id: int
    username: str
    is_admin: bool
    # When an admin granted or took back the admin role last (None: never): a sync token
    # issued before it is stale (changes.views). One more column costs less than a query.
    role_changed_at: datetime | None = None
    # The zone of the caller's days: their new tasks' default, and what a date means in
    # a due filter (contract section 12).
    time_zone: str = "UTC"

    def user_row(self, session: Session) -> User:
        """The caller's ``User`` row, loaded in ``session``."""
        return session.get_one(User, self.user_id)

    @property
    def principals(self) -> list[str]:
        return user_principals(self.username, self.is_admin)


def user_principals(username: str, is_admin: bool) -> list[str]:
    """The principals an ACL knows a user by, the caller or not: a webhook is judged by
    what its owner may view, whoever changes it."""
    principals = [Everyone, Authenticated, Principal.user(username)]
    if is_admin:
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
# columns an Identity holds, on the Core tables: no ORM entity is built per request.
TOKENS, USERS = cast(Table, Token.__table__), cast(Table, User.__table__)
TOKEN_USER = (
    select(TOKENS.c.id.label("token_id"), USERS.c.id.label("user_id"), USERS.c.username,
           USERS.c.is_admin, USERS.c.role_changed_at, USERS.c.time_zone)
    .join(TOKENS, TOKENS.c.user_id == USERS.c.id)
    .where(TOKENS.c.token_hash == bindparam("digest"), TOKENS.c.expires_at > bindparam("now"))
)


def _authenticate(request: Request) -> Identity | None:
    """The identity, looked up in the request's session -- except where that would hold
    the SQLite write turn through argon2 (``web.endpoints.PASSWORD_ENDPOINTS``).

    Without a token there is nothing to look up, and no session is opened: on SQLite a
    writing request's session takes the write turn.
    """
    if bearer_token(request) is None:
        return None
    if checks_password(request):
        with read_outside_transaction(request) as session:
            return authenticate(request, session)
    return authenticate(request, request.dbsession)


def authenticate(request: Request, session: Session) -> Identity | None:
    """One indexed query: the user holding the unexpired token with that hash.

    Run on the session's connection, past the ORM's execution path (the statement
    selects Core columns, so the ORM adds nothing but per-call overhead, paid on every
    request and on every sub-request of a batch). What the session has pending is
    flushed first, as its own ``execute`` would: in an atomic batch an earlier
    sub-request may have added or revoked a token.
    """
    token = bearer_token(request)
    if token is None:
        return None
    session.flush()
    row = session.connection().execute(
        TOKEN_USER, {"digest": token_digest(token), "now": utcnow()}
    ).one_or_none()
    return None if row is None else Identity(**row._mapping)


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
