"""Delivering the outbox: claim due events, POST them, record each attempt's outcome.

The same loop runs in the web process's thread (``delivery = thread``) and in each
``taskservice-worker`` process. A deliverer never holds a transaction across an HTTP
call:

1. **claim**: when a plain read finds something due (so an idle deliverer never takes
   SQLite's write lock), one short transaction takes up to ``BATCH`` due events, counts the attempt
   and pushes their ``next_attempt_at`` past a lease (the timeout plus a margin), then
   commits. On PostgreSQL the rows are read ``FOR UPDATE SKIP LOCKED``, so workers
   claiming at the same moment take different rows; after the commit the lease keeps
   them away. On SQLite the claim is one ``BEGIN IMMEDIATE`` writer at a time.
2. **send** each one (sender.py), outside any transaction.
3. **record** the outcome in another short transaction (:func:`record`, the only place an
   outcome is decided): success deletes the event; a failure schedules the next retry
   with jitter, or, after the last, deletes it and counts a failed delivery against the
   webhook. The event is only touched if its ``attempt`` is still the one claimed.

A deliverer killed at any point leaves the event in the table with its lease; when the
lease runs out it is claimed again: delivery is at least once, never lost.
"""

from __future__ import annotations

import json
import logging
import random
import threading
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager, nullcontext
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, cast

from sqlalchemy import Select, delete, func, insert, or_, select, update
from sqlalchemy.engine import CursorResult
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from ..db.base import utcnow
from ..db.sqlite import SQLITE_IMMEDIATE
from ..settings import Settings
from ..web.representation import timestamp
from . import sealing, sender, signing
from .models import DELIVERIES, EVENTS, WEBHOOKS

log = logging.getLogger(__name__)

BATCH = 20
LEASE_MARGIN = timedelta(seconds=5)
JITTER = 0.1
POLL_SECONDS = 0.5
PING = "ping"


@dataclass(frozen=True)
class Claimed:
    """One event claimed for one attempt, with what it is sent to and signed with."""

    id: int
    webhook_id: int
    type: str
    occurred_at: datetime
    actor: str | None
    data: str
    attempt: int  # this attempt's number, from 1
    url: str
    secrets: tuple[str, ...]

    def body(self) -> bytes:
        head = json.dumps({"id": str(self.id), "type": self.type,
                           "occurred_at": timestamp(self.occurred_at),
                           "actor": self.actor}, separators=(",", ":"))
        return (head[:-1] + ',"data":' + self.data + "}").encode()


@dataclass
class Store:
    """Where the deliverer's sessions come from, and the turn SQLite writers take."""

    session_factory: Callable[[], Session]
    write_turn: AbstractContextManager[Any] | None = None
    # Told each attempt's outcome (the metrics' counter, when metrics are on).
    on_outcome: Callable[[str], None] | None = None

    @contextmanager
    def writing(self) -> Iterator[Session]:
        """A session in a write transaction, committed at the end (rolled back on error)."""
        with self.write_turn or nullcontext(), self.session_factory() as session, \
                session.begin():
            if session.get_bind().dialect.name == "sqlite":
                session.connection(execution_options={SQLITE_IMMEDIATE: True})
            yield session


def _due() -> Select[tuple[int]]:
    """The events an attempt may be made on now (a ping even to an inactive webhook)."""
    event, webhook = EVENTS.c, WEBHOOKS.c
    return (select(event.id).join(WEBHOOKS, webhook.id == event.webhook_id)
            .where(event.next_attempt_at <= utcnow(), or_(webhook.active, event.type == PING)))


def anything_due(store: Store) -> bool:
    """A read, before the claim's write transaction: an idle deliverer never writes."""
    with store.session_factory() as session:
        return session.execute(_due().limit(1)).first() is not None


def signing_secrets(session: Session, secret: str, previous: str | None,
                    expires: datetime | None, now: datetime) -> tuple[str, ...]:
    """The secrets a delivery is signed with, opened from their sealed form (sealing.py):
    the old one too until its overlap ends."""
    sealed = [secret]
    if previous is not None and expires is not None and expires > now:
        sealed.append(previous)
    return sealing.opened(sealing.sealing_key(session), sealed)


def claim(session: Session, settings: Settings, limit: int = BATCH) -> list[Claimed]:
    """Take up to ``limit`` due events for this deliverer (see the module docstring)."""
    now = utcnow()
    event, webhook = EVENTS.c, WEBHOOKS.c
    query = (
        _due().add_columns(event.webhook_id, event.type, event.occurred_at, event.actor,
                           event.data, event.attempt, webhook.url, webhook.secret,
                           webhook.previous_secret, webhook.previous_secret_expires_at)
        .order_by(event.next_attempt_at).limit(limit)
    )
    if session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update(of=EVENTS, skip_locked=True)
    rows = session.execute(query).all()
    if not rows:
        return []
    lease = now + timedelta(seconds=settings.webhooks_timeout) + LEASE_MARGIN
    session.execute(update(EVENTS).where(event.id.in_([r.id for r in rows]))
                    .values(attempt=event.attempt + 1, next_attempt_at=lease))
    return [Claimed(r.id, r.webhook_id, r.type, r.occurred_at, r.actor, r.data, r.attempt + 1,
                    r.url, signing_secrets(session, r.secret, r.previous_secret,
                                           r.previous_secret_expires_at, now))
            for r in rows]


def attempt(claimed: Claimed, settings: Settings) -> sender.Answer:
    """POST one claimed event, signed, to its webhook."""
    body = claimed.body()
    timestamp = int(utcnow().timestamp())
    headers = signing.headers(claimed.secrets, str(claimed.id), timestamp, body)
    return sender.post(claimed.url, headers, body, settings)


def record(session: Session, claimed: Claimed, answer: sender.Answer,
           settings: Settings) -> str:
    """Record one attempt and decide what follows; returns its outcome.

    The one place an outcome is decided (a metric of outcomes belongs here).
    """
    now = utcnow()
    outcome = "succeeded" if answer.succeeded else "failed"
    session.execute(insert(DELIVERIES).values(
        webhook_id=claimed.webhook_id, event_id=claimed.id, event_type=claimed.type,
        attempt=claimed.attempt, at=now, outcome=outcome, response_status=answer.status,
        duration_ms=answer.duration_ms, error=answer.error))
    mine = (EVENTS.c.id == claimed.id) & (EVENTS.c.attempt == claimed.attempt)
    delays = settings.webhooks_retry_delays
    if answer.succeeded:
        session.execute(delete(EVENTS).where(mine))
        if claimed.type != PING:
            _set_failures(session, claimed.webhook_id, 0)
    elif claimed.type == PING or claimed.attempt > len(delays):
        # The delivery has failed. A ping is sent once and counts for nothing.
        gone = cast(CursorResult[Any], session.execute(delete(EVENTS).where(mine))).rowcount
        if gone and claimed.type != PING:
            _count_failed_delivery(session, claimed, answer, settings)
    else:
        delay = delays[claimed.attempt - 1] * random.uniform(1 - JITTER, 1 + JITTER)
        session.execute(update(EVENTS).where(mine).values(
            next_attempt_at=now + timedelta(seconds=delay)))
    log.info("webhook delivery event_id=%s webhook_id=%s type=%s attempt=%s outcome=%s "
             "status=%s duration_ms=%s error=%s", claimed.id, claimed.webhook_id,
             claimed.type, claimed.attempt, outcome, answer.status, answer.duration_ms,
             answer.error)
    return outcome


def _set_failures(session: Session, webhook_id: int, count: int) -> None:
    session.execute(update(WEBHOOKS).where(WEBHOOKS.c.id == webhook_id)
                    .values(consecutive_failures=count))


def _count_failed_delivery(session: Session, claimed: Claimed, answer: sender.Answer,
                           settings: Settings) -> None:
    """One more failed delivery in a row; at ``disable_after`` the webhook is disabled."""
    webhook = WEBHOOKS.c
    failures = session.execute(
        update(WEBHOOKS).where(webhook.id == claimed.webhook_id)
        .values(consecutive_failures=webhook.consecutive_failures + 1)
        .returning(webhook.consecutive_failures)).scalar_one_or_none()
    if failures is not None and failures >= settings.webhooks_disable_after:
        disable(session, claimed.webhook_id,
                f"Disabled after {failures} consecutive failed deliveries; the last "
                f"attempt's error: {answer.error}")


def disable(session: Session, webhook_id: int, reason: str) -> None:
    """Make a webhook inactive: nothing more is queued for it, and what was is dropped."""
    session.execute(update(WEBHOOKS).where(WEBHOOKS.c.id == webhook_id)
                    .values(active=False, disabled_reason=reason))
    session.execute(delete(EVENTS).where(EVENTS.c.webhook_id == webhook_id,
                                         EVENTS.c.type != PING))
    log.warning("webhook disabled webhook_id=%s reason=%s", webhook_id, reason)


def queue_depth(session: Session) -> int:
    """How many events wait for delivery (due or not, leased or not)."""
    return session.execute(select(func.count()).select_from(EVENTS)).scalar_one()


def deliver_due(store: Store, settings: Settings, stop: threading.Event | None = None) -> int:
    """One round: claim a batch, attempt each, record each; how many were claimed.

    When ``stop`` is set the round ends after the attempt under way; the rest of the
    batch waits for its lease to run out.
    """
    if not anything_due(store):
        return 0
    with store.writing() as session:
        batch = claim(session, settings)
    for claimed in batch:
        if stop is not None and stop.is_set():
            break
        answer = attempt(claimed, settings)
        with store.writing() as session:
            outcome = record(session, claimed, answer, settings)
        if store.on_outcome is not None:
            store.on_outcome(outcome)
    return len(batch)


def run(store: Store, settings: Settings, stop: threading.Event) -> None:
    """Deliver until ``stop`` is set; the attempt under way is finished and recorded first."""
    log.info("webhook delivery started")
    while not stop.is_set():
        try:
            attempted = deliver_due(store, settings, stop)
        except SQLAlchemyError:
            log.exception("webhook delivery: the database failed; trying again")
            attempted = 0
        if not attempted:
            stop.wait(POLL_SECONDS)
    log.info("webhook delivery stopped")
