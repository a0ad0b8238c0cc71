"""The sync feed: what changed for one caller between two positions of the log.

A sync reads the log between the position its token carries (``since``, exclusive) and
the position it fixed when its first page was asked for (``until``, inclusive: the
highest position visible then, below which every row has committed, see log.py). A
sync that pages keeps ``until``, so it ends even under constant writes; what comes
after it is the next sync's.

Which rows concern the caller is decided in SQL, by branches that are each an index
range of the log (models.py), never a scan of everyone's changes:

1. rows of objects the caller owns (``owner_id``);
2. rows addressed to the caller (``user_id``): their shares given, changed or removed,
   tombstones of tasks shared with them and of lists they were members of;
3. rows of the lists they are a member of now, or gained or lost since the token (even
   after the sync's end: membership is judged now) (``list_id``): those lists' own
   changes, and those of every task that is, came or was moved out of the list;
4. rows of the tasks shared with them now (``task_id``);
5. derived, not logged: when they gained or lost a list at position ``n``, every task in
   the list now, and every task the log shows in the list after ``n``, at position ``n``.
   Losing a list of a million tasks writes one row; the feed finds its tasks.
6. rows of the tasks below a task of theirs made by someone else, or below a task shared
   with them now (``task_id``, through ``task_ancestors``); and, derived, when they gained
   or lost a task's share at position ``n``, every task below it now, at ``n``.

An admin may view everything: every row of the range concerns them.

A token limited to some lists (contract section 15) is told only of those lists and the
tasks in them: its candidates are the rows above that are about one of its lists, so
what happens elsewhere is not even a tombstone to it (``_limited_branches``):

7. rows of its lists that are the viewer's now or were gained or lost since the token
   (branch 3 within the token; for an admin, every row of its lists): every task row
   there, a task's ``moved`` row when it leaves one, the list's own rows;
8. of its other lists (its user sees there only their own tasks, those shared with them
   and those below: the lists they left), the rows of tasks they see for themselves
   now, and every move out and deletion (a tombstone the client may never have had);
9. rows addressed to the viewer about one of its lists, or a task in one now;
10. derived as 5 and 6, for its lists and the tasks in them now.

An object is then an upsert only when the viewer may view it and it is in the token's
lists (a task in one of them, a list that is one of them); else a tombstone. A task
moved out of the token's lists is found by its ``moved`` row (rows.py), so it is an
``access_revoked`` tombstone in the next sync.

Each object comes once, at its latest position in the range, in the order of those
positions (ties by kind and id); the page then reads each object's current state: an
object the caller may view now is an upsert (its body exactly as ``GET`` shows it), any
other a tombstone, ``deleted`` when it no longer exists, else ``access_revoked``. So the
feed never shows what the caller may not view, and a tombstone may name an id the client
never had. Every candidate of a page is within ``[after, until]``: a page costs what its
own rows cost, not what the sync's earlier pages did.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from sqlalchemy import (
    BindParameter,
    ColumnElement,
    CompoundSelect,
    Select,
    and_,
    bindparam,
    exists,
    false,
    func,
    literal_column,
    or_,
    select,
    true,
    union,
    union_all,
)
from sqlalchemy.orm import Session

from ..accounts.models import User
from ..accounts.security import Identity
from ..lists.models import ListShare, TaskList
from ..lists.representation import access, list_json
from ..tasks.access import (
    VIEWER,
    holds_share,
    inherited_tasks,
    may_view,
    member_lists,
    owns,
    sees_task,
)
from ..tasks.listing import PAGE_COLUMNS
from ..tasks.models import TASKS, Task, TaskAncestor, TaskShare
from ..tasks.representation import task_json
from ..web.token_lists import in_token_lists, token_list_params
from .models import CHANGES

C = CHANGES.c
SINCE: BindParameter[int] = bindparam("since")
UNTIL: BindParameter[int] = bindparam("until")
# The page's start: the position of the previous page's last object (inclusive: several
# objects may share it), 0 on a first page; then its kind and id.
AFTER: BindParameter[int] = bindparam("after_pos")
AFTER_KIND: BindParameter[str] = bindparam("after_kind")
AFTER_ID: BindParameter[int] = bindparam("after_id")
LIMIT: BindParameter[int] = bindparam("limit")
TASK: ColumnElement[str] = literal_column("'task'")
# Inline literals: a tuple would be an expanding parameter, rendered anew on every request.
LIST_SHARE_ACTIONS: tuple[ColumnElement[str], ...] = tuple(
    literal_column(f"'{action}'") for action in ("shared", "unshared", "deleted"))
TASK_SHARE_ACTIONS: tuple[ColumnElement[str], ...] = LIST_SHARE_ACTIONS[:2]
# What takes a task out of a list, leaving a row with the list's id.
LEAVING_ACTIONS: tuple[ColumnElement[str], ...] = tuple(
    literal_column(f"'{action}'") for action in ("moved", "deleted"))


def _in_range(seq: Any) -> ColumnElement[bool]:
    """In the sync's range, from the page's start."""
    return and_(seq > SINCE, seq <= UNTIL, seq >= AFTER)


def _list_events(in_range: bool, token_lists: int | None = None) -> CompoundSelect[Any]:
    """The lists the viewer gained, lost or saw deleted, with the position (of a
    list-limited token's ``token_lists`` lists only, when given).

    ``in_range``: in the page's range (positions of derived changes). Else every such
    event since the token, committed before this read *or after the sync's end*: the
    membership a branch-3 row is judged by is today's, so a list lost after ``until``
    must still count, or a task that left it before ``until`` (moved or deleted, its row
    in this range) would be judged by a membership the viewer no longer has, and the
    loss's own derived tombstones (next sync) would no longer find it in the list.
    """
    columns = (C.object_id.label("list_id"), C.seq.label("seq"))
    when = _in_range(C.seq) if in_range else C.seq > SINCE
    common = (C.kind == "list", C.action.in_(LIST_SHARE_ACTIONS), when,
              *([] if token_lists is None else [in_token_lists(C.object_id, token_lists)]))
    return union(
        select(*columns).where(C.user_id == VIEWER, *common),
        select(*columns).where(C.owner_id == VIEWER, *common),
    )


LOGGED = (C.kind, C.object_id, C.seq)


def _lists_now_or_then() -> CompoundSelect[Any]:
    """The viewer's lists now and the lists of the range, as one compound (SQLite nests
    none)."""
    return union(*member_lists(VIEWER).selects, select(_list_events(False).subquery().c.list_id))


def _derived_from_lists(token_lists: int | None = None) -> list[Select[Any]]:
    """Branch 5 (10 for a token's ``token_lists`` lists): the tasks of each list gained or
    lost, now and later."""
    events = _list_events(True, token_lists).subquery()
    later = CHANGES.alias("later")
    return [
        select(TASK, TASKS.c.id, events.c.seq)
        .join_from(events, TASKS, TASKS.c.list_id == events.c.list_id),
        select(TASK, later.c.object_id, events.c.seq)
        .join_from(events, later, and_(later.c.list_id == events.c.list_id,
                                       later.c.kind == "task", later.c.seq > events.c.seq)),
    ]


def _derived_from_task_shares(*conditions: ColumnElement[bool]) -> Select[Any]:
    """Branch 6's derived half (``conditions`` on the task below, ``Task``): each task
    below a task whose share to the viewer changed, at the change's position."""
    query = (select(TASK, TaskAncestor.task_id, C.seq)
             .join_from(CHANGES, TaskAncestor, TaskAncestor.ancestor_id == C.object_id))
    if conditions:
        query = query.join(Task, Task.id == TaskAncestor.task_id)
    return query.where(C.user_id == VIEWER, C.kind == "task",
                       C.action.in_(TASK_SHARE_ACTIONS), _in_range(C.seq), *conditions)


def _member_branches() -> list[Select[Any]]:
    """Branches 1-6 of the module docstring: (kind, object_id, seq) of a viewer's rows."""
    # Joins, not IN (subquery): with IN, SQLite's planner walked the whole range of the
    # log by position instead of probing the list and task indexes once per id.
    lists = _lists_now_or_then().subquery()
    shared_tasks = select(TaskShare.task_id).where(holds_share(VIEWER)).subquery()
    inherited = inherited_tasks(VIEWER).subquery()
    return [
        select(*LOGGED).where(owns(VIEWER, C.owner_id), _in_range(C.seq)),
        select(*LOGGED).where(C.user_id == VIEWER, _in_range(C.seq)),
        select(*LOGGED).join_from(lists, CHANGES, C.list_id == lists.c.id)
        .where(_in_range(C.seq)),
        select(*LOGGED).join_from(shared_tasks, CHANGES, C.task_id == shared_tasks.c.task_id)
        .where(_in_range(C.seq)),
        *_derived_from_lists(),
        select(*LOGGED).join_from(inherited, CHANGES, C.task_id == inherited.c.task_id)
        .where(_in_range(C.seq)),
        _derived_from_task_shares(),
    ]


def _addressed_within_token(token_lists: int) -> Select[Any]:
    """Branch 9: the rows addressed to the viewer about one of the token's lists, or about
    a task in one of them now (a share of it given or taken, a move in its tree)."""
    in_token_now = exists().where(Task.id == C.object_id,
                                  in_token_lists(Task.list_id, token_lists))
    return select(*LOGGED).where(
        C.user_id == VIEWER, _in_range(C.seq),
        or_(and_(C.kind == "list", in_token_lists(C.object_id, token_lists)),
            and_(C.kind == TASK, in_token_now)))


def _limited_branches(token_lists: int) -> list[Select[Any]]:
    """Branches 7-10 of the module docstring, for a non-admin's token limited to
    ``token_lists`` lists."""
    lists = _lists_now_or_then().subquery()
    seen_for_itself = exists().where(Task.id == C.object_id,
                                     sees_task(VIEWER, owner=Task.owner_id, task=Task.id))
    return [
        select(*LOGGED).join_from(lists, CHANGES, C.list_id == lists.c.id)
        .where(in_token_lists(lists.c.id, token_lists), _in_range(C.seq)),
        select(*LOGGED).where(
            in_token_lists(C.list_id, token_lists), C.list_id.not_in(_lists_now_or_then()),
            C.kind == TASK, or_(C.action.in_(LEAVING_ACTIONS), seen_for_itself),
            _in_range(C.seq)),
        _addressed_within_token(token_lists),
        *_derived_from_lists(token_lists),
        _derived_from_task_shares(in_token_lists(Task.list_id, token_lists)),
    ]


def _limited_admin_branches(token_lists: int) -> list[Select[Any]]:
    """Branches 7 and 9 for an admin's list-limited token: every row of its lists (an
    admin sees all of them, whoever joins or leaves), and those addressed to them."""
    return [select(*LOGGED).where(in_token_lists(C.list_id, token_lists), _in_range(C.seq)),
            _addressed_within_token(token_lists)]


def _positions(branches: list[Select[Any]]) -> Select[Any]:
    """Each object once, at its latest position, the page after the previous one."""
    candidates = union_all(*branches).subquery()
    kind, object_id = candidates.c.kind, candidates.c.object_id
    position = func.max(candidates.c.seq)
    after = or_(position > AFTER, and_(position == AFTER, or_(
        kind > AFTER_KIND, and_(kind == AFTER_KIND, object_id > AFTER_ID))))
    return (select(kind, object_id, position.label("log_position"))
            .group_by(kind, object_id).having(after)
            .order_by(position, kind, object_id).limit(LIMIT))


IDS: BindParameter[list[int]] = bindparam("ids", expanding=True)
# An admin's page is ADMIN_PAGE: this is asked of the others only.
VIEWABLE_TASK = may_view(VIEWER, owner=Task.owner_id, task=Task.id, list_id=Task.list_id,
                         admin=false())


def _with_tasks(positions: Select[Any], viewable: ColumnElement[bool]) -> Select[Any]:
    """The page's positions, each with its task's current state (NULLs for a list or a
    task that is gone): one statement, so a page's tasks cost no second round trip."""
    page = positions.subquery()
    # The log's position is not the task's (its manual order, among PAGE_COLUMNS).
    return (select(page.c.kind, page.c.object_id, page.c.log_position, *PAGE_COLUMNS,
                   viewable.label("viewable"))
            .select_from(page)
            .outerjoin(Task, and_(page.c.kind == TASK, Task.id == page.c.object_id))
            .outerjoin(User, User.id == Task.owner_id)
            .order_by(page.c.log_position, page.c.kind, page.c.object_id))


# Built once each (SQLAlchemy then memoizes their cache keys): only the values differ.
ADMIN_PAGE = _with_tasks(_positions([select(*LOGGED).where(_in_range(C.seq))]), true())
MEMBER_PAGE = _with_tasks(_positions(_member_branches()), VIEWABLE_TASK)


@lru_cache(maxsize=128)
def _limited_page(token_lists: int, admin: bool) -> Select[Any]:
    """The page of a token limited to ``token_lists`` lists (built once per count): an
    upsert only of what its user may view in them."""
    in_lists = in_token_lists(Task.list_id, token_lists)
    if admin:
        return _with_tasks(_positions(_limited_admin_branches(token_lists)), in_lists)
    return _with_tasks(_positions(_limited_branches(token_lists)), and_(VIEWABLE_TASK, in_lists))
LAST_POSITION = select(func.coalesce(func.max(C.seq), 0))
LISTS_OF_PAGE = (
    select(TaskList, ListShare.permission,
           may_view(VIEWER, owner=TaskList.owner_id, list_id=TaskList.id,
                    admin=bindparam("admin")).label("viewable"))
    .outerjoin(ListShare, and_(ListShare.list_id == TaskList.id, ListShare.user_id == VIEWER))
    .where(TaskList.id.in_(IDS))
)


@dataclass(frozen=True)
class Position:
    """Where a page of changes ends: an object's position, then its kind and id."""

    seq: int
    kind: str
    object_id: int


FIRST = Position(0, "", 0)


def last_position(session: Session) -> int:
    """The highest position visible now: every row at or below it has committed."""
    last: int = session.execute(LAST_POSITION).scalar_one()
    return last


def change_page(session: Session, viewer: Identity, since: int, until: int,
                after: Position, limit: int) -> tuple[list[dict[str, Any]], Position | None]:
    """One page of the feed and where the next starts (None when this is the last).

    Each object is an upsert if the viewer may view it now, else a tombstone: ``deleted``
    when it no longer exists, ``access_revoked`` when it does.
    """
    params: dict[str, Any] = {
        "viewer": viewer.user_id, "since": since, "until": until, "after_pos": after.seq,
        "after_kind": after.kind, "after_id": after.object_id, "limit": limit + 1}
    if viewer.lists is None:
        query = ADMIN_PAGE if viewer.is_admin else MEMBER_PAGE
    else:
        query = _limited_page(len(viewer.lists), viewer.is_admin)
        params.update(token_list_params(viewer.lists))
    rows = session.execute(query, params).all()
    more = len(rows) > limit
    rows = rows[:limit]
    lists = _lists(session, viewer, [row.object_id for row in rows if row.kind == "list"])
    items = []
    for row in rows:
        if row.kind == "task":
            found = row.id is not None
            body = task_json(row) if found and row.viewable else None
        else:
            found = row.object_id in lists
            body = lists.get(row.object_id)
        items.append(upsert(row.kind, row.object_id, body) if body is not None
                     else _tombstone(row.kind, row.object_id, found))
    if not more:
        return items, None
    last = rows[-1]
    return items, Position(last.log_position, last.kind, last.object_id)


def _lists(session: Session, viewer: Identity, ids: list[int]
           ) -> dict[int, dict[str, Any] | None]:
    """Each of these lists that exists: its body if the viewer may view it (and it is one
    of a list-limited token's lists), else None."""
    if not ids:
        return {}
    found: dict[int, dict[str, Any] | None] = {}
    params = {"ids": ids, "viewer": viewer.user_id, "admin": viewer.is_admin}
    for row, permission, viewable in session.execute(LISTS_OF_PAGE, params):
        within = viewer.lists is None or row.id in viewer.lists
        found[row.id] = (list_json(row, access(row, viewer, permission)) if viewable and within
                         else None)
    return found


def upsert(kind: str, object_id: int, body: dict[str, Any]) -> dict[str, Any]:
    return {"kind": kind, "id": str(object_id), "deleted": False, kind: body}


def _tombstone(kind: str, object_id: int, exists_now: bool) -> dict[str, Any]:
    reason = "access_revoked" if exists_now else "deleted"
    return {"kind": kind, "id": str(object_id), "deleted": True, "reason": reason}

