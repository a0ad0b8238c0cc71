"""``GET /__metrics__``: the Prometheus text format, behind ``taskservice.metrics.token``.

In multiprocess mode (``PROMETHEUS_MULTIPROC_DIR`` set) a scrape reads every process's
files, so whichever worker answers reports the whole machine; else it reports this
process's own registry.
"""

from __future__ import annotations

import hmac
import os

from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest
from prometheus_client.multiprocess import MultiProcessCollector
from pyramid.request import Request
from pyramid.response import Response
from pyramid.security import NO_PERMISSION_REQUIRED

from ..permissions import NO_SCOPE
from ..web.endpoints import SERVICE_ENDPOINTS
from ..web.errors import unauthorized
from ..web.services import api_service
from .definitions import IMetrics, Metrics, QueueDepthCollector

MULTIPROCESS_DIR_ENV = "PROMETHEUS_MULTIPROC_DIR"

metrics_service = api_service("metrics", SERVICE_ENDPOINTS["metrics"],
                              "Prometheus metrics of the service", scopes=NO_SCOPE, traverse=False)


def scraped_registry(metrics: Metrics) -> CollectorRegistry:
    """What a scrape reports: every worker's files in multiprocess mode, else this process."""
    if MULTIPROCESS_DIR_ENV not in os.environ:
        return metrics.registry
    registry = CollectorRegistry()
    MultiProcessCollector(registry)  # type: ignore[no-untyped-call]  # untyped upstream
    registry.register(QueueDepthCollector(metrics))
    return registry


def has_token(request: Request, token: str) -> bool:
    """``Authorization: Bearer <token>``, compared in constant time."""
    scheme, _, offered = request.headers.get("Authorization", "").partition(" ")
    return scheme.lower() == "bearer" and hmac.compare_digest(
        offered.strip().encode("utf-8", "surrogateescape"), token.encode("ascii"))


@metrics_service.get(permission=NO_PERMISSION_REQUIRED, operation_id="getMetrics")
def get_metrics(request: Request) -> Response:
    """Prometheus metrics of the service (the text exposition format).

    Requests by method, route pattern and status, their durations, webhook deliveries and
    queue depth, database connections and refused logins; 401 without the metrics token
    when ``taskservice.metrics.token`` is set.
    """
    token = request.registry.app_settings.metrics_token
    if token and not has_token(request, token):
        return unauthorized(request, "header", "Authorization",
                            "GET /__metrics__ needs Authorization: Bearer <the metrics token>")
    metrics: Metrics = request.registry.getUtility(IMetrics)
    body = generate_latest(scraped_registry(metrics))
    return Response(body=body, headerlist=[("Content-Type", CONTENT_TYPE_LATEST)])
