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
from sqlalchemy.orm import Session, aliased

from ..db.session import execute_core
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


def _in_group(kind: str, task: Any = Task) -> list[ColumnElement[bool]]:
    """A group of ``kind`` as its unique index's condition states it (so it is used), for
    ``task`` (the entity, or an alias of it)."""
    if kind == "parent":
        return [task.parent_id == GROUP]
    if kind == "list":
        return [task.parent_id.is_(None), task.list_id == GROUP]
    return [task.parent_id.is_(None), task.list_id.is_(None), task.owner_id == GROUP]


def _per_kind(build: Any) -> dict[str, Select[Any]]:
    """A statement per kind of group, built once (only the values differ per request)."""
    return {kind: build(kind) for kind in GROUP_LOCK_KINDS}


LAST = _per_kind(lambda kind: select(func.max(Task.position)).where(*_in_group(kind)))
FIRST = _per_kind(lambda kind: select(func.min(Task.position)).where(*_in_group(kind), OTHERS))


def _sibling_and_following(kind: str) -> Select[Any]:
    """A sibling the caller may view (else it is no sibling of theirs: it reveals
    nothing), and the least key above its own but the moving task's: one statement."""
    following = aliased(Task, name="following")
    next_key = (select(func.min(following.position))
                .where(*_in_group(kind, following), following.id != bindparam("moving"),
                       following.position > Task.position)
                .scalar_subquery())
    return select(Task.position, next_key.label("following")).where(
        *_in_group(kind), Task.id == bindparam("sibling"),
        may_view(VIEWER, owner=Task.owner_id, list_id=Task.list_id, task=Task.id,
                 admin=bindparam("admin")))


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
            execute_core(session, TAKE_GROUP_LOCK,
                         {"kind": GROUP_LOCK_KINDS[kind], "key": group_id % 2**31})

    def _read(self, session: Session, statements: dict[str, Select[Any]], **params: Any) -> Any:
        """Keys of the tasks table, read on the connection (``execute_core``): no object
        of the session stands for a task that is not yet written, every write of a task
        being a statement of its own, so there is nothing to flush first."""
        kind, group_id = self.group
        return execute_core(session, statements[kind], {"group": group_id, **params})

    def last_position(self, session: Session) -> str:
        """The key after the group's last one: where a task joining the group goes."""
        self.lock(session)
        return key_between(self._read(session, LAST).scalar(), None)

    def neighbours(self, session: Session, moving: int, sibling: int | None,
                   viewer: int, admin: bool) -> tuple[str | None, str | None] | None:
        """The keys ``moving`` goes between, right after ``sibling`` (None: first):
        ``sibling``'s and the next one's, the group locked; None when ``sibling`` is not
        in this group or ``viewer`` may not view it."""
        self.lock(session)
        if sibling is None:
            return None, self._read(session, FIRST, moving=moving).scalar()
        found = self._read(session, SIBLING_AND_FOLLOWING, moving=moving, sibling=sibling,
                           viewer=viewer, admin=admin).first()
        return None if found is None else (found.position, found.following)

    def place(self, task: Any, after: str | None, following: str | None) -> str | None:
        """A key between ``after`` and ``following`` for ``task``; None when it is there
        already (no change)."""
        if self.contains(task) and (after is None or after < task.position) and (
                following is None or task.position < following):
            return None
        return key_between(after, following)

SIBLING_AND_FOLLOWING = _per_kind(_sibling_and_following)
