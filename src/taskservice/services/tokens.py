"""``/tokens``: log in for a bearer token; ``/tokens/current``: log out."""

from __future__ import annotations

from datetime import timedelta

from pyramid.httpexceptions import HTTPNoContent
from pyramid.request import Request
from pyramid.response import Response
from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError

from ..credentials import new_token, token_digest
from ..errors import error_dict, render_errors
from ..models import Token, User, read_outside_transaction, username_matches
from ..models.meta import utcnow
from ..permissions import Permission
from ..ratelimit import record_failed_login, refuse_throttled_login
from ..representations import timestamp
from ..schemas import request_schema
from ..schemas.users import login_body
from ..security import REALM
from ..validation import BODY_VALIDATORS, NO_QUERY_VALIDATORS
from . import api_service

tokens = api_service("tokens", "/tokens", "Exchange a username and password for a token")
current = api_service("token_current", "/tokens/current", "The token this request carries")
SERVICES = (tokens, current)


def _wrong_credentials(request: Request) -> Response:
    return render_errors(
        request, 401, [error_dict("body", "password", "Wrong username or password")],
        [("WWW-Authenticate", REALM)],
    )


@tokens.post(
    permission=Permission.LOGIN, schema=request_schema(body=login_body()),
    validators=BODY_VALIDATORS,
)
def log_in(request: Request):
    body = request.validated["body"]
    throttled = refuse_throttled_login(request, body["username"])
    if throttled is not None:
        return throttled
    with read_outside_transaction(request) as session:
        account = session.execute(
            select(User.id, User.password_hash).where(username_matches(body["username"]))
        ).first()
    # The hash check runs whether or not the user exists: same answer, same time.
    if not request.passwords.verify(account and account.password_hash, body["password"]):
        record_failed_login(request, body["username"])
        return _wrong_credentials(request)
    token = new_token()
    expires_at = utcnow() + timedelta(seconds=request.registry.app_settings.token_ttl)
    request.dbsession.add(
        Token(token_hash=token_digest(token), user_id=account.id, expires_at=expires_at)
    )
    try:
        request.dbsession.flush()
    except IntegrityError:  # the account was deleted while its password was being checked
        return _wrong_credentials(request)
    request.response.status_code = 201
    return {"token": token, "token_type": "Bearer", "expires_at": timestamp(expires_at)}


@current.delete(permission=Permission.LOGOUT, validators=NO_QUERY_VALIDATORS)
def log_out(request: Request) -> HTTPNoContent:
    request.dbsession.execute(delete(Token).where(Token.id == request.authenticated.token_id))
    return HTTPNoContent()
