"""Counting and timing every request, by the pattern of the route it matched.

The ``route`` label is the matched route's pattern (``/tasks/{id}``), never the raw
path, so a million task ids make one series; a path no route matches is ``unmatched``.
Every service of this API is a route whose pattern is also the path it traverses
(web/services.py), so the patterns are the ones the OpenAPI document shows.

An attempt that pyramid_retry will run again (a transient database conflict) is not
counted: a request counts once, with the status and duration of its last attempt.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from pyramid.registry import Registry
from pyramid.request import Request
from pyramid.response import Response

from ..web.exception_views import will_be_retried
from .definitions import IMetrics, Metrics

UNMATCHED = "unmatched"
# What a response that never came is counted as (the WSGI server answers a 500).
UNHANDLED_STATUS = 500


def route_label(request: Request) -> str:
    route = getattr(request, "matched_route", None)  # set by the router when a route matched
    return UNMATCHED if route is None else str(route.pattern)


def metrics_tween_factory(
    handler: Callable[[Request], Response], registry: Registry
) -> Callable[[Request], Response]:
    metrics: Metrics = registry.getUtility(IMetrics)

    def metrics_tween(request: Request) -> Response:
        started = time.perf_counter()
        try:
            response = handler(request)
        except BaseException as exc:
            if not will_be_retried(request, exc):
                metrics.observe(request.method, route_label(request), UNHANDLED_STATUS,
                                time.perf_counter() - started)
            raise
        if not will_be_retried(request, getattr(request, "exception", None)):
            metrics.observe(request.method, route_label(request), response.status_code,
                            time.perf_counter() - started)
        return response

    return metrics_tween
