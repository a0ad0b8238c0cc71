"""Keys the service signs with, generated here: sync tokens are signed (contract section 8).

Each key is made by this migration, so a database at head always has them and no
request ever has to write one (see taskservice/db/service_keys.py).

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-02
"""
import secrets

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None

KEY_NAMES = ("sync_tokens",)


def upgrade() -> None:
    keys = op.create_table(
        "service_keys",
        sa.Column("name", sa.String(32), nullable=False),
        sa.Column("secret", sa.LargeBinary(), nullable=False),
        sa.PrimaryKeyConstraint("name", name="pk_service_keys"),
    )
    op.bulk_insert(keys, [{"name": name, "secret": secrets.token_bytes(32)}
                          for name in KEY_NAMES])


def downgrade() -> None:
    op.drop_table("service_keys")
