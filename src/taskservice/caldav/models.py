"""What CalDAV keeps beside a task and a list: the client's own object, and names.

A task is the row of ``tasks``; the calendar object a client sent for it (``PUT``) is kept
here as the client wrote it, so properties the task has no field for come back exactly
(contract section 16). ``ical_version`` is the task's version those bytes describe: a
later change through the JSON API leaves them as they are, and the object served is then
the stored one with the mapped properties rewritten (``vtodo.py``). A task no client ever
sent has no row: its object is made from the task alone, under the UID ``names.py``
derives from its id.

A task's deletion takes its object with it (the foreign key cascades); the name a client
chose is kept a while in ``calendar_tombstones``, for the ``404`` a sync-collection reports
(``sync.py``), and purged with the change log's rows of the same age.

A list made by ``MKCALENDAR`` keeps the URL segment its client chose
(``calendar_collections``); any other list is at its id.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, String, Text, literal_column
from sqlalchemy.orm import Mapped, mapped_column

from ..db.base import ID, Base, UTCDateTime

# Long enough for any UID or name a client makes (they are UUIDs, or a UUID and a host
# name, in practice); longer ones are refused as invalid data, not truncated.
UID_MAX_LENGTH = 255
NAME_MAX_LENGTH = 255


class CalendarObject(Base):
    """A task's calendar object as a client sent it."""

    __tablename__ = "calendar_objects"
    __table_args__ = (
        # A UID is unique among its owner's tasks (contract section 16).
        Index("uq_calendar_objects_owner_uid", "owner_id", "uid", unique=True),
        # A resource is found by its name within its collection.
        Index("ix_calendar_objects_name", "name"),
        # A calendar-query for a UID: the object of any owner in a shared list.
        Index("ix_calendar_objects_uid", "uid"),
        # The subtasks waiting for a parent with a given UID to arrive in the home.
        Index("ix_calendar_objects_waiting", "owner_id", "parent_uid",
              sqlite_where=literal_column("parent_uid IS NOT NULL"),
              postgresql_where=literal_column("parent_uid IS NOT NULL")),
    )

    task_id: Mapped[int] = mapped_column(
        ID, ForeignKey("tasks.id", ondelete="CASCADE"), primary_key=True)
    owner_id: Mapped[int] = mapped_column(
        ID, ForeignKey("users.id", ondelete="CASCADE"), nullable=False)
    uid: Mapped[str] = mapped_column(String(UID_MAX_LENGTH), nullable=False)
    name: Mapped[str] = mapped_column(String(NAME_MAX_LENGTH), nullable=False)
    ical: Mapped[str] = mapped_column(Text, nullable=False)
    ical_version: Mapped[int] = mapped_column(Integer, nullable=False)
    # The parent a RELATED-TO names that is not (yet) the task's parent: kept as written
    # until a task with that UID arrives in the home (contract section 16).
    parent_uid: Mapped[str | None] = mapped_column(String(UID_MAX_LENGTH), nullable=True)


class CalendarCollection(Base):
    """The URL segment a ``MKCALENDAR`` gave a list."""

    __tablename__ = "calendar_collections"
    __table_args__ = (Index("ix_calendar_collections_name", "name"),)

    list_id: Mapped[int] = mapped_column(
        ID, ForeignKey("lists.id", ondelete="CASCADE"), primary_key=True)
    name: Mapped[str] = mapped_column(String(NAME_MAX_LENGTH), nullable=False)


class CalendarTombstone(Base):
    """The resource name a client gave a task that has since been deleted.

    No foreign key: the task is gone. One row per task id (a later deletion of the same
    id replaces it); ``deleted_at`` is what the purge reads.
    """

    __tablename__ = "calendar_tombstones"
    __table_args__ = (Index("ix_calendar_tombstones_deleted_at", "deleted_at"),)

    task_id: Mapped[int] = mapped_column(ID, primary_key=True, autoincrement=False)
    name: Mapped[str] = mapped_column(String(NAME_MAX_LENGTH), nullable=False)
    deleted_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
