"""``GET /reminders``: the caller's upcoming reminders, for clients that schedule local
notifications (contract section 14).

A window of moments of the tasks the caller may view and that are not done, decided in
SQL by the one access rule (``tasks.access``, composed in listing.py) -- as a member, not
as an admin: an admin's reminders are their own, not every user's.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any, ClassVar

import colander
from pyramid.authorization import Allow, Authenticated
from pyramid.request import Request

from ..db.base import utcnow
from ..permissions import CONTENT, Permission
from ..traversal import ACL, Resource
from ..vocabulary import MAX_REMINDERS, REMINDERS_DEFAULT_DAYS, REMINDERS_MAX_DAYS
from ..web.errors import error_response
from ..web.pagination import DATETIME, INTEGER, Keyset, integer, paginate
from ..web.representation import timestamp
from ..web.schema_types import QueryDateTime, StrictMapping
from ..web.schemas import cursor_node, limit_node, request_schema
from ..web.services import api_service
from ..web.validation import QUERY_VALIDATORS
from .listing import reminder_pages
from .models import TaskReminder

reminders = api_service("reminders", "/reminders", "The caller's upcoming reminders",
                        scopes=CONTENT)
SERVICES = (reminders,)

DEFAULT_SPAN = timedelta(days=REMINDERS_DEFAULT_DAYS)
MAX_SPAN = timedelta(days=REMINDERS_MAX_DAYS)

PAGES = Keyset("reminders", [DATETIME, INTEGER, integer(0, MAX_REMINDERS - 1)])


class Reminders(Resource):
    """``/reminders``: every authenticated user has upcoming reminders of their own."""

    __acl__: ClassVar[ACL] = [(Allow, Authenticated, Permission.VIEW)]


def reminders_query() -> colander.SchemaNode:
    return colander.SchemaNode(
        StrictMapping(),
        limit_node(),
        cursor_node(),
        colander.SchemaNode(QueryDateTime(), name="after", missing=colander.drop),
        colander.SchemaNode(QueryDateTime(), name="before", missing=colander.drop),
        missing={},
    )


@reminders.get(permission=Permission.VIEW, schema=request_schema(querystring=reminders_query()),
               validators=QUERY_VALIDATORS)
def list_reminders(request: Request) -> dict[str, Any]:
    """The caller's reminders from ``after`` (now) to ``before`` (7 days later), both
    included, in time order, a page at a time."""
    query = request.validated["querystring"]
    after = query.get("after") or utcnow()
    before = query.get("before") or _days_later(after)
    if before < after:
        raise error_response(400, "querystring", "before", "Must not be earlier than after")
    if before - after > MAX_SPAN:
        raise error_response(400, "querystring", "before",
                             f"Must be at most {REMINDERS_MAX_DAYS} days after after")
    pages = reminder_pages(request.dbsession, request.identity, after, before)
    return paginate(request, PAGES, pages, reminder_json)


def _days_later(after: datetime) -> datetime:
    """``after`` + the default window, or the calendar's last moment when that is sooner."""
    try:
        return after + DEFAULT_SPAN
    except OverflowError:
        return datetime.max.replace(tzinfo=UTC)


def reminder_json(row: TaskReminder) -> dict[str, Any]:
    return {"task": str(row.task_id), "reminder": row.reminder,
            "scheduled_for": timestamp(row.scheduled_for)}
