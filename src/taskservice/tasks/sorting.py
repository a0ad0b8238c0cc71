"""The sorts of a task list: each a tuple of keys that makes the order total.

A key names its column on ``tasks`` and the copy of it on ``task_shares`` (the shared half
of a list walks the caller's shares in sort order), how a task's value is read for a
cursor, and how a cursor encodes it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from operator import attrgetter
from typing import Any

from sqlalchemy import ColumnElement, SQLColumnExpression

from ..vocabulary import PRIORITIES
from ..web.pagination import DATETIME, INTEGER, OPTIONAL_DATETIME, STRING, Codec, Keyset, integer
from .models import SHARED_UNDATED, UNDATED, Task, TaskShare
from .representation import TaskFields


@dataclass(frozen=True)
class SortKey:
    column: SQLColumnExpression[Any]  # on tasks
    # Its copy on task_shares, for the shared half of a list.
    shared_column: SQLColumnExpression[Any]
    value: Callable[[TaskFields], Any]
    codec: Codec
    always_ascending: bool = False


def _task_key(name: str, codec: Codec) -> SortKey:
    return SortKey(getattr(Task, name), getattr(TaskShare, f"task_{name}"),
                   attrgetter(name), codec)


ID_KEY = SortKey(Task.id, TaskShare.task_id, attrgetter("id"), INTEGER)
# "No due date" sorts last in both directions: a leading key that is 0 for dated tasks.
UNDATED_KEY = SortKey(UNDATED, SHARED_UNDATED, lambda t: int(t.due_at is None), integer(0, 1),
                      True)

SORT_KEYS: dict[str, tuple[SortKey, ...]] = {
    "created_at": (_task_key("created_at", DATETIME), ID_KEY),
    "updated_at": (_task_key("updated_at", DATETIME), ID_KEY),
    "priority": (_task_key("priority", integer(0, len(PRIORITIES) - 1)), ID_KEY),
    "title": (_task_key("title", STRING), ID_KEY),
    "due_at": (UNDATED_KEY, _task_key("due_at", OPTIONAL_DATETIME), ID_KEY),
    "position": (_task_key("position", STRING), ID_KEY),
}


@dataclass(frozen=True)
class Sort:
    """A sort as the client names it (``-priority``) and the keys that make it total."""

    name: str

    @property
    def descending(self) -> bool:
        return self.name.startswith("-")

    @property
    def keys(self) -> tuple[SortKey, ...]:
        return SORT_KEYS[self.name.lstrip("-")]

    @property
    def codecs(self) -> list[Codec]:
        return [key.codec for key in self.keys]

    @property
    def keyset(self) -> Keyset:
        """Its cursors: issued for the sort's name, never valid for another sort."""
        return Keyset(self.name, self.codecs)

    def ordered(self, shared: bool = False) -> list[tuple[SQLColumnExpression[Any], bool]]:
        """Each key's column (on tasks, or its copy on task_shares) and its direction."""
        return [(k.shared_column if shared else k.column,
                 self.descending and not k.always_ascending) for k in self.keys]

    def order_by(self, shared: bool = False) -> list[ColumnElement[Any]]:
        return [col.desc() if desc else col.asc() for col, desc in self.ordered(shared)]

    def values(self, task: TaskFields) -> list[Any]:
        return [key.value(task) for key in self.keys]
