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

from sqlalchemy import BindParameter, ColumnElement, Select, bindparam, func, select, text
from sqlalchemy.orm import Session

from ..positions import key_between
from .access import VIEWER, may_view
from .models import Task

# The advisory lock of a group is (kind, id): a two-key lock, apart from the one-key
# locks of the change log. Ids past 32 bits share a lock with another group, which only
# makes them wait for each other.
GROUP_LOCK_KINDS = {"parent": 1, "list": 2, "owner": 3}
TAKE_GROUP_LOCK = text("SELECT pg_advisory_xact_lock(:kind, :key)")
GROUP: BindParameter[int] = bindparam("group")
OTHERS = Task.id != bindparam("moving")


def _in_group(kind: str) -> list[ColumnElement[bool]]:
    """A group of ``kind`` as its unique index's condition states it (so it is used)."""
    if kind == "parent":
        return [Task.parent_id == GROUP]
    if kind == "list":
        return [Task.parent_id.is_(None), Task.list_id == GROUP]
    return [Task.parent_id.is_(None), Task.list_id.is_(None), Task.owner_id == GROUP]


def _per_kind(build: Any) -> dict[str, Select[Any]]:
    """A statement per kind of group, built once (only the values differ per request)."""
    return {kind: build(_in_group(kind)) for kind in GROUP_LOCK_KINDS}


LAST = _per_kind(lambda group: select(func.max(Task.position)).where(*group))
FIRST = _per_kind(lambda group: select(func.min(Task.position)).where(*group, OTHERS))
FOLLOWING = _per_kind(lambda group: select(func.min(Task.position)).where(
    *group, OTHERS, Task.position > bindparam("after")))
# A sibling the caller may view (else it is no sibling of theirs: it reveals nothing).
VIEWABLE_SIBLING = _per_kind(lambda group: select(Task.position).where(
    *group, Task.id == bindparam("sibling"),
    may_view(VIEWER, owner=Task.owner_id, list_id=Task.list_id, task=Task.id,
             admin=bindparam("admin"))))


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

    def contains(self, task: Any) -> bool:
        return Siblings.of(task).group == self.group

    def lock(self, session: Session) -> None:
        """Place tasks in this group one writer at a time (see the module docstring)."""
        if session.get_bind().dialect.name == "postgresql":
            kind, group_id = self.group
            session.execute(TAKE_GROUP_LOCK,
                            {"kind": GROUP_LOCK_KINDS[kind], "key": group_id % 2**31})

    def _read(self, session: Session, statements: dict[str, Select[Any]], **params: Any) -> Any:
        kind, group_id = self.group
        return session.execute(statements[kind], {"group": group_id, **params}).scalar()

    def last_position(self, session: Session) -> str:
        """The key after the group's last one: where a task joining the group goes."""
        self.lock(session)
        return key_between(self._read(session, LAST), None)

    def sibling_position(self, session: Session, sibling: int, viewer: int, admin: bool
                         ) -> str | None:
        """The position of ``sibling`` when it is in this group and ``viewer`` may view it."""
        position: str | None = self._read(session, VIEWABLE_SIBLING, sibling=sibling,
                                          viewer=viewer, admin=admin)
        return position

    def place_after(self, session: Session, task: Any, after: str | None) -> str | None:
        """A key right after the sibling at ``after`` (None: first) for ``task``, which is
        not its own neighbour; None when ``task`` is there already (no change)."""
        self.lock(session)
        if after is None:
            following = self._read(session, FIRST, moving=task.id)
        else:
            following = self._read(session, FOLLOWING, moving=task.id, after=after)
        if self.contains(task) and (after is None or after < task.position) and (
                following is None or task.position < following):
            return None
        return key_between(after, following)
