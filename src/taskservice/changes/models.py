"""The change log: one row per change, the sync feed and the task history read from it.

Every write of a task, a list or a share appends its rows here in its own transaction
(``log.py``), so a change and its log row commit or roll back together. A row says what
changed (``kind`` and ``object_id``), how (``action``), and who it concerns, as columns
each feed branch reads through an index of its own (``feed.py``):

- ``owner_id``: the object's owner (tasks' and lists' own changes);
- ``list_id``: the list the task is in after the change, or the list itself for a list's
  own rows; a task moved out of a list also gets a ``moved`` row naming the list it left,
  so the old list's members learn that they lost it;
- ``user_id``: the one user a share row or a tombstone row is addressed to (the grantee of
  a share, a sharee of a deleted task, a member of a deleted list).

History rows (a task's created / updated / shared / unshared) carry ``task_id``, a foreign
key to the task with ``ON DELETE CASCADE``: the history goes with the task in the same
statement, whichever way the task is deleted (itself, its list, its owner). The rows that
stand for the deletion itself have no ``task_id`` and so survive it, as the feed's
tombstones must, until ``purge-changes`` removes them after the retention.

``seq`` is the position in the log. Its order is commit order on both databases; why is
in ``log.py``.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, cast

from sqlalchemy import (
    JSON,
    BigInteger,
    ColumnElement,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    insert,
    literal_column,
)
from sqlalchemy.orm import Mapped, mapped_column

from ..db.base import ID, Base, UTCDateTime

ACTION_MAX_LENGTH = 24

# The log position: 64 bits on PostgreSQL; SQLite's rowid (AUTOINCREMENT: never reused,
# so a position is never handed out twice, even after a purge).
SEQ = BigInteger().with_variant(Integer(), "sqlite")


def _not_null(column: str) -> dict[str, Any]:
    """Index options for rows that have ``column``: the others pay nothing for the index.

    (As tasks.models.in_a_list; not imported from there: the tasks package's views import
    the log, which imports this module.)
    """
    where: ColumnElement[bool] = literal_column(f"{column} IS NOT NULL")
    return {"sqlite_where": where, "postgresql_where": where}


class Change(Base):
    __tablename__ = "changes"
    __table_args__ = (
        # The feed: each branch is a range of one of these, led by whom the row concerns.
        Index("ix_changes_owner_seq", "owner_id", "seq", **_not_null("owner_id")),
        Index("ix_changes_user_seq", "user_id", "seq", **_not_null("user_id")),
        Index("ix_changes_list_seq", "list_id", "seq", **_not_null("list_id")),
        # A task's history, newest first; also what the cascade on task deletion uses.
        Index("ix_changes_task_seq", "task_id", "seq", **_not_null("task_id")),
        {"sqlite_autoincrement": True},
    )

    seq: Mapped[int] = mapped_column(SEQ, primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    kind: Mapped[str] = mapped_column(String(4), nullable=False)  # task | list
    object_id: Mapped[int] = mapped_column(ID, nullable=False)
    # created | updated | deleted | shared | unshared | moved
    # Room for "completed_occurrence", the longest (migration 0013).
    action: Mapped[str] = mapped_column(String(ACTION_MAX_LENGTH), nullable=False)
    owner_id: Mapped[int | None] = mapped_column(ID, nullable=True)
    list_id: Mapped[int | None] = mapped_column(ID, nullable=True)
    user_id: Mapped[int | None] = mapped_column(ID, nullable=True)
    task_id: Mapped[int | None] = mapped_column(
        ID, ForeignKey("tasks.id", ondelete="CASCADE"), nullable=True
    )
    # The username of whoever made the change (it outlives their account).
    actor: Mapped[str | None] = mapped_column(String(32), nullable=True)
    version: Mapped[int | None] = mapped_column(Integer, nullable=True)
    # History: the field diffs of created/updated, the share of shared/unshared.
    detail: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)


CHANGES = cast(Table, Change.__table__)
# Every column but ``seq``, which the database assigns: one executemany per request.
ROW_COLUMNS = tuple(column.key for column in CHANGES.columns if column.key != "seq")
INSERT_CHANGES = insert(CHANGES)
