"""Lists and their shares.

A list holds no copy of its tasks and its tasks no copy of its shares: a task names its
list (``tasks.list_id``), and what a list share grants reaches every task in it through
the resource tree (resources.py) and, for ``GET /tasks``, through one index range per list
(tasks/listing.py). So sharing a list of a million tasks writes one row.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..accounts.models import User
from ..db.base import ID, Base, UTCDateTime, utcnow
from ..vocabulary import LIST_NAME_MAX_LENGTH, LIST_SHARE_PERMISSIONS

LIST_PERMISSION_CHECK = (
    f"permission IN ({', '.join(repr(name) for name in LIST_SHARE_PERMISSIONS)})"
)


class TaskList(Base):
    """A list (``List`` would shadow the typing name every reader knows)."""

    __tablename__ = "lists"
    __table_args__ = (
        # GET /lists: the caller's own lists in each sort, and every list for an admin.
        Index("ix_lists_owner_name", "owner_id", "name", "id"),
        Index("ix_lists_owner_created", "owner_id", "created_at", "id"),
        Index("ix_lists_name", "name", "id"),
        Index("ix_lists_created", "created_at", "id"),
        {"sqlite_autoincrement": True},  # ids are never reused, even after a delete
    )

    id: Mapped[int] = mapped_column(ID, primary_key=True)
    owner_id: Mapped[int] = mapped_column(
        ID, ForeignKey("users.id", ondelete="CASCADE"), nullable=False
    )
    name: Mapped[str] = mapped_column(String(LIST_NAME_MAX_LENGTH), nullable=False)
    description: Mapped[str] = mapped_column(Text, nullable=False, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)
    version: Mapped[int] = mapped_column(Integer, nullable=False)

    owner: Mapped[User] = relationship(lazy="joined", innerjoin=True)
    shares: Mapped[list[ListShare]] = relationship(
        cascade="all, delete-orphan", passive_deletes=True, lazy="select",
        order_by="ListShare.user_id",
    )

    # As for tasks: "AND version = :old" on every UPDATE, so concurrent writers of one
    # list never lose an update (see tasks.models.Task).
    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012

    def share_with(self, user: User, permission: str) -> ListShare:
        share = ListShare(user=user, permission=permission)
        self.shares.append(share)
        return share

    def share_of(self, user_id: int) -> ListShare | None:
        return next((s for s in self.shares if s.user_id == user_id), None)


class ListShare(Base):
    __tablename__ = "list_shares"
    __table_args__ = (
        CheckConstraint(LIST_PERMISSION_CHECK, name="permission_kind"),
        # "The lists I am a member of": every GET /tasks and GET /lists of a non-admin.
        Index("ix_list_shares_user_list", "user_id", "list_id"),
    )

    list_id: Mapped[int] = mapped_column(
        ID, ForeignKey("lists.id", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[int] = mapped_column(
        ID, ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    permission: Mapped[str] = mapped_column(String(8), nullable=False)

    user: Mapped[User] = relationship(lazy="joined", innerjoin=True)
