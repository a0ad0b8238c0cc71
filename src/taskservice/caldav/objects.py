"""A task as a calendar object: its UID, resource name, ETag and iCalendar text.

The text is the client's own while it still describes the task (``ical_version`` is the
task's version), else the client's with the mapped properties rewritten from the task
(``vtodo.calendar_text``), else made from the task alone.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from ..tasks.models import Task
from ..tasks.representation import TaskFields
from ..web.conditional import etag
from .collections import any_task, parent_uid, resource_name, resource_uid
from .models import CalendarObject
from .vtodo import calendar_text

CONTENT_TYPE = "text/calendar; charset=utf-8; component=VTODO"
STORED = select(CalendarObject).where(CalendarObject.task_id == bindparam("task_id"))


@dataclass(frozen=True)
class CalendarItem:
    """One task with what CalDAV keeps of it (``stored_text``: None if no client sent it)."""

    task: TaskFields
    uid: str
    name: str
    stored_text: str | None
    stored_version: int | None
    # The parent's UID: the parent task's, or the one a RELATED-TO waits for.
    parent_uid: str | None

    @classmethod
    def of(cls, row: Any) -> CalendarItem:
        """The item of a collection row (``collections.rows_statement``)."""
        return cls(row, resource_uid(row), resource_name(row), row.ical, row.ical_version,
                   parent_uid(row) or row.waiting_parent_uid)

    @property
    def etag(self) -> str:
        return etag(self.task.version)

    def text(self) -> str:
        return calendar_text(self.task, self.uid, self.stored_text,
                             self.stored_version == self.task.version, self.parent_uid)


def stored_object(session: Session, task_id: int) -> CalendarObject | None:
    found: CalendarObject | None = session.execute(
        STORED, {"task_id": task_id}).scalar_one_or_none()
    return found


def item_of(session: Session, task: Task) -> CalendarItem:
    """The calendar item of one task, whoever may view it (the caller checked)."""
    return CalendarItem.of(any_task(session, task.id))
