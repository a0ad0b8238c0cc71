"""Prometheus metrics (``taskservice.metrics = prometheus``), section 11 of the contract.

When off, nothing of this package runs per request: no tween, no ``/__metrics__`` route
(a 404 like any unknown path), no pool listeners, and the feeding functions of
``definitions`` find no ``Metrics`` and return. When on: the metrics of ``definitions``,
the request tween (``tween``), database pool listeners, a subscriber counting the
password checks the throttle refuses (accounts' ``LoginRefused``), one counting the
reminders fired (``RemindersFired``), and ``GET /__metrics__``
(``views``). Several worker processes (gunicorn) add up through prometheus_client's
multiprocess mode; see ``gunicorn_hooks`` and docs/operations.md.
"""

from __future__ import annotations

from pyramid.config import Configurator
from pyramid.tweens import INGRESS
from sqlalchemy import event
from sqlalchemy.engine import Engine

from ..accounts.events import LoginRefused
from ..db.interfaces import IDatabaseEngine
from ..reminders.events import RemindersFired
from .definitions import (
    IMetrics,
    Metrics,
    record_webhook_delivery,
    set_webhook_queue_depth_source,
)
from .views import metrics_service

__all__ = ["record_webhook_delivery", "set_webhook_queue_depth_source"]


def watch_pool(engine: Engine, metrics: Metrics) -> None:
    """Keep the connection gauges current from the pool's own events."""
    opened, in_use = metrics.db_connections_open, metrics.db_connections_in_use
    event.listen(engine, "connect", lambda *_: opened.inc())
    event.listen(engine, "close", lambda *_: opened.dec())
    event.listen(engine, "close_detached", lambda *_: opened.dec())
    event.listen(engine, "checkout", lambda *_: in_use.inc())
    event.listen(engine, "checkin", lambda *_: in_use.dec())


def includeme(config: Configurator) -> None:
    if config.registry.app_settings.metrics != "prometheus":
        return
    metrics = Metrics()
    config.registry.registerUtility(metrics, IMetrics)
    watch_pool(config.registry.getUtility(IDatabaseEngine), metrics)
    config.add_subscriber(metrics.count_login_refusal, LoginRefused)
    config.add_subscriber(metrics.count_reminders, RemindersFired)
    # Outermost but for the WSGI server: the duration covers every other tween.
    config.add_tween("taskservice.metrics.tween.metrics_tween_factory", under=INGRESS,
                     over="taskservice.web.requestlog.access_log_tween_factory")
    config.add_api_services(metrics_service)
