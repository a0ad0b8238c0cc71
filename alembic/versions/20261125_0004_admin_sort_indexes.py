"""Index every sort of an admin's list, which spans all owners.

Only created_at had an owner-less index, so an admin's first page sorted by anything
else sorted every task: at 1,000,000 tasks, 16 s by title, 2 s by updated_at.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-25
"""
import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

UNDATED = sa.text("(CASE WHEN (due_at IS NULL) THEN 1 ELSE 0 END)")
INDEXES = {
    "ix_tasks_updated": ["updated_at", "id"],
    "ix_tasks_priority": ["priority", "id"],
    "ix_tasks_title": ["title", "id"],
    "ix_tasks_due": [UNDATED, "due_at", "id"],
    "ix_tasks_due_desc": [UNDATED, sa.text("due_at DESC"), sa.text("id DESC")],
}


def upgrade() -> None:
    for name, columns in INDEXES.items():
        op.create_index(name, "tasks", columns)


def downgrade() -> None:
    for name in INDEXES:
        op.drop_index(name, table_name="tasks")
