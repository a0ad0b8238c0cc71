"""``/tasks/<id>/occurrences``: a task's next dues, for a client that shows a series."""

from __future__ import annotations

from typing import Any

import colander
from pyramid.request import Request

from ..permissions import CONTENT, Permission
from ..web.schema_types import QueryInteger, StrictMapping
from ..web.schemas import request_schema
from ..web.services import api_service
from ..web.validation import QUERY_VALIDATORS
from .schedule import Schedule, due_json

OCCURRENCES_MAX = 100
OCCURRENCES_DEFAULT = 10

occurrences = api_service("task_occurrences", "/tasks/{id}/occurrences",
                          "A task's next dues, from its current one", scopes=CONTENT)
SERVICES = (occurrences,)


def occurrences_query() -> colander.SchemaNode:
    return colander.SchemaNode(
        StrictMapping(),
        colander.SchemaNode(QueryInteger(), name="limit",
                            validator=colander.Range(1, OCCURRENCES_MAX),
                            missing=OCCURRENCES_DEFAULT),
        missing={},
    )


@occurrences.get(
    permission=Permission.VIEW, schema=request_schema(querystring=occurrences_query()),
    validators=QUERY_VALIDATORS,
)
def get_task_occurrences(request: Request) -> dict[str, Any]:
    """The task's current due and the next ones of its series (past ones included for an
    overdue task); a task without recurrence lists its one due, or nothing."""
    limit = request.validated["querystring"]["limit"]
    schedule = Schedule.of(request.context.task)
    return {"items": [due_json(due) for due in schedule.upcoming(limit)]}
