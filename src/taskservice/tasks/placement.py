"""The list a task is in, as a body's ``"list"`` asks for it (contract section 7).

Who may put a task in a list, move it, or take it out is the ACLs' answer (the target
list's ``add_task``, the task's ``share`` and ``detach``); this module only asks them,
and says the contract's status when the answer is no: a list the caller may not view is
a 400 (the body names nothing they can see), one they may view but not add to is a 403.

A move hands the task to the target list's members, which is sharing it: so moving a
task needs the task's ``share`` (its owner, an admin, ``manage`` on its list) besides
the target's ``add_task``, or an ``edit`` share or list role would take a task into a
list of the caller's own and gain every right on it there. That is asked first, as a
view's permission is asked before its body is looked at.
"""

from __future__ import annotations

from typing import Any

from pyramid.request import Request

from ..lists.resources import list_resource
from ..permissions import Permission
from ..web.errors import error_response
from .models import Task


def _check_may_add(request: Request, list_id: int) -> None:
    target = list_resource(request, list_id)
    if target is None or not request.has_permission(Permission.VIEW, target):
        raise error_response(400, "body", "list", "No list you may view has this id")
    if not request.has_permission(Permission.ADD_TASK, target):
        raise error_response(403, "body", "list", "You may not add tasks to this list")


def _check_may_move(request: Request, list_id: int) -> None:
    if not request.has_permission(Permission.SHARE, request.context):
        raise error_response(403, "body", "list", "Only someone who may share this task "
                             "(its owner, an admin, a manager of its list) may move it")
    _check_may_add(request, list_id)


def _check_may_detach(request: Request) -> None:
    if not request.has_permission(Permission.DETACH, request.context):
        raise error_response(403, "body", "list", "Only the task's owner or an admin may "
                             "take it out of its list")


def placed(request: Request, fields: dict[str, Any], task_row: Task | None) -> dict[str, Any]:
    """``fields`` with ``list`` as the ``list_id`` to store, once the caller may put it there.

    ``task_row`` is the task being changed (None for a new one, which needs no right on
    itself); a ``list`` it is already in changes nothing and needs no right.
    """
    if "list" not in fields:
        return fields
    fields = dict(fields)
    list_id = fields.pop("list")
    if list_id != (None if task_row is None else task_row.list_id):
        if list_id is None:
            _check_may_detach(request)
        elif task_row is None:
            _check_may_add(request, list_id)
        else:
            _check_may_move(request, list_id)
    fields["list_id"] = list_id
    return fields
