"""``taskservice.log_format = json``: every log line one JSON object (section 11).

The ini's ``[loggers]``/``[handlers]``/``[formatters]`` still decide which loggers log
where and at what level; with ``json`` each configured handler's formatter becomes a
python-json-logger one, so the choice is a setting like any other (and an environment
variable) rather than a second ini. Each line has ``time``, ``level``, ``logger`` and
``message``; anything passed as ``extra`` (the access line's ``method``, ``path``,
``status``, ``duration_ms``, ``user``) becomes a field; a traceback is the one string
field ``traceback``. Inside a request, ``request_id`` too: a tween, added only with
``json``, puts the id in a context variable that a filter on each handler reads.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from contextvars import ContextVar

from pyramid.config import Configurator
from pyramid.registry import Registry
from pyramid.request import Request
from pyramid.response import Response
from pyramid.tweens import INGRESS
from pythonjsonlogger.json import JsonFormatter

REQUEST_ID: ContextVar[str | None] = ContextVar("taskservice_request_id", default=None)
FIELDS = {"levelname": "level", "name": "logger", "exc_info": "traceback"}


class RequestIdFilter(logging.Filter):
    """Adds ``request_id`` to a record logged while a request is being served."""

    def filter(self, record: logging.LogRecord) -> bool:
        request_id = REQUEST_ID.get()
        if request_id is not None:
            record.request_id = request_id
        return True


def json_formatter() -> logging.Formatter:
    return JsonFormatter("{levelname}{name}{message}", style="{", rename_fields=FIELDS,
                         timestamp="time")


def configured_handlers() -> Iterator[logging.Handler]:
    """Every handler of the root logger and of every logger created so far."""
    loggers = [logging.getLogger(), *logging.Logger.manager.loggerDict.values()]
    seen: set[int] = set()
    for logger in loggers:
        for handler in getattr(logger, "handlers", ()):  # a PlaceHolder has none
            if id(handler) not in seen:
                seen.add(id(handler))
                yield handler


def use_json_format() -> None:
    """Turn every configured handler's lines into JSON (idempotent)."""
    formatter = json_formatter()
    for handler in configured_handlers():
        handler.setFormatter(formatter)
        if not any(isinstance(f, RequestIdFilter) for f in handler.filters):
            handler.addFilter(RequestIdFilter())


def request_context_tween_factory(
    handler: Callable[[Request], Response], registry: Registry
) -> Callable[[Request], Response]:
    def request_context_tween(request: Request) -> Response:
        token = REQUEST_ID.set(request.request_id)
        try:
            return handler(request)
        finally:
            REQUEST_ID.reset(token)

    return request_context_tween


def includeme(config: Configurator) -> None:
    if config.registry.app_settings.log_format == "json":
        use_json_format()
        config.add_tween("taskservice.web.logformat.request_context_tween_factory",
                         under=INGRESS,
                         over="taskservice.web.requestlog.access_log_tween_factory")
