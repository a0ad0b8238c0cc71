"""The exception views: which status a failure becomes, always in the one error shape.

Pyramid's HTTP exceptions, security denials and unexpected failures all end here, and
the status is the one the contract asks for: an anonymous caller gets 401 (never a hint
whether the target exists), a caller who may not view the target gets 404, one who may
view it but not act on it gets 403. A retryable database conflict is retried, an
unreachable database is a 503, anything else a 500 whose traceback is logged under the
request id.
"""

from __future__ import annotations

import logging

from pyramid.config import Configurator
from pyramid.exceptions import URLDecodeError
from pyramid.httpexceptions import HTTPError, HTTPForbidden, HTTPMethodNotAllowed, HTTPNotFound
from pyramid.location import lineage
from pyramid.request import Request
from pyramid.response import Response
from pyramid.security import Allowed, Denied
from pyramid_retry import IRetryableError, is_error_retryable, mark_error_retryable

from ..db.transient import database_unavailable, is_transient
from ..permissions import InsufficientScope, Permission
from ..traversal import IPrivateResource
from .endpoints import SERVICE_ROUTES, is_service_path, raw_path
from .errors import error_dict, insufficient_scope, render_errors, unauthorized

log = logging.getLogger(__name__)

# A busy or unreachable database: worth another try soon.
DATABASE_BUSY_RETRY_AFTER_SECONDS = "2"
# Routes an anonymous caller may use (POST /users, POST /tokens, section 5); elsewhere an
# anonymous request is a 401.
PUBLIC_ROUTES = SERVICE_ROUTES | {"users", "tokens"}


def _kept_headers(exc: HTTPError) -> list[tuple[str, str]]:
    keep = ("Allow", "Retry-After", "WWW-Authenticate", "ETag")
    return [(k, v) for k, v in exc.headers.items() if k in keep]


def _unauthorized(request: Request) -> Response:
    return unauthorized(
        request, "header", "Authorization",
        "Send a valid token: Authorization: Bearer <token> (POST /tokens issues one)",
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
    if request.identity is None:
        return _unauthorized(request)
    result = getattr(exc, "result", None)
    if isinstance(result, InsufficientScope):
        if _hidden_from_caller(request, result):
            return _not_found(request)
        return insufficient_scope(request, result.scope)
    if not request.has_permission(Permission.VIEW, request.context):
        return _not_found(request)  # never reveal that someone else's resource exists
    permission = getattr(getattr(exc, "result", None), "permission", "do that")
    return render_errors(
        request, 403, [error_dict("path", "", f"You are not allowed to {permission} this resource")]
    )


def _on_route(request: Request, names: frozenset[str]) -> bool:
    """The request matched one of ``names``, or is for the docs page's files (always open)."""
    route = request.matched_route
    return (route is not None and route.name in names) or is_service_path(raw_path(request))


def notfound_view(exc: HTTPNotFound, request: Request) -> Response:
    if getattr(exc, "api_errors", None):
        return http_error_view(exc, request)
    if request.identity is None and not _on_route(request, PUBLIC_ROUTES):
        return _unauthorized(request)
    return _not_found(request)


def undecodable_path_view(exc: URLDecodeError, request: Request) -> Response:
    """A path that is not UTF-8 names nothing: a 404, or the 401 of any other unknown path.

    Routing raises while decoding it, before any route or resource is found.
    """
    if request.identity is None and not _on_route(request, PUBLIC_ROUTES):
        return _unauthorized(request)
    return render_errors(request, 404, [error_dict("path", "", "No such resource: the path "
                                                    "is not percent-encoded UTF-8")])


def _hidden_from_caller(request: Request, verdict: Allowed | Denied) -> bool:
    """The URL names (something under) a private resource the caller may not view, as
    ``verdict`` (whether they may view it, or see it but lack a scope) says."""
    if isinstance(verdict, InsufficientScope):
        verdict = Allowed("") if verdict.visible else verdict
    private = any(IPrivateResource.providedBy(node) for node in lineage(request.context))
    return private and not verdict


def method_not_allowed_view(exc: HTTPMethodNotAllowed, request: Request) -> Response:
    # Only POST is anonymous on /users and /tokens: any other method needs credentials
    # first (401 beats 405).
    if request.identity is None and not _on_route(request, SERVICE_ROUTES):
        return _unauthorized(request)
    verdict = request.has_permission(Permission.VIEW, request.context)
    if _hidden_from_caller(request, verdict):  # 404 wins over 405, and must not leak existence
        return _not_found(request)
    if isinstance(verdict, InsufficientScope):  # so does a token's missing scope
        return insufficient_scope(request, verdict.scope)
    methods = sorted(set(getattr(exc, "allow", None) or []))
    allowed = ", ".join(methods) or exc.headers.get("Allow", "")
    return render_errors(
        request, 405,
        [error_dict("request", "method", f"{request.method} is not allowed here; use {allowed}")],
        [("Allow", allowed)],
    )


def will_be_retried(request: Request, exc: BaseException | None) -> bool:
    """This attempt of the request failed with ``exc`` and pyramid_retry will run it again:
    its response is discarded, so it is neither logged nor counted."""
    return exc is not None and bool(is_error_retryable(request, exc))


def unexpected_error_view(exc: Exception, request: Request) -> Response:
    """A retryable conflict is retried; a dead database is a 503; anything else a 500."""
    transient = is_transient(exc) or IRetryableError.providedBy(exc)
    if transient:
        mark_error_retryable(exc)
    if is_error_retryable(request, exc):  # pyramid_retry discards this response and retries
        log.info("retrying request %s after %s", request.request_id, type(exc).__name__)
        return render_errors(request, 503, [])
    if transient or database_unavailable(exc):
        log.warning("request %s failed on the database: %s", request.request_id, exc)
        return render_errors(
            request, 503,
            [error_dict("request", "", "The database is busy or unavailable; try again shortly")],
            [("Retry-After", DATABASE_BUSY_RETRY_AFTER_SECONDS)],
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
    add(undecodable_path_view, context=URLDecodeError)
