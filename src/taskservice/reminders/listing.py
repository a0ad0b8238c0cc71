"""The reminders a user may view in a window of moments, a page at a time, in SQL.

The tasks a user may view are their own, those in lists they own or belong to, those
shared with them, and those below one of those (``tasks.access``; an admin's are the
same, not every user's). Each is a branch read on its own, ordered and limited: their own
and their lists' reminders are a range of an index each (the rows copy the task's owner
and list), the shared ones a primary-key probe per shared task that has reminders
(``shared_reminders``), the inherited ones one per task below theirs. The
union of at most four short branches is ordered and limited once more. A reminder reached
by several branches is one row (UNION). Done tasks have no rows (models.py).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import BindParameter, ColumnElement, Select, and_, bindparam, select, union
from sqlalchemy.orm import Session

from ..tasks.access import VIEWER, inherited_tasks, member_lists
from ..web.pagination import Fetch, after, one_page
from .models import SharedReminders, TaskReminder

WINDOW = (TaskReminder.scheduled_for >= bindparam("after"),
          TaskReminder.scheduled_for <= bindparam("before"))
KEYS = [(TaskReminder.scheduled_for, False), (TaskReminder.task_id, False),
        (TaskReminder.slot, False)]
ORDER = [column for column, _descending in KEYS]
LIMIT: BindParameter[int] = bindparam("limit")


def _branches() -> list[ColumnElement[bool]]:
    """What puts a reminder in the viewer's sight, one term of the access rule each."""
    shared = select(SharedReminders.task_id).where(SharedReminders.user_id == VIEWER)
    return [TaskReminder.owner_id == VIEWER,
            TaskReminder.list_id.in_(member_lists(VIEWER)),
            TaskReminder.task_id.in_(shared),
            TaskReminder.task_id.in_(inherited_tasks(VIEWER))]


def _statement(later: bool) -> Select[Any]:
    """A page's query: the first one, or one after the cursor (``after_<i>`` bound)."""
    position = [after(KEYS, [bindparam(f"after_{i}") for i in range(len(KEYS))])] if later else []
    r = TaskReminder
    picked = union(*(
        select(select(r.task_id, r.slot).where(term, *WINDOW, *position)
               .order_by(*ORDER).limit(LIMIT).subquery())
        for term in _branches())).subquery()
    return (select(r).join(picked, and_(r.task_id == picked.c.task_id, r.slot == picked.c.slot))
            .order_by(*ORDER).limit(LIMIT))


FIRST_PAGE = _statement(later=False)
LATER_PAGE = _statement(later=True)


def reminder_pages(session: Session, viewer: int, start: datetime, end: datetime
                   ) -> Fetch[TaskReminder]:
    """The pages of ``viewer``'s reminders from ``start`` to ``end``, both included."""

    def read(position: list[Any] | None, limit: int
             ) -> tuple[Sequence[TaskReminder], list[Any] | None]:
        params: dict[str, Any] = {"viewer": viewer, "after": start, "before": end,
                                  "limit": limit + 1}
        if position is not None:
            params.update({f"after_{i}": value for i, value in enumerate(position)})
        statement = FIRST_PAGE if position is None else LATER_PAGE
        rows: list[TaskReminder] = list(session.scalars(statement, params))
        return one_page(rows, limit, lambda row: [row.scheduled_for, row.task_id, row.slot])

    return read
