"""``/tasks`` and ``/tasks/<id>``: create, list, read, patch, replace, delete."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pyramid.httpexceptions import HTTPNoContent
from pyramid.request import Request
from pyramid.response import Response

from ..dates.zones import Moment, instant
from ..db.base import utcnow
from ..permissions import CONTENT, Permission
from ..vocabulary import NO_PARENT
from ..web.conditional import not_modified_response, require_if_match, set_etag
from ..web.errors import error_dict, render_errors
from ..web.pagination import paginate
from ..web.schemas import request_schema
from ..web.services import absolute_url, api_service
from ..web.validation import BODY_VALIDATORS, NO_QUERY_VALIDATORS, QUERY_VALIDATORS
from .events import task_changed
from .listing import TaskFilters, task_pages
from .models import Task
from .placement import placed
from .representation import task_json
from .schedule import ScheduleError
from .schemas import task_create_body, task_list_query, task_patch_body, task_replace_body
from .sorting import Sort
from .subtrees import announce_move, delete_subtree, follow_move, placed_last
from .tree import relink
from .writes import new_task_columns, task_write

tasks = api_service("tasks", "/tasks", "The caller's tasks and the tasks shared with them",
                    scopes=CONTENT)
task = api_service("task", "/tasks/{id}", "One task", scopes=CONTENT)
SERVICES = (tasks, task)


def _task_response(request: Request, task_row: Task, status: int = 200) -> dict[str, Any]:
    request.response.status_code = status
    set_etag(request.response, task_row.version)
    return task_json(task_row)


def save_task(request: Request, task_row: Task, fields: dict[str, Any]) -> dict[str, Any]:
    """Write ``fields`` (placed: ``placement.placed``) to the task: the 200, or a 412."""
    require_if_match(request, task_row.version)
    write_task(request, task_row, fields)
    return _task_response(request, task_row)


def write_task(request: Request, task_row: Task, fields: dict[str, Any],
               always: bool = False) -> None:
    """Write ``fields`` (placed) to the task, if they change it: one versioned UPDATE.

    ``always``: a new version even when no column changes, for a change kept beside the
    task (a CalDAV client's own properties), which clients must see as a change too.
    """
    now = utcnow()
    fields = placed_last(request, fields, task_row, task_row.owner_id)
    write = task_write(task_row, fields, now)
    if write.columns or always:
        before = task_json(task_row)
        old_parent, old_list = task_row.parent_id, task_row.list_id
        announce_move(request, task_row, write.columns)
        # The versioned UPDATE: a concurrent writer fails here (and is retried).
        task_row.update_in(request.dbsession, {**write.columns, "updated_at": now})
        task_changed(request, task_row, "updated", before, occurrence=write.occurrence)
        follow_move(request, task_row, old_parent, old_list)


@tasks.post(
    permission=Permission.CREATE, schema=request_schema(body=task_create_body()),
    validators=BODY_VALIDATORS,
)
def create_task(request: Request) -> dict[str, Any]:
    """Create a task owned by the caller."""
    return new_task(request, placed(request, request.validated["body"], None))


def new_task(request: Request, fields: dict[str, Any]) -> dict[str, Any]:
    """Insert a task of the caller's with ``fields`` (its list already checked): the 201."""
    task_row = insert_task(request, fields)
    request.response.headers["Location"] = absolute_url(request, f"/tasks/{task_row.id}")
    return _task_response(request, task_row, status=201)


def insert_task(request: Request, fields: dict[str, Any]) -> Task:
    """Insert a task of the caller's with ``fields`` (its list already checked)."""
    now = utcnow()
    identity = request.identity
    fields = placed_last(request, fields, None, identity.user_id)
    task_row = Task.unsaved(owner_id=identity.user_id, owner_username=identity.username,
                            created_at=now, updated_at=now,
                            **new_task_columns(fields, identity.time_zone, now))
    task_row.insert_into(request.dbsession)
    if task_row.parent_id is not None:
        relink(request.dbsession, task_row, None)
    task_changed(request, task_row, "created")
    return task_row


@tasks.get(
    permission=Permission.LIST, schema=request_schema(querystring=task_list_query()),
    validators=QUERY_VALIDATORS,
)
def list_tasks(request: Request) -> dict[str, Any]:
    """List the tasks the caller may view, filtered, sorted and a page at a time."""
    return task_page(request, request.validated["querystring"].get("list"))


def task_page(request: Request, list_id: int | None) -> dict[str, Any]:
    """A page of ``GET /tasks`` as the query string asks, in the list ``list_id`` if given."""
    query = request.validated["querystring"]
    sort = Sort(query["sort"])
    zone = request.identity.time_zone  # a date bound is 00:00 of it in the caller's day
    filters = TaskFilters(
        done=query.get("done"), priority=query.get("priority"), tags=query.get("tag", ()),
        owner=query.get("owner"), text=query.get("q"),
        due_before=_bound(query.get("due_before"), zone),
        due_after=_bound(query.get("due_after"), zone),
        recurring=query.get("recurring"), list_id=list_id, parent=_parent_filter(query),
    )
    pages = task_pages(request.dbsession, request.identity, filters, sort)
    return paginate(request, sort.keyset, pages, task_json)


def schedule_error_view(exc: ScheduleError, request: Request) -> Response:
    """A recurrence or reminders that cannot be, wherever a write or a read met them: the
    400 naming the field (nothing of the request is committed)."""
    return render_errors(request, 400, [error_dict("body", exc.field, str(exc))])


def _parent_filter(query: dict[str, Any]) -> int | str | None:
    """``parent=``: NO_PARENT, a task's id, or None when not given."""
    parent: str | None = query.get("parent")
    return parent if parent is None or parent == NO_PARENT else int(parent)


def _bound(value: Moment | None, zone: str) -> datetime | None:
    return None if value is None else instant(value, zone)


@task.get(permission=Permission.VIEW, validators=NO_QUERY_VALIDATORS)
def get_task(request: Request) -> dict[str, Any] | Response:
    """Read a task (304 when If-None-Match names its current ETag)."""
    task_row = request.context.task
    return not_modified_response(request, task_row.version) or _task_response(request, task_row)


@task.patch(
    permission=Permission.EDIT, schema=request_schema(body=task_patch_body()),
    validators=BODY_VALIDATORS,
)
def patch_task(request: Request) -> dict[str, Any]:
    """Change some fields of a task."""
    task_row = request.context.task
    return save_task(request, task_row, placed(request, request.validated["body"], task_row))


@task.put(
    permission=Permission.EDIT, schema=request_schema(body=task_replace_body()),
    validators=BODY_VALIDATORS,
)
def replace_task(request: Request) -> dict[str, Any]:
    """Replace a task: absent fields take their defaults (an absent list keeps its list)."""
    task_row = request.context.task
    return save_task(request, task_row, placed(request, request.validated["body"], task_row))


@task.delete(permission=Permission.DELETE, validators=NO_QUERY_VALIDATORS)
def delete_task(request: Request) -> HTTPNoContent:
    """Delete a task, its shares and its subtasks."""
    task_row = request.context.task
    require_if_match(request, task_row.version)
    delete_subtree(request, task_row)
    return HTTPNoContent()
