"""The shape of a task tree (contract section 13): depth, cycles, and the closure rows.

Every question here is one statement over ``task_ancestors`` (models.py), whatever the
depth: a task's ancestors, its subtree, the depth a subtree would reach under a new
parent. A tree is at most ``TREE_MAX_DEPTH`` tasks deep and never has a cycle; both are
checked here, in one place, before any write.
"""

from __future__ import annotations

from typing import Any, cast

from sqlalchemy import (
    BindParameter,
    ColumnElement,
    Integer,
    Table,
    bindparam,
    delete,
    false,
    func,
    insert,
    literal,
    or_,
    select,
    true,
    union_all,
    update,
)
from sqlalchemy.orm import Session

from ..vocabulary import TREE_MAX_DEPTH
from .models import TASKS, TaskAncestor

ANCESTORS = cast(Table, TaskAncestor.__table__)
TASK: BindParameter[int] = bindparam("task", type_=Integer)
PARENT: BindParameter[int] = bindparam("parent", type_=Integer)


class TreeError(ValueError):
    """A parent that would make a cycle or a tree deeper than the contract allows."""


def descendants(task: Any) -> Any:
    """The ids of every task below ``task`` (an id or a column), as a subquery."""
    return select(TaskAncestor.task_id).where(TaskAncestor.ancestor_id == task)


def in_subtree_of(task: Any) -> ColumnElement[bool]:
    """A task row is ``task`` or one of its descendants."""
    return or_(TASKS.c.id == task, TASKS.c.id.in_(descendants(task)))


# How deep a task is (1: top level), and how many levels its subtree has (1: itself).
DEPTH = select(func.count() + 1).select_from(TaskAncestor).where(TaskAncestor.task_id == TASK)
HEIGHT = select(func.coalesce(func.max(TaskAncestor.depth), 0) + 1).where(
    TaskAncestor.ancestor_id == TASK)
IS_BELOW = select(TaskAncestor.task_id).where(TaskAncestor.task_id == PARENT,
                                              TaskAncestor.ancestor_id == TASK)


def check_parent(session: Session, task_id: int | None, parent_id: int) -> None:
    """``parent_id`` may be the parent of ``task_id`` (None: a new task): no cycle, and the
    task's whole subtree stays within ``TREE_MAX_DEPTH`` levels."""
    params = {"task": task_id, "parent": parent_id}
    if task_id is not None and (
            task_id == parent_id or session.execute(IS_BELOW, params).first() is not None):
        raise TreeError("A task cannot be a subtask of itself or of one of its subtasks")
    height = 1 if task_id is None else session.execute(HEIGHT, params).scalar_one()
    depth = session.execute(DEPTH, {"task": parent_id}).scalar_one()
    if depth + height > TREE_MAX_DEPTH:
        raise TreeError(f"A tree of tasks is at most {TREE_MAX_DEPTH} tasks deep "
                        f"(this parent is at level {depth}, and the task would bring "
                        f"{height} more)")


# The moved task and its subtree, each with its distance below the moved task.
_SUBTREE = union_all(
    select(TASK.label("task_id"), literal(0).label("depth"),
           bindparam("owner", type_=Integer).label("owner_id")),
    select(TaskAncestor.task_id, TaskAncestor.depth, TaskAncestor.task_owner_id)
    .where(TaskAncestor.ancestor_id == TASK),
).subquery()
# The new parent and its ancestors, each with its distance above the moved task.
_NEW_ANCESTORS = union_all(
    select(TASKS.c.id.label("ancestor_id"), literal(1).label("depth"),
           TASKS.c.owner_id.label("owner_id")).where(TASKS.c.id == PARENT),
    select(TaskAncestor.ancestor_id, TaskAncestor.depth + 1, TaskAncestor.ancestor_owner_id)
    .where(TaskAncestor.task_id == PARENT),
).subquery()
LINK = insert(ANCESTORS).from_select(
    ["task_id", "ancestor_id", "depth", "task_owner_id", "ancestor_owner_id", "crosses_owner"],
    select(_SUBTREE.c.task_id, _NEW_ANCESTORS.c.ancestor_id,
           _SUBTREE.c.depth + _NEW_ANCESTORS.c.depth, _SUBTREE.c.owner_id,
           _NEW_ANCESTORS.c.owner_id, _SUBTREE.c.owner_id != _NEW_ANCESTORS.c.owner_id)
    .select_from(_SUBTREE).join(_NEW_ANCESTORS, true()),
)
# The new parent has subtasks now (its shares' copy follows, by the trigger); a parent
# that had some already is not written again.
MARK_PARENT = (update(TASKS).where(TASKS.c.id == PARENT, TASKS.c.has_subtasks.is_(false()))
               .values(has_subtasks=true()))
# The rows that tie the subtree to what is above the moved task (its old ancestors).
UNLINK = delete(ANCESTORS).where(
    or_(ANCESTORS.c.task_id == TASK, ANCESTORS.c.task_id.in_(descendants(TASK))),
    ANCESTORS.c.ancestor_id != TASK, ANCESTORS.c.ancestor_id.not_in(descendants(TASK)),
)


def relink(session: Session, task: Any, old_parent: int | None) -> None:
    """Keep the closure in step with ``task`` (a new one, or one moved with its subtree)
    now under ``task.parent_id`` (None: the top level): two statements at most."""
    params = {"task": task.id, "owner": task.owner_id, "parent": task.parent_id}
    if old_parent is not None:
        session.execute(UNLINK, params)
    if task.parent_id is not None:
        session.execute(LINK, params)
        session.execute(MARK_PARENT, params)

