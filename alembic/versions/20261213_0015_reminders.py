"""Reminders (contract section 14).

- ``tasks.reminders``: a task's reminders as the API shows them (JSON, ``[]`` for every
  existing task).
- ``task_reminders``: when each reminder of a not-done task comes and whether it is still
  to fire, with copies of its task's owner and list, empty until a task has reminders;
  one partial index holds the armed rows only, two read a user's or a list's by moment.
- ``shared_reminders``: the shares of tasks that have reminders (none yet).
- Webhooks subscribed to ``*`` gain the bit of the new event ``task.reminder`` (bit 11 of
  ``event_mask``): ``*`` means every event, this one included.

The downgrade drops both, takes the bit away from every webhook and the event from every
subscription (a webhook that subscribed to it alone is left subscribed to ``ping``, which
nothing is queued for, and inactive, saying why), and deletes the queued events and the
delivery records of that type, which the version before does not know.

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-13
"""
import json

import sqlalchemy as sa
from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
UTC_TIME = sa.DateTime()  # naive UTC, as every time column (db.base.UTCDateTime)
REMINDER_EVENT = "task.reminder"
REMINDER_BIT = 1 << 11
ALL_EVENTS = "*"
ARMED = {"sqlite_where": sa.text("armed = 1"), "postgresql_where": sa.text("armed")}
IN_A_LIST = {"sqlite_where": sa.text("list_id IS NOT NULL"),
             "postgresql_where": sa.text("list_id IS NOT NULL")}
WEBHOOKS = sa.table("webhooks", sa.column("id", ID), sa.column("events", sa.JSON),
                    sa.column("event_mask", sa.Integer), sa.column("active", sa.Boolean),
                    sa.column("disabled_reason", sa.Text))
ALONE = ("Subscribed only to task.reminder, which this version of the service does not send; "
         "set its events again")


def upgrade() -> None:
    op.add_column("tasks", sa.Column("reminders", sa.JSON, nullable=False,
                                     server_default=sa.text("'[]'")))
    op.create_table(
        "task_reminders",
        sa.Column("task_id", ID, sa.ForeignKey("tasks.id", ondelete="CASCADE"),
                  primary_key=True),
        sa.Column("slot", sa.SmallInteger, primary_key=True),
        sa.Column("reminder", sa.JSON, nullable=False),
        sa.Column("scheduled_for", UTC_TIME, nullable=False),
        sa.Column("armed", sa.Boolean, nullable=False),
        sa.Column("owner_id", ID, nullable=False),
        sa.Column("list_id", ID, nullable=True),
    )
    op.create_index("ix_task_reminders_armed", "task_reminders", ["scheduled_for"], **ARMED)
    op.create_index("ix_task_reminders_owner", "task_reminders",
                    ["owner_id", "scheduled_for", "task_id", "slot"])
    op.create_index("ix_task_reminders_list", "task_reminders",
                    ["list_id", "scheduled_for", "task_id", "slot"], **IN_A_LIST)
    op.create_table(
        "shared_reminders",
        sa.Column("user_id", ID, sa.ForeignKey("users.id", ondelete="CASCADE"),
                  primary_key=True),
        sa.Column("task_id", ID, sa.ForeignKey("tasks.id", ondelete="CASCADE"),
                  primary_key=True),
    )
    for webhook_id, events, mask in _webhooks():
        if ALL_EVENTS in events:
            _set(webhook_id, event_mask=mask | REMINDER_BIT)


def downgrade() -> None:
    for webhook_id, events, mask in _webhooks():
        kept = [name for name in events if name != REMINDER_EVENT]
        values: dict[str, object] = {"event_mask": mask & ~REMINDER_BIT}
        if kept != events:
            values["events"] = kept or ["ping"]
        if not kept:
            values.update(active=False, disabled_reason=ALONE)
        _set(webhook_id, **values)
    op.execute(sa.text("DELETE FROM webhook_events WHERE type = :type")
               .bindparams(type=REMINDER_EVENT))
    op.execute(sa.text("DELETE FROM webhook_deliveries WHERE event_type = :type")
               .bindparams(type=REMINDER_EVENT))
    op.drop_table("shared_reminders")
    op.drop_table("task_reminders")  # and its indexes
    op.drop_column("tasks", "reminders")


def _webhooks() -> list[tuple[int, list[str], int]]:
    rows = op.get_bind().execute(sa.select(WEBHOOKS.c.id, WEBHOOKS.c.events,
                                           WEBHOOKS.c.event_mask))
    return [(row.id, row.events if isinstance(row.events, list) else json.loads(row.events),
             row.event_mask) for row in rows]


def _set(webhook_id: int, **values: object) -> None:
    op.get_bind().execute(sa.update(WEBHOOKS).where(WEBHOOKS.c.id == webhook_id)
                          .values(**values))
