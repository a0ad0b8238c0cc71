"""``/lists``, ``/lists/<id>`` and ``/lists/<id>/tasks``.

Who may do what is the resources' ACLs (resources.py); the list's tasks are listed and
created by the tasks package's own code, so ``GET /lists/<id>/tasks`` is exactly
``GET /tasks?list=<id>`` and ``POST /lists/<id>/tasks`` exactly ``POST /tasks`` with the
list in the body.
"""

from __future__ import annotations

from typing import Any

from pyramid.httpexceptions import HTTPNoContent
from pyramid.request import Request
from pyramid.response import Response

from ..changes import log
from ..db.base import utcnow
from ..permissions import Permission
from ..tasks.schemas import task_create_body, task_list_query
from ..tasks.views import new_task, task_page
from ..web.conditional import not_modified_response, require_if_match, set_etag
from ..web.errors import error_response
from ..web.pagination import paginate
from ..web.schemas import request_schema
from ..web.services import absolute_url, api_service
from ..web.validation import BODY_VALIDATORS, NO_QUERY_VALIDATORS, QUERY_VALIDATORS
from .listing import ListSort, list_pages
from .models import TaskList
from .representation import access, list_json
from .schemas import list_create_body, list_list_query, list_patch_body, list_replace_body

lists = api_service("lists", "/lists", "The lists the caller may view")
one_list = api_service("list", "/lists/{id}", "One list")
list_tasks = api_service("list_tasks", "/lists/{id}/tasks", "The tasks of one list")
SERVICES = (lists, one_list, list_tasks)


def _list_response(request: Request, row: TaskList, status: int = 200) -> dict[str, Any]:
    request.response.status_code = status
    set_etag(request.response, row.version)
    viewer = request.identity
    share = row.share_of(viewer.user_id) if row.owner_id != viewer.user_id else None
    return list_json(row, access(row, viewer, None if share is None else share.permission))


def _save(request: Request, row: TaskList, fields: dict[str, Any]) -> dict[str, Any]:
    """Apply what changed; the version grows only with the name or the description."""
    require_if_match(request, row.version, "list")
    changes = {name: value for name, value in fields.items() if getattr(row, name) != value}
    if changes:
        for name, value in changes.items():
            setattr(row, name, value)
        row.updated_at = utcnow()
        request.dbsession.flush()  # the versioned UPDATE: a concurrent writer fails here
        log.append(request.dbsession,
                   log.list_changed(row, "updated", request.identity.username))
    return _list_response(request, row)


@lists.post(
    permission=Permission.CREATE, schema=request_schema(body=list_create_body()),
    validators=BODY_VALIDATORS,
)
def create_list(request: Request) -> dict[str, Any]:
    """Create a list owned by the caller."""
    now = utcnow()
    owner = request.identity.user_row(request.dbsession)
    row = TaskList(owner=owner, created_at=now, updated_at=now,
                   **request.validated["body"])
    request.dbsession.add(row)
    request.dbsession.flush()
    log.append(request.dbsession, log.list_changed(row, "created", owner.username))
    request.response.headers["Location"] = absolute_url(request, f"/lists/{row.id}")
    return _list_response(request, row, status=201)


@lists.get(
    permission=Permission.LIST, schema=request_schema(querystring=list_list_query()),
    validators=QUERY_VALIDATORS,
)
def list_lists(request: Request) -> dict[str, Any]:
    """List the lists the caller may view, sorted, a page at a time."""
    sort, viewer = ListSort(request.validated["querystring"]["sort"]), request.identity
    pages = list_pages(request.dbsession, viewer, sort)
    return paginate(request, sort.keyset, pages,
                    lambda row: list_json(row[0], access(row[0], viewer, row[1])))


@one_list.get(permission=Permission.VIEW, validators=NO_QUERY_VALIDATORS)
def get_list(request: Request) -> dict[str, Any] | Response:
    """Read a list (304 when If-None-Match names its current ETag)."""
    row = request.context.list
    return not_modified_response(request, row.version) or _list_response(request, row)


@one_list.patch(
    permission=Permission.EDIT_LIST, schema=request_schema(body=list_patch_body()),
    validators=BODY_VALIDATORS,
)
def patch_list(request: Request) -> dict[str, Any]:
    """Change the name or description of a list (its owner, a manager, an admin)."""
    return _save(request, request.context.list, request.validated["body"])


@one_list.put(
    permission=Permission.EDIT_LIST, schema=request_schema(body=list_replace_body()),
    validators=BODY_VALIDATORS,
)
def replace_list(request: Request) -> dict[str, Any]:
    """Replace a list's name and description (an absent description becomes empty)."""
    return _save(request, request.context.list, request.validated["body"])


@one_list.delete(permission=Permission.DELETE_LIST, validators=NO_QUERY_VALIDATORS)
def delete_list(request: Request) -> HTTPNoContent:
    """Delete a list with every task in it (its owner or an admin).

    The tasks, their tags and shares, and the list's shares go in the same statement
    (database cascades), so in the same transaction.
    """
    row = request.context.list
    require_if_match(request, row.version, "list")
    session = request.dbsession
    tombstones = log.lists_deleted(session, TaskList.id == row.id, request.identity.username)
    session.delete(row)
    session.flush()
    log.append(session, tombstones)
    return HTTPNoContent()


@list_tasks.get(
    permission=Permission.VIEW,
    schema=request_schema(querystring=task_list_query(list_filter=False)),
    validators=QUERY_VALIDATORS,
)
def list_list_tasks(request: Request) -> dict[str, Any]:
    """List the tasks of a list: GET /tasks?list=<id>, but a 404 for a list one may not view."""
    return task_page(request, request.context.list.id)


@list_tasks.post(
    permission=Permission.ADD_TASK, schema=request_schema(body=task_create_body()),
    validators=BODY_VALIDATORS,
)
def create_list_task(request: Request) -> dict[str, Any]:
    """Create a task in a list (its owner, a manager or an editor of the list, an admin)."""
    fields = dict(request.validated["body"])
    list_id = request.context.list.id
    if fields.pop("list") not in (None, list_id):
        raise error_response(400, "body", "list", f"This URL creates tasks in list {list_id}: "
                             "leave list out, or send that id")
    return new_task(request, {**fields, "list_id": list_id})
