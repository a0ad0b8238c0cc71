"""Webhooks, the outbox of events waiting to be delivered, and the log of attempts.

- ``webhooks``: a subscription. ``event_mask`` has one bit per event type (``EVENT_BITS``),
  so the outbox's INSERT … SELECT matches a webhook with one AND. ``list_id`` has
  no foreign key on purpose: a webhook scoped to a list still receives that list's
  ``list.deleted``, queued before the delete, and then simply matches nothing more.
- ``webhook_events``: the transactional outbox. A row is one event for one webhook, written
  in the transaction of the change it reports; ``id`` is the event id (``webhook-id``,
  the same on every retry). ``attempt`` counts the attempts made; ``next_attempt_at`` is
  when the next one is due, and is pushed ahead by a lease while a deliverer holds it.
  The row is deleted when the delivery succeeds or finally fails.
- ``webhook_deliveries``: every attempt and its outcome (``GET …/deliveries``).

All three go with their webhook, and webhooks with their owner (``ON DELETE CASCADE``).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import cast

from sqlalchemy import (
    JSON,
    Boolean,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..accounts.models import User
from ..db.base import ID, Base, UTCDateTime
from ..vocabulary import ALL_EVENTS, EVENT_TYPES, WEBHOOK_URL_MAX_LENGTH

# The bit of each event type in ``webhooks.event_mask``, pinned: stored masks keep meaning
# what they meant, so an event added to the vocabulary takes a new bit here and moves no
# other (tests/unit/webhooks/test_event_bits.py holds these values).
EVENT_BITS: dict[str, int] = {
    "task.created": 0, "task.updated": 1, "task.deleted": 2, "task.shared": 3,
    "task.unshared": 4, "list.created": 5, "list.updated": 6, "list.deleted": 7,
    "list.shared": 8, "list.unshared": 9, "ping": 10, "task.reminder": 11,
}
if set(EVENT_BITS) != set(EVENT_TYPES) or len(set(EVENT_BITS.values())) != len(EVENT_BITS):
    raise ValueError("every event type of taskservice.vocabulary.EVENT_TYPES needs a bit of "
                     "its own in taskservice.webhooks.models.EVENT_BITS")


def event_bit(name: str) -> int:
    return 1 << EVENT_BITS[name]


def event_mask(names: Iterable[str]) -> int:
    """The bits of ``names``; ``*`` is every event type, ``ping`` included.

    The ping bit is kept for what the subscription says, and matches nothing: pings are
    queued by ``POST /webhooks/<id>/ping`` for the webhook asked, never through
    ``outbox.queue``, so a webhook is pinged on request whatever its events.
    """
    wanted = EVENT_TYPES if ALL_EVENTS in names else names
    mask = 0
    for name in wanted:
        mask |= event_bit(name)
    return mask


class Webhook(Base):
    __tablename__ = "webhooks"
    __table_args__ = (
        Index("ix_webhooks_owner_id", "owner_id", "id"),
        {"sqlite_autoincrement": True},
    )

    id: Mapped[int] = mapped_column(ID, primary_key=True)
    owner_id: Mapped[int] = mapped_column(
        ID, ForeignKey("users.id", ondelete="CASCADE"), nullable=False
    )
    url: Mapped[str] = mapped_column(String(WEBHOOK_URL_MAX_LENGTH), nullable=False)
    events: Mapped[list[str]] = mapped_column(JSON, nullable=False)
    event_mask: Mapped[int] = mapped_column(Integer, nullable=False)
    list_id: Mapped[int | None] = mapped_column(ID, nullable=True)
    active: Mapped[bool] = mapped_column(Boolean, nullable=False, default=True)
    disabled_reason: Mapped[str | None] = mapped_column(Text, nullable=True)
    secret: Mapped[str] = mapped_column(String(64), nullable=False)
    # After a rotation: the old secret, which signs too until it expires.
    previous_secret: Mapped[str | None] = mapped_column(String(64), nullable=True)
    previous_secret_expires_at: Mapped[datetime | None] = mapped_column(
        UTCDateTime, nullable=True)
    consecutive_failures: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)

    owner: Mapped[User] = relationship(lazy="joined", innerjoin=True)


class WebhookEvent(Base):
    __tablename__ = "webhook_events"
    __table_args__ = (
        # What deliverers claim: the due events, soonest first.
        Index("ix_webhook_events_next_attempt_at", "next_attempt_at"),
        Index("ix_webhook_events_webhook_id", "webhook_id"),
        {"sqlite_autoincrement": True},  # an event id is never reused
    )

    id: Mapped[int] = mapped_column(ID, primary_key=True)
    webhook_id: Mapped[int] = mapped_column(
        ID, ForeignKey("webhooks.id", ondelete="CASCADE"), nullable=False
    )
    type: Mapped[str] = mapped_column(String(16), nullable=False)
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    actor: Mapped[str | None] = mapped_column(String(32), nullable=True)
    # The event's ``data`` as JSON text, fixed when it is queued: every retry sends it as is.
    data: Mapped[str] = mapped_column(Text, nullable=False)
    attempt: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)


class WebhookDelivery(Base):
    __tablename__ = "webhook_deliveries"
    __table_args__ = (
        Index("ix_webhook_deliveries_webhook_id", "webhook_id", "id"),
        {"sqlite_autoincrement": True},
    )

    id: Mapped[int] = mapped_column(ID, primary_key=True)
    webhook_id: Mapped[int] = mapped_column(
        ID, ForeignKey("webhooks.id", ondelete="CASCADE"), nullable=False
    )
    event_id: Mapped[int] = mapped_column(ID, nullable=False)
    event_type: Mapped[str] = mapped_column(String(16), nullable=False)
    attempt: Mapped[int] = mapped_column(Integer, nullable=False)
    at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    outcome: Mapped[str] = mapped_column(String(9), nullable=False)
    response_status: Mapped[int | None] = mapped_column(Integer, nullable=True)
    duration_ms: Mapped[int] = mapped_column(Integer, nullable=False)
    error: Mapped[str | None] = mapped_column(Text, nullable=True)


WEBHOOKS = cast(Table, Webhook.__table__)
EVENTS = cast(Table, WebhookEvent.__table__)
DELIVERIES = cast(Table, WebhookDelivery.__table__)

