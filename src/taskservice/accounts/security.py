"""The security policy: who is calling (a token, sent as Bearer or as an app password in
Basic) and what they may do (the ACL, within the token's scopes and lists)."""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from typing import Any, cast

from pyramid.authorization import ACLHelper, Authenticated, Everyone
from pyramid.request import Request
from pyramid.security import Allowed, Denied
from sqlalchemy import Table, bindparam, or_, select
from sqlalchemy.orm import Session

from ..db.base import utcnow
from ..db.session import read_outside_transaction
from ..permissions import ALL_SCOPES, InsufficientScope, Permission, Principal, Scope
from ..traversal import within_lists
from ..web.endpoints import checks_password
from ..web.identity import identity_cache
from ..web.scopes import needed_scopes
from .credentials import token_digest
from .models import Token, User
from .usage import note_use

BEARER_SCHEMES = ("bearer", "token")  # "Token" is what Django REST Framework clients send
BASIC_SCHEME = "basic"  # an app password: base64("<username>:<token>") (contract section 15)
# Longer than any token this service issues (43 characters), base64-encoded with the
# longest username; anything longer is not one of ours, and is not hashed.
MAX_TOKEN_LENGTH = 512
MAX_BASIC_LENGTH = 1024
# What HTTP allows around a header's value and between its parts (RFC 9110 5.6.3): not
# every Unicode space str.strip() takes, such as a latin-1 NBSP after a valid token.
HTTP_WHITESPACE = " \t"


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
    # What the token may do and reach (contract section 15): every scope, and None for
    # no list limit, unless it was made with less.
    scopes: frozenset[Scope] = ALL_SCOPES
    lists: frozenset[int] | None = None
    # When the token was last used, as of its last rewrite (accounts.usage).
    last_used_at: datetime | None = None

    def user_row(self, session: Session) -> User:
        """The caller's ``User`` row, loaded in ``session``."""
        return session.get_one(User, self.user_id)

    @property
    def principals(self) -> list[str]:
        principals = user_principals(self.username, self.is_admin)
        if self.lists is not None:
            principals.append(Principal.LIST_LIMITED)
        return principals

    @property
    def restricted(self) -> bool:
        """The token holds less than its user's full power."""
        return self.lists is not None or self.scopes != ALL_SCOPES


def user_principals(username: str, is_admin: bool) -> list[str]:
    """The principals an ACL knows a user by, the caller or not: a webhook is judged by
    what its owner may view, whoever changes it."""
    principals = [Everyone, Authenticated, Principal.user(username)]
    if is_admin:
        principals.append(Principal.ADMIN)
    return principals


@dataclass(frozen=True)
class Credentials:
    """A token as the request presents it, and the username an app password names."""

    token: str
    username: str | None = None


def presented_credentials(request: Request) -> Credentials | None:
    """The token of ``Authorization: Bearer <t>`` (or ``Token <t>``), or the app password
    of ``Basic base64(<username>:<t>)``; None for anything else, however malformed."""
    header: str = request.headers.get("Authorization", "")
    scheme, _, value = header.strip(HTTP_WHITESPACE).partition(" ")
    value, scheme = value.strip(HTTP_WHITESPACE), scheme.lower()
    if scheme in BEARER_SCHEMES:
        return Credentials(value) if 0 < len(value) <= MAX_TOKEN_LENGTH else None
    if scheme == BASIC_SCHEME and len(value) <= MAX_BASIC_LENGTH:
        return _app_password(value)
    return None


def _app_password(encoded: str) -> Credentials | None:
    """``<username>:<token>`` from Basic's base64, or None when it is not that."""
    try:
        decoded = base64.b64decode(encoded, validate=True).decode("utf-8")
    except (binascii.Error, ValueError):  # not base64, or not UTF-8 (UnicodeDecodeError)
        return None
    username, colon, token = decoded.partition(":")
    if not colon or not username or not 0 < len(token) <= MAX_TOKEN_LENGTH:
        return None
    return Credentials(token, username)


# Built once, with named parameters: SQLAlchemy memoizes a statement's cache key, so a
# request neither rebuilds the expression nor walks it to look up the compiled SQL. The
# columns an Identity holds, on the Core tables: no ORM entity is built per request.
TOKENS, USERS = cast(Table, Token.__table__), cast(Table, User.__table__)
TOKEN_USER = (
    select(TOKENS.c.id.label("token_id"), USERS.c.id.label("user_id"), USERS.c.username,
           USERS.c.is_admin, USERS.c.role_changed_at, USERS.c.time_zone, TOKENS.c.scopes,
           TOKENS.c.lists, TOKENS.c.last_used_at)
    .join(TOKENS, TOKENS.c.user_id == USERS.c.id)
    .where(TOKENS.c.token_hash == bindparam("digest"),
           or_(TOKENS.c.expires_at.is_(None), TOKENS.c.expires_at > bindparam("now")))
)


def _authenticate(request: Request) -> Identity | None:
    """The identity, looked up in the request's session -- except where that would hold
    the SQLite write turn through argon2 (``web.endpoints.PASSWORD_ENDPOINTS``).

    Without a token there is nothing to look up, and no session is opened: on SQLite a
    writing request's session takes the write turn.
    """
    if request.headers.get("Authorization") is None:
        return None
    if checks_password(request):
        with read_outside_transaction(request) as session:
            return authenticate(request, session)
    return authenticate(request, request.dbsession)


def authenticate(request: Request, session: Session) -> Identity | None:
    """One indexed query: the user holding the unexpired token with that hash -- and, for
    an app password, named by it (case-insensitively). No password is ever checked here:
    the account's own password in Basic is simply no token (a 401), and costs no hash.

    Run on the session's connection, past the ORM's execution path (the statement
    selects Core columns, so the ORM adds nothing but per-call overhead, paid on every
    request and on every sub-request of a batch). What the session has pending is
    flushed first, as its own ``execute`` would: in an atomic batch an earlier
    sub-request may have added or revoked a token.
    """
    credentials = presented_credentials(request)
    if credentials is None:
        return None
    session.flush()
    row = session.connection().execute(
        TOKEN_USER, {"digest": token_digest(credentials.token), "now": utcnow()}
    ).one_or_none()
    if row is None or not _named_by(credentials, row.username):
        return None
    note_use(request, row.token_id, row.last_used_at)
    return Identity(row.token_id, row.user_id, row.username, row.is_admin, row.role_changed_at,
                    row.time_zone, scope_set(tuple(row.scopes)),
                    None if row.lists is None else frozenset(row.lists), row.last_used_at)


@lru_cache(maxsize=64)
def scope_set(names: tuple[str, ...]) -> frozenset[Scope]:
    """The scopes a token's row names, as one shared set per combination (there are 15)."""
    return frozenset(map(Scope, names))


def _named_by(credentials: Credentials, username: str) -> bool:
    """An app password names the token's own user; a bearer token names no one."""
    return credentials.username is None or credentials.username.lower() == username.lower()


class SecurityPolicy:
    """Identity from the token; permissions from the context's ``__acl__``, within the
    token's scopes and lists.

    The one small class over Pyramid's ``ACLHelper``: the identity is looked up once per
    request (``web.identity``), and every permission check walks the context's lineage.
    A restricted token (contract section 15) joins the same decision: a resource outside
    its lists is denied as one its user may not view (so a 404), and a request its scopes
    do not cover is ``InsufficientScope`` (a 403 once the resource is known to be
    visible). Listings apply the same lists in SQL (``Identity.lists``).
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
        if identity is None:
            anonymous: Allowed | Denied = self.helper.permits(context, [Everyone], permission)
            return anonymous
        if identity.restricted:
            needed = needed_scopes(request)
            if needed is None or not needed <= identity.scopes:  # None: an undeclared route
                visible = self._acl_permits(identity, context, Permission.VIEW)
                return InsufficientScope.of(needed or ALL_SCOPES, bool(visible))
        return self._acl_permits(identity, context, permission)

    def _acl_permits(self, identity: Identity, context: object, permission: str
                     ) -> Allowed | Denied:
        """The ACL's answer for ``identity``, outside a list-limited token's lists a no."""
        if identity.lists is not None and not within_lists(context, identity.lists):
            return Denied("This token is limited to other lists")
        result: Allowed | Denied = self.helper.permits(context, identity.principals, permission)
        return result

    def remember(self, request: Request, userid: object, **kw: object) -> list[Any]:
        return []  # tokens are issued by POST /tokens, not by a cookie

    def forget(self, request: Request, **kw: object) -> list[Any]:
        return []
