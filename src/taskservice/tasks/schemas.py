"""Task and share bodies, and the task-list query string."""

from __future__ import annotations

from typing import Any, ClassVar

import colander

from ..dates.rules import RULE_MAX_LENGTH, RuleError, parse_rule
from ..vocabulary import (
    DEFAULT_RECURRENCE_FROM,
    DEFAULT_SORT,
    DESCRIPTION_MAX_LENGTH,
    ID_PATTERN,
    MAX_TAGS,
    NO_PARENT,
    PRIORITIES,
    RECURRENCE_FROM,
    SHARE_PERMISSIONS,
    SORTS,
    TAG_MAX_LENGTH,
    TITLE_MAX_LENGTH,
    USERNAME_MAX_LENGTH,
)
from ..web.schema_types import (
    QueryBoolean,
    QueryDateOrDateTime,
    QueryList,
    StrictBoolean,
    StrictDate,
    StrictDateTime,
    StrictId,
    StrictMapping,
    StrictSequence,
    StrictString,
    WholeCheck,
    WholeMapping,
)
from ..web.schemas import cursor_node, limit_node, time_zone_node, trimmed_text
from .reminders import check_due, reminders_node
from .schedule import Schedule, ScheduleError, rescheduled

# ``parent=``: the top-level tasks, or the subtasks of one task.
PARENT_FILTER = f"^(?:{NO_PARENT}|{ID_PATTERN})\\Z"


class _DistinctTags:
    """At most ``MAX_TAGS`` tags, none twice (a validator: Colander calls it)."""

    # What the OpenAPI document says of the list (see openapi.nodes).
    json_schema: ClassVar[dict[str, Any]] = {"maxItems": MAX_TAGS, "uniqueItems": True}

    def __call__(self, node: colander.SchemaNode, value: list[str]) -> None:
        if len(value) > MAX_TAGS:
            raise colander.Invalid(node, f"At most {MAX_TAGS} tags")
        if len(set(value)) != len(value):
            raise colander.Invalid(node, "Tags must be distinct")


_distinct = _DistinctTags()


class _Rule:
    """An RRULE that RFC 5545 allows (``dates.rules``; a validator: Colander calls it)."""

    json_schema: ClassVar[dict[str, Any]] = {"example": "FREQ=WEEKLY;BYDAY=MO,WE"}

    def __call__(self, node: colander.SchemaNode, value: str) -> None:
        try:
            parse_rule(value)
        except RuleError as error:
            raise colander.Invalid(node, str(error)) from None


# The fields a recurrence and reminders are checked against (tasks.schedule.rescheduled,
# tasks.reminders.check_due).
SCHEDULE_FIELDS = frozenset({"due_at", "due_date", "time_zone", "recurrence", "reminders"})


def _conflicts(whole_body: bool) -> WholeCheck:
    """What is wrong between a task body's fields (``StrictMapping(whole=...)``).

    A task has one due at most. A whole body (POST, PUT) also states the whole schedule,
    so a recurrence it cannot have is listed here beside the body's other errors; when
    there are none, the write finds it (schedule.py), so a valid body is checked once.
    """

    def conflicts(values: dict[str, Any], failed: frozenset[str]) -> dict[str, str]:
        if values.get("due_at") is not None and values.get("due_date") is not None:
            return {"due_date": "A task has one due: send due_at (a time) or due_date "
                                "(a day), not both"}
        if whole_body and failed and not failed & SCHEDULE_FIELDS:
            try:
                schedule = rescheduled(Schedule(None, "UTC"), values)
                check_due(values.get("reminders", ()), schedule.due)
            except ScheduleError as error:
                return {error.field: str(error)}
        return {}

    return conflicts


def recurrence_node(missing: object) -> colander.SchemaNode:
    """A task's ``recurrence`` as a client sends it (``start`` is the server's)."""
    return colander.SchemaNode(
        WholeMapping(nullable=True, read_only=frozenset({"start"})),
        colander.SchemaNode(StrictString(), name="rule",
                            validator=colander.All(colander.Length(1, RULE_MAX_LENGTH), _Rule())),
        colander.SchemaNode(StrictString(), name="from", validator=colander.OneOf(RECURRENCE_FROM),
                            missing=DEFAULT_RECURRENCE_FROM),
        name="recurrence", missing=missing, schema_name="RecurrenceRequest",
        example={"rule": "FREQ=WEEKLY;BYDAY=MO,WE", "from": "due"},
    )


def _tag() -> colander.SchemaNode:
    return colander.SchemaNode(
        StrictString(), name="tag", validator=colander.Length(1, TAG_MAX_LENGTH)
    )


def task_body(
    schema_name: str, example: dict[str, Any], partial: bool = False,
) -> colander.SchemaNode:
    """A task as a client sends it; ``partial`` (PATCH) makes every field optional.

    ``schema_name`` and ``example`` are for the OpenAPI document, where each kind of task
    body is a type of its own in a generated client. An absent ``list`` or ``parent`` is
    absent in every body (a new task is in none; a PUT leaves the task where it is), so
    that a subtask's list follows its parent unless the body names one.
    """

    def missing(default: object) -> object:
        return colander.drop if partial else default

    return colander.SchemaNode(
        StrictMapping(whole=_conflicts(whole_body=not partial)),
        trimmed_text("title", TITLE_MAX_LENGTH, partial),
        colander.SchemaNode(
            StrictString(), name="description",
            validator=colander.Length(max=DESCRIPTION_MAX_LENGTH), missing=missing(""),
        ),
        colander.SchemaNode(StrictBoolean(), name="done", missing=missing(False)),
        colander.SchemaNode(
            StrictString(), name="priority", validator=colander.OneOf(PRIORITIES),
            missing=missing("normal"),
        ),
        colander.SchemaNode(StrictDateTime(nullable=True), name="due_at", missing=missing(None)),
        colander.SchemaNode(StrictDate(nullable=True), name="due_date", missing=missing(None)),
        time_zone_node(),
        recurrence_node(missing(None)),
        reminders_node(missing([])),
        colander.SchemaNode(
            StrictSequence(), _tag(), name="tags", validator=_distinct, missing=missing([]),
        ),
        colander.SchemaNode(StrictId(nullable=True), name="list", missing=colander.drop),
        parent_node(),
        schema_name=schema_name, example=example,
    )


def parent_node(missing: object = colander.drop) -> colander.SchemaNode:
    """The task a task is a step of (contract section 13), or null for none."""
    return colander.SchemaNode(StrictId(nullable=True), name="parent", missing=missing)


def task_move_body() -> colander.SchemaNode:
    """``POST /tasks/<id>/move``: where the task goes; every field optional."""
    return colander.SchemaNode(
        StrictMapping(),
        parent_node(),
        colander.SchemaNode(StrictId(nullable=True), name="list", missing=colander.drop),
        colander.SchemaNode(StrictId(nullable=True), name="after", missing=None),
        schema_name="TaskMove", example={"after": "42"},
    )


def task_create_body() -> colander.SchemaNode:
    """``POST /tasks``: only the title is required."""
    return task_body("TaskCreate", {"title": "Buy milk", "priority": "high",
                                    "due_at": "2030-01-31T18:00:00Z", "tags": ["home"],
                                    "time_zone": "Europe/Paris",
                                    "recurrence": {"rule": "FREQ=WEEKLY;BYDAY=TH"}})


def task_replace_body() -> colander.SchemaNode:
    """``PUT /tasks/<id>``: the whole task; absent fields take their defaults."""
    return task_body("TaskReplace", {"title": "Buy oat milk", "description": "", "done": False,
                                     "priority": "normal", "due_at": None, "tags": ["home"]})


def task_patch_body() -> colander.SchemaNode:
    """``PATCH /tasks/<id>``: only the fields sent change."""
    return task_body("TaskPatch", {"done": True}, partial=True)


def task_list_query(list_filter: bool = True) -> colander.SchemaNode:
    """``GET /tasks``: page, filters (all combinable) and sort.

    Without ``list_filter`` for ``GET /lists/<id>/tasks``, whose path names the list.
    """
    lists = [colander.SchemaNode(StrictId(), name="list", missing=colander.drop)]
    return colander.SchemaNode(
        StrictMapping(),
        limit_node(),
        cursor_node(),
        *(lists if list_filter else []),
        colander.SchemaNode(QueryBoolean(), name="done", missing=colander.drop),
        colander.SchemaNode(
            StrictString(), name="priority", validator=colander.OneOf(PRIORITIES),
            missing=colander.drop,
        ),
        colander.SchemaNode(
            QueryList(), _tag(), name="tag", missing=colander.drop,
            # Never more than a task can carry: the filter is one join per tag.
            validator=colander.Length(
                max=MAX_TAGS, max_err=f"At most {MAX_TAGS} tag parameters (a task has at most "
                f"{MAX_TAGS} tags)",
            ),
        ),
        colander.SchemaNode(
            StrictString(), name="owner", validator=colander.Length(1, USERNAME_MAX_LENGTH),
            missing=colander.drop,
        ),
        colander.SchemaNode(
            StrictString(), name="q", validator=colander.Length(1, 200), missing=colander.drop
        ),
        colander.SchemaNode(QueryDateOrDateTime(), name="due_before", missing=colander.drop),
        colander.SchemaNode(QueryDateOrDateTime(), name="due_after", missing=colander.drop),
        colander.SchemaNode(QueryBoolean(), name="recurring", missing=colander.drop),
        colander.SchemaNode(
            StrictString(), name="parent", missing=colander.drop,
            validator=colander.Regex(PARENT_FILTER, f'Must be "{NO_PARENT}" or a task\'s id'),
        ),
        colander.SchemaNode(
            StrictString(), name="sort", validator=colander.OneOf(SORTS), missing=DEFAULT_SORT
        ),
        missing={},
    )


def share_body() -> colander.SchemaNode:
    """``PUT /tasks/<id>/shares/<username>``."""
    return colander.SchemaNode(
        StrictMapping(),
        colander.SchemaNode(
            StrictString(), name="permission", validator=colander.OneOf(SHARE_PERMISSIONS)
        ),
        schema_name="ShareRequest", example={"permission": "edit"},
    )
