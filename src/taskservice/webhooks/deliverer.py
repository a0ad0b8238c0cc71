"""The deliverer: attempts under way in threads of their own, the database in one thread.

One runs in the web process's delivery thread (runner.py) and one in each
``taskservice-worker`` (worker.py). It has ``taskservice.webhooks.concurrency`` slots. Its
own thread, the only one to touch the database, loops: record the attempts that have
ended and claim due events for the free slots, both in one short transaction
(delivery.py), then hand each claimed event to a thread of the pool, which makes the
HTTP attempt and touches nothing else. A slow receiver so takes one slot, not the
deliverer: other users' events go on through the others, and a slot is free again at
the latest at the claim's deadline.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from concurrent import futures
from concurrent.futures import Future, ThreadPoolExecutor

from sqlalchemy.exc import SQLAlchemyError

from ..settings import Settings
from . import sender
from .delivery import Claimed, Store, anything_due, attempt, claim, record

log = logging.getLogger(__name__)

POLL_SECONDS = 0.5


class Deliverer:
    """Claims, attempts and records; see the module docstring."""

    def __init__(self, store: Store, settings: Settings) -> None:
        self.store = store
        self.settings = settings
        self.slots = settings.webhooks_concurrency
        self.pool = ThreadPoolExecutor(self.slots, thread_name_prefix="webhook-attempt")
        self.under_way: dict[Future[sender.Answer], Claimed] = {}

    def busy(self) -> frozenset[int]:
        """The webhooks with an attempt under way (one each at a time)."""
        return frozenset(claimed.webhook_id for claimed in self.under_way.values())

    def step(self, claiming: bool = True) -> int:
        """Start a round (``Store.on_round``: reminders that came are queued), record the
        attempts that have ended and claim for the free slots (one short transaction, none
        when there is nothing to do); how many events were claimed."""
        if claiming:
            self.start_round()
        # Recorded in the order of their webhooks: each outcome may update its webhook's
        # row, and two deliverers locking the same webhooks in different orders deadlock.
        ended = sorted(((self.under_way.pop(done), _answer(done))
                        for done in [f for f in self.under_way if f.done()]),
                       key=lambda pair: (pair[0].webhook_id, pair[0].id))
        free = self.slots - len(self.under_way) if claiming else 0
        busy = self.busy()
        if not ended and not (free and anything_due(self.store, self.settings, busy)):
            return 0
        with self.store.writing() as session:
            outcomes = [record(session, claimed, answer, self.settings)
                        for claimed, answer in ended]
            # Taken just before the claim: the lease, which the claim takes, outlasts it.
            deadline = time.monotonic() + self.settings.webhooks_timeout
            batch = claim(session, self.settings, free, busy) if free else []
        for outcome in outcomes:
            if outcome is not None and self.store.on_outcome is not None:
                self.store.on_outcome(outcome)
        for claimed in batch:
            future = self.pool.submit(attempt, claimed, self.settings, deadline)
            self.under_way[future] = claimed
        return len(batch)

    def start_round(self) -> None:
        """Tell the app a round begins (reminders fire): whatever fails there is logged and
        delivery goes on, as after a database failure."""
        if self.store.on_round is None:
            return
        try:
            self.store.on_round()
        except Exception:  # a subscriber's failure, plugin or ours: never the loop's end
            log.exception("webhook delivery: the round's subscribers failed; going on")

    def wait(self, seconds: float, stop: threading.Event) -> None:
        """Until an attempt ends, ``stop`` is set or ``seconds`` have passed."""
        if self.under_way:
            futures.wait(self.under_way, seconds, futures.FIRST_COMPLETED)
        else:
            stop.wait(seconds)

    def finish(self) -> None:
        """Wait for the attempts under way (each ends by its deadline) and record them."""
        futures.wait(self.under_way)
        self.step(claiming=False)

    def close(self) -> None:
        self.pool.shutdown(wait=True)


def _answer(done: Future[sender.Answer]) -> sender.Answer:
    """The attempt's answer; a failed one if, against its promise, it raised."""
    error = done.exception()
    if error is None:
        return done.result()
    log.error("webhook attempt failed inside the service", exc_info=error)
    return sender.Answer(None, "The attempt failed inside the service", 0)


def deliver_due(store: Store, settings: Settings) -> int:
    """One round, for tests and tools: claim what is due now as the loop would, wait for
    every attempt and record it; how many events were claimed."""
    deliverer = Deliverer(store, settings)
    try:
        claimed = deliverer.step()
        deliverer.finish()
    finally:
        deliverer.close()
    return claimed


def run(store: Store, settings: Settings, stop: threading.Event) -> None:
    """Deliver until ``stop`` is set; the attempts under way are finished and recorded
    first (each ends by its deadline)."""
    log.info("webhook delivery started")
    deliverer = Deliverer(store, settings)
    try:
        while not stop.is_set():
            free = deliverer.slots - len(deliverer.under_way)
            if _guarded(deliverer.step) < free:  # nothing more to claim for now
                deliverer.wait(POLL_SECONDS, stop)
        _guarded(deliverer.finish)
    finally:
        deliverer.close()
    log.info("webhook delivery stopped")


def _guarded(step: Callable[[], int | None]) -> int:
    """``step()``; when the database fails, logged, and the loop goes on (the claims whose
    outcomes were not recorded are retried when their leases end)."""
    try:
        return step() or 0
    except SQLAlchemyError:
        log.exception("webhook delivery: the database failed; trying again")
        return 0
