"""The task-list query: what the caller may view, the filters, the sort and the page.

Visibility is decided in SQL (visibility.py): an admin sees every task; anyone else sees
the union of their own tasks, the tasks shared with them, and the tasks of each list they
own or are a member of; a list-limited token sees only its lists' tasks; the sorts are
sorting.py's. Each branch is ordered and limited on
its own (so each is an index range scan: one per list, led by its id), and the union is
ordered and limited once more. A task reached by several branches (the caller's own, in a
list of theirs, also shared with them) is one row: the outer query selects tasks whose id
is IN the union, and the first page of a union is always within the first pages of its
branches.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from typing import Any

from sqlalchemy import (
    BindParameter,
    Boolean,
    ColumnElement,
    Select,
    bindparam,
    exists,
    select,
    union_all,
)
from sqlalchemy.orm import Session

from ..accounts.models import User
from ..accounts.security import Identity
from ..vocabulary import NO_PARENT, PRIORITY_RANK
from ..web import pagination
from .access import VIEWER, holds_share
from .models import TASKS, Task, TaskShare, TaskTag
from .representation import TaskFields
from .sorting import Sort
from .visibility import Branch, visibility, visibility_branches

# A page is read as rows of the task's columns and its owner's name, not as Task objects:
# nothing on a page is changed, and building an object per row (identity map, attribute
# instrumentation, the joined owner's object) was most of the cost of fetching a page.
PAGE_COLUMNS = (*TASKS.columns, User.username.label("owner_username"))


@dataclass(frozen=True)
class TaskFilters:
    done: bool | None = None
    priority: str | None = None
    tags: Sequence[str] = ()
    owner: str | None = None
    text: str | None = None
    due_before: datetime | None = None
    due_after: datetime | None = None
    recurring: bool | None = None
    list_id: int | None = None
    # ``parent=``: a task's id, or NO_PARENT for the top-level tasks.
    parent: int | str | None = None


@dataclass(frozen=True)
class TaskPageRequest:
    viewer: Identity
    filters: TaskFilters
    sort: Sort
    limit: int
    after: list[Any] | None = None


# The filters that take one value, in the order their conditions are written.
# ``by_owner`` narrows the subtasks of one parent (visibility.py); a ``top_level`` page
# binds nothing (its value is only its presence).
SCALAR_FILTERS = ("done", "priority", "text", "due_before", "due_after", "recurring",
                  "top_level", "by_owner")
LIKE_ESCAPE = "/"


def _like_escaped(text: str) -> str:
    """``text`` matched literally by LIKE: its wildcards (and the escape) escaped."""
    for char in (LIKE_ESCAPE, "%", "_"):
        text = text.replace(char, LIKE_ESCAPE + char)
    return text


@dataclass(frozen=True)
class PageShape:
    """What a page's SQL depends on besides the values: the key of the statement cache.

    Pages of one shape differ only in their bound parameters, so they share one Select
    built once (see :func:`_page_statement`).
    """

    sort: str
    # every | owner | own | owner_shared | own_or_shared | list | list_owner | parent |
    # limited | limited_owner
    visibility: str
    # The caller's lists, one branch each (bound as list_0, list_1 ...), or MANY_LISTS.
    lists: int
    inherited: bool  # a branch for the tasks seen through an ancestor only
    guarded: int  # a list-limited token's lists seen in part, one branch each
    filters: tuple[str, ...]  # the SCALAR_FILTERS given
    tags: int
    cursor_nulls: tuple[bool, ...] | None  # which cursor values are NULL; None on page 1


def _filter_params(filters: TaskFilters) -> dict[str, Any]:
    values = {
        "done": filters.done,
        "priority": None if filters.priority is None else PRIORITY_RANK[filters.priority],
        "text": None if filters.text is None else _like_escaped(filters.text),
        "due_before": filters.due_before,
        "due_after": filters.due_after,
        "recurring": filters.recurring,
        "top_level": True if filters.parent == NO_PARENT else None,
    }
    params = {name: value for name, value in values.items() if value is not None}
    params.update({f"tag_{i}": tag for i, tag in enumerate(filters.tags)})
    return params


def _filter_conditions(shape: PageShape) -> list[ColumnElement[bool]]:
    given = set(shape.filters)
    conditions: list[ColumnElement[bool]] = []
    if "done" in given:
        conditions.append(Task.done == bindparam("done"))
    if "priority" in given:
        conditions.append(Task.priority == bindparam("priority"))
    for i in range(shape.tags):
        tagged = exists().where(TaskTag.task_id == Task.id, TaskTag.tag == bindparam(f"tag_{i}"))
        conditions.append(tagged)
    if "text" in given:
        text: BindParameter[str] = bindparam("text")
        conditions.append(Task.title.icontains(text, escape=LIKE_ESCAPE)
                          | Task.description.icontains(text, escape=LIKE_ESCAPE))
    if "due_before" in given:
        conditions.append(Task.due_at < bindparam("due_before"))
    if "due_after" in given:
        conditions.append(Task.due_at > bindparam("due_after"))
    if "recurring" in given:
        recurring: BindParameter[bool] = bindparam("recurring", type_=Boolean)
        conditions.append(Task.recurrence_rule.is_not(None) == recurring)
    if "top_level" in given:
        conditions.append(Task.parent_id.is_(None))
    if "by_owner" in given:
        conditions.append(Task.owner_id == bindparam("by_owner"))
    return conditions


@lru_cache(maxsize=512)
def _page_statement(shape: PageShape) -> Select[Any]:
    """The page query of ``shape``, with every value a named parameter.

    Built once per shape: SQLAlchemy memoizes a statement's cache key, so a page neither
    rebuilds the expression (union, keyset condition, filters) nor walks it to find the
    compiled SQL, a visible part of a page's time.
    """
    sort = Sort(shape.sort)
    filters = _filter_conditions(shape)
    limit: BindParameter[int] = bindparam("limit")

    def keyset(shared: bool) -> list[ColumnElement[bool]]:
        if shape.cursor_nulls is None:
            return []
        placeholders: list[BindParameter[Any] | None] = [None if null else bindparam(f"after_{i}")
                        for i, null in enumerate(shape.cursor_nulls)]
        return [pagination.after(sort.ordered(shared), placeholders)]

    def branch_ids(branch: Branch) -> Select[int]:
        if branch.shared:
            query = (select(TaskShare.task_id.label("id"))
                     .join(Task, Task.id == TaskShare.task_id)
                     .where(holds_share(VIEWER)))
        else:
            query = select(Task.id)
        return (query.where(*branch.conditions, *filters, *keyset(branch.shared))
                .order_by(*sort.order_by(branch.shared)).limit(limit))

    branches = visibility_branches(shape.visibility, shape.lists, shape.inherited,
                                   shape.guarded)
    query = select(*PAGE_COLUMNS).join(User, User.id == Task.owner_id)
    if len(branches) == 1 and not branches[0].shared:
        query = query.where(*branches[0].conditions, *filters, *keyset(False))
    else:
        ids = union_all(*(select(branch_ids(b).subquery().c.id) for b in branches))
        query = query.where(Task.id.in_(ids))
    return query.order_by(*sort.order_by()).limit(limit)


def task_pages(session: Session, viewer: Identity, filters: TaskFilters, sort: Sort
               ) -> pagination.Fetch[TaskFields]:
    """The pages of one listing, as :func:`web.pagination.paginate` reads them."""

    def fetch(after: list[Any] | None, limit: int
              ) -> tuple[Sequence[TaskFields], list[Any] | None]:
        return fetch_task_page(session, TaskPageRequest(viewer, filters, sort, limit, after))

    return fetch


def fetch_task_page(
    session: Session, page: TaskPageRequest
) -> tuple[Sequence[TaskFields], list[Any] | None]:
    """One page of tasks and the sort values to continue after (``None`` on the last page)."""
    filters = page.filters
    parent_id = filters.parent if isinstance(filters.parent, int) else None
    seen = visibility(session, page.viewer, filters.owner, filters.list_id, parent_id)
    if seen is None:
        return [], None
    params: dict[str, Any] = dict(seen.params)
    params.update(_filter_params(page.filters), limit=page.limit + 1)
    after = page.after
    if after is not None:
        params.update({f"after_{i}": v for i, v in enumerate(after) if v is not None})
    shape = PageShape(
        sort=page.sort.name, visibility=seen.kind, lists=seen.lists, inherited=seen.inherited,
        guarded=seen.guarded,
        filters=tuple(name for name in SCALAR_FILTERS if name in params),
        tags=len(page.filters.tags),
        cursor_nulls=None if after is None else tuple(v is None for v in after),
    )
    rows: Sequence[TaskFields] = session.execute(_page_statement(shape), params).all()
    return pagination.one_page(rows, page.limit, page.sort.values)
