"""The tasks of a calendar collection, as SQL: a list's, or the caller's ``inbox``.

A list collection holds the list's tasks, for whoever may view the list (the branches of
``tasks.visibility`` for ``list=``, a list-limited token's limit included). The inbox
holds the tasks the caller may view that are in no list they may view (contract section
16): their own tasks, those shared with them and those below either (section 13), each
in no list or in a list they may not view (one they left); an admin may view every list,
so theirs is every task in no list. Each is a branch of the same access builders the
listing and the feed compose (``tasks.access``), so the rule is written once.

A row is the task's columns as a listing page reads them (``PAGE_COLUMNS``), the client's
object if one was sent (``object_uid``, ``object_name``, ``ical``, ``ical_version``,
``waiting_parent_uid``) and the parent's client UID (``parent_object_uid``): what a
resource is served from, in one statement. :func:`resource_uid`, :func:`resource_name`
and :func:`parent_uid` read them with the derived defaults (``names.py``).

Collections are read by keyset pages of task ids (:func:`collection_rows`), each a short
statement, so a collection of any size streams in bounded memory and needs no cursor
kept open while the answer is written.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, Row, Select, Text, false, literal, or_, select, union_all
from sqlalchemy.orm import Session, aliased

from ..accounts.models import User
from ..accounts.security import Identity
from ..tasks.access import VIEWER, holds_share, in_member_list, inherited_tasks, owns
from ..tasks.listing import PAGE_COLUMNS
from ..tasks.models import Task, TaskShare
from ..tasks.visibility import Branch, visibility, visibility_branches
from .models import CalendarObject
from .names import INBOX, derived_uid, object_name

# How many tasks one keyset page of a collection reads.
PAGE_SIZE = 500

PARENT_OBJECT = aliased(CalendarObject, name="parent_object")
COLUMNS = (
    *PAGE_COLUMNS,
    CalendarObject.uid.label("object_uid"),
    CalendarObject.name.label("object_name"),
    CalendarObject.ical.label("ical"),
    CalendarObject.ical_version.label("ical_version"),
    CalendarObject.parent_uid.label("waiting_parent_uid"),
    PARENT_OBJECT.uid.label("parent_object_uid"),
)
# What a listing of ETags needs of a row (``objects.CalendarItem`` without its text): no
# task field decoded, no owner joined, for the listings clients ask most (getetag).
ETAG_COLUMNS = (
    Task.id, Task.version, Task.updated_at, Task.parent_id,
    *(column for column in COLUMNS[len(PAGE_COLUMNS):] if column.name not in {"ical"}),
    literal(None, Text).label("ical"),
)

# A task outside every list the viewer may view: in none, or in one they may not view.
OUTSIDE_VIEWED_LISTS = or_(Task.list_id.is_(None), ~in_member_list(VIEWER, Task.list_id))
INBOX_BRANCHES = (
    Branch((owns(VIEWER, Task.owner_id), OUTSIDE_VIEWED_LISTS)),
    Branch((OUTSIDE_VIEWED_LISTS,), shared=True),
    Branch((Task.id.in_(inherited_tasks(VIEWER)), OUTSIDE_VIEWED_LISTS)),
)
ADMIN_INBOX_BRANCHES = (Branch((Task.list_id.is_(None),)),)


@dataclass(frozen=True)
class Collection:
    """A calendar collection of a home: a list (its id), or the inbox (None)."""

    list_id: int | None = None

    @property
    def key(self) -> str:
        """What names the collection in a sync token: ``inbox`` or the list's id."""
        return INBOX if self.list_id is None else str(self.list_id)


@dataclass(frozen=True)
class Members:
    """Which tasks a collection holds for a viewer: branches to unite, and their values.
    No branch: nothing (a list the viewer may not view, an inbox for a list-limited token)."""

    branches: tuple[Branch, ...]
    params: dict[str, Any]


def members(session: Session, viewer: Identity, collection: Collection) -> Members:
    """The branches of ``collection`` for ``viewer`` (see the module docstring)."""
    params: dict[str, Any] = {"viewer": viewer.user_id}
    if collection.list_id is not None:
        seen = visibility(session, viewer, None, collection.list_id)
        if seen is None:
            return Members((), params)
        params.update(seen.params)
        return Members(tuple(visibility_branches(seen.kind, seen.lists, seen.inherited,
                                                 seen.guarded)), params)
    if viewer.lists is not None:
        return Members((), params)
    return Members(ADMIN_INBOX_BRANCHES if viewer.is_admin else INBOX_BRANCHES, params)


def _branch_ids(branch: Branch, conditions: Sequence[ColumnElement[bool]],
                limit: int | None) -> Select[Any]:
    """A branch's task ids; the first ``limit`` by id, when a page is asked for."""
    if branch.shared:
        query = (select(TaskShare.task_id.label("id"))
                 .join(Task, Task.id == TaskShare.task_id).where(holds_share(VIEWER)))
    else:
        query = select(Task.id)
    query = query.where(*branch.conditions, *conditions)
    if limit is None:
        return query
    # Each branch a subquery: SQLite allows no ORDER BY in a member of a compound.
    return select(query.order_by(Task.id).limit(limit).subquery().c.id)


def rows_statement(found: Members, *conditions: ColumnElement[bool],
                   limit: int | None = None, columns: tuple[Any, ...] = COLUMNS
                   ) -> Select[Any]:
    """The rows of the collection's tasks that meet ``conditions`` (on ``Task``: pushed
    into each branch, so a keyset page or a filter narrows each index range), by id, the
    first ``limit`` if given (each branch stops there too); ``columns``: ``COLUMNS`` or
    ``ETAG_COLUMNS``."""
    query = select(*columns)
    if columns is COLUMNS:
        query = query.join(User, User.id == Task.owner_id)
    query = (query
             .outerjoin(CalendarObject, CalendarObject.task_id == Task.id)
             .outerjoin(PARENT_OBJECT, PARENT_OBJECT.task_id == Task.parent_id))
    branches = found.branches
    if not branches:
        query = query.where(false())
    elif len(branches) == 1 and not branches[0].shared:
        query = query.where(*branches[0].conditions, *conditions)
    else:
        ids = union_all(*(_branch_ids(branch, conditions, limit) for branch in branches))
        query = query.where(Task.id.in_(ids))
    return query.order_by(Task.id).limit(limit).params(found.params)


def collection_rows(session: Session, viewer: Identity, collection: Collection,
                    *conditions: ColumnElement[bool], page_size: int = PAGE_SIZE,
                    columns: tuple[Any, ...] = COLUMNS) -> Iterator[Row[Any]]:
    """Every task of ``collection`` that ``viewer`` may view (and that meets
    ``conditions`` on ``Task``), read ``page_size`` at a time by task id: in bounded
    memory whatever the collection's size, each page a statement of its own."""
    found = members(session, viewer, collection)
    after = 0
    while True:
        page = session.execute(
            rows_statement(found, Task.id > after, *conditions, limit=page_size,
                           columns=columns)).all()
        yield from page
        if len(page) < page_size:
            return
        after = page[-1].id


def resource_uid(row: Any) -> str:
    """A row's UID: its client's, else the one derived from its id."""
    uid: str | None = row.object_uid
    return uid if uid is not None else derived_uid(row.id)


def resource_name(row: Any) -> str:
    """A row's resource name: its client's, else ``<uid>.ics``."""
    name: str | None = row.object_name
    return name if name is not None else object_name(derived_uid(row.id))


def parent_uid(row: Any) -> str | None:
    """The UID of a row's parent task (its client's, else derived); None at the top."""
    if row.parent_id is None:
        return None
    uid: str | None = row.parent_object_uid
    return uid if uid is not None else derived_uid(row.parent_id)


def in_collection(session: Session, found: Members, task_ids: Sequence[int],
                  columns: tuple[Any, ...] = COLUMNS) -> dict[int, Row[Any]]:
    """Of ``task_ids``, those in the collection now, with their rows (one statement)."""
    if not task_ids:
        return {}
    rows = session.execute(rows_statement(found, Task.id.in_(task_ids), columns=columns)).all()
    return {row.id: row for row in rows}


def any_task(session: Session, task_id: int) -> Row[Any]:
    """The row of the task ``task_id``, whoever may view it (the caller's ACL decided)."""
    everyone = Members((Branch(()),), {})
    return session.execute(rows_statement(everyone, Task.id == task_id)).one()
