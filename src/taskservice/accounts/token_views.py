"""``/tokens`` (log in: a password for a token; ``/tokens/current``: log out) and
``/users/me/tokens`` (the caller's tokens: list them, make one with less power, revoke
one), contract sections 2 and 15."""

from __future__ import annotations

from typing import Any

from pyramid.httpexceptions import HTTPNoContent
from pyramid.request import Request
from pyramid.response import Response
from sqlalchemy import bindparam, delete, select
from sqlalchemy.exc import IntegrityError

from ..db.base import utcnow
from ..db.session import read_outside_transaction
from ..permissions import ACCOUNT, NO_SCOPE, Permission
from ..web.errors import unauthorized
from ..web.pagination import INTEGER, Keyset, KeysetQuery, paginate
from ..web.schemas import page_query, request_schema
from ..web.secrets import withhold
from ..web.services import api_service
from ..web.validation import BODY_VALIDATORS, NO_QUERY_VALIDATORS, QUERY_VALIDATORS
from .models import Token, User, username_matches
from .schemas import login_body, token_body
from .tokens import Minter, live, mint, token_json

tokens = api_service("tokens", "/tokens", "Exchange a username and password for a token",
                     scopes=NO_SCOPE)
current = api_service("token_current", "/tokens/current", "The token this request carries",
                      scopes=NO_SCOPE)
my_tokens = api_service("user_tokens", "/users/me/tokens", "The caller's tokens",
                        scopes=ACCOUNT)
my_token = api_service("user_token", "/users/me/tokens/{id}", "One of the caller's tokens",
                       scopes=ACCOUNT)
SERVICES = (tokens, current, my_tokens, my_token)

TOKEN_PAGES = Keyset("tokens", [INTEGER])
# Newest first: the token just made heads the list.
MY_TOKENS: KeysetQuery[Token] = KeysetQuery(
    live(select(Token)).where(Token.user_id == bindparam("user_id")), [(Token.id, True)],
    lambda row: [row.id])
# Where a replay would read a token's secret again: nowhere (no source is registered).
SECRET_SOURCE = "token"
# A response carrying a token is kept by no cache, nor by an HTTP/1.0 one (RFC 6749 5.1).
NO_STORE = {"Cache-Control": "no-store", "Pragma": "no-cache"}


def _made(request: Request, token: dict[str, Any]) -> dict[str, Any]:
    """A new token's answer. Its secret is shown this once: a replay under an
    ``Idempotency-Key`` shows null in its place (only the hash is stored to read again)."""
    withhold(request, "token", token["token"], f"{SECRET_SOURCE}:{token['id']}")
    request.response.status_code = 201
    request.response.headers.update(NO_STORE)
    return token


def _wrong_credentials(request: Request) -> Response:
    return unauthorized(request, "body", "password", "Wrong username or password")


@tokens.post(
    permission=Permission.LOGIN, schema=request_schema(body=login_body()),
    validators=BODY_VALIDATORS,
)
def log_in(request: Request) -> dict[str, Any] | Response:
    """Log in: a username and password for a token (with less power, if the body asks)."""
    body, throttle = request.validated["body"], request.password_throttle
    if refusal := throttle.refusal(request, body["username"], "username"):
        return refusal
    with read_outside_transaction(request) as session:
        account = session.execute(
            select(User.id, User.username, User.is_admin, User.password_hash)
            .where(username_matches(body["username"]))
        ).first()
    # The hash check runs whether or not the user exists: same answer, same time.
    verified: bool = request.passwords.verify(account and account.password_hash, body["password"])
    if not verified or account is None:  # (an unknown user is never verified)
        throttle.record_failure(request, body["username"])
        return _wrong_credentials(request)
    minter = Minter(account.id, account.username, account.is_admin)
    try:
        token = mint(request, request.dbsession, minter, body)
    except IntegrityError:  # the account was deleted while its password was being checked
        return _wrong_credentials(request)
    return _made(request, token)


@current.delete(permission=Permission.LOGOUT, validators=NO_QUERY_VALIDATORS)
def log_out(request: Request) -> HTTPNoContent:
    """Log out: revoke the token this request carries."""
    request.dbsession.execute(delete(Token).where(Token.id == request.identity.token_id))
    return HTTPNoContent()


@my_tokens.get(
    permission=Permission.LIST, schema=request_schema(querystring=page_query()),
    validators=QUERY_VALIDATORS,
)
def list_my_tokens(request: Request) -> dict[str, Any]:
    """The caller's live tokens, logins included, newest first; never their secrets."""
    params = {"user_id": request.identity.user_id, "now": utcnow()}
    return paginate(request, TOKEN_PAGES, MY_TOKENS.fetch(request.dbsession, params), token_json)


@my_tokens.post(
    permission=Permission.CREATE, schema=request_schema(body=token_body()),
    validators=BODY_VALIDATORS,
)
def make_token(request: Request) -> dict[str, Any]:
    """Make a token with at most the power of the one this request carries: an app
    password for a device, a read-only token for a script."""
    caller = request.identity
    minter = Minter(caller.user_id, caller.username, caller.is_admin, token=caller)
    return _made(request, mint(request, request.dbsession, minter, request.validated["body"]))


@my_token.delete(permission=Permission.DELETE, validators=NO_QUERY_VALIDATORS)
def revoke_token(request: Request) -> HTTPNoContent:
    """Revoke one of the caller's tokens: refused from the next request on, by any worker
    (every request looks its token up)."""
    request.dbsession.delete(request.context.token)
    return HTTPNoContent()
