"""One error shape for every 4xx and 5xx, whatever raised it.

``{"status": "error", "errors": [{"location", "name", "description"}], "request_id"}`` --
Cornice's own format plus the request id. Anything may raise ``error_response(...)``;
``exception_views`` decides which status a failure becomes.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from pyramid.config import Configurator
from pyramid.httpexceptions import HTTPError, exception_response
from pyramid.request import Request
from pyramid.response import Response

REALM = 'Bearer realm="taskservice"'
# What a 401 under /dav/ offers as well: calendar apps prompt for an app password only
# when asked for Basic (contract section 15).
BASIC_REALM = 'Basic realm="taskservice"'
DAV_PATH = "/dav/"
# Every failing field is listed, up to this many; then one entry says how many more. A
# request with thousands of unknown names would otherwise get a body hundreds of KB long.
MAX_LISTED_ERRORS = 20


def error_dict(location: str, name: str, description: str) -> dict[str, str]:
    return {"location": location, "name": name, "description": description}


def error_response(
    status: int, location: str, name: str, description: str, headers: dict[str, str] | None = None
) -> HTTPError:
    """An HTTP exception carrying its contract-shaped errors; raise it from anywhere."""
    exc = exception_response(status, headers=headers)
    exc.api_errors = [error_dict(location, name, description)]
    return exc


def _listed(errors: Iterable[dict[str, str]]) -> list[dict[str, str]]:
    """The first ``MAX_LISTED_ERRORS`` errors, and one saying how many are left out."""
    errors = list(errors)
    if len(errors) <= MAX_LISTED_ERRORS:
        return errors
    more = len(errors) - MAX_LISTED_ERRORS
    return [*errors[:MAX_LISTED_ERRORS],
            error_dict("request", "", f"{more} more errors are not listed; fix these first")]


# What renders the errors of the paths under one prefix in another shape than JSON
# (CalDAV's ``DAV:error``): ``(request, status, errors) -> Response``.
ErrorBody = Callable[[Request, int, list[dict[str, str]]], Response]


def add_error_body(config: Configurator, path_prefix: str, render: ErrorBody) -> None:
    """The ``config.add_error_body`` directive: errors under ``path_prefix`` are rendered
    by ``render``, whoever raises them (a 401, a 404, read-only mode's 503...)."""
    config.registry.error_bodies[path_prefix] = render


def _error_body(request: Request) -> ErrorBody | None:
    path = request.environ.get("PATH_INFO", "")
    bodies: dict[str, ErrorBody] = request.registry.error_bodies
    return next((render for prefix, render in bodies.items() if path.startswith(prefix)), None)


def render_errors(
    request: Request, status: int, errors: Iterable[dict[str, str]],
    headers: Iterable[tuple[str, str]] = (),
) -> Response:
    render = _error_body(request)
    if render is not None:
        response = render(request, status, _listed(errors))
    else:
        response = Response(status=status, charset="utf-8", content_type="application/json")
        response.json_body = {
            "status": "error",
            "errors": _listed(errors),
            "request_id": request.request_id,
        }
    for name, value in headers:
        response.headers.add(name, value)
    return response


def unauthorized(request: Request, location: str, name: str, description: str) -> Response:
    """A 401 with the challenge every 401 of this API carries, and Basic's first under
    /dav/: both in one header (RFC 9110 11.6.1 allows a list), since some CalDAV clients
    (the ``caldav`` library) read only one ``WWW-Authenticate`` header of several."""
    challenges = [REALM]
    if request.environ.get("PATH_INFO", "").startswith(DAV_PATH):
        challenges.insert(0, BASIC_REALM)
    return render_errors(request, 401, [error_dict(location, name, description)],
                         [("WWW-Authenticate", ", ".join(challenges))])


def insufficient_scope(request: Request, scope: str) -> Response:
    """The 403 of a token whose scopes do not cover the request (RFC 6750 3.1)."""
    description = f"This token lacks the scope this request needs: {scope}"
    return render_errors(
        request, 403, [error_dict("header", "Authorization", description)],
        [("WWW-Authenticate", f'Bearer error="insufficient_scope", scope="{scope}"')])


def cornice_error_handler(request: Request) -> Response:
    """Cornice validation errors (``request.errors``) in the same shape."""
    return render_errors(request, request.errors.status, request.errors)




def includeme(config: Configurator) -> None:
    config.registry.error_bodies = {}
    config.add_directive("add_error_body", add_error_body)
