"""When each reminder of a not-done task comes, and whether it is still to be fired.

``tasks.reminders`` holds what the client sent; this table holds what it means now: one
row per reminder of the task's current occurrence, with its moment. It is what the
firing claims (``ix_task_reminders_armed``: the armed rows, soonest first, a range that
holds only what is yet to fire however many have fired) and what ``GET /reminders``
reads: the task's owner and list are copied in (an owner never changes; a list move
rewrites the rows), so "my reminders this week" and "my lists' reminders this week" are
each a range of one index, whoever else has reminders; ``shared_reminders`` names the
shares that lead to some. A done task has no rows; a row
fired, or set when its moment had passed, stays (``armed`` false) so that re-sending
the same reminders never fires them again (arming.py).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, cast

from sqlalchemy import (
    JSON,
    Boolean,
    ForeignKey,
    Index,
    SmallInteger,
    Table,
    literal_column,
)
from sqlalchemy.orm import Mapped, mapped_column

from ..db.base import ID, Base, UTCDateTime


class TaskReminder(Base):
    __tablename__ = "task_reminders"
    __table_args__ = (
        Index("ix_task_reminders_armed", "scheduled_for",
              sqlite_where=literal_column("armed = 1"),
              postgresql_where=literal_column("armed")),
        Index("ix_task_reminders_owner", "owner_id", "scheduled_for", "task_id", "slot"),
        Index("ix_task_reminders_list", "list_id", "scheduled_for", "task_id", "slot",
              sqlite_where=literal_column("list_id IS NOT NULL"),
              postgresql_where=literal_column("list_id IS NOT NULL")),
    )

    task_id: Mapped[int] = mapped_column(
        ID, ForeignKey("tasks.id", ondelete="CASCADE"), primary_key=True)
    # The reminder's place in the task's list.
    slot: Mapped[int] = mapped_column(SmallInteger, primary_key=True)
    # The reminder as the task shows it (a copy: the listing and the firing read no task
    # body for it).
    reminder: Mapped[dict[str, Any]] = mapped_column(JSON, nullable=False)
    scheduled_for: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    # Copies of the task's owner and list (see the module docstring).
    owner_id: Mapped[int] = mapped_column(ID, nullable=False)
    list_id: Mapped[int | None] = mapped_column(ID, nullable=True)
    armed: Mapped[bool] = mapped_column(Boolean, nullable=False)


class SharedReminders(Base):
    """A task with reminders shared with a user: "my shared tasks' reminders" probes only
    these, not every task shared with the user (most have none). Kept by sharing.py."""

    __tablename__ = "shared_reminders"

    user_id: Mapped[int] = mapped_column(
        ID, ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    task_id: Mapped[int] = mapped_column(
        ID, ForeignKey("tasks.id", ondelete="CASCADE"), primary_key=True)


TASK_REMINDERS = cast(Table, TaskReminder.__table__)
SHARED_REMINDERS = cast(Table, SharedReminders.__table__)
