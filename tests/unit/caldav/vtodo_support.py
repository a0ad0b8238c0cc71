"""A task as ``caldav.vtodo`` sees it (``TaskFields``), without a database, and objects."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

from taskservice.vocabulary import PRIORITY_RANK

CREATED = datetime(2030, 1, 1, 8, 0, tzinfo=UTC)
UPDATED = datetime(2030, 1, 2, 9, 30, tzinfo=UTC)


@dataclass
class FakeTask:
    """The columns ``calendar_text`` reads; a normal task due nowhere by default."""

    title: str = "Buy milk"
    description: str = ""
    done: bool = False
    priority: int = PRIORITY_RANK["normal"]
    due_at: datetime | None = None
    due_date: date | None = None
    time_zone: str = "UTC"
    recurrence_rule: str | None = None
    recurrence_from: str | None = None
    recurrence_start: datetime | None = None
    recurrence_index: int = 0
    reminders: list[dict[str, Any]] = field(default_factory=list)
    tags: list[str] = field(default_factory=list)
    list_id: int | None = None
    parent_id: int | None = None
    position: str = "a"
    owner_username: str = "alice"
    created_at: datetime = CREATED
    updated_at: datetime = UPDATED
    completed_at: datetime | None = None
    version: int = 1
    id: int = 7


def calendar(*todo_lines: str, extra: str = "", overrides: str = "") -> bytes:
    """A VCALENDAR with one VTODO of ``todo_lines`` (UID and SUMMARY unless given)."""
    lines = list(todo_lines)
    if not any(line.startswith("UID") for line in lines):
        lines.insert(0, "UID:task-1")
    if not any(line.startswith("SUMMARY") for line in lines):
        lines.insert(1, "SUMMARY:Buy milk")
    body = "\r\n".join(["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//test//EN"])
    body += "\r\n" + extra if extra else ""
    body += "\r\n" + "\r\n".join(["BEGIN:VTODO", *lines, "END:VTODO"])
    body += "\r\n" + overrides if overrides else ""
    return (body + "\r\nEND:VCALENDAR\r\n").encode()
