"""Read-only mode (``taskservice.readonly = true``): every write is a 503, reads go on.

For maintenance, or when the database is a read-only replica. Logins write a token, so
they are refused too; requests with existing tokens keep reading. A batch is answered:
each of its write sub-requests meets this tween on its own and is a 503 there.
"""

from __future__ import annotations

from collections.abc import Callable

from pyramid.config import Configurator
from pyramid.registry import Registry
from pyramid.request import Request
from pyramid.response import Response

from .endpoints import writes_itself
from .errors import error_dict, render_errors

# Read-only mode is an operator's decision (maintenance, a replica): ask for a long wait.
READONLY_RETRY_AFTER_SECONDS = "60"


def readonly_tween_factory(
    handler: Callable[[Request], Response], registry: Registry
) -> Callable[[Request], Response]:
    def readonly_tween(request: Request) -> Response:
        if writes_itself(request):
            return render_errors(
                request, 503,
                [error_dict("request", "", "The service is in read-only mode; try again later")],
                [("Retry-After", READONLY_RETRY_AFTER_SECONDS)],
            )
        return handler(request)

    return readonly_tween


def includeme(config: Configurator) -> None:
    if config.registry.app_settings.readonly:
        config.add_tween("taskservice.web.readonly.readonly_tween_factory",
                         under="taskservice.web.requestlog.access_log_tween_factory")
