"""What a write of one task does to the tasks below it (contract section 13).

A task's subtree goes where it goes: into its list (a list move changes the list of
every task below it, each one a change of its own, in one UPDATE for the whole
subtree) and out of existence (each task below a deleted one is a deleted task, told of
like any other). Its closure rows follow a re-parent (``tree.relink``); its place among
its new siblings is the end of their order (``ordering``).
"""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

from pyramid.request import Request
from sqlalchemy import bindparam, select, update

from ..accounts.models import User
from ..events import ResourcesMoving
from .events import task_changed, tasks_deleting
from .models import TASKS, Task
from .ordering import Siblings
from .representation import task_json
from .tree import descendants, in_subtree_of, relink

SUBTREE = descendants(bindparam("task"))
SUBTREE_ROWS = (select(*TASKS.columns, User.username.label("owner_username"))
                .join(User, User.id == TASKS.c.owner_id).where(TASKS.c.id.in_(SUBTREE))
                .with_for_update(of=TASKS))
MOVE_SUBTREE = (update(TASKS).where(TASKS.c.id.in_(SUBTREE))
                .values(list_id=bindparam("list_id"), version=TASKS.c.version + 1,
                        updated_at=bindparam("now")))


def placed_last(request: Request, fields: dict[str, Any], task_row: Task | None,
                owner_id: int) -> dict[str, Any]:
    """``fields`` with the ``position`` after the last of the task's new siblings, when it
    has new ones (a new task always has) and no place among them was asked for."""
    if "position" in fields:
        return fields
    current = None if task_row is None else Siblings.of(task_row)
    target = new_siblings(fields, task_row, owner_id)
    if current is not None and current.group == target.group:
        return fields
    return {**fields, "position": target.last_position(request.dbsession)}


def new_siblings(fields: dict[str, Any], task_row: Task | None, owner_id: int) -> Siblings:
    """The siblings the task has once ``fields`` (placed) are written."""
    def field(name: str) -> Any:
        return fields.get(name, None if task_row is None else getattr(task_row, name))

    return Siblings(field("parent_id"), field("list_id"), owner_id)


def announce_move(request: Request, task_row: Task, columns: dict[str, Any]) -> None:
    """Before ``task_row`` gets another parent: who sees its subtree through the old one
    may lose it, who sees the new one gains it; both must be told (``ResourcesMoving``)."""
    if "parent_id" in columns:
        request.registry.notify(ResourcesMoving("task", in_subtree_of(task_row.id), request))


def follow_move(request: Request, task_row: Task, old_parent: int | None,
                old_list: int | None) -> None:
    """After ``task_row`` was written: its closure and its subtree's list follow it."""
    if task_row.parent_id != old_parent:
        relink(request.dbsession, task_row, old_parent)
    if task_row.list_id != old_list:
        _move_subtree(request, task_row)


def _move_subtree(request: Request, task_row: Task) -> None:
    """Every task below ``task_row`` into its list: one change of each, one UPDATE."""
    session = request.dbsession
    params = {"task": task_row.id, "list_id": task_row.list_id, "now": task_row.updated_at}
    rows = session.execute(SUBTREE_ROWS, params).all()
    if not rows:
        return
    session.execute(MOVE_SUBTREE, params)
    for row in rows:
        moved = SimpleNamespace(**{**row._mapping, "list_id": task_row.list_id,
                                   "version": row.version + 1,
                                   "updated_at": task_row.updated_at})
        task_changed(request, moved, "updated", task_json(row))


def delete_subtree(request: Request, task_row: Task) -> None:
    """Delete ``task_row`` and every task below it, each a deleted task."""
    tasks_deleting(request, in_subtree_of(task_row.id))
    request.dbsession.delete(task_row)
    request.dbsession.flush()
