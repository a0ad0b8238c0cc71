"""Tasks, their tags and their shares.

Tags are kept twice on purpose: as a JSON list on the task, so loading a task is one
query, and as ``task_tags`` rows, so ``tag=`` filters are an indexed lookup on every
database. :meth:`Task.set_tags` is the only writer of both.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    ForeignKey,
    Index,
    Integer,
    SmallInteger,
    String,
    Text,
    case,
    literal_column,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .meta import Base, UTCDateTime, utcnow
from .user import User

PRIORITIES = ("low", "normal", "high", "urgent")
PRIORITY_RANK = {name: rank for rank, name in enumerate(PRIORITIES)}
SHARE_PERMISSIONS = ("view", "edit")


class Task(Base):
    __tablename__ = "tasks"
    __table_args__ = (
        CheckConstraint("priority BETWEEN 0 AND 3", name="priority_rank"),
        # One index per sort order, owner first: a user's page is an index range scan.
        Index("ix_tasks_owner_created", "owner_id", "created_at", "id"),
        Index("ix_tasks_owner_updated", "owner_id", "updated_at", "id"),
        Index("ix_tasks_owner_priority", "owner_id", "priority", "id"),
        Index("ix_tasks_owner_title", "owner_id", "title", "id"),
        # An admin's list spans every owner.
        Index("ix_tasks_created", "created_at", "id"),
        {"sqlite_autoincrement": True},  # ids are never reused, even after a delete
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    owner_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), nullable=False
    )
    title: Mapped[str] = mapped_column(String(200), nullable=False)
    description: Mapped[str] = mapped_column(Text, nullable=False, default="")
    done: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    priority: Mapped[int] = mapped_column(SmallInteger, nullable=False, default=1)
    due_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    tags: Mapped[list[str]] = mapped_column(JSON, nullable=False, default=list)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)
    version: Mapped[int] = mapped_column(Integer, nullable=False)

    owner: Mapped[User] = relationship(lazy="joined", innerjoin=True)
    tag_rows: Mapped[list[TaskTag]] = relationship(
        cascade="all, delete-orphan", passive_deletes=True, lazy="select"
    )
    shares: Mapped[list[TaskShare]] = relationship(
        cascade="all, delete-orphan", passive_deletes=True, lazy="select",
        order_by="TaskShare.user_id",
    )

    # The ORM adds "AND version = :old" to every UPDATE, so two writers that loaded the
    # same version cannot both succeed: the loser gets StaleDataError, never a lost update.
    __mapper_args__ = {"version_id_col": version}

    @property
    def priority_name(self) -> str:
        return PRIORITIES[self.priority]

    def set_tags(self, tags: Iterable[str]) -> None:
        """Replace the task's tags, keeping the JSON list and the index rows in step."""
        wanted = list(dict.fromkeys(tags))
        self.tags = wanted
        existing = {row.tag: row for row in self.tag_rows}
        self.tag_rows = [existing.get(tag) or TaskTag(tag=tag) for tag in wanted]


# "No due date" sorts last in both directions, so the due_at sort leads with this key.
# An integer, not "due_at IS NULL": SQL cannot compare booleans with < and >, which the
# keyset condition needs. Literal 1 and 0 (not bound parameters) so the query's
# expression is the index's expression and the planner can use the index for it.
UNDATED = case((Task.due_at.is_(None), literal_column("1")), else_=literal_column("0"))
Index("ix_tasks_owner_due", Task.owner_id, UNDATED, Task.due_at, Task.id)


class TaskTag(Base):
    __tablename__ = "task_tags"
    __table_args__ = (Index("ix_task_tags_tag_task", "tag", "task_id"),)

    task_id: Mapped[int] = mapped_column(
        ForeignKey("tasks.id", ondelete="CASCADE"), primary_key=True
    )
    tag: Mapped[str] = mapped_column(String(50), primary_key=True)


class TaskShare(Base):
    __tablename__ = "task_shares"
    __table_args__ = (
        CheckConstraint("permission IN ('view', 'edit')", name="permission_kind"),
        # "Tasks shared with me", the second half of every non-admin list.
        Index("ix_task_shares_user_task", "user_id", "task_id"),
    )

    task_id: Mapped[int] = mapped_column(
        ForeignKey("tasks.id", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    permission: Mapped[str] = mapped_column(String(8), nullable=False)

    user: Mapped[User] = relationship(lazy="joined", innerjoin=True)
