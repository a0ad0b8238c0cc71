"""``GET /changes`` (incremental sync) and ``GET /tasks/<id>/history`` (contract section 8)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any, ClassVar

import colander
from pyramid.authorization import Allow, Authenticated
from pyramid.httpexceptions import HTTPError
from pyramid.request import Request
from sqlalchemy import bindparam, select

from ..db.base import utcnow
from ..db.service_keys import SYNC_TOKENS, service_key
from ..lists.listing import ListSort, fetch_list_page
from ..lists.representation import access, list_json
from ..permissions import CONTENT, Permission
from ..tasks.listing import TaskFilters, TaskPageRequest, fetch_task_page
from ..tasks.representation import task_json
from ..tasks.sorting import Sort
from ..traversal import ACL, Resource
from ..web.errors import error_response
from ..web.pagination import INTEGER, CursorError, Keyset, KeysetQuery, paginate
from ..web.representation import timestamp
from ..web.schema_types import StrictMapping, StrictString
from ..web.schemas import limit_node, page_query, request_schema
from ..web.services import api_service
from ..web.validation import QUERY_VALIDATORS
from .feed import change_page, last_position, upsert
from .models import Change
from .tokens import CHANGES, KEPT, LISTS, TASKS, SyncToken, decode_token

changes = api_service("changes", "/changes", "What changed, for a client that keeps a copy",
                      scopes=CONTENT)
task_history = api_service("task_history", "/tasks/{id}/history", "A task's history",
                           scopes=CONTENT)
SERVICES = (changes, task_history)

# A full sync reads lists, then tasks, each newest first (a keyset sort): what is created
# while it pages sorts before its cursor, so it never chases new rows and always ends;
# those come in the next sync, their positions being past the one it fixed.
FULL_SYNC_LISTS = ListSort("-created_at")
FULL_SYNC_TASKS = Sort("-created_at")
HISTORY_PAGES = Keyset("history", [INTEGER])
HISTORY: KeysetQuery[Change] = KeysetQuery(
    select(Change).where(Change.task_id == bindparam("task_id")), [(Change.seq, True)],
    lambda row: [row.seq])


class ChangeFeed(Resource):
    """``/changes``: every authenticated user has a feed of their own."""

    __acl__: ClassVar[ACL] = [(Allow, Authenticated, Permission.VIEW)]


def sync_query() -> colander.SchemaNode:
    return colander.SchemaNode(
        StrictMapping(),
        limit_node(),
        colander.SchemaNode(StrictString(), name="token", validator=colander.Length(1, 2000),
                            missing=None),
        missing={},
    )


def _stale(description: str) -> HTTPError:
    return error_response(410, "querystring", "token",
                          f"{description}: drop the copy and sync in full (without token)")


def _checked(request: Request, text: str) -> SyncToken:
    """The token, if it is this caller's and still good: else a 400 or a 410."""
    try:
        token = decode_token(text, service_key(request, SYNC_TOKENS))
    except CursorError:
        raise error_response(400, "querystring", "token", "Invalid token: pass the "
                             "next_token of a previous sync, unchanged") from None
    viewer = request.identity
    if token.user_id != viewer.user_id:
        raise error_response(400, "querystring", "token", "This token was issued to another "
                             "user: sync in full to get one of your own")
    role_changed_at = viewer.role_changed_at
    if token.is_admin != viewer.is_admin or (
            role_changed_at is not None and role_changed_at >= token.issued_at):
        raise _stale("This token was issued before your admin role changed")
    retention = request.registry.app_settings.changes_retention
    if token.issued_at < utcnow() - timedelta(seconds=retention):
        raise _stale(f"This token is older than the change log keeps ({retention} seconds)")
    return token


@changes.get(
    permission=Permission.VIEW, schema=request_schema(querystring=sync_query()),
    validators=QUERY_VALIDATORS,
)
def sync_changes(request: Request) -> dict[str, Any]:
    """What changed since a sync token (without one: everything the caller may view)."""
    query = request.validated["querystring"]
    viewer, session = request.identity, request.dbsession
    if query["token"] is None:
        # A full sync: what the caller may view now, and the position it stands at.
        token = SyncToken(viewer.user_id, utcnow(), viewer.is_admin, LISTS,
                          until=last_position(session))
    else:
        token = _checked(request, query["token"])
        if token.phase == KEPT:
            # A new incremental sync: up to what is visible now, kept by every page.
            token = SyncToken(viewer.user_id, utcnow(), viewer.is_admin, CHANGES,
                              since=token.since,
                              until=max(token.since, last_position(session)))
    limit: int = query["limit"]
    if token.phase == CHANGES:
        items, position = change_page(session, viewer, token.since, token.until,
                                      token.position, limit)
        after = None if position is None else (position.seq, position.kind, position.object_id)
        following = token.kept() if after is None else token.next(CHANGES, after)
    else:
        items, following = _full_sync_page(request, token, limit)
    return {"changes": items, "next_token": following.encode(service_key(request, SYNC_TOKENS)),
            "more": following.phase != KEPT}


def _full_sync_page(request: Request, token: SyncToken, limit: int
                    ) -> tuple[list[dict[str, Any]], SyncToken]:
    """A page of a full sync: the caller's lists, then their tasks, as upserts."""
    viewer, session = request.identity, request.dbsession
    items: list[dict[str, Any]] = []
    after = token.after
    if token.phase == LISTS:
        rows, last = fetch_list_page(session, viewer, FULL_SYNC_LISTS, limit,
                                     None if after is None else list(after))
        items += [upsert("list", row.id, list_json(row, access(row, viewer, permission)))
                  for row, permission in rows]
        if last is not None:
            return items, token.next(LISTS, tuple(last))
        after = None
    room = limit - len(items)
    if room == 0:
        return items, token.next(TASKS, None)
    page = TaskPageRequest(viewer=viewer, filters=TaskFilters(), sort=FULL_SYNC_TASKS,
                           limit=room, after=None if after is None else list(after))
    tasks, last_task = fetch_task_page(session, page)
    items += [upsert("task", task.id, task_json(task)) for task in tasks]
    if last_task is None:
        return items, token.kept()
    return items, token.next(TASKS, tuple(last_task))


@task_history.get(
    permission=Permission.VIEW, schema=request_schema(querystring=page_query()),
    validators=QUERY_VALIDATORS,
)
def get_task_history(request: Request) -> dict[str, Any]:
    """Read a task's history, newest first, a page at a time."""
    rows = HISTORY.fetch(request.dbsession, {"task_id": request.context.task.id})
    return paginate(request, HISTORY_PAGES, rows, history_json)


def history_json(row: Change) -> dict[str, Any]:
    entry: dict[str, Any] = {"version": row.version, "action": row.action,
                             "at": timestamp(row.at), "by": row.actor}
    entry.update(row.detail or {})
    return entry
