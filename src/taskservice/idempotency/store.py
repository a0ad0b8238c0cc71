"""Claiming a key, keeping a response, and giving a key up: each a short transaction.

They run in transactions of their own (``db.session.own_transaction``), apart from the
request's: a lease must be visible to a concurrent request on any worker while the
first one runs, and a kept response is written once the request's transaction has ended.
Two requests claiming one key at once are decided by the primary key: one inserts, the
other finds that row when it looks again.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import timedelta
from enum import Enum
from typing import cast

from sqlalchemy import ColumnElement, CursorResult, and_, delete, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from ..db.base import utcnow
from .models import LEASE_LENGTH, IdempotencyKey

# How long a running request holds its key: after that, a request that died with it no
# longer blocks it (a request that runs longer may then be run twice).
LEASE = timedelta(seconds=60)


class Outcome(Enum):
    RUN = "run"  # the caller holds the lease: process the request
    REPLAY = "replay"  # the kept response of the same request
    BUSY = "busy"  # the first request with this key is still running
    MISMATCH = "mismatch"  # the key was used with another request


@dataclass(frozen=True)
class Claim:
    outcome: Outcome
    kept: IdempotencyKey | None = None


def new_lease() -> str:
    return secrets.token_hex(LEASE_LENGTH // 2)


def _judge(row: IdempotencyKey, fingerprint: str, lease: str) -> Claim | None:
    """What a live row means for this request; None when the row is expired."""
    if row.lease == lease:  # this very request, on a retried attempt
        return Claim(Outcome.RUN)
    if row.expires_at <= utcnow():
        return None
    if row.fingerprint != fingerprint:
        return Claim(Outcome.MISMATCH)
    if row.status is None:
        return Claim(Outcome.BUSY)
    return Claim(Outcome.REPLAY, row)


def _take_over(session: Session, row: IdempotencyKey, fingerprint: str, lease: str) -> bool:
    """Replace an expired row by this request's lease, unless another request just did."""
    taken = cast(CursorResult[object], session.execute(
        update(IdempotencyKey)
        .where(IdempotencyKey.user_id == row.user_id, IdempotencyKey.key == row.key,
               IdempotencyKey.expires_at == row.expires_at)
        .values(fingerprint=fingerprint, lease=lease, status=None, body=None, location=None,
                etag=None, withheld=None, expires_at=utcnow() + LEASE)
        .execution_options(synchronize_session=False)
    ))
    return taken.rowcount == 1


def _insert(session: Session, user_id: int, key: str, fingerprint: str, lease: str) -> bool:
    """Insert this request's lease; False when a concurrent request inserted one first."""
    try:
        with session.begin_nested():
            session.add(IdempotencyKey(user_id=user_id, key=key, fingerprint=fingerprint,
                                       lease=lease, expires_at=utcnow() + LEASE))
    except IntegrityError:
        return False
    return True


def claim(session: Session, user_id: int, key: str, fingerprint: str, lease: str) -> Claim:
    """Hold ``key`` for this request, or say why not (in ``session``'s transaction)."""
    for _attempt in range(2):  # a lost race is decided by reading the winner's row
        row = session.get(IdempotencyKey, (user_id, key), populate_existing=True)
        if row is not None:
            judged = _judge(row, fingerprint, lease)
            if judged is not None:
                return judged
            if _take_over(session, row, fingerprint, lease):
                return Claim(Outcome.RUN)
        elif _insert(session, user_id, key, fingerprint, lease):
            return Claim(Outcome.RUN)
    return Claim(Outcome.BUSY)


def _held(user_id: int, key: str, lease: str) -> ColumnElement[bool]:
    """The row this request's lease still holds."""
    return and_(IdempotencyKey.user_id == user_id, IdempotencyKey.key == key,
                IdempotencyKey.lease == lease)


@dataclass(frozen=True)
class KeptResponse:
    """What is kept of a response: enough to answer it again (``withheld``: the secrets
    its body shows as null, and where a replay reads them again; see withheld.py)."""

    status: int
    body: bytes | None
    location: str | None
    etag: str | None
    withheld: str | None = None


def keep(session: Session, user_id: int, key: str, lease: str, response: KeptResponse,
         ttl: int) -> None:
    session.execute(
        update(IdempotencyKey).where(_held(user_id, key, lease))
        .values(lease=None, status=response.status, body=response.body,
                location=response.location, etag=response.etag, withheld=response.withheld,
                expires_at=utcnow() + timedelta(seconds=ttl))
        .execution_options(synchronize_session=False)
    )


def give_up(session: Session, user_id: int, key: str, lease: str) -> None:
    """Free the key (after a 5xx): the client may send the request again."""
    session.execute(delete(IdempotencyKey).where(_held(user_id, key, lease))
                    .execution_options(synchronize_session=False))


def purge_expired(session: Session) -> int:
    """Delete every expired row (``taskservice-admin <ini> purge-idempotency-keys``)."""
    expired = delete(IdempotencyKey).where(IdempotencyKey.expires_at <= utcnow())
    return cast(CursorResult[object], session.execute(expired)).rowcount
