"""``/users``: registration, the caller's account, everyone's for admins (the tokens are
token_views.py's)."""

from __future__ import annotations

from typing import Any

from pyramid.httpexceptions import HTTPError, HTTPNoContent
from pyramid.request import Request
from pyramid.response import Response
from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError

from ..db.session import read_outside_transaction
from ..permissions import OWN_ACCOUNT, USER_ADMINISTRATION, Permission
from ..web.errors import error_response
from ..web.pagination import INTEGER, Keyset, KeysetQuery, paginate
from ..web.schemas import page_query, request_schema
from ..web.services import absolute_url, api_service
from ..web.validation import BODY_VALIDATORS, NO_QUERY_VALIDATORS, QUERY_VALIDATORS
from .events import user_changed, user_deleting
from .models import Token, User, username_matches
from .representation import user_json
from .schemas import account_change_body, registration_body

users = api_service("users", "/users", "Registration, and the list of users for admins",
                    scopes=USER_ADMINISTRATION)
me = api_service("user_me", "/users/me", "The caller's own account", scopes=OWN_ACCOUNT)
user = api_service("user", "/users/{username}", "One user account",
                   scopes=OWN_ACCOUNT)


USER_PAGES = Keyset("users", [INTEGER])
USERS: KeysetQuery[User] = KeysetQuery(select(User), [(User.id, False)], lambda row: [row.id])
# A response carrying a token is kept by no cache, nor by an HTTP/1.0 one (RFC 6749 5.1).
NO_STORE = {"Cache-Control": "no-store", "Pragma": "no-cache"}


def _taken() -> HTTPError:
    return error_response(409, "body", "username", "This username is already taken")


@users.post(
    permission=Permission.REGISTER, schema=request_schema(body=registration_body()),
    validators=BODY_VALIDATORS,
)
def register(request: Request) -> dict[str, Any]:
    """Register a user (403 while registration is closed)."""
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
        raise _taken() from None
    user_changed(request, account, "created")
    request.response.status_code = 201
    request.response.headers["Location"] = absolute_url(request, f"/users/{account.username}")
    return user_json(account)


@users.get(
    permission=Permission.LIST, schema=request_schema(querystring=page_query()),
    validators=QUERY_VALIDATORS,
)
def list_users(request: Request) -> dict[str, Any]:
    """List every user, a page at a time (admins only)."""
    return paginate(request, USER_PAGES, USERS.fetch(request.dbsession), user_json)


@me.get(permission=Permission.VIEW, validators=NO_QUERY_VALIDATORS,
        operation_id="getCurrentUser", summary="Read the caller's own account")
@user.get(permission=Permission.VIEW, validators=NO_QUERY_VALIDATORS)
def get_user(request: Request) -> dict[str, Any]:
    """Read a user account (the caller's own, or anyone's for an admin)."""
    return user_json(request.context.user)


@me.patch(
    permission=Permission.EDIT, schema=request_schema(body=account_change_body()),
    validators=BODY_VALIDATORS,
)
def change_account(request: Request) -> dict[str, Any] | Response:
    """Change the caller's zone and/or password; a new password revokes every other
    token of theirs. A body whose password change is refused changes nothing."""
    body = request.validated["body"]
    checked = _checked_password_change(request, body) if "password" in body else None
    if isinstance(checked, Response):
        return checked
    account = request.context.user  # the request's transaction (and write turn) begins here
    before = user_json(account)
    if checked is not None:
        _set_password(request, account, *checked)
    account.time_zone = body.get("time_zone", account.time_zone)
    if user_json(account) != before or checked is not None:
        user_changed(request, account, "updated", before=before)
    return user_json(account)


def _checked_password_change(request: Request, body: dict[str, Any]) -> tuple[str, str] | Response:
    """The password hash checked and the new one, or the throttle's refusal.

    The current password is checked (throttled: a stolen token must not become a way to
    guess it) and the new one hashed before the request's transaction begins; on SQLite
    that transaction holds the write turn, which argon2 must not keep from other writers.
    """
    caller, throttle = request.identity, request.password_throttle
    if refusal := throttle.refusal(request, caller.username, "current_password", caller.token_id):
        return refusal
    with read_outside_transaction(request) as session:
        checked_hash = session.scalar(select(User.password_hash).where(User.id == caller.user_id))
    if not request.passwords.verify(checked_hash, body["current_password"]):
        throttle.record_failure(request, caller.username, caller.token_id)
        raise _wrong_current_password()
    return checked_hash, request.passwords.hash(body["password"])


def _set_password(request: Request, account: User, checked_hash: str, new_hash: str) -> None:
    """The new password, unless another request changed it since it was checked."""
    if account.password_hash != checked_hash:
        raise _wrong_current_password()
    account.password_hash = new_hash
    request.dbsession.execute(
        delete(Token).where(Token.user_id == account.id, Token.id != request.identity.token_id)
    )


def _wrong_current_password() -> HTTPError:
    return error_response(400, "body", "current_password", "The current password is wrong")


@me.delete(permission=Permission.DELETE, validators=NO_QUERY_VALIDATORS,
           operation_id="deleteCurrentUser", summary="Delete the caller's own account")
@user.delete(permission=Permission.DELETE, validators=NO_QUERY_VALIDATORS)
def delete_user(request: Request) -> HTTPNoContent:
    """Delete a user account (the caller's own, or anyone's for an admin).

    Its tokens, its tasks, its lists (with every task in them) and every share with it go
    too (database cascades), each told of first (accounts/events.py).
    """
    session, user_row = request.dbsession, request.context.user
    user_deleting(request, user_row)
    session.delete(user_row)
    session.flush()
    return HTTPNoContent()


# /users/me must be matched before /users/{username}
SERVICES = (users, me, user)
