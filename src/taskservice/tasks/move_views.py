"""``POST /tasks/<id>/move``: a task's place among its siblings, under a parent, in a list.

A move writes one row: the task's ``position`` (and its ``parent`` or ``list`` when they
change, its subtree following a list). Where it may go is a PATCH's rule (placement.py);
``after`` is the one thing only a move says.
"""

from __future__ import annotations

from typing import Any

from pyramid.request import Request

from ..permissions import Permission
from ..positions import POSITION_MAX_LENGTH
from ..web.errors import error_response
from ..web.schemas import request_schema
from ..web.services import api_service
from ..web.validation import BODY_VALIDATORS
from .models import Task
from .ordering import Siblings
from .placement import placed
from .resources import task_resource
from .schemas import task_move_body
from .subtrees import new_siblings
from .views import save_task

task_move = api_service("task_move", "/tasks/{id}/move",
                        "Put a task after one of its siblings, under another task or list")
SERVICES = (task_move,)


def _sibling(request: Request, task_row: Task, siblings: Siblings, after_id: int) -> Task:
    """The task ``after`` names, once it is one of the moving task's new siblings."""
    if after_id == task_row.id:
        raise error_response(400, "body", "after", "A task cannot go after itself")
    target = task_resource(request, after_id)
    if (target is None or not request.has_permission(Permission.VIEW, target)
            or not siblings.contains(target.task)):
        raise error_response(400, "body", "after", "Not one of the task's siblings where it "
                             "goes (the same parent; for a top-level task, the same list)")
    return target.task


@task_move.post(
    permission=Permission.EDIT, schema=request_schema(body=task_move_body()),
    validators=BODY_VALIDATORS,
)
def move_task(request: Request) -> dict[str, Any]:
    """Put the task right after a sibling (``after``; first when null), under another
    parent or in another list: only its position (and parent, list) change."""
    task_row = request.context.task
    body = dict(request.validated["body"])
    after_id = body.pop("after")
    fields = placed(request, body, task_row)
    siblings = new_siblings(fields, task_row, task_row.owner_id)
    after = None if after_id is None else _sibling(request, task_row, siblings, after_id)
    after_position = None if after is None else after.position
    session = request.dbsession
    if not (siblings.contains(task_row) and siblings.precedes(session, task_row, after_position)):
        fields["position"] = _fitting(siblings.position_after(session, task_row.id,
                                                              after_position))
    return save_task(request, task_row, fields)


def _fitting(position: str) -> str:
    """``position``, when the column holds it. Only moves aimed again and again at the
    narrowest gap of one place run out of room there (positions.py): a 400, not a 5xx."""
    if len(position) > POSITION_MAX_LENGTH:
        raise error_response(400, "body", "after", "No room is left right after this task: "
                             "move the task after another one first")
    return position
