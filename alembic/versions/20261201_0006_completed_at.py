"""Tasks record when they were completed (``completed_at``, contract section 3).

Tasks already done get their ``updated_at``: the last change of a done task is the best
record there is of when it was completed.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-01
"""
import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

TASKS = sa.table(
    "tasks", sa.column("done", sa.Boolean()), sa.column("updated_at", sa.DateTime()),
    sa.column("completed_at", sa.DateTime()),
)


def upgrade() -> None:
    op.add_column("tasks", sa.Column("completed_at", sa.DateTime(), nullable=True))
    op.execute(
        TASKS.update().where(TASKS.c.done == sa.true()).values(completed_at=TASKS.c.updated_at)
    )


def downgrade() -> None:
    # Not in batch mode: rebuilding the table on SQLite would drop its trigger and its
    # expression indexes. SQLite has had DROP COLUMN since 3.35.
    op.drop_column("tasks", "completed_at")
