"""The list-list query: the lists the caller may view, sorted, a keyset page at a time.

A user has few lists, so unlike tasks (tasks/listing.py) one statement does: the
caller's own lists and those shared with them, with the caller's share joined in, so
each row says its ``permission`` without another query. An admin's page is a range of
the sort's index over every list. A list-limited token (contract section 15) lists only
its own lists (at most ``TOKEN_MAX_LISTS``, probed by id) that its user may view.
Each page's statement is built once per shape.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from sqlalchemy import BindParameter, Select, SQLColumnExpression, and_, bindparam, or_, select
from sqlalchemy.orm import Session

from ..accounts.security import Identity
from ..web import pagination
from ..web.pagination import DATETIME, INTEGER, STRING, Codec, Fetch, Keyset, one_page
from ..web.token_lists import in_token_lists, token_list_params
from .models import ListShare, TaskList

SORT_COLUMNS: dict[str, tuple[SQLColumnExpression[Any], Codec]] = {
    "name": (TaskList.name, STRING),
    "created_at": (TaskList.created_at, DATETIME),
}


@dataclass(frozen=True)
class ListSort:
    """A sort as the client names it (``-name``), then the id that makes it total."""

    name: str

    @property
    def keyset(self) -> Keyset:
        """Its cursors: issued for ``lists:<sort>``, never valid for a task sort."""
        return Keyset(f"lists:{self.name}", self.codecs)

    @property
    def keys(self) -> list[tuple[SQLColumnExpression[Any], bool]]:
        column, _ = SORT_COLUMNS[self.name.lstrip("-")]
        descending = self.name.startswith("-")
        return [(column, descending), (TaskList.id, descending)]

    @property
    def codecs(self) -> list[Codec]:
        return [SORT_COLUMNS[self.name.lstrip("-")][1], INTEGER]

    def values(self, row: TaskList) -> list[Any]:
        return [getattr(row, self.name.lstrip("-")), row.id]


Row = tuple[TaskList, str | None]


def list_pages(session: Session, viewer: Identity, sort: ListSort) -> Fetch[Row]:
    """The pages of the viewer's lists, as :func:`web.pagination.paginate` reads them."""

    def fetch(after: list[Any] | None, limit: int) -> tuple[Sequence[Row], list[Any] | None]:
        return fetch_list_page(session, viewer, sort, limit, after)

    return fetch


VIEWER: BindParameter[int] = bindparam("viewer")


@lru_cache(maxsize=256)
def _page_statement(sort: ListSort, admin: bool, token_lists: int | None, later: bool
                    ) -> Select[TaskList, str]:
    """The page query of one shape, every value a named parameter (``viewer``, ``limit``,
    a list-limited token's ``token_lists`` lists, ``after_<i>`` after the first page):
    built once, so a page neither rebuilds it nor walks it for the compiled SQL's cache
    key."""
    share = and_(ListShare.list_id == TaskList.id, ListShare.user_id == VIEWER)
    query = select(TaskList, ListShare.permission).outerjoin(ListShare, share)
    if not admin:
        query = query.where(or_(TaskList.owner_id == VIEWER, ListShare.user_id.is_not(None)))
    if token_lists is not None:
        query = query.where(in_token_lists(TaskList.id, token_lists))
    if later:
        query = query.where(pagination.after(
            sort.keys, [bindparam(f"after_{i}") for i in range(len(sort.keys))]))
    order = [column.desc() if descending else column.asc() for column, descending in sort.keys]
    return query.order_by(*order).limit(bindparam("limit"))


def fetch_list_page(session: Session, viewer: Identity, sort: ListSort, limit: int,
                    after: Sequence[Any] | None) -> tuple[Sequence[Row], list[Any] | None]:
    """One page of (list, the viewer's share permission) and the values to continue after."""
    params: dict[str, Any] = {"viewer": viewer.user_id, "limit": limit + 1}
    token_lists = None
    if viewer.lists is not None:
        token_lists = len(viewer.lists)
        params.update(token_list_params(viewer.lists))
    if after is not None:
        params.update({f"after_{i}": value for i, value in enumerate(after)})
    statement = _page_statement(sort, viewer.is_admin, token_lists, after is not None)
    rows: list[Row] = [(row, permission) for row, permission in
                       session.execute(statement, params)]
    return one_page(rows, limit, lambda pair: sort.values(pair[0]))
