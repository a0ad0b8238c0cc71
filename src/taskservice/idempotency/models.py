"""The kept responses of ``Idempotency-Key`` requests, per user and key.

A row is first a lease (``lease`` set, ``status`` null): the request holding it is still
running, until ``expires_at``, after which a crashed holder no longer blocks the key.
Then it is the kept response (``status``, ``body``, ``location``, ``etag``; ``lease``
null) until ``expires_at`` again, now ``taskservice.idempotency.ttl`` after it was kept.
A secret the response showed is never kept (``withheld``; see withheld.py).
An expired row counts as absent: the next request with its key replaces it.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, LargeBinary, SmallInteger, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from ..db.base import ID, Base, UTCDateTime
from ..vocabulary import IDEMPOTENCY_KEY_MAX_LENGTH

FINGERPRINT_LENGTH = 64  # a SHA-256, in hex
LEASE_LENGTH = 32  # a random token, in hex


class IdempotencyKey(Base):
    __tablename__ = "idempotency_keys"

    user_id: Mapped[int] = mapped_column(
        ID, ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    key: Mapped[str] = mapped_column(String(IDEMPOTENCY_KEY_MAX_LENGTH), primary_key=True)
    fingerprint: Mapped[str] = mapped_column(String(FINGERPRINT_LENGTH), nullable=False)
    lease: Mapped[str | None] = mapped_column(String(LEASE_LENGTH), nullable=True)
    status: Mapped[int | None] = mapped_column(SmallInteger, nullable=True)
    body: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True)
    location: Mapped[str | None] = mapped_column(Text, nullable=True)
    etag: Mapped[str | None] = mapped_column(String(64), nullable=True)
    # The secrets the kept body shows as null, and where a replay reads each again:
    # {"<field>": "<source>:<reference>"} as JSON (withheld.py).
    withheld: Mapped[str | None] = mapped_column(Text, nullable=True)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, index=True)
