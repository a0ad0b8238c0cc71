"""Request ids and the access log.

Every request gets an ``X-Request-Id`` -- the client's own when it is sane, else a new
one -- echoed in the response, in every error body, in the access-log line (method, path,
status, duration, user, client address; also as the record's fields, for JSON logs) and in any error
logged while serving it. It lives in the WSGI
environ so that a retried attempt of the same request keeps the same id; an attempt that
pyramid_retry runs again writes no access line, so a request has one, with the status its
client saw.
"""

from __future__ import annotations

import logging
import re
import secrets
import time
from collections.abc import Callable
from urllib.parse import quote

from pyramid.config import Configurator
from pyramid.registry import Registry
from pyramid.request import Request
from pyramid.response import Response
from pyramid.tweens import INGRESS

from .endpoints import raw_path
from .exception_views import will_be_retried
from .hardening import add_headers
from .identity import known_identity

HEADER = "X-Request-Id"
ENVIRON_KEY = "taskservice.request_id"
SANE_ID = re.compile(r"[A-Za-z0-9._:\-]{1,128}")  # used with fullmatch: no trailing newline

access_log = logging.getLogger("taskservice.access")


def request_id(request: Request) -> str:
    environ = request.environ
    rid: str | None = environ.get(ENVIRON_KEY)
    if rid is None:
        offered = request.headers.get(HEADER, "")
        fresh = offered if SANE_ID.fullmatch(offered) else secrets.token_hex(16)
        rid = environ[ENVIRON_KEY] = fresh
    return rid


def _username(request: Request) -> str:
    identity = known_identity(request)  # never authenticate just to log
    return identity.username if identity is not None else "-"


# What WebOb leaves unquoted in ``request.path_qs``, so log lines read as before.
PATH_SAFE = "/~!$&'()*+,;=:@"
# A character ``quote`` would change: any but those and the ones it never quotes.
_QUOTED = re.compile(f"[^A-Za-z0-9_.\\-{re.escape(PATH_SAFE)}]")


def logged_path(request: Request) -> str:
    """The path and query string as sent, quoted: never decoded (it may not be UTF-8).

    Most paths have nothing to quote, and are logged as they are without ``quote``.
    """
    path = raw_path(request)
    if _QUOTED.search(path):
        path = quote(path.encode("latin-1"), safe=PATH_SAFE)
    query = request.environ.get("QUERY_STRING")
    return f"{path}?{query}" if query else path


def access_log_tween_factory(
    handler: Callable[[Request], Response], registry: Registry
) -> Callable[[Request], Response]:
    def access_log_tween(request: Request) -> Response:
        started = time.perf_counter()
        response = handler(request)
        add_headers(response, (HEADER, request.request_id))
        retried = will_be_retried(request, getattr(request, "exception", None))
        if not retried and access_log.isEnabledFor(logging.INFO):
            path, status = logged_path(request), response.status_code
            duration_ms, user = round((time.perf_counter() - started) * 1000, 1), _username(request)
            client = request.client_address
            # The fields again as ``extra``: a JSON line (web/logformat.py) has them apart.
            log_access(
                (request.request_id, request.method, path, status, duration_ms, user, client),
                {"method": request.method, "path": path, "status": status,
                 "duration_ms": duration_ms, "user": user, "client": client},
            )
        return response

    return access_log_tween


ACCESS_LINE = "%s %s %s %d %.1fms user=%s client=%s"


def log_access(args: tuple[object, ...], fields: dict[str, object]) -> None:
    """One access line, handed to the logger's handlers as ``access_log.info`` would,
    without looking up the calling frame's file and line (``Logger.findCaller``, an
    eighth of the logging call's cost): an access line is about the request, and is
    always written from here."""
    record = access_log.makeRecord(access_log.name, logging.INFO, __file__, 0, ACCESS_LINE,
                                   args, None, "access_log_tween", fields)
    access_log.handle(record)


def includeme(config: Configurator) -> None:
    config.add_request_method(request_id, "request_id", reify=True)
    config.add_tween("taskservice.web.requestlog.access_log_tween_factory", under=INGRESS)
