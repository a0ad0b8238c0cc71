"""Claiming due events, attempting them and recording each attempt's outcome.

The same deliverer (deliverer.py) runs in the web process's thread (``delivery = thread``)
and in each ``taskservice-worker`` process. It never holds a transaction, a lock or
SQLite's write turn across a DNS lookup or an HTTP call:

1. **claim**: when a plain read finds something claimable (so an idle deliverer never
   takes SQLite's write lock), one short transaction takes due events for its free
   slots, counts each attempt and pushes the event's ``next_attempt_at`` past a lease (the
   timeout plus a margin), then commits. Turns go round the owners: each webhook's
   soonest event, an owner at most ``concurrency_per_user`` at once (counting those under
   way), the owners with the fewest under way first (:func:`fair`). On PostgreSQL the
   rows are read ``FOR UPDATE SKIP LOCKED``, so workers claiming at the same moment take
   different rows; after the commit the lease keeps them away. On SQLite the claim is one
   ``BEGIN IMMEDIATE`` writer at a time.
2. **attempt** each one at once, in a thread, outside any transaction, with a deadline of
   the timeout from the claim (sender.py, deadline.py): it ends before its lease does, so
   no other deliverer can claim the event while the attempt may still be sending.
3. **record** the outcome in another short transaction (:func:`record`, the only place an
   outcome is decided): success deletes the event; a failure schedules the next retry
   with jitter, or, after the last, deletes it and counts a failed delivery against the
   webhook. The claim's attempt number fences it: only if the event still carries that
   number is anything recorded, so a deliverer whose claim was lost records nothing.

A deliverer killed at any point leaves the event in the table with its lease; when the
lease runs out it is claimed again: delivery is at least once, never lost.
"""

from __future__ import annotations

import json
import logging
import random
from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, cast

from sqlalchemy import (
    ColumnElement,
    Delete,
    Select,
    Update,
    delete,
    func,
    insert,
    literal,
    or_,
    select,
    update,
)
from sqlalchemy.engine import CursorResult
from sqlalchemy.orm import Session

from ..db.base import utcnow
from ..db.session import write_transaction
from ..settings import Settings
from ..vocabulary import PING_EVENT
from ..web.representation import timestamp
from . import sealing, sender, signing
from .models import DELIVERIES, EVENTS, WEBHOOKS

log = logging.getLogger(__name__)

# How much longer than the attempt's deadline its lease lasts: room for the scheduler and
# for the clocks of deliverers on different machines (keep them in step: NTP).
LEASE_MARGIN = timedelta(seconds=5)
JITTER = 0.1


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

    # Called at the start of each round of the deliverer (runner.py: a DeliveryRound).
    on_round: Callable[[], None] | None = None

    def writing(self) -> AbstractContextManager[Session]:
        """A session in a write transaction, committed at the end (rolled back on error)."""
        return write_transaction(self.session_factory, self.write_turn)


def _due() -> Select[tuple[int]]:
    """The events an attempt may be made on now (a ping even to an inactive webhook)."""
    event, webhook = EVENTS.c, WEBHOOKS.c
    return (select(event.id).join(WEBHOOKS, webhook.id == event.webhook_id)
            .where(event.next_attempt_at <= utcnow(),
                   or_(webhook.active, event.type == PING_EVENT)))


def fair(limit: int, per_user: int, busy: frozenset[int]) -> Select[tuple[int]]:
    """The ids of up to ``limit`` due events to claim next, in turns across owners.

    ``busy`` are the webhooks this deliverer has an attempt under way to: none of their
    events is taken (one attempt at a time per webhook, in the queue's order); of every
    other webhook, its soonest due event. Then each owner's in turn, counting the owner's
    busy webhooks, up to ``per_user``: one user's slow receivers take at most that many
    of the deliverer's slots, and an owner with fewer under way goes first.
    """
    event, webhook = EVENTS.c, WEBHOOKS.c
    heads = _due().add_columns(webhook.owner_id, event.next_attempt_at, func.row_number().over(
        partition_by=event.webhook_id, order_by=(event.next_attempt_at, event.id)).label("place"))
    if busy:
        heads = heads.where(event.webhook_id.not_in(busy))
    head = heads.subquery()
    turn = _under_way(head.c.owner_id, busy) + func.row_number().over(
        partition_by=head.c.owner_id, order_by=(head.c.next_attempt_at, head.c.id))
    ranked = (select(head.c.id, head.c.next_attempt_at, turn.label("turn"))
              .where(head.c.place == 1).subquery())
    return (select(ranked.c.id).where(ranked.c.turn <= per_user)
            .order_by(ranked.c.turn, ranked.c.next_attempt_at, ranked.c.id).limit(limit))


def _under_way(owner: ColumnElement[int], busy: frozenset[int]) -> ColumnElement[int]:
    """How many of the ``busy`` webhooks ``owner`` has: the owner's attempts under way."""
    if not busy:
        return literal(0)
    mine = WEBHOOKS.alias("busy")
    return (select(func.count()).select_from(mine)
            .where(mine.c.owner_id == owner, mine.c.id.in_(busy)).scalar_subquery())


def anything_due(store: Store, settings: Settings, busy: frozenset[int]) -> bool:
    """A read, before the claim's write transaction: an idle deliverer never writes, nor
    does one whose due events all wait for their owner's turn."""
    with store.session_factory() as session:
        query = fair(1, settings.webhooks_concurrency_per_user, busy)
        return session.execute(query).first() is not None


def signing_secrets(session: Session, secret: str, previous: str | None,
                    expires: datetime | None, now: datetime) -> tuple[str, ...]:
    """The secrets a delivery is signed with, opened from their sealed form (sealing.py):
    the old one too until its overlap ends."""
    sealed = [secret]
    if previous is not None and expires is not None and expires > now:
        sealed.append(previous)
    return sealing.opened(sealing.sealing_key(session), sealed)


def claim(session: Session, settings: Settings, limit: int,
          busy: frozenset[int] = frozenset()) -> list[Claimed]:
    """Take up to ``limit`` due events for this deliverer, which has attempts under way to
    the ``busy`` webhooks (see the module docstring)."""
    now = utcnow()
    event, webhook = EVENTS.c, WEBHOOKS.c
    query = (
        _due().add_columns(event.webhook_id, event.type, event.occurred_at, event.actor,
                           event.data, event.attempt, webhook.url, webhook.secret,
                           webhook.previous_secret, webhook.previous_secret_expires_at)
        .where(event.id.in_(fair(limit, settings.webhooks_concurrency_per_user, busy)))
        .order_by(event.next_attempt_at)
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


def attempt(claimed: Claimed, settings: Settings, deadline: float) -> sender.Answer:
    """POST one claimed event, signed, to its webhook, giving up at ``deadline``: a
    ``time.monotonic()`` value, the timeout from before the claim, so the attempt ends
    before the claim's lease does."""
    body = claimed.body()
    timestamp = int(utcnow().timestamp())
    headers = signing.headers(claimed.secrets, str(claimed.id), timestamp, body)
    return sender.post(claimed.url, headers, body, settings, deadline)


def record(session: Session, claimed: Claimed, answer: sender.Answer,
           settings: Settings) -> str | None:
    """Record one attempt and decide what follows; returns its outcome, or None when the
    claim was lost (the event was claimed again, or dropped, meanwhile): then nothing is.

    The one place an outcome is decided (a metric of outcomes belongs here).
    """
    now = utcnow()
    outcome = "succeeded" if answer.succeeded else "failed"
    delays = settings.webhooks_retry_delays
    # The delivery has failed after the last retry. A ping is sent once and counts for nothing.
    final = claimed.type == PING_EVENT or claimed.attempt > len(delays)
    mine = (EVENTS.c.id == claimed.id) & (EVENTS.c.attempt == claimed.attempt)
    if answer.succeeded or final:
        settle: Delete | Update = delete(EVENTS).where(mine)
    else:
        delay = delays[claimed.attempt - 1] * random.uniform(1 - JITTER, 1 + JITTER)
        settle = update(EVENTS).where(mine).values(next_attempt_at=now + timedelta(seconds=delay))
    if not cast(CursorResult[Any], session.execute(settle)).rowcount:
        log.warning("webhook delivery event_id=%s attempt=%s: its claim was lost, nothing "
                    "recorded", claimed.id, claimed.attempt)
        return None
    session.execute(insert(DELIVERIES).values(
        webhook_id=claimed.webhook_id, event_id=claimed.id, event_type=claimed.type,
        attempt=claimed.attempt, at=now, outcome=outcome, response_status=answer.status,
        duration_ms=answer.duration_ms, error=answer.error))
    if claimed.type != PING_EVENT and answer.succeeded:
        _set_failures(session, claimed.webhook_id, 0)
    elif claimed.type != PING_EVENT and final:
        _count_failed_delivery(session, claimed, answer, settings)
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
                                         EVENTS.c.type != PING_EVENT))
    log.warning("webhook disabled webhook_id=%s reason=%s", webhook_id, reason)


def queue_depth(session: Session) -> int:
    """How many events wait for delivery (due or not, leased or not)."""
    return session.execute(select(func.count()).select_from(EVENTS)).scalar_one()
