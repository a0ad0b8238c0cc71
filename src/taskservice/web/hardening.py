"""Security headers on every response.

``nosniff`` everywhere; ``Cache-Control: no-store`` on anything answered to an
authenticated caller (a shared cache must never keep someone's tasks); a
``Content-Security-Policy`` that forbids everything on API responses, which are data,
never pages -- except the interactive docs page, which gets a policy of its own: its
scripts, styles and calls from this server only, nothing inline, never in a frame. Only
the page itself (its route, answered 200) gets it; any other path, ``/docsx`` or
``/docs/../`` or the page's own files, keeps the API's. JSON bodies name their charset, as
the contract's media type does, so no client has to guess it.

Pyramid's traversal and URL generation believe the ``X-Vhm-Root`` and ``X-Vhm-Host``
request headers (virtual hosting set by a trusted front end). This service is never
mounted that way, and a client could send them to re-root traversal or, with a value that
is not UTF-8, to raise an error in the router: they are dropped before anything reads them.
"""

from __future__ import annotations

from collections.abc import Callable

from pyramid.config import Configurator
from pyramid.registry import Registry
from pyramid.request import Request
from pyramid.response import Response

from .endpoints import DOCS_ROUTE

API_CSP = "default-src 'none'; frame-ancestors 'none'"
# Swagger UI: its bundle, stylesheet and icon from here, its CSS's inline images (data:),
# fetches of /__api__ and of "try it out" to here; no inline script, no eval, no framing.
DOCS_CSP = ("default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
            "connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'")
JSON_MEDIA_TYPE = "application/json; charset=utf-8"
# The WSGI names of Pyramid's virtual hosting headers.
VIRTUAL_HOSTING_ENVIRON = ("HTTP_X_VHM_ROOT", "HTTP_X_VHM_HOST")


def hardening_tween_factory(
    handler: Callable[[Request], Response], registry: Registry
) -> Callable[[Request], Response]:
    def hardening_tween(request: Request) -> Response:
        for key in VIRTUAL_HOSTING_ENVIRON:
            request.environ.pop(key, None)
        response = handler(request)
        headers = response.headers
        if headers.get("Content-Type") == "application/json":
            headers["Content-Type"] = JSON_MEDIA_TYPE
        if request.headers.get("Authorization"):
            headers["Cache-Control"] = "no-store"  # set: a static file's may be there
        page = _is_docs_page(request, response)
        add_headers(response, ("X-Content-Type-Options", "nosniff"),
                    ("Content-Security-Policy", DOCS_CSP if page else API_CSP))
        return response

    return hardening_tween


def add_headers(response: Response, *headers: tuple[str, str]) -> None:
    """Headers only this package's tweens give a response, appended to its header list.

    Setting one through ``response.headers`` scans and rebuilds the whole list to drop an
    earlier value, which no response has for these: that was most of WebOb's share of a
    heartbeat's profile.
    """
    response.headerlist.extend(headers)


def _is_docs_page(request: Request, response: Response) -> bool:
    """The response is the ``/docs`` page: its route matched, and it was served."""
    route = request.matched_route
    return route is not None and route.name == DOCS_ROUTE and response.status_code == 200


def includeme(config: Configurator) -> None:
    config.add_tween("taskservice.web.hardening.hardening_tween_factory",
                     under="taskservice.web.requestlog.access_log_tween_factory")
