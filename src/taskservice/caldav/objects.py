"""A task as a calendar object: its UID, resource name, ETag and iCalendar text.

The text is the client's own while it still describes the task (``ical_version`` is the
task's version), else the client's with the mapped properties rewritten from the task
(``vtodo.calendar_text``), else made from the task alone.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from ..tasks.models import Task
from ..web.conditional import etag
from .models import CalendarObject
from .names import derived_uid, object_name
from .vtodo import calendar_text

CONTENT_TYPE = "text/calendar; charset=utf-8; component=VTODO"
STORED = select(CalendarObject).where(CalendarObject.task_id == bindparam("task_id"))
UID = select(CalendarObject.uid).where(CalendarObject.task_id == bindparam("task_id"))


@dataclass(frozen=True)
class CalendarItem:
    """One task with what CalDAV keeps of it (``stored``: None if no client sent it)."""

    task: Task
    stored: CalendarObject | None
    parent_uid: str | None

    @property
    def uid(self) -> str:
        return derived_uid(self.task.id) if self.stored is None else self.stored.uid

    @property
    def name(self) -> str:
        return object_name(self.uid) if self.stored is None else self.stored.name

    @property
    def etag(self) -> str:
        return etag(self.task.version)

    def text(self) -> str:
        stored = self.stored
        return calendar_text(
            self.task, self.uid, None if stored is None else stored.ical,
            stored is not None and stored.ical_version == self.task.version,
            self.parent_uid)


def stored_object(session: Session, task_id: int) -> CalendarObject | None:
    found: CalendarObject | None = session.execute(
        STORED, {"task_id": task_id}).scalar_one_or_none()
    return found


def uid_of(session: Session, task_id: int) -> str:
    """The UID of the task ``task_id``: the one its client chose, else the derived one."""
    chosen: str | None = session.execute(UID, {"task_id": task_id}).scalar_one_or_none()
    return derived_uid(task_id) if chosen is None else chosen


def item_of(session: Session, task: Task) -> CalendarItem:
    """The calendar item of one loaded task: its stored object, its parent's UID."""
    stored = stored_object(session, task.id)
    parent_uid = None if task.parent_id is None else uid_of(session, task.parent_id)
    if parent_uid is None and stored is not None:
        parent_uid = stored.parent_uid  # a link still waiting for its parent
    return CalendarItem(task, stored, parent_uid)
