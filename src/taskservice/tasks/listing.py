"""The task-list query: what the caller may view, the filters, the sort and the page.

Visibility is decided in SQL: an admin sees every task; anyone else sees the union of
their own tasks, the tasks shared with them, and the tasks of each list they own or are a
member of. Each branch is ordered and limited on its own (so each is an index range scan:
one per list, led by its id), and the union is ordered and limited once more. A task
reached by several branches (the caller's own, in a list of theirs, also shared with
them) is one row: the outer query selects tasks whose id is IN the union, and the first
page of a union is always within the first pages of its branches.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from operator import attrgetter
from typing import Any, cast

from sqlalchemy import (
    BindParameter,
    ColumnElement,
    Select,
    SQLColumnExpression,
    bindparam,
    exists,
    or_,
    select,
    union,
    union_all,
)
from sqlalchemy.orm import Session

from ..accounts.models import User, username_matches
from ..accounts.security import Identity
from ..lists.models import ListShare, TaskList
from ..vocabulary import PRIORITIES, PRIORITY_RANK
from ..web import pagination
from ..web.pagination import DATETIME, INTEGER, OPTIONAL_DATETIME, STRING, Codec, integer
from .models import SHARED_UNDATED, TASKS, UNDATED, Task, TaskShare, TaskTag
from .representation import TaskFields

# A page is read as rows of the task's columns and its owner's name, not as Task objects:
# nothing on a page is changed, and building an object per row (identity map, attribute
# instrumentation, the joined owner's object) was most of the cost of fetching a page.
PAGE_COLUMNS = (*TASKS.columns, User.username.label("owner_username"))


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

    def ordered(self, shared: bool = False) -> list[tuple[SQLColumnExpression[Any], bool]]:
        """Each key's column (on tasks, or its copy on task_shares) and its direction."""
        return [(k.shared_column if shared else k.column,
                 self.descending and not k.always_ascending) for k in self.keys]

    def order_by(self, shared: bool = False) -> list[ColumnElement[Any]]:
        return [col.desc() if desc else col.asc() for col, desc in self.ordered(shared)]

    def values(self, task: TaskFields) -> list[Any]:
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
    list_id: int | None = None


@dataclass(frozen=True)
class TaskPageRequest:
    viewer: Identity
    filters: TaskFilters
    sort: Sort
    limit: int
    after: list[Any] | None = None


# The filters that take one value, in the order their conditions are written.
SCALAR_FILTERS = ("done", "priority", "text", "due_before", "due_after")
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
    # every | owner | own | owner_shared | own_or_shared | list | list_owner
    visibility: str
    # The caller's lists, one branch each (bound as list_0, list_1 ...), or MANY_LISTS.
    lists: int
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
    return conditions


# Past this many lists a caller is a member of, their tasks are one branch (an IN of
# the lists, sorted), not one index range per list: a UNION of hundreds of branches costs
# more to plan than it saves, and SQLite allows 500 at most.
MAX_LIST_BRANCHES = 50
MANY_LISTS = -1
VIEWER: BindParameter[int] = bindparam("viewer")
# The lists the viewer owns or is a member of.
MEMBER_LISTS = union(
    select(TaskList.id).where(TaskList.owner_id == VIEWER),
    select(ListShare.list_id).where(ListShare.user_id == VIEWER),
)
VIEWABLE_LIST = select(TaskList.id).where(
    TaskList.id == bindparam("list"),
    or_(TaskList.owner_id == VIEWER,
        exists().where(ListShare.list_id == TaskList.id, ListShare.user_id == VIEWER)),
)
ANY_LIST = select(TaskList.id).where(TaskList.id == bindparam("list"))


@dataclass(frozen=True)
class Visibility:
    """Which tasks the viewer may see: a kind, the ids it needs, how many list branches."""

    kind: str
    params: dict[str, int]
    lists: int = 0


def _owner_id(session: Session, page: TaskPageRequest) -> int | None:
    """The id of the ``owner=`` user; 0 for one that does not exist (it matches nothing)."""
    if page.filters.owner is None:
        return None
    found = session.execute(
        select(User.id).where(username_matches(page.filters.owner))
    ).scalar_one_or_none()
    return 0 if found is None else found


def _in_one_list(session: Session, page: TaskPageRequest, owner_id: int | None
                 ) -> Visibility | None:
    """``list=``: the list's tasks when the viewer may view it, else nothing at all."""
    viewer, list_id = page.viewer, page.filters.list_id
    query = ANY_LIST if viewer.is_admin else VIEWABLE_LIST
    if session.execute(query, {"list": list_id, "viewer": viewer.user_id}).first() is None:
        return None
    if owner_id is None:
        return Visibility("list", {"list": cast(int, list_id)})
    return Visibility("list_owner", {"list": cast(int, list_id), "owner": owner_id})


def _with_lists(session: Session, kind: str, params: dict[str, int]) -> Visibility:
    """``kind`` and a branch per list the viewer owns or is a member of."""
    ids = sorted(session.execute(MEMBER_LISTS, {"viewer": params["viewer"]}).scalars())
    if len(ids) > MAX_LIST_BRANCHES:
        return Visibility(kind, params, MANY_LISTS)
    params.update({f"list_{i}": list_id for i, list_id in enumerate(ids)})
    return Visibility(kind, params, len(ids))


def _visibility(session: Session, page: TaskPageRequest) -> Visibility | None:
    """Which tasks the viewer may see (narrowed by ``owner=`` and ``list=``).

    ``None`` means nothing matches (an unknown owner, a list the viewer may not view).
    """
    viewer = page.viewer
    owner_id = _owner_id(session, page)
    if owner_id == 0:
        return None
    if page.filters.list_id is not None:
        return _in_one_list(session, page, owner_id)
    if viewer.is_admin:
        if owner_id is None:
            return Visibility("every", {})
        return Visibility("owner", {"owner": owner_id})
    if owner_id == viewer.user_id:
        return Visibility("own", {"viewer": viewer.user_id})
    if owner_id is not None:
        return _with_lists(session, "owner_shared", {"viewer": viewer.user_id, "owner": owner_id})
    return _with_lists(session, "own_or_shared", {"viewer": viewer.user_id})


@dataclass(frozen=True)
class Branch:
    """One half of a list: a condition on tasks, and whether it walks the caller's shares."""

    conditions: tuple[ColumnElement[bool], ...]
    shared: bool = False


def _list_branches(lists: int, *conditions: ColumnElement[bool]) -> list[Branch]:
    """One branch per list of the viewer's (a range of the list's sort index), or one IN."""
    if lists == MANY_LISTS:
        return [Branch((Task.list_id.in_(MEMBER_LISTS), *conditions))]
    return [Branch((Task.list_id == bindparam(f"list_{i}"), *conditions)) for i in range(lists)]


def _visibility_branches(visibility: str, lists: int) -> list[Branch]:
    """The branches whose union is what the viewer may see."""
    # The shared half walks the caller's share rows in sort order (the share's copy of
    # the sort keys is indexed per sort), so it stops after a page like the own half.
    own = Task.owner_id == VIEWER
    owner = Task.owner_id == bindparam("owner")
    in_list = Task.list_id == bindparam("list")
    return {
        "every": lambda: [Branch(())],
        "owner": lambda: [Branch((owner,))],
        "own": lambda: [Branch((own,))],
        "owner_shared": lambda: [Branch((owner,), shared=True),
                                 *_list_branches(lists, owner)],
        "own_or_shared": lambda: [Branch((own,)), Branch((), shared=True),
                                  *_list_branches(lists)],
        "list": lambda: [Branch((in_list,))],
        "list_owner": lambda: [Branch((in_list, owner))],
    }[visibility]()


@lru_cache(maxsize=512)
def _page_statement(shape: PageShape) -> Select[Any]:
    """The page query of ``shape``, with every value a named parameter.

    Built once per shape: SQLAlchemy memoizes a statement's cache key, so a page neither
    rebuilds the expression (union, keyset condition, filters) nor walks it to find the
    compiled SQL, a visible part of a page's time (benchmarks/README.md).
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
                     .where(TaskShare.user_id == VIEWER))
        else:
            query = select(Task.id)
        return (query.where(*branch.conditions, *filters, *keyset(branch.shared))
                .order_by(*sort.order_by(branch.shared)).limit(limit))

    branches = _visibility_branches(shape.visibility, shape.lists)
    query = select(*PAGE_COLUMNS).join(User, User.id == Task.owner_id)
    if len(branches) == 1 and not branches[0].shared:
        query = query.where(*branches[0].conditions, *filters, *keyset(False))
    else:
        ids = union_all(*(select(branch_ids(b).subquery().c.id) for b in branches))
        query = query.where(Task.id.in_(ids))
    return query.order_by(*sort.order_by()).limit(limit)


def fetch_task_page(
    session: Session, page: TaskPageRequest
) -> tuple[Sequence[TaskFields], list[Any] | None]:
    """One page of tasks and the sort values to continue after (``None`` on the last page)."""
    visibility = _visibility(session, page)
    if visibility is None:
        return [], None
    params: dict[str, Any] = dict(visibility.params)
    params.update(_filter_params(page.filters), limit=page.limit + 1)
    after = page.after
    if after is not None:
        params.update({f"after_{i}": v for i, v in enumerate(after) if v is not None})
    shape = PageShape(
        sort=page.sort.name, visibility=visibility.kind, lists=visibility.lists,
        filters=tuple(name for name in SCALAR_FILTERS if name in params),
        tags=len(page.filters.tags),
        cursor_nulls=None if after is None else tuple(v is None for v in after),
    )
    rows: Sequence[TaskFields] = session.execute(_page_statement(shape), params).all()
    if len(rows) <= page.limit:
        return rows, None
    rows = rows[: page.limit]
    return rows, page.sort.values(rows[-1])
