"""Scoped tokens and app passwords (contract section 15).

``tokens`` gains a ``name`` (none for a login's), the ``scopes`` it holds (every one for
each existing token, which was its user's full power), the ``lists`` it is limited to
(none), ``last_used_at`` (unknown), and ``expires_at`` may be empty: a token that never
expires.

The downgrade takes the columns away and, since the version before knows only
unrestricted tokens that expire, deletes every token that is limited in any way or never
expires: kept, it would become its user's full power, for ever. Their holders log in again.

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-14
"""
import json

import sqlalchemy as sa
from alembic import op

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None

UTC_TIME = sa.DateTime()  # naive UTC, as every time column (db.base.UTCDateTime)
ALL_SCOPES = ["read", "write", "webhooks", "account"]
ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
TOKENS = sa.table("tokens", sa.column("id", ID), sa.column("scopes", sa.JSON),
                  sa.column("lists", sa.JSON), sa.column("expires_at", UTC_TIME))


def upgrade() -> None:
    with op.batch_alter_table("tokens") as tokens:
        tokens.add_column(sa.Column("name", sa.String(100), nullable=True))
        tokens.add_column(sa.Column("scopes", sa.JSON, nullable=False,
                                    server_default=sa.text(f"'{json.dumps(ALL_SCOPES)}'")))
        tokens.add_column(sa.Column("lists", sa.JSON, nullable=True))
        tokens.add_column(sa.Column("last_used_at", UTC_TIME, nullable=True))
        tokens.alter_column("expires_at", existing_type=UTC_TIME, nullable=True)


def downgrade() -> None:
    rows = op.get_bind().execute(sa.select(TOKENS.c.id, TOKENS.c.scopes, TOKENS.c.lists)
                                 .where(TOKENS.c.expires_at.is_not(None)))
    restricted = [row.id for row in rows
                  if row.lists is not None or sorted(row.scopes) != sorted(ALL_SCOPES)]
    op.execute(TOKENS.delete().where(TOKENS.c.expires_at.is_(None)))
    for start in range(0, len(restricted), 500):
        op.execute(TOKENS.delete().where(TOKENS.c.id.in_(restricted[start:start + 500])))
    with op.batch_alter_table("tokens") as tokens:
        tokens.alter_column("expires_at", existing_type=UTC_TIME, nullable=False)
        tokens.drop_column("last_used_at")
        tokens.drop_column("lists")
        tokens.drop_column("scopes")
        tokens.drop_column("name")
