"""Making tokens (contract section 15): what a new token may be, and what it is shown as.

A token is made by a login (``POST /tokens``, the password vouching for the user: any
scope, list or lifetime) or by another token (``POST /users/me/tokens``: never more than
that token holds). The checks run in the contract's order: the body's own 400s (the
service's settings, lists the user cannot view, too many named tokens), then the minting
token's 403s (a scope, a list or a lifetime beyond its own).

Whether the user may view a list is asked of the tree (``root["lists"][id]`` and its ACL),
so this domain needs no other's models.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from pyramid.authorization import ACLHelper
from pyramid.httpexceptions import HTTPError
from pyramid.request import Request
from sqlalchemy import BindParameter, Select, bindparam, func, or_, select
from sqlalchemy.orm import Session

from ..db.base import utcnow
from ..permissions import Permission
from ..vocabulary import SCOPES
from ..web.errors import error_response
from ..web.representation import timestamp
from .credentials import new_token, token_digest
from .models import Token, User
from .security import Identity, user_principals

NOW: BindParameter[datetime] = bindparam("now")
ACL = ACLHelper()


def live(statement: Select[Any]) -> Select[Any]:
    """Only the tokens that still authenticate: unexpired (or never expiring)."""
    return statement.where(or_(Token.expires_at.is_(None), Token.expires_at > NOW))


NAMED_TOKENS = live(select(func.count()).select_from(Token).where(
    Token.user_id == bindparam("user_id"), Token.name.is_not(None)))
LOCK_USER = select(User.id).where(User.id == bindparam("user_id")).with_for_update()


@dataclass(frozen=True)
class Minter:
    """Who a token is made for, and what the token that asks for it holds (None: a login,
    whose password vouches for anything)."""

    user_id: int
    username: str
    is_admin: bool
    token: Identity | None = None


@dataclass(frozen=True)
class Grant:
    """What the new token will hold."""

    name: str | None
    scopes: list[str]
    lists: list[int] | None
    created_at: datetime
    expires_at: datetime | None


def _error(status: int, name: str, description: str) -> HTTPError:
    return error_response(status, "body", name, description)


def requested_grant(request: Request, body: dict[str, Any]) -> Grant:
    """The body's token, its absent fields at their defaults (all scopes, no list limit,
    ``taskservice.token_ttl``), after the checks that are the body's own (400)."""
    settings = request.registry.app_settings
    lifetime = body.get("expires_in", settings.token_ttl)
    if lifetime is None and not settings.tokens_allow_non_expiring:
        raise _error(400, "expires_in", "This service issues no token that never expires: "
                                        "give expires_in in seconds")
    scopes = set(body.get("scopes", SCOPES))
    lists = body.get("lists")
    now = utcnow()
    return Grant(
        name=body.get("name"),
        scopes=[scope for scope in SCOPES if scope in scopes],
        lists=None if lists is None else sorted(lists),
        created_at=now,
        expires_at=None if lifetime is None else now + timedelta(seconds=lifetime),
    )


def check_lists_viewable(request: Request, minter: Minter, grant: Grant) -> None:
    """A 400 naming ``lists`` for a list the user may not view (or that does not exist)."""
    principals = user_principals(minter.username, minter.is_admin)
    for list_id in grant.lists or ():
        try:
            resource = request.root["lists"][str(list_id)]
        except KeyError:
            resource = None
        if resource is None or not ACL.permits(resource, principals, Permission.VIEW):
            raise _error(400, "lists", f"No list {list_id} that you may view")


def check_room(session: Session, minter: Minter, grant: Grant, limit: int) -> None:
    """A 400 naming ``name`` past ``taskservice.tokens.max_per_user`` named tokens.

    The user's row is locked first (PostgreSQL), so two requests at once cannot both take
    the last place; on SQLite writers already take turns.
    """
    if grant.name is None:
        return  # a login's token never counts
    params = {"user_id": minter.user_id, "now": utcnow()}
    if session.get_bind().dialect.name == "postgresql":
        session.execute(LOCK_USER, params)
    if session.execute(NAMED_TOKENS, params).scalar_one() >= limit:
        raise _error(400, "name", f"You hold {limit} named tokens already, the most this "
                                  "service allows: revoke one first")


def check_within_minter(session: Session, minter: Minter, grant: Grant) -> None:
    """A 403 for a scope, a list or a lifetime beyond the minting token's own."""
    holder = minter.token
    if holder is None:
        return
    beyond = set(grant.scopes) - holder.scopes
    if beyond:
        raise _error(403, "scopes", f"This token cannot grant what it lacks: "
                                    f"{', '.join(sorted(beyond))}")
    if holder.lists is not None:
        outside = sorted(set(grant.lists or ()) - holder.lists)
        if grant.lists is None or outside:
            what = f"list {outside[0]}" if outside else "every list"
            raise _error(403, "lists", f"This token cannot grant {what}: it reaches only "
                                       "its own lists")
    expires_at = session.get_one(Token, holder.token_id).expires_at
    if expires_at is not None and (grant.expires_at is None or grant.expires_at > expires_at):
        raise _error(403, "expires_in", "A token cannot outlive the token that makes it "
                                        f"(it expires at {timestamp(expires_at)})")


def mint(request: Request, session: Session, minter: Minter,
         body: dict[str, Any]) -> dict[str, Any]:
    """Make the token ``body`` asks for, in ``session``; its JSON, the secret included
    (shown this once)."""
    grant = requested_grant(request, body)
    check_lists_viewable(request, minter, grant)
    check_room(session, minter, grant, request.registry.app_settings.tokens_max_per_user)
    check_within_minter(session, minter, grant)
    secret = new_token()
    token = Token(token_hash=token_digest(secret), user_id=minter.user_id, name=grant.name,
                  scopes=grant.scopes, lists=grant.lists, created_at=grant.created_at,
                  expires_at=grant.expires_at)
    session.add(token)
    session.flush()
    return token_json(token, secret)


def token_json(token: Token, secret: str | None = None) -> dict[str, Any]:
    """A token as ``GET /users/me/tokens`` lists it; with its secret when just made."""
    shown: dict[str, Any] = {"id": str(token.id), "name": token.name}
    if secret is not None:
        shown.update(token=secret, token_type="Bearer")
    return {
        **shown,
        "scopes": list(token.scopes),
        "lists": None if token.lists is None else [str(list_id) for list_id in token.lists],
        "created_at": timestamp(token.created_at),
        "expires_at": timestamp(token.expires_at),
        "last_used_at": timestamp(token.last_used_at),
    }

