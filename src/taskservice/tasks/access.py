"""Who may view a task or a list, in SQL: the one statement of the rule for many rows.

The contract's rule (sections 4, 7 and 13): an admin, the object's owner, a user the task
is shared with, the list's owner or a member of the list, and for a subtask whoever owns
one of its ancestors or has one shared with them (``task_ancestors`` says which those are).
The ACLs (tasks/resources.py, lists/resources.py) answer it for the one object a request
traversed to; the queries that answer it for many rows at once -- the task listing, the
change feed, the webhook outbox -- compose these builders instead of writing the rule
again, so they cannot drift apart.

Every builder takes the viewer and the object's columns as expressions: a bound parameter
(``VIEWER`` for a listing, ``:owner_id`` for an event) or a column (``Task.owner_id``, the
webhook owner's id), so one statement can be built once and reused. Each term is an index
probe (a primary key, or the user's index on shares), whichever side is the column. A term
reads its own alias of its table: in a query that already reads ``users`` or ``lists`` (the
feed joins each task's owner), it still asks about the viewer and the list it is given,
never about the enclosing query's row.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import (
    BindParameter,
    ColumnElement,
    CompoundSelect,
    Select,
    SQLColumnExpression,
    bindparam,
    exists,
    or_,
    select,
    union,
)
from sqlalchemy.orm import aliased

from ..accounts.models import User
from ..lists.models import ListShare, TaskList
from .models import TaskAncestor, TaskShare

# A column (on an entity, in a table, an alias) or a bound parameter.
Expr = SQLColumnExpression[Any]
# The caller, as the listing and the feed bind them.
VIEWER: BindParameter[int] = bindparam("viewer")


def is_admin(viewer: Expr) -> ColumnElement[bool]:
    """``viewer`` is an admin (who may view everything)."""
    user = aliased(User, name="viewer_user")
    return exists().where(user.id == viewer, user.is_admin)


def owns(viewer: Expr, owner: Expr) -> ColumnElement[bool]:
    return owner == viewer


def holds_share(viewer: Expr, share: type[TaskShare] = TaskShare) -> ColumnElement[bool]:
    """A row of ``task_shares`` gives ``viewer`` its task: what the listing walks."""
    return share.user_id == viewer


def shares_task(viewer: Expr, task: Expr) -> ColumnElement[bool]:
    share = aliased(TaskShare, name="viewer_task_share")
    return exists().where(share.task_id == task, holds_share(viewer, share))


def inherits_view(viewer: Expr, task: Expr) -> ColumnElement[bool]:
    """``task`` is below a task ``viewer`` owns or has been shared (section 13)."""
    above = aliased(TaskAncestor, name="viewer_ancestor")
    share = aliased(TaskShare, name="viewer_ancestor_share")
    # Two levels down, the share's EXISTS names the viewer's table (a webhook's owner) as
    # well: correlated explicitly, or it would read that table anew, for any row of it.
    shared_above = (exists().where(share.task_id == above.ancestor_id, holds_share(viewer, share))
                    .correlate_except(share))
    return (exists().where(above.task_id == task,
                           or_(above.ancestor_owner_id == viewer, shared_above))
            .correlate_except(above))


def inherited_halves(viewer: Expr) -> tuple[Select[Any], Select[Any]]:
    """The ids of the tasks ``viewer`` may view through an ancestor only: below a task of
    theirs, made by someone else (theirs are their own), and below a task shared with
    them. Each is one small index range (``ix_task_ancestors_foreign``, the shares of tasks
    with subtasks), not a walk of their tasks or shares."""
    return (
        select(TaskAncestor.task_id).where(
            TaskAncestor.ancestor_owner_id == viewer, TaskAncestor.crosses_owner),
        select(TaskAncestor.task_id).join(TaskShare, TaskShare.task_id == TaskAncestor.ancestor_id)
        .where(holds_share(viewer), TaskShare.task_has_subtasks),
    )


def inherited_tasks(viewer: Expr) -> CompoundSelect[Any]:
    """``inherited_halves`` as one set."""
    return union(*inherited_halves(viewer))


def member_lists(viewer: Expr) -> CompoundSelect[Any]:
    """The ids of the lists ``viewer`` owns or is a member of: the list term as a set."""
    return union(select(TaskList.id).where(owns(viewer, TaskList.owner_id)),
                 select(ListShare.list_id).where(ListShare.user_id == viewer))


def in_member_list(viewer: Expr, list_id: Expr) -> ColumnElement[bool]:
    """``list_id`` (NULL: no list) is a list ``viewer`` owns or is a member of."""
    owned, share = aliased(TaskList, name="viewer_list"), aliased(ListShare, name="viewer_member")
    return or_(exists().where(owned.id == list_id, owns(viewer, owned.owner_id)),
               exists().where(share.list_id == list_id, share.user_id == viewer))


def may_view(viewer: Expr, *, owner: Expr, list_id: Expr, task: Expr | None = None,
             admin: ColumnElement[bool] | None = None) -> ColumnElement[bool]:
    """``viewer`` may view the object owned by ``owner``: a list (``list_id`` is its id),
    or the task ``task`` in the list ``list_id`` (NULL: in none).

    ``admin`` is whether the viewer is an admin, when the caller knows it already (the
    request's identity); else it is looked up, as for a webhook's owner.
    """
    admin_term = is_admin(viewer) if admin is None else admin
    if task is None:
        return or_(admin_term, owns(viewer, owner), in_member_list(viewer, list_id))
    return or_(admin_term, sees_task(viewer, owner=owner, task=task),
               in_member_list(viewer, list_id))


def sees_task(viewer: Expr, *, owner: Expr, task: Expr) -> ColumnElement[bool]:
    """``viewer`` may view the task ``task`` (owned by ``owner``) for itself, whatever its
    list: theirs, shared with them, or below one of those. What a user still sees of a
    list they are no member of (a list-limited token naming a list they left)."""
    return or_(owns(viewer, owner), shares_task(viewer, task), inherits_view(viewer, task))
