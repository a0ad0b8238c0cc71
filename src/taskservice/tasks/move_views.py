"""``POST /tasks/<id>/move``: a task's place among its siblings, under a parent, in a list.

A move writes one row: the task's ``position`` (and its ``parent`` or ``list`` when they
change, its subtree following a list). Where it may go is a PATCH's rule (placement.py);
``after`` is the one thing only a move says.
"""

from __future__ import annotations

from typing import Any

from pyramid.request import Request

from ..permissions import CONTENT, Permission
from ..positions import POSITION_MAX_LENGTH
from ..web.errors import error_response
from ..web.schemas import request_schema
from ..web.services import api_service
from ..web.validation import BODY_VALIDATORS
from .models import Task
from .ordering import Siblings
from .placement import placed
from .schemas import task_move_body
from .subtrees import new_siblings
from .views import save_task

task_move = api_service("task_move", "/tasks/{id}/move",
                        "Put a task after one of its siblings, under another task or list",
                        scopes=CONTENT)
SERVICES = (task_move,)


def _neighbours(request: Request, task_row: Task, siblings: Siblings, after_id: int | None
                ) -> tuple[str | None, str | None]:
    """The keys between which the task goes: right after the sibling ``after`` names
    (None: first), once it is one of its new siblings that the caller may view."""
    if after_id == task_row.id:
        raise error_response(400, "body", "after", "A task cannot go after itself")
    identity = request.identity
    found = siblings.neighbours(request.dbsession, task_row.id, after_id, identity.user_id,
                                identity.is_admin)
    if found is None:
        raise error_response(400, "body", "after", "Not one of the task's siblings where it "
                             "goes (the same parent; for a top-level task, the same list)")
    return found


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
    position = siblings.place(task_row, *_neighbours(request, task_row, siblings, after_id))
    if position is not None:
        fields["position"] = _fitting(position)
    return save_task(request, task_row, fields)


def _fitting(position: str) -> str:
    """``position``, when the column holds it. Only moves aimed again and again at the
    narrowest gap of one place run out of room there (positions.py): a 400, not a 5xx."""
    if len(position) > POSITION_MAX_LENGTH:
        raise error_response(400, "body", "after", "No room is left right after this task: "
                             "move the task after another one first")
    return position
