"""The metrics themselves, one ``Metrics`` per application, and how other packages feed them.

Counters and histograms add up over every worker process of a machine when
``PROMETHEUS_MULTIPROC_DIR`` is set before the process starts (prometheus_client's
multiprocess mode: each process writes its values to files there, and a scrape reads them
all); the gauges say how they combine (``livesum``: the sum over the live processes). The
webhook queue's depth is read at scrape time from a source the webhooks package registers:
it is one number in the database, whichever process answers the scrape.

The feeding functions (``record_webhook_delivery``, ``set_webhook_queue_depth_source``)
take the Pyramid registry and do nothing when metrics are off, so their callers need not
know whether they are on. A domain is not a caller: it notifies an event (accounts'
``LoginRefused``) that ``Metrics`` subscribes to when metrics are on.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram
from prometheus_client.core import GaugeMetricFamily, Metric
from pyramid.registry import Registry
from zope.interface import Interface

from ..accounts.events import LoginRefused
from ..reminders.events import LATE_AFTER, RemindersFired

log = logging.getLogger(__name__)

# A request's labels: a method outside these is "other", so no client can add series.
METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
OTHER_METHOD = "other"
# Seconds; fine-grained at the low end, where most requests fall.
DURATION_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
# Seconds from a reminder's moment to its queueing: within the round's half second is the
# rule, the contract's 5 s the promise, hours an outage.
LAG_BUCKETS = (0.25, 0.5, 1.0, 2.0, 5.0, 10.0, 30.0, 60.0, 300.0, 3600.0, 86400.0)
QUEUE_DEPTH = "taskservice_webhook_queue_depth"

QueueDepthSource = Callable[[], int]


class IMetrics(Interface):
    """The application's ``Metrics`` (registered only when ``taskservice.metrics`` is on)."""


class Metrics:
    """Every metric of one application, in a registry of its own."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.queue_depth_source: QueueDepthSource | None = None
        # The children of each label set seen (bounded: the labels are).
        self._series: dict[tuple[str, str, int], tuple[Counter, Histogram]] = {}
        self.requests = Counter(
            "taskservice_http_requests", "HTTP requests answered, by route pattern",
            ("method", "route", "status"), registry=self.registry)
        self.duration = Histogram(
            "taskservice_http_request_duration_seconds", "Time to answer a request",
            ("method", "route"), buckets=DURATION_BUCKETS, registry=self.registry)
        self.webhook_deliveries = Counter(
            "taskservice_webhook_deliveries", "Webhook delivery attempts, by outcome",
            ("outcome",), registry=self.registry)
        self.login_refusals = Counter(
            "taskservice_login_refusals",
            "Password checks (POST /tokens, PATCH /users/me) refused by the password throttle",
            registry=self.registry)
        self.reminders_fired = Counter(
            "taskservice_reminders_fired", "Reminders fired (a task.reminder event queued)",
            registry=self.registry)
        self.reminders_late = Counter(
            "taskservice_reminders_late",
            f"Reminders fired more than {LATE_AFTER.total_seconds():g} s after their moment",
            registry=self.registry)
        self.reminders_dropped = Counter(
            "taskservice_reminders_dropped",
            "Reminders not fired: found more than 24 hours after their moment",
            registry=self.registry)
        self.reminder_lag = Histogram(
            "taskservice_reminder_lag_seconds", "From a reminder's moment to its firing",
            buckets=LAG_BUCKETS, registry=self.registry)
        self.db_connections_open = Gauge(
            "taskservice_db_connections_open", "Database connections the pools hold open",
            multiprocess_mode="livesum", registry=self.registry)
        self.db_connections_in_use = Gauge(
            "taskservice_db_connections_in_use", "Database connections checked out of the pools",
            multiprocess_mode="livesum", registry=self.registry)
        self.registry.register(QueueDepthCollector(self))

    def count_login_refusal(self, event: LoginRefused) -> None:
        """Subscriber: one password check refused by the throttle."""
        self.login_refusals.inc()

    def count_reminders(self, event: RemindersFired) -> None:
        """Subscriber: reminders fired (late ones too) and dropped, and each one's lag."""
        self.reminders_fired.inc(len(event.fired))
        self.reminders_dropped.inc(event.dropped)
        for fired in event.fired:
            self.reminder_lag.observe(fired.lag.total_seconds())
            if fired.lag > LATE_AFTER:
                self.reminders_late.inc()

    def count_delivery(self, outcome: str) -> None:
        self.webhook_deliveries.labels(outcome).inc()

    def observe(self, method: str, route: str, status: int, seconds: float) -> None:
        method = method if method in METHODS else OTHER_METHOD
        key = (method, route, status)
        series = self._series.get(key)
        if series is None:  # labels() validates and locks: once per series, not per request
            series = self._series[key] = (self.requests.labels(method, route, str(status)),
                                          self.duration.labels(method, route))
        requests, duration = series
        requests.inc()
        duration.observe(seconds)


class QueueDepthCollector:
    """``taskservice_webhook_queue_depth``, read from its source at each scrape.

    0 while no source is registered (webhooks off: nothing is queued). A source that fails
    (the database is down) leaves the metric out of that scrape rather than failing it.
    """

    def __init__(self, metrics: Metrics) -> None:
        self.metrics = metrics

    def describe(self) -> list[Metric]:
        return [GaugeMetricFamily(QUEUE_DEPTH, "Webhook deliveries waiting to be attempted")]

    def collect(self) -> Iterator[Metric]:
        source = self.metrics.queue_depth_source
        try:
            depth = 0 if source is None else source()
        except Exception:  # any failure of the source: the scrape goes on without it
            log.warning("the webhook queue depth could not be read", exc_info=True)
            return
        yield GaugeMetricFamily(QUEUE_DEPTH, "Webhook deliveries waiting to be attempted",
                                value=depth)


def record_webhook_delivery(registry: Registry, outcome: str) -> None:
    """Count one delivery attempt (``outcome``: ``succeeded`` or ``failed``, as in §9)."""
    metrics: Metrics | None = registry.queryUtility(IMetrics)
    if metrics is not None:
        metrics.count_delivery(outcome)


def set_webhook_queue_depth_source(registry: Registry, source: QueueDepthSource) -> None:
    """Have each scrape report ``source()`` as the webhook queue's depth.

    ``source`` runs in the process answering ``GET /__metrics__`` and should be one cheap
    query (e.g. a count of the deliveries due); call this from an ``includeme``.
    """
    metrics: Metrics | None = registry.queryUtility(IMetrics)
    if metrics is not None:
        metrics.queue_depth_source = source
