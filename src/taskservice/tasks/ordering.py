"""Where a task sits among its siblings: a manual order that a move writes in one row.

Siblings are the tasks of one group (``models.SIBLING_GROUPS``): the subtasks of one
task, the top-level tasks of one list, or one owner's top-level tasks in no list. A task's
``position`` is a key of ``positions.py``: a new one goes after the last key of its group,
a move takes a key between its new neighbours, and no other task is ever renumbered.

Each read here is the edge of one range of a group's unique index (the last key, the key
right after a sibling), never a read of the siblings. Two writers placing tasks in one
group at once would read the same neighbours and pick the same key; on PostgreSQL they
take the group's transaction-level advisory lock first and so place one after the other
(SQLite has one writer at a time). The unique index is the guarantee behind the lock.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, func, select, text
from sqlalchemy.orm import Session

from ..positions import key_between
from .models import Task

# The advisory lock of a group is (kind, id): a two-key lock, apart from the one-key
# locks of the change log. Ids past 32 bits share a lock with another group, which only
# makes them wait for each other.
GROUP_LOCK_KINDS = {"parent": 1, "list": 2, "owner": 3}
TAKE_GROUP_LOCK = text("SELECT pg_advisory_xact_lock(:kind, :key)")


@dataclass(frozen=True)
class Siblings:
    """One group of siblings: where a task is, or is going."""

    parent_id: int | None
    list_id: int | None
    owner_id: int

    @classmethod
    def of(cls, task: Any) -> Siblings:
        return cls(task.parent_id, task.list_id, task.owner_id)

    @property
    def group(self) -> tuple[str, int]:
        if self.parent_id is not None:
            return "parent", self.parent_id
        if self.list_id is not None:
            return "list", self.list_id
        return "owner", self.owner_id

    def conditions(self) -> list[ColumnElement[bool]]:
        """The group as its unique index's condition states it (so the index is used)."""
        kind, group_id = self.group
        if kind == "parent":
            return [Task.parent_id == group_id]
        if kind == "list":
            return [Task.parent_id.is_(None), Task.list_id == group_id]
        return [Task.parent_id.is_(None), Task.list_id.is_(None), Task.owner_id == group_id]

    def lock(self, session: Session) -> None:
        """Place tasks in this group one writer at a time (see the module docstring)."""
        if session.get_bind().dialect.name == "postgresql":
            kind, group_id = self.group
            session.execute(TAKE_GROUP_LOCK,
                            {"kind": GROUP_LOCK_KINDS[kind], "key": group_id % 2**31})

    def _edge(self, session: Session, column: Any, *conditions: ColumnElement[bool]) -> Any:
        return session.execute(
            select(column).where(*self.conditions(), *conditions)).scalar_one()

    def last_position(self, session: Session) -> str:
        """The key after the group's last one: where a task joining the group goes."""
        self.lock(session)
        return key_between(self._edge(session, func.max(Task.position)), None)

    def position_after(self, session: Session, moving: int, after: str | None) -> str:
        """A key right after the sibling at ``after`` (None: before the first), for the
        task ``moving``, which is not counted as its own neighbour."""
        self.lock(session)
        others = Task.id != moving
        if after is None:
            return key_between(None, self._edge(session, func.min(Task.position), others))
        following = self._edge(session, func.min(Task.position), others, Task.position > after)
        return key_between(after, following)

    def precedes(self, session: Session, task: Any, after: str | None) -> bool:
        """The sibling at ``after`` (None: none) is right before ``task`` already."""
        before = self._edge(session, func.max(Task.position), Task.id != task.id,
                            Task.position < task.position)
        return bool(before == after)

    def contains(self, task: Any) -> bool:
        return Siblings.of(task).group == self.group
