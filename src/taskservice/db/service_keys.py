"""Secrets the service makes for itself and keeps in its database.

A sync token is signed, not just checksummed: a client who knows the encoding could
otherwise re-date its token past the retention, or forge one at any position (and edit a
list's cursor, which the same key signs). Signing
needs a secret every worker and machine shares, and the contract keeps secrets out of
ini files; the database is the one thing every process already shares. So the migration
that creates ``service_keys`` also generates each key (``secrets.token_bytes``): a fresh
database has its keys, no request ever writes one, and each process reads a key once.
Recreating the database makes new keys, which turns old tokens into 400s, as it should.
"""

from __future__ import annotations

from pyramid.request import Request
from sqlalchemy import Connection, LargeBinary, String, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from .base import Base

SYNC_TOKENS = "sync_tokens"
# List cursors are signed with the same key (web/pagination.py): the kind each payload
# names ("sync", a sort, "users"...) keeps a cursor from passing for a token or another list's.
CURSORS = SYNC_TOKENS
# Encrypts webhook signing secrets at rest (webhooks/sealing.py; made by migration 0012).
WEBHOOK_SECRETS = "webhook_secrets"


class ServiceKey(Base):
    __tablename__ = "service_keys"

    name: Mapped[str] = mapped_column(String(32), primary_key=True)
    secret: Mapped[bytes] = mapped_column(LargeBinary)


def read_service_key(database: Session | Connection, name: str) -> bytes:
    return database.execute(select(ServiceKey.secret).where(ServiceKey.name == name)).scalar_one()


def service_key(request: Request, name: str) -> bytes:
    """The key ``name``, read from the database on this process's first use."""
    cache: dict[str, bytes] = request.registry.service_keys
    if name not in cache:
        cache[name] = read_service_key(request.dbsession, name)
    return cache[name]
