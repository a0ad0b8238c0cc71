"""One error shape for every 4xx and 5xx, whatever raised it.

``{"status": "error", "errors": [{"location", "name", "description"}], "request_id"}`` --
Cornice's own format plus the request id. Exception views turn Pyramid's HTTP
exceptions, security denials and unexpected failures into that shape, and decide the
status the contract asks for: an anonymous caller gets 401 (never a hint whether the
target exists), a caller who may not view the target gets 404, one who may view it but
not act on it gets 403.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable

from pyramid.config import Configurator
from pyramid.httpexceptions import (
    HTTPError,
    HTTPForbidden,
    HTTPMethodNotAllowed,
    HTTPNotFound,
    exception_response,
)
from pyramid.location import lineage
from pyramid.request import Request
from pyramid.response import Response
from pyramid_retry import IRetryableError, is_error_retryable, mark_error_retryable
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.orm.exc import StaleDataError

from .endpoints import SERVICE_ROUTES, is_service_path
from .permissions import Permission
from .resources import TaskResource, UserResource
from .security import REALM

log = logging.getLogger(__name__)

RETRY_AFTER_SECONDS = "2"
# Routes an anonymous caller may use (POST /users, POST /tokens, section 5); elsewhere an
# anonymous request is a 401.
PUBLIC_ROUTES = SERVICE_ROUTES | {"users", "tokens"}
# Resources a caller may not even know exist unless they may view them.
PRIVATE_RESOURCES = (TaskResource, UserResource)


def error_dict(location: str, name: str, description: str) -> dict[str, str]:
    return {"location": location, "name": name, "description": description}


def error_response(
    status: int, location: str, name: str, description: str, headers: dict | None = None
) -> HTTPError:
    """An HTTP exception carrying its contract-shaped errors; raise it from anywhere."""
    exc = exception_response(status, headers=headers)
    exc.api_errors = [error_dict(location, name, description)]
    return exc


def render_errors(
    request: Request, status: int, errors: Iterable[dict], headers: Iterable[tuple] = ()
) -> Response:
    response = Response(status=status, charset="utf-8", content_type="application/json")
    response.json_body = {
        "status": "error",
        "errors": list(errors),
        "request_id": request.request_id,
    }
    for name, value in headers:
        response.headers[name] = value
    return response


def cornice_error_handler(request: Request) -> Response:
    """Cornice validation errors (``request.errors``) in the same shape."""
    return render_errors(request, request.errors.status, request.errors)


def _kept_headers(exc: HTTPError) -> list[tuple[str, str]]:
    keep = ("Allow", "Retry-After", "WWW-Authenticate", "ETag")
    return [(k, v) for k, v in exc.headers.items() if k in keep]


def _unauthorized(request: Request) -> Response:
    return render_errors(
        request, 401,
        [error_dict("header", "Authorization",
                    "Send a valid token: Authorization: Bearer <token> (POST /tokens issues one)")],
        [("WWW-Authenticate", REALM)],
    )


def _not_found(request: Request) -> Response:
    return render_errors(request, 404, [error_dict("path", "", "No such resource")])


def http_error_view(exc: HTTPError, request: Request) -> Response:
    """Any HTTP error raised by a view or by Pyramid, in the contract's shape."""
    errors = getattr(exc, "api_errors", None) or [
        error_dict("request", "", exc.detail or exc.explanation or exc.title)
    ]
    return render_errors(request, exc.code, errors, _kept_headers(exc))


def forbidden_view(exc: HTTPForbidden, request: Request) -> Response:
    if getattr(exc, "api_errors", None):  # a deliberate 403 (e.g. registration closed)
        return http_error_view(exc, request)
    if request.authenticated is None:
        return _unauthorized(request)
    if not request.has_permission(Permission.VIEW, request.context):
        return _not_found(request)  # never reveal that someone else's resource exists
    permission = getattr(getattr(exc, "result", None), "permission", "do that")
    return render_errors(
        request, 403, [error_dict("path", "", f"You are not allowed to {permission} this resource")]
    )


def _on_route(request: Request, names: frozenset[str]) -> bool:
    """The request matched one of ``names``, or is for the docs page's files (always open)."""
    route = request.matched_route
    return (route is not None and route.name in names) or is_service_path(request.path_info)


def notfound_view(exc: HTTPNotFound, request: Request) -> Response:
    if getattr(exc, "api_errors", None):
        return http_error_view(exc, request)
    if request.authenticated is None and not _on_route(request, PUBLIC_ROUTES):
        return _unauthorized(request)
    return _not_found(request)


def _hidden_from_caller(request: Request) -> bool:
    """The URL names (something under) a task or user the caller may not view."""
    private = any(isinstance(node, PRIVATE_RESOURCES) for node in lineage(request.context))
    return private and not request.has_permission(Permission.VIEW, request.context)


def method_not_allowed_view(exc: HTTPMethodNotAllowed, request: Request) -> Response:
    # Only POST is anonymous on /users and /tokens: any other method needs credentials
    # first (401 beats 405).
    if request.authenticated is None and not _on_route(request, SERVICE_ROUTES):
        return _unauthorized(request)
    if _hidden_from_caller(request):  # 404 wins over 405, and must not leak existence
        return _not_found(request)
    methods = sorted(set(getattr(exc, "allow", None) or []))
    allowed = ", ".join(methods) or exc.headers.get("Allow", "")
    return render_errors(
        request, 405,
        [error_dict("request", "method", f"{request.method} is not allowed here; use {allowed}")],
        [("Allow", allowed)],
    )


# SQLSTATE class 40, "transaction rollback": PostgreSQL's serialization failure (40001)
# and deadlock (40P01) roll back one transaction so that the others can go on.
TRANSACTION_ROLLBACK_CLASS = "40"


def _is_transient(exc: Exception) -> bool:
    """A failure that a fresh attempt of the same request may not hit.

    Recognised here rather than left to zope.sqlalchemy's own check, which only runs
    after this view has answered (and so logged it as a failure), and not at all when
    the session had not joined the transaction yet.
    """
    if isinstance(exc, StaleDataError):  # a concurrent writer changed the row first
        return True
    if not isinstance(exc, OperationalError):
        return False
    sqlstate = getattr(exc.orig, "sqlstate", None) or ""
    return sqlstate.startswith(TRANSACTION_ROLLBACK_CLASS) or "database is locked" in str(exc.orig)


def _database_unavailable(exc: Exception) -> bool:
    return isinstance(exc, DBAPIError) and (
        exc.connection_invalidated or isinstance(exc, OperationalError)
    )


def unexpected_error_view(exc: Exception, request: Request) -> Response:
    """A retryable conflict is retried; a dead database is a 503; anything else a 500."""
    transient = _is_transient(exc) or IRetryableError.providedBy(exc)
    if transient:
        mark_error_retryable(exc)
    if is_error_retryable(request, exc):  # pyramid_retry discards this response and retries
        log.info("retrying request %s after %s", request.request_id, type(exc).__name__)
        return render_errors(request, 503, [])
    if transient or _database_unavailable(exc):
        log.warning("request %s failed on the database: %s", request.request_id, exc)
        return render_errors(
            request, 503,
            [error_dict("request", "", "The database is busy or unavailable; try again shortly")],
            [("Retry-After", RETRY_AFTER_SECONDS)],
        )
    log.error("unexpected error in request %s", request.request_id, exc_info=exc)
    return render_errors(
        request, 500,
        [error_dict("request", "", f"Internal server error (request id {request.request_id})")],
    )


def includeme(config: Configurator) -> None:
    add = config.add_exception_view
    add(unexpected_error_view, context=Exception)
    add(http_error_view, context=HTTPError)
    add(forbidden_view, context=HTTPForbidden)
    add(notfound_view, context=HTTPNotFound)
    add(method_not_allowed_view, context=HTTPMethodNotAllowed)
