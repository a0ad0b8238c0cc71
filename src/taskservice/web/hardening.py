"""Security headers on every response.

``nosniff`` everywhere; ``Cache-Control: no-store`` on anything answered to an
authenticated caller (a shared cache must never keep someone's tasks); a
``Content-Security-Policy`` that forbids everything on API responses, which are data,
never pages -- except the interactive docs, which are a page. JSON bodies name their
charset, as the contract's media type does, so no client has to guess it.
"""

from __future__ import annotations

from collections.abc import Callable

from pyramid.config import Configurator
from pyramid.registry import Registry
from pyramid.request import Request
from pyramid.response import Response

from .endpoints import DOCS_PATH, raw_path

API_CSP = "default-src 'none'; frame-ancestors 'none'"
JSON_MEDIA_TYPE = "application/json; charset=utf-8"


def hardening_tween_factory(
    handler: Callable[[Request], Response], registry: Registry
) -> Callable[[Request], Response]:
    def hardening_tween(request: Request) -> Response:
        response = handler(request)
        headers = response.headers
        headers["X-Content-Type-Options"] = "nosniff"
        if headers.get("Content-Type") == "application/json":
            headers["Content-Type"] = JSON_MEDIA_TYPE
        if request.headers.get("Authorization"):
            headers["Cache-Control"] = "no-store"
        if not raw_path(request).startswith(DOCS_PATH):
            headers["Content-Security-Policy"] = API_CSP
        return response

    return hardening_tween


def includeme(config: Configurator) -> None:
    config.add_tween("taskservice.web.hardening.hardening_tween_factory",
                     under="taskservice.web.requestlog.access_log_tween_factory")
