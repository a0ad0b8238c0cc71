"""The task-list query: what the caller may view, the filters, the sort and the page.

Visibility is decided in SQL: an admin sees every task; anyone else sees the union of
their own tasks and the tasks shared with them. Each half is ordered and limited on its
own (so each is an index range scan), and the union is ordered and limited once more.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Select, exists, select, union_all
from sqlalchemy.orm import Session
from sqlalchemy.sql import ColumnElement

from . import pagination
from .models import PRIORITY_RANK, UNDATED, Task, TaskShare, TaskTag, User, username_matches
from .pagination import DATETIME, INTEGER, OPTIONAL_DATETIME, STRING, Codec


@dataclass(frozen=True)
class SortKey:
    column: ColumnElement
    value: Callable[[Task], Any]
    codec: Codec
    always_ascending: bool = False


ID_KEY = SortKey(Task.id, lambda t: t.id, INTEGER)
# "No due date" sorts last in both directions: a leading key that is 0 for dated tasks.
UNDATED_KEY = SortKey(UNDATED, lambda t: int(t.due_at is None), INTEGER, True)

SORT_KEYS: dict[str, tuple[SortKey, ...]] = {
    "created_at": (SortKey(Task.created_at, lambda t: t.created_at, DATETIME), ID_KEY),
    "updated_at": (SortKey(Task.updated_at, lambda t: t.updated_at, DATETIME), ID_KEY),
    "priority": (SortKey(Task.priority, lambda t: t.priority, INTEGER), ID_KEY),
    "title": (SortKey(Task.title, lambda t: t.title, STRING), ID_KEY),
    "due_at": (UNDATED_KEY, SortKey(Task.due_at, lambda t: t.due_at, OPTIONAL_DATETIME), ID_KEY),
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

    def ordered(self) -> list[tuple[ColumnElement, bool]]:
        return [(k.column, self.descending and not k.always_ascending) for k in self.keys]

    def order_by(self) -> list[ColumnElement]:
        return [col.desc() if desc else col.asc() for col, desc in self.ordered()]

    def values(self, task: Task) -> list[Any]:
        return [key.value(task) for key in self.keys]


@dataclass(frozen=True)
class TaskFilters:
    done: bool | None = None
    priority: str | None = None
    tags: Sequence[str] = ()
    owner: str | None = None
    text: str | None = None
    due_before: datetime | None = None
    due_after: datetime | None = None


@dataclass(frozen=True)
class TaskPageRequest:
    viewer: User
    filters: TaskFilters
    sort: Sort
    limit: int
    after: list[Any] | None = None


def _filter_conditions(filters: TaskFilters) -> list[ColumnElement]:
    conditions: list[ColumnElement] = []
    if filters.done is not None:
        conditions.append(Task.done == filters.done)
    if filters.priority is not None:
        conditions.append(Task.priority == PRIORITY_RANK[filters.priority])
    for tag in filters.tags:
        conditions.append(exists().where(TaskTag.task_id == Task.id, TaskTag.tag == tag))
    if filters.text is not None:
        conditions.append(
            Task.title.icontains(filters.text, autoescape=True)
            | Task.description.icontains(filters.text, autoescape=True)
        )
    if filters.due_before is not None:
        conditions.append(Task.due_at < filters.due_before)
    if filters.due_after is not None:
        conditions.append(Task.due_at > filters.due_after)
    return conditions


def _visibility_branches(session: Session, page: TaskPageRequest) -> list[list[ColumnElement]] | None:
    """The WHERE clauses whose union is what the viewer may see (narrowed by ``owner=``).

    ``None`` means nothing matches (an unknown owner).
    """
    viewer = page.viewer
    owner_id = None
    if page.filters.owner is not None:
        owner_id = session.execute(
            select(User.id).where(username_matches(page.filters.owner))
        ).scalar_one_or_none()
        if owner_id is None:
            return None
    if viewer.is_admin:
        return [[] if owner_id is None else [Task.owner_id == owner_id]]
    # Driven from the caller's share rows (ix_task_shares_user_task), so the shared half
    # costs the number of tasks shared with the caller, not the number of tasks.
    shared = Task.id.in_(select(TaskShare.task_id).where(TaskShare.user_id == viewer.id))
    own = [Task.owner_id == viewer.id]
    if owner_id == viewer.id:
        return [own]
    if owner_id is not None:
        return [[Task.owner_id == owner_id, shared]]
    return [own, [shared]]


def fetch_task_page(session: Session, page: TaskPageRequest) -> tuple[list[Task], list[Any] | None]:
    """One page of tasks and the sort values to continue after (``None`` on the last page)."""
    branches = _visibility_branches(session, page)
    if branches is None:
        return [], None
    common = _filter_conditions(page.filters)
    if page.after is not None:
        common.append(pagination.after(page.sort.ordered(), page.after))
    order_by = page.sort.order_by()

    def branch_query(conditions: list[ColumnElement]) -> Select:
        return select(Task.id).where(*conditions, *common).order_by(*order_by).limit(page.limit + 1)

    query = select(Task)
    if len(branches) == 1:
        query = query.where(*branches[0], *common)
    else:
        ids = union_all(*(select(branch_query(b).subquery().c.id) for b in branches))
        query = query.where(Task.id.in_(ids))
    rows = list(session.execute(query.order_by(*order_by).limit(page.limit + 1)).scalars())
    if len(rows) <= page.limit:
        return rows, None
    rows = rows[: page.limit]
    return rows, page.sort.values(rows[-1])
