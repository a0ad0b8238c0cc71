"""The reminders a user may view in a window of moments, a page at a time, in SQL.

The tasks a user may view are their own, those in lists they own or belong to, those
shared with them, and those below one of those (``tasks.access``; an admin's are the
same, not every user's). As for the task listing (``tasks.visibility``: which lists, and
whether any task is seen through an ancestor only, read first), each is a branch read on
its own, ordered and limited: their own reminders and each list's are a range of an index
(the rows copy the task's owner and list), the shared ones a primary-key range per shared
task that has reminders (``shared_reminders``, read first), the inherited ones one per task
below theirs. The union of these short branches is ordered and limited once more; a reminder
reached by several is one row (UNION). Done tasks have no rows (models.py).

A token limited to some lists (contract section 15) sees only the reminders of tasks in
them: a range of the list index per list of the token, whole when its user is a member
(``tasks.visibility.within_token``, as a member for an admin too), else guarded by the terms
that still show them a task there. Its page reads no more than a member's.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from typing import Any

from sqlalchemy import BindParameter, ColumnElement, Select, and_, bindparam, or_, select, union
from sqlalchemy.orm import Session

from ..accounts.security import Identity
from ..tasks.access import VIEWER, inherited_tasks, member_lists
from ..tasks.visibility import MANY_LISTS, seen_as_member, within_token
from ..web.pagination import Fetch, after, one_page
from .models import SharedReminders, TaskReminder

WINDOW = (TaskReminder.scheduled_for >= bindparam("after"),
          TaskReminder.scheduled_for <= bindparam("before"))
KEYS = [(TaskReminder.scheduled_for, False), (TaskReminder.task_id, False),
        (TaskReminder.slot, False)]
ORDER = [column for column, _descending in KEYS]
LIMIT: BindParameter[int] = bindparam("limit")
SHARED = select(SharedReminders.task_id).where(SharedReminders.user_id == VIEWER)
# Up to this many shared tasks with reminders are probed by their ids, read first (the
# primary key's range for each, whatever the planner thinks of a near-empty table); past
# it, by the subquery (and a database's limit on bound parameters is never near).
MAX_SHARED_PROBES = 500
MANY_SHARED = -1


def _branches(lists: int, inherited: bool, shared: int) -> list[ColumnElement[bool]]:
    """What puts a reminder in the viewer's sight, one term of the access rule each (one
    per list, bound as ``list_<i>``, or one IN past ``MAX_LIST_BRANCHES``; the shared
    tasks with reminders by their ids, bound as ``shared``)."""
    in_lists = ([TaskReminder.list_id.in_(member_lists(VIEWER))] if lists == MANY_LISTS
                else [TaskReminder.list_id == bindparam(f"list_{i}") for i in range(lists)])
    below = [TaskReminder.task_id.in_(inherited_tasks(VIEWER))] if inherited else []
    by_share = ([TaskReminder.task_id.in_(SHARED)] if shared == MANY_SHARED
                else [TaskReminder.task_id.in_(bindparam("shared", expanding=True))]
                if shared else [])
    return [TaskReminder.owner_id == VIEWER, *by_share, *in_lists, *below]


def _limited_branches(lists: int, guarded: int) -> list[ColumnElement[bool]]:
    """A list-limited token's: each of its lists seen whole (``list_<i>``), then each seen
    in part (``guarded_<i>``), its reminders asked whether the user sees their task."""
    r = TaskReminder
    seen_for_itself = or_(r.owner_id == VIEWER, r.task_id.in_(SHARED),
                          r.task_id.in_(inherited_tasks(VIEWER)))
    return [*(r.list_id == bindparam(f"list_{i}") for i in range(lists)),
            *(and_(r.list_id == bindparam(f"guarded_{i}"), seen_for_itself)
              for i in range(guarded))]


@dataclass(frozen=True)
class Shape:
    """What a page's statement depends on besides ``later``: the viewer's list branches,
    whether any task is seen through an ancestor only, the shared tasks probed, and for a
    list-limited token (not None) the branches of its lists seen in part."""

    lists: int
    inherited: bool = False
    shared: int = 0
    guarded: int | None = None


@lru_cache(maxsize=256)
def _statement(shape: Shape, later: bool) -> Select[Any]:
    """A page's query (built once per shape): the first page, or one after the cursor
    (``after_<i>`` bound)."""
    position = [after(KEYS, [bindparam(f"after_{i}") for i in range(len(KEYS))])] if later else []
    r = TaskReminder
    terms = (_branches(shape.lists, shape.inherited, shape.shared) if shape.guarded is None
             else _limited_branches(shape.lists, shape.guarded))
    picked = union(*(
        select(select(r.task_id, r.slot).where(term, *WINDOW, *position)
               .order_by(*ORDER).limit(LIMIT).subquery())
        for term in terms)).subquery()
    return (select(r).join(picked, and_(r.task_id == picked.c.task_id, r.slot == picked.c.slot))
            .order_by(*ORDER).limit(LIMIT))


def _no_reminders(position: list[Any] | None, limit: int
                  ) -> tuple[Sequence[TaskReminder], list[Any] | None]:
    return [], None


def reminder_pages(session: Session, viewer: Identity, start: datetime, end: datetime
                   ) -> Fetch[TaskReminder]:
    """The pages of ``viewer``'s reminders from ``start`` to ``end``, both included."""
    shared: list[int] = []
    if viewer.lists is not None:
        seen = within_token(session, viewer, as_member=True)
        if seen is None:
            return _no_reminders
        shape = Shape(seen.lists, guarded=seen.guarded)
    else:
        seen = seen_as_member(session, viewer.user_id)
        shared = list(session.scalars(SHARED.limit(MAX_SHARED_PROBES + 1),
                                      {"viewer": viewer.user_id}))
        probes = MANY_SHARED if len(shared) > MAX_SHARED_PROBES else len(shared)
        shape = Shape(seen.lists, seen.inherited, probes)
    params = seen.params

    def read(position: list[Any] | None, limit: int
             ) -> tuple[Sequence[TaskReminder], list[Any] | None]:
        values: dict[str, Any] = {**params, "after": start, "before": end,
                                  "limit": limit + 1, "shared": shared}
        if position is not None:
            values.update({f"after_{i}": value for i, value in enumerate(position)})
        statement = _statement(shape, later=position is not None)
        rows: list[TaskReminder] = list(session.scalars(statement, values))
        return one_page(rows, limit, lambda row: [row.scheduled_for, row.task_id, row.slot])

    return read
