"""CalDAV (contract section 16): the objects clients sent, and the names they chose.

``calendar_objects`` keeps, per task, the iCalendar object a client last sent for it
(its UID, resource name, bytes, the task version they describe, and the parent UID a
``RELATED-TO`` waits for); ``calendar_collections`` the URL segment a ``MKCALENDAR`` gave
a list; ``calendar_tombstones`` the name a client gave a task since deleted, for a sync's
``404`` (purged with the change log). All are new tables: existing tasks and lists get
no row and are served from their own fields. The downgrade drops them (clients then see
each task's object made afresh, under the UID derived from its id).

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-15
"""
import sqlalchemy as sa
from alembic import op

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
WAITING = sa.text("parent_uid IS NOT NULL")


def upgrade() -> None:
    op.create_table(
        "calendar_objects",
        sa.Column("task_id", ID, sa.ForeignKey("tasks.id", ondelete="CASCADE"),
                  primary_key=True),
        sa.Column("owner_id", ID, sa.ForeignKey("users.id", ondelete="CASCADE"),
                  nullable=False),
        sa.Column("uid", sa.String(255), nullable=False),
        sa.Column("name", sa.String(255), nullable=False),
        sa.Column("ical", sa.Text, nullable=False),
        sa.Column("ical_version", sa.Integer, nullable=False),
        sa.Column("parent_uid", sa.String(255), nullable=True),
    )
    op.create_index("uq_calendar_objects_owner_uid", "calendar_objects",
                    ["owner_id", "uid"], unique=True)
    op.create_index("ix_calendar_objects_name", "calendar_objects", ["name"])
    op.create_index("ix_calendar_objects_uid", "calendar_objects", ["uid"])
    op.create_index("ix_calendar_objects_waiting", "calendar_objects",
                    ["owner_id", "parent_uid"], sqlite_where=WAITING, postgresql_where=WAITING)
    op.create_table(
        "calendar_collections",
        sa.Column("list_id", ID, sa.ForeignKey("lists.id", ondelete="CASCADE"),
                  primary_key=True),
        sa.Column("name", sa.String(255), nullable=False),
    )
    op.create_index("ix_calendar_collections_name", "calendar_collections", ["name"])
    op.create_table(
        "calendar_tombstones",
        sa.Column("task_id", ID, primary_key=True, autoincrement=False),
        sa.Column("name", sa.String(255), nullable=False),
        sa.Column("deleted_at", sa.DateTime(), nullable=False),  # naive UTC (UTCDateTime)
    )
    op.create_index("ix_calendar_tombstones_deleted_at", "calendar_tombstones", ["deleted_at"])


def downgrade() -> None:
    op.drop_table("calendar_tombstones")
    op.drop_table("calendar_collections")
    op.drop_table("calendar_objects")
