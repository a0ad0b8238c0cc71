"""A task as a calendar object: its UID, resource name, ETag and iCalendar text.

The text is the client's own while it still describes the task (``ical_version`` is the
task's version), else the client's with the mapped properties rewritten from the task
(``vtodo.calendar_text``), else made from the task alone.
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass
from threading import Lock
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
        # The time of the version too: ids and versions a rolled-back transaction used may
        # be used again (SQLite), a version's time is not.
        key = (self.task.id, self.task.version, self.task.updated_at, self.uid,
               self.parent_uid)
        text = SERVED.get(key)
        if text is None:
            text = calendar_text(self.task, self.uid, self.stored_text,
                                 self.stored_version == self.task.version, self.parent_uid)
            SERVED.put(key, text)
        return text


class ServedObjects:
    """The objects last served, by task and version: a task's object at a version never
    changes (a client's new bytes, a new parent, any field: each is a new version), and
    clients ask for the same objects again and again (every sync, every query). Bounded:
    the least recently served go first. Shared by the process's threads."""

    def __init__(self, size: int) -> None:
        self.size = size
        self.texts: OrderedDict[tuple[object, ...], str] = OrderedDict()
        self.lock = Lock()

    def get(self, key: tuple[object, ...]) -> str | None:
        with self.lock:
            text = self.texts.get(key)
            if text is not None:
                self.texts.move_to_end(key)
            return text

    def put(self, key: tuple[object, ...], text: str) -> None:
        with self.lock:
            self.texts[key] = text
            if len(self.texts) > self.size:
                self.texts.popitem(last=False)


# Some 4,000 objects of a few KiB: what one client's calendar-query of a large list reads,
# at a few MiB of memory per process.
SERVED = ServedObjects(4096)


def stored_object(session: Session, task_id: int) -> CalendarObject | None:
    found: CalendarObject | None = session.execute(
        STORED, {"task_id": task_id}).scalar_one_or_none()
    return found


def item_of(session: Session, task: Task) -> CalendarItem:
    """The calendar item of one task, whoever may view it (the caller checked)."""
    return CalendarItem.of(any_task(session, task.id))
