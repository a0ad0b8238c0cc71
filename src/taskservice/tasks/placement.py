"""Where a task goes, as a body's ``"list"`` and ``"parent"`` ask (contract sections 7, 13).

Who may put a task in a list or under a task, move it, or take it out is the ACLs'
answer (the target list's ``add_task``, the new parent's ``edit``, the task's ``share``
and ``detach``); this module only asks them, and says the contract's status when the
answer is no: a target the caller may not view is a 400 (the body names nothing they can
see), one they may view but not add to is a 403.

A move hands the task to the target's viewers, which is sharing it: so moving a task to
another list, or to another parent, needs the task's ``share`` (its owner, an admin,
``manage`` on its list) besides the right on the target, or an ``edit`` right would take
a task into a place of the caller's own and gain every right on it there. The task's
own right is asked first, as a view's permission is asked before its body is looked at.

A subtask is always in its parent's list: its ``list`` follows the parent, and a body
that asks for another one is a 400 naming ``list``.

A token limited to some lists (contract section 15) keeps its tasks in them: a list
beyond its own is one it may not view (the ACL's answer, so a 400), and a new task in no
list, or a task taken out of every list, is a 400 naming ``list`` too -- asked last, once
the caller's rights on the task and the target are known.
"""

from __future__ import annotations

from typing import Any

from pyramid.request import Request

from ..lists.resources import list_resource
from ..permissions import Permission
from ..web.errors import error_response
from .models import Task
from .resources import task_resource
from .tree import TreeError, check_parent


def _check_may_add(request: Request, list_id: int) -> None:
    target = list_resource(request, list_id)
    if target is None or not request.has_permission(Permission.VIEW, target):
        raise error_response(400, "body", "list", "No list you may view has this id")
    if not request.has_permission(Permission.ADD_TASK, target):
        raise error_response(403, "body", "list", "You may not add tasks to this list")


def _check_may_share(request: Request, name: str) -> None:
    if not request.has_permission(Permission.SHARE, request.context):
        raise error_response(403, "body", name, "Only someone who may share this task "
                             "(its owner, an admin, a manager of its list) may move it")


def _check_may_detach(request: Request, name: str = "list") -> None:
    if not request.has_permission(Permission.DETACH, request.context):
        raise error_response(403, "body", name, "Only the task's owner or an admin may "
                             "take it out of its list")


def _check_list(request: Request, list_id: int | None, task_row: Task | None) -> None:
    """A top-level task going into ``list_id`` from where it is (nowhere, when new)."""
    if list_id is None:
        _check_may_detach(request)
    elif task_row is None:
        _check_may_add(request, list_id)
    else:
        _check_may_share(request, "list")
        _check_may_add(request, list_id)


def _parent(request: Request, parent_id: int, task_row: Task | None) -> Task:
    """The new parent, once the caller may put a task under it and the tree allows it."""
    target = task_resource(request, parent_id)
    if target is None or not request.has_permission(Permission.VIEW, target):
        raise error_response(400, "body", "parent", "No task you may view has this id")
    if not request.has_permission(Permission.EDIT, target):
        raise error_response(403, "body", "parent", "You may not add subtasks to this task")
    try:
        check_parent(request.dbsession, None if task_row is None else task_row.id, parent_id)
    except TreeError as error:
        raise error_response(400, "body", "parent", str(error)) from None
    return target.task


def _under_parent(request: Request, fields: dict[str, Any], task_row: Task | None,
                  parent_id: int) -> int | None:
    """The list a task gets under ``parent_id``: the parent's, checked."""
    parent = _parent(request, parent_id, task_row)
    if "list" in fields and fields["list"] != parent.list_id:
        raise error_response(400, "body", "list", "A subtask is in its parent's list")
    current = None if task_row is None else task_row.list_id
    if parent.list_id is None and current is not None:
        _check_may_detach(request, "parent")  # under a task in no list: out of its list
    if parent.list_id is not None and (task_row is None or parent.list_id != current):
        target = list_resource(request, parent.list_id)
        if target is None or not request.has_permission(Permission.ADD_TASK, target):
            raise error_response(403, "body", "parent",
                                 "You may not add tasks to this task's list")
    return parent.list_id


def _check_within_token(request: Request, list_id: int | None) -> None:
    """A list-limited token's task stays in a list (which of its lists, the ACL saw to)."""
    if list_id is None and request.identity.lists is not None:
        raise error_response(400, "body", "list", "This token is limited to some lists: "
                             "a task it writes must be in one of them")


def placed(request: Request, fields: dict[str, Any], task_row: Task | None) -> dict[str, Any]:
    """``fields`` with ``list`` and ``parent`` as the ``list_id`` and ``parent_id`` to
    store, once the caller may put the task there.

    ``task_row`` is the task being changed (None for a new one, which needs no right on
    itself); a ``list`` or ``parent`` it already has changes nothing and needs no right.
    """
    if "list" not in fields and "parent" not in fields:
        if task_row is None:
            _check_within_token(request, None)  # a new task in no list
        return fields
    current_parent = None if task_row is None else task_row.parent_id
    current_list = None if task_row is None else task_row.list_id
    parent_id = fields.get("parent", current_parent)
    list_id = fields.get("list", current_list)
    if parent_id != current_parent:
        if task_row is not None:
            _check_may_share(request, "parent")
        if parent_id is not None:
            list_id = _under_parent(request, fields, task_row, parent_id)
        elif list_id != current_list:
            _check_list(request, list_id, None if task_row is None else task_row)
    elif list_id != current_list:
        if parent_id is not None:
            raise error_response(400, "body", "list", 'A subtask is in its parent\'s list: '
                                 'send "parent": null with it to move it out')
        _check_list(request, list_id, task_row)
    _check_within_token(request, list_id)
    placed_fields = {k: v for k, v in fields.items() if k not in ("list", "parent")}
    return {**placed_fields, "list_id": list_id, "parent_id": parent_id}
