"""Dates that mean what people mean (contract section 12).

- ``tasks.due_date``: an all-day due's date. ``tasks.due_at`` keeps the due's instant for
  both kinds (for an all-day due, 00:00 of its date in the task's zone), so the existing
  sort indexes, and the share rows' copy of the key, order timed and all-day dues together.
- ``tasks.time_zone`` and ``users.time_zone``: IANA names, ``UTC`` for what exists.
- ``changes.action`` widened for ``completed_occurrence``; the downgrade records those
  entries as ``updated`` again.
- ``tasks.recurrence_*``: the rule as sent, what occurrences follow (``due`` or
  ``completion``), the instant the series started at, and the current due's place in it
  (``COUNT`` of a series that follows completions cannot be recounted from the rule).

Columns are added in place, and dropped in place by the downgrade: rebuilding the table
on SQLite would drop its trigger and its expression indexes. A downgrade keeps every
all-day due as the instant it stands for (00:00 of its date in its zone).

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-11
"""
import warnings

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None

ZONE = sa.String(64)
TASK_COLUMNS = (
    sa.Column("due_date", sa.Date(), nullable=True),
    sa.Column("time_zone", ZONE, nullable=False, server_default="UTC"),
    sa.Column("recurrence_rule", sa.String(500), nullable=True),
    sa.Column("recurrence_from", sa.String(10), nullable=True),
    sa.Column("recurrence_start", sa.DateTime(), nullable=True),
    sa.Column("recurrence_index", sa.Integer(), nullable=False, server_default="0"),
)


CHANGES = sa.table("changes", sa.column("action", sa.String()))


SEQUENCE = sa.table("sqlite_sequence", sa.column("name", sa.String()),
                    sa.column("seq", sa.Integer()))


def _action_length(length: int) -> None:
    """On SQLite, by rebuilding the table: it has no trigger, and its indexes are made
    again as they were. Its AUTOINCREMENT, and the last position it handed out, are kept:
    a position must never be handed out twice, even one whose rows are gone (a client
    may hold it), and a rebuilt table would start from its highest remaining row.
    """
    sqlite = op.get_bind().dialect.name == "sqlite"
    last = (op.get_bind().scalar(sa.select(SEQUENCE.c.seq).where(SEQUENCE.c.name == "changes"))
            if sqlite else None)
    with warnings.catch_warnings():
        # Reflecting ``changes`` reflects the tasks and users tables its foreign key names,
        # whose expression indexes SQLAlchemy cannot read (and this leaves alone).
        warnings.filterwarnings("ignore", "Skipped unsupported reflection", sa.exc.SAWarning)
        with op.batch_alter_table("changes",
                                  table_kwargs={"sqlite_autoincrement": True}) as batch:
            batch.alter_column("action", type_=sa.String(length), existing_nullable=False)
    if last is not None:
        op.execute(SEQUENCE.update().where(SEQUENCE.c.name == "changes").values(seq=last))


def upgrade() -> None:
    for column in TASK_COLUMNS:
        op.add_column("tasks", column)
    op.add_column("users", sa.Column("time_zone", ZONE, nullable=False, server_default="UTC"))
    _action_length(24)  # changes.models.ACTION_MAX_LENGTH, as it was then


def downgrade() -> None:
    op.execute(CHANGES.update().where(CHANGES.c.action == "completed_occurrence")
               .values(action="updated"))
    _action_length(8)
    op.drop_column("users", "time_zone")
    for column in reversed(TASK_COLUMNS):
        op.drop_column("tasks", column.name)
