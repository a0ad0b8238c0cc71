"""Keep ``shared_reminders`` in step: the shares of tasks that have reminders.

A user may have thousands of tasks shared with them, few with reminders; ``GET
/reminders`` reads their shared tasks' reminders through these rows only. A subscriber to
the tasks' changes, like arming.py: a share given or taken away, a task's reminders
appearing or all going. A deleted task or user takes its rows along (``ON DELETE
CASCADE``).
"""

from __future__ import annotations

from sqlalchemy import BindParameter, bindparam, delete, insert, select
from sqlalchemy.orm import Session

from ..db.base import ID
from ..events import ResourceChanged
from ..tasks.models import TaskShare
from .models import SHARED_REMINDERS

_link = SHARED_REMINDERS.c
TASK: BindParameter[int] = bindparam("task_id", type_=ID)
LINK = insert(SHARED_REMINDERS)
UNLINK = delete(SHARED_REMINDERS).where(_link.task_id == TASK,
                                        _link.user_id == bindparam("user_id"))
LINK_ALL = insert(SHARED_REMINDERS).from_select(
    ["user_id", "task_id"],
    select(TaskShare.user_id, TASK).where(TaskShare.task_id == TASK))
UNLINK_ALL = delete(SHARED_REMINDERS).where(_link.task_id == TASK)


def follow_shares(change: ResourceChanged) -> None:
    """Subscriber (tasks' changes): link or unlink the shares the change concerns."""
    after = change.after
    if after is None:
        return
    session: Session = change.request.dbsession
    share, task = change.share, {"task_id": change.object_id}
    if share is not None:
        if share.permission is None and after["reminders"]:
            session.execute(UNLINK, {**task, "user_id": share.user_id})
        elif share.previous is None and after["reminders"]:
            session.execute(LINK, {**task, "user_id": share.user_id})
        return
    had = change.before is not None and bool(change.before["reminders"])
    if bool(after["reminders"]) != had and change.action == "updated":
        session.execute(LINK_ALL if after["reminders"] else UNLINK_ALL, task)
