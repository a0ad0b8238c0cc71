"""``/lists/<id>/tasks``: the tasks of one list, listed and created by the tasks package.

``GET /lists/<id>/tasks`` is exactly ``GET /tasks?list=<id>`` and ``POST /lists/<id>/tasks``
exactly ``POST /tasks`` with the list in the body, so both are this package's own code.
They live here, not in ``lists``, because the tasks package already depends on lists (a
task is placed in one) and lists must not depend back on tasks. The operations keep the
``lists`` tag: in the document they belong with the list they are under.
"""

from __future__ import annotations

from typing import Any

from pyramid.request import Request

from ..permissions import CONTENT, Permission
from ..web.errors import error_response
from ..web.schemas import request_schema
from ..web.services import api_service
from ..web.validation import BODY_VALIDATORS, QUERY_VALIDATORS
from .placement import placed
from .schemas import task_create_body, task_list_query
from .views import new_task, task_page

list_tasks = api_service("list_tasks", "/lists/{id}/tasks", "The tasks of one list", scopes=CONTENT)
SERVICES = (list_tasks,)
TAG = "lists"


@list_tasks.get(
    permission=Permission.VIEW,
    schema=request_schema(querystring=task_list_query(list_filter=False)),
    validators=QUERY_VALIDATORS, tag=TAG,
)
def list_list_tasks(request: Request) -> dict[str, Any]:
    """List the tasks of a list: GET /tasks?list=<id>, but a 404 for a list one may not view."""
    return task_page(request, request.context.list.id)


@list_tasks.post(
    permission=Permission.ADD_TASK, schema=request_schema(body=task_create_body()),
    validators=BODY_VALIDATORS, tag=TAG,
)
def create_list_task(request: Request) -> dict[str, Any]:
    """Create a task in a list (its owner, a manager or an editor of the list, an admin)."""
    fields = dict(request.validated["body"])
    list_id = request.context.list.id
    if fields.pop("list", None) not in (None, list_id):
        raise error_response(400, "body", "list", f"This URL creates tasks in list {list_id}: "
                             "leave list out, or send that id")
    return new_task(request, placed(request, {**fields, "list": list_id}, None))
