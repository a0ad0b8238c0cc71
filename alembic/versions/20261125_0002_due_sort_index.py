"""Index the due_at sort as the list query orders it: undated last, then due_at, then id.

The sort leads with CASE WHEN due_at IS NULL THEN 1 ELSE 0 END; an index on plain
(owner_id, due_at, id) cannot serve that order, so a user's due_at page sorted all of
their tasks.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-25
"""
import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

UNDATED = "(CASE WHEN (due_at IS NULL) THEN 1 ELSE 0 END)"


def upgrade() -> None:
    op.drop_index("ix_tasks_owner_due", table_name="tasks")
    op.create_index(
        "ix_tasks_owner_due", "tasks",
        ["owner_id", sa.text(UNDATED), "due_at", "id"],
    )


def downgrade() -> None:
    op.drop_index("ix_tasks_owner_due", table_name="tasks")
    op.create_index("ix_tasks_owner_due", "tasks", ["owner_id", "due_at", "id"])
