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
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from functools import lru_cache
from typing import Any

from sqlalchemy import BindParameter, ColumnElement, Select, and_, bindparam, select, union
from sqlalchemy.orm import Session

from ..tasks.access import VIEWER, inherited_tasks, member_lists
from ..tasks.visibility import MANY_LISTS, seen_as_member
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


@lru_cache(maxsize=256)
def _statement(lists: int, inherited: bool, shared: int, later: bool) -> Select[Any]:
    """A page's query (built once per shape): the first page, or one after the cursor
    (``after_<i>`` bound)."""
    position = [after(KEYS, [bindparam(f"after_{i}") for i in range(len(KEYS))])] if later else []
    r = TaskReminder
    picked = union(*(
        select(select(r.task_id, r.slot).where(term, *WINDOW, *position)
               .order_by(*ORDER).limit(LIMIT).subquery())
        for term in _branches(lists, inherited, shared))).subquery()
    return (select(r).join(picked, and_(r.task_id == picked.c.task_id, r.slot == picked.c.slot))
            .order_by(*ORDER).limit(LIMIT))


def reminder_pages(session: Session, viewer: int, start: datetime, end: datetime
                   ) -> Fetch[TaskReminder]:
    """The pages of ``viewer``'s reminders from ``start`` to ``end``, both included."""
    seen = seen_as_member(session, viewer)
    shared = list(session.scalars(SHARED.limit(MAX_SHARED_PROBES + 1), {"viewer": viewer}))
    probes = MANY_SHARED if len(shared) > MAX_SHARED_PROBES else len(shared)

    def read(position: list[Any] | None, limit: int
             ) -> tuple[Sequence[TaskReminder], list[Any] | None]:
        params: dict[str, Any] = {**seen.params, "after": start, "before": end,
                                  "limit": limit + 1, "shared": shared}
        if position is not None:
            params.update({f"after_{i}": value for i, value in enumerate(position)})
        statement = _statement(seen.lists, seen.inherited, probes, later=position is not None)
        rows: list[TaskReminder] = list(session.scalars(statement, params))
        return one_page(rows, limit, lambda row: [row.scheduled_for, row.task_id, row.slot])

    return read
