"""Every id and every foreign key to one is 64 bits (BIGINT) on PostgreSQL.

The URL grammar accepts ids of up to 18 digits, and PostgreSQL's INTEGER stops at
2**31 - 1, so ``GET /tasks/999999999999`` failed in the driver instead of being a 404;
past two billion rows the service would also have run out of ids. The sequences behind
the ids grow with their columns. SQLite's INTEGER is 64 bits already: nothing to do there.

The ALTERs rewrite each table under an exclusive lock, so on a large database run this
migration in a maintenance window.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-01
"""
import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

# table -> its id columns (its own id first, when it has one)
ID_COLUMNS = {
    "users": ("id",),
    "tokens": ("id", "user_id"),
    "tasks": ("id", "owner_id"),
    "task_tags": ("task_id",),
    "task_shares": ("task_id", "user_id"),
}
SEQUENCED_TABLES = ("users", "tokens", "tasks")


def _retype(type_name: str) -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    for table, columns in ID_COLUMNS.items():
        changes = ", ".join(f"ALTER COLUMN {column} TYPE {type_name}" for column in columns)
        op.execute(f"ALTER TABLE {table} {changes}")
    for table in SEQUENCED_TABLES:
        sequence = op.get_bind().execute(
            sa.text("SELECT pg_get_serial_sequence(:table, 'id')"), {"table": table}
        ).scalar_one()
        op.execute(f"ALTER SEQUENCE {sequence} AS {type_name}")


def upgrade() -> None:
    _retype("BIGINT")


def downgrade() -> None:
    # Fails, as it should, once any id is past 2**31 - 1.
    _retype("INTEGER")
