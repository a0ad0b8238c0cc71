"""``/lists`` and ``/lists/<id>``.

Who may do what is the resources' ACLs (resources.py); the tasks of a list,
``/lists/<id>/tasks``, are the tasks package's (tasks/list_views.py).
"""

from __future__ import annotations

from typing import Any

from pyramid.httpexceptions import HTTPNoContent
from pyramid.request import Request
from pyramid.response import Response

from ..db.base import utcnow
from ..permissions import CONTENT, Permission
from ..web.conditional import not_modified_response, require_if_match, set_etag
from ..web.pagination import paginate
from ..web.schemas import request_schema
from ..web.services import absolute_url, api_service
from ..web.validation import BODY_VALIDATORS, NO_QUERY_VALIDATORS, QUERY_VALIDATORS
from .events import list_body, list_changed, lists_deleting
from .listing import ListSort, list_pages
from .models import TaskList
from .representation import access, list_json
from .schemas import list_create_body, list_list_query, list_patch_body, list_replace_body

lists = api_service("lists", "/lists", "The lists the caller may view", scopes=CONTENT)
one_list = api_service("list", "/lists/{id}", "One list", scopes=CONTENT)
SERVICES = (lists, one_list)


def _list_response(request: Request, row: TaskList, status: int = 200) -> dict[str, Any]:
    request.response.status_code = status
    set_etag(request.response, row.version)
    viewer = request.identity
    share = row.share_of(viewer.user_id) if row.owner_id != viewer.user_id else None
    return list_json(row, access(row, viewer, None if share is None else share.permission))


def save_list(request: Request, row: TaskList, fields: dict[str, Any]) -> dict[str, Any]:
    """Apply what changed; the version grows only with the name or the description."""
    require_if_match(request, row.version, "list")
    changes = {name: value for name, value in fields.items() if getattr(row, name) != value}
    if changes:
        before = list_body(row)
        for name, value in changes.items():
            setattr(row, name, value)
        row.updated_at = utcnow()
        request.dbsession.flush()  # the versioned UPDATE: a concurrent writer fails here
        list_changed(request, row, "updated", before)
    return _list_response(request, row)


@lists.post(
    permission=Permission.CREATE, schema=request_schema(body=list_create_body()),
    validators=BODY_VALIDATORS,
)
def create_list(request: Request) -> dict[str, Any]:
    """Create a list owned by the caller."""
    row = new_list(request, request.validated["body"])
    request.response.headers["Location"] = absolute_url(request, f"/lists/{row.id}")
    return _list_response(request, row, status=201)


def new_list(request: Request, fields: dict[str, Any]) -> TaskList:
    """Insert a list of the caller's with the validated ``fields``."""
    now = utcnow()
    owner = request.identity.user_row(request.dbsession)
    row = TaskList(owner=owner, created_at=now, updated_at=now, **fields)
    request.dbsession.add(row)
    request.dbsession.flush()
    list_changed(request, row, "created")
    return row


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
    return save_list(request, request.context.list, request.validated["body"])


@one_list.put(
    permission=Permission.EDIT_LIST, schema=request_schema(body=list_replace_body()),
    validators=BODY_VALIDATORS,
)
def replace_list(request: Request) -> dict[str, Any]:
    """Replace a list's name and description (an absent description becomes empty)."""
    return save_list(request, request.context.list, request.validated["body"])


@one_list.delete(permission=Permission.DELETE_LIST, validators=NO_QUERY_VALIDATORS)
def delete_list(request: Request) -> HTTPNoContent:
    """Delete a list with every task in it (its owner or an admin).

    The tasks, their tags and shares, and the list's shares go in the same statement
    (database cascades), so in the same transaction.
    """
    remove_list(request, request.context.list)
    return HTTPNoContent()


def remove_list(request: Request, row: TaskList) -> None:
    """Delete ``row`` and what is in it (412 unless ``If-Match`` names its version)."""
    require_if_match(request, row.version, "list")
    lists_deleting(request, TaskList.id == row.id)
    request.dbsession.delete(row)
    request.dbsession.flush()
