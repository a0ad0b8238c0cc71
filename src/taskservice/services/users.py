"""``/users``: registration, the caller's account, and (for admins) everyone's."""

from __future__ import annotations

from pyramid.httpexceptions import HTTPNoContent
from pyramid.request import Request
from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError

from ..errors import error_response
from ..models import Token, User, read_outside_transaction, username_matches
from ..pagination import INTEGER, CursorError, decode_cursor, encode_cursor
from ..permissions import Permission
from ..representations import user_json
from ..schemas import request_schema
from ..schemas.pagination import page_query
from ..schemas.users import password_change_body, registration_body
from ..validation import BODY_VALIDATORS, NO_QUERY_VALIDATORS, QUERY_VALIDATORS
from . import absolute_url, api_service, link_next_page

users = api_service("users", "/users", "Registration, and the list of users for admins")
me = api_service("user_me", "/users/me", "The caller's own account")
user = api_service("user", "/users/{username}", "One user account")
SERVICES = (users, me, user)  # /users/me must be matched before /users/{username}

USER_CURSOR = "users"


def _taken() -> Exception:
    return error_response(409, "body", "username", "This username is already taken")


@users.post(
    permission=Permission.REGISTER, schema=request_schema(body=registration_body()),
    validators=BODY_VALIDATORS,
)
def register(request: Request) -> dict:
    if not request.registry.app_settings.registration_open:
        raise error_response(403, "request", "", "Registration is closed on this service")
    body = request.validated["body"]
    # Check and hash before the request's own transaction starts: on SQLite it holds the
    # write lock, and argon2 takes a while.
    with read_outside_transaction(request) as session:
        if session.execute(select(User.id).where(username_matches(body["username"]))).first():
            raise _taken()
    password_hash = request.passwords.hash(body["password"])
    account = User(username=body["username"], password_hash=password_hash)
    request.dbsession.add(account)
    try:
        request.dbsession.flush()
    except IntegrityError:  # registered by a concurrent request since the check above
        raise _taken()
    request.response.status_code = 201
    request.response.headers["Location"] = absolute_url(request, f"/users/{account.username}")
    return user_json(account)


@users.get(
    permission=Permission.LIST, schema=request_schema(querystring=page_query()),
    validators=QUERY_VALIDATORS,
)
def list_users(request: Request) -> dict:
    query = request.validated["querystring"]
    statement = select(User).order_by(User.id).limit(query["limit"] + 1)
    if query["cursor"] is not None:
        try:
            (after_id,) = decode_cursor(query["cursor"], USER_CURSOR, [INTEGER])
        except CursorError:
            raise error_response(400, "querystring", "cursor", "Invalid cursor")
        statement = statement.where(User.id > after_id)
    rows = list(request.dbsession.execute(statement).scalars())
    next_cursor = None
    if len(rows) > query["limit"]:
        rows = rows[: query["limit"]]
        next_cursor = encode_cursor(USER_CURSOR, [INTEGER], [rows[-1].id])
    link_next_page(request, next_cursor)
    return {"items": [user_json(row) for row in rows], "next_cursor": next_cursor}


@me.get(permission=Permission.VIEW, validators=NO_QUERY_VALIDATORS)
@user.get(permission=Permission.VIEW, validators=NO_QUERY_VALIDATORS)
def get_user(request: Request) -> dict:
    return user_json(request.context.user)


@me.patch(
    permission=Permission.EDIT, schema=request_schema(body=password_change_body()),
    validators=BODY_VALIDATORS,
)
def change_password(request: Request) -> dict:
    """A new password; every other token of the user is revoked."""
    body = request.validated["body"]
    account = request.context.user
    if not request.passwords.verify(account.password_hash, body["current_password"]):
        raise error_response(400, "body", "current_password", "The current password is wrong")
    account.password_hash = request.passwords.hash(body["password"])
    request.dbsession.execute(
        delete(Token).where(Token.user_id == account.id, Token.id != request.authenticated.token_id)
    )
    return user_json(account)


@me.delete(permission=Permission.DELETE, validators=NO_QUERY_VALIDATORS)
@user.delete(permission=Permission.DELETE, validators=NO_QUERY_VALIDATORS)
def delete_user(request: Request) -> HTTPNoContent:
    """The account, its tokens, its tasks and every share with it (database cascades)."""
    request.dbsession.delete(request.context.user)
    request.dbsession.flush()
    return HTTPNoContent()
