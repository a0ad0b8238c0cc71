"""``taskservice.webhooks.delivery = thread``: the web process delivers in a thread.

Started once the application is created (so ``make run`` needs nothing else), it runs the
same loop as ``taskservice-worker`` (reminders included: each round is a ``DeliveryRound``)
on sessions of its own (never a request's), taking
this process's SQLite write turn like a request does. It is a daemon thread: a process
that stops mid-attempt leaves the event leased, and it is retried when the lease ends.
"""

from __future__ import annotations

import atexit
import threading
from collections.abc import Callable
from functools import partial

from pyramid.config import Configurator
from pyramid.events import ApplicationCreated
from pyramid.registry import Registry
from zope.interface import Interface

from ..db.session import background_sessions, sqlite_write_turn
from ..events import DeliveryRound
from ..metrics import record_webhook_delivery, set_webhook_queue_depth_source
from . import deliverer, delivery

STOP_WAIT_SECONDS = 5.0


class IDeliveryThread(Interface):
    """The running delivery thread's stop function (a utility while one runs)."""


def store_of(registry: Registry) -> delivery.Store:
    """Sessions like the app's that do not join a request; each round notifies
    :class:`~taskservice.events.DeliveryRound` to the app's subscribers."""
    return delivery.Store(background_sessions(registry), sqlite_write_turn(registry),
                          partial(record_webhook_delivery, registry),
                          partial(registry.notify, DeliveryRound(registry)))


def start(registry: Registry) -> None:
    """Start the delivery thread; :func:`stop` (or the process's exit) stops it."""
    stop = threading.Event()
    thread = threading.Thread(
        target=deliverer.run, args=(store_of(registry), registry.app_settings, stop),
        name="webhook-delivery", daemon=True)
    thread.start()

    def stop_thread() -> None:
        stop.set()
        thread.join(STOP_WAIT_SECONDS)

    atexit.register(stop_thread)
    registry.registerUtility(stop_thread, IDeliveryThread)


def stop(registry: Registry) -> None:
    """Stop the registry's delivery thread, if one runs: for a command that bootstraps the
    app (``taskservice-admin``) and must not deliver while it works."""
    stop_thread = registry.queryUtility(IDeliveryThread)
    if stop_thread is not None:
        stop_thread()


def _on_created(event: ApplicationCreated) -> None:
    registry = event.app.registry
    if registry.app_settings.webhooks_delivery == "thread":
        start(registry)


def queue_depth_source(registry: Registry) -> Callable[[], int]:
    """The queue's depth, read in a session of its own at each metrics scrape."""

    def depth() -> int:
        with store_of(registry).session_factory() as session:
            return delivery.queue_depth(session)

    return depth


def includeme(config: Configurator) -> None:
    config.add_subscriber(_on_created, ApplicationCreated)
    set_webhook_queue_depth_source(config.registry, queue_depth_source(config.registry))
