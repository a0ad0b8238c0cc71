"""Webhook bodies: what ``POST /webhooks`` and ``PATCH /webhooks/<id>`` accept."""

from __future__ import annotations

from typing import Any, ClassVar

import colander

from ..vocabulary import ALL_EVENTS, PING_EVENT, SUBSCRIPTIONS, WEBHOOK_URL_MAX_LENGTH
from ..web.schema_types import StrictBoolean, StrictId, StrictMapping, StrictSequence, StrictString

EXAMPLE = {"url": "https://hooks.example.com/taskservice",
           "events": ["task.created", "task.updated"], "list": None}


class _Events:
    """One or more distinct event names (a validator: Colander calls it)."""

    json_schema: ClassVar[dict[str, Any]] = {"minItems": 1, "uniqueItems": True}

    def __call__(self, node: colander.SchemaNode, value: list[str]) -> None:
        if not value:
            raise colander.Invalid(node, "At least one event, or [\"*\"] for all of them")
        if len(set(value)) != len(value):
            raise colander.Invalid(node, "Events must be distinct")


def _event() -> colander.SchemaNode:
    return colander.SchemaNode(
        StrictString(), name="event", validator=colander.OneOf(SUBSCRIPTIONS),
        description=f"One of {', '.join(SUBSCRIPTIONS)} ({ALL_EVENTS} is all of them; a "
                    f"{PING_EVENT} is sent on request only, whatever the events)",
    )


def webhook_body(schema_name: str, example: dict[str, Any], partial: bool) -> colander.SchemaNode:
    """A webhook as a client sends it; ``partial`` (PATCH) makes every field optional and
    adds ``active``."""
    def missing(default: object) -> object:
        return colander.drop if partial else default

    nodes = [
        colander.SchemaNode(StrictString(), name="url",
                            validator=colander.Length(1, WEBHOOK_URL_MAX_LENGTH),
                            missing=missing(colander.required)),
        colander.SchemaNode(StrictSequence(), _event(), name="events", validator=_Events(),
                            missing=missing(colander.required)),
        colander.SchemaNode(StrictId(nullable=True), name="list", missing=missing(None)),
    ]
    if partial:
        nodes.append(colander.SchemaNode(StrictBoolean(), name="active", missing=colander.drop))
    return colander.SchemaNode(StrictMapping(), *nodes, schema_name=schema_name,
                               example=example)


def webhook_create_body() -> colander.SchemaNode:
    return webhook_body("WebhookCreate", EXAMPLE, partial=False)


def webhook_patch_body() -> colander.SchemaNode:
    return webhook_body("WebhookPatch", {"active": True}, partial=True)
