"""An example plugin, loaded by ``taskservice.includes = tests.plugins.example_plugin``.

It uses every extension point a plugin has, and nothing else of the service's insides:

- two settings of its own, declared with ``config.declare_setting`` (validated at start,
  overridable by ``TASKSERVICE_EXAMPLE_*``, shown by ``taskservice-admin settings``);
- a subscriber that counts the service's changes (``taskservice.events.ResourceChanged``)
  by kind and action;
- an endpoint, ``GET /example/greeting``, which documents itself in the OpenAPI document
  with its own ``Outcome``: its extra status, its response body and its enum;
- a heartbeat for the dependency it relies on (here a stand-in object the tests turn off).
"""

from __future__ import annotations

from collections import Counter

import colander
from pyramid.config import Configurator
from pyramid.request import Request
from pyramid.security import NO_PERMISSION_REQUIRED

from taskservice.events import ResourceChanged
from taskservice.openapi.enums import EnumType
from taskservice.openapi.responses import Outcome
from taskservice.permissions import NO_SCOPE
from taskservice.settings.converters import boolean, fail
from taskservice.web.errors import error_response
from taskservice.web.schema_types import StrictMapping, StrictString
from taskservice.web.schemas import request_schema
from taskservice.web.services import api_service
from taskservice.web.validation import QUERY_VALIDATORS

GREETING = "taskservice.example.greeting"
LOUD = "taskservice.example.loud"
TONES = ("plain", "loud")
GREETING_MAX_LENGTH = 60


def greeting(key: str, value: str) -> str:
    """A setting's converter: the typed value, or a one-line SettingsError via ``fail``."""
    text = value.strip()
    if not text or len(text) > GREETING_MAX_LENGTH or not text.isprintable():
        raise fail(key, value, f"must be printable text of 1 to {GREETING_MAX_LENGTH} "
                   "characters")
    return text


class Dependency:
    """What the plugin relies on (a mail server, a cache...); the tests switch it off."""

    up = True

    def answers(self) -> bool:
        return self.up


def dependency_answers(request: Request) -> bool:
    dependency: Dependency = request.registry.example_dependency
    return dependency.answers()


def count_change(change: ResourceChanged) -> None:
    counted: Counter[str] = change.request.registry.example_events
    counted[f"{change.kind}.{change.action}"] += 1


greeting_service = api_service("example_greeting", "/example/greeting",
                               "A greeting from the example plugin",
                               scopes=NO_SCOPE, traverse=False)


def greeting_query() -> colander.SchemaNode:
    return colander.SchemaNode(
        StrictMapping(),
        colander.SchemaNode(StrictString(), name="tone", validator=colander.OneOf(TONES),
                            missing="plain"),
        missing={},
    )


GREETING_OUTCOME = Outcome(
    (200,), "ExampleGreeting", others=(403,),
    schemas={"ExampleGreeting": {
        "type": "object", "additionalProperties": False, "required": ["greeting", "tone"],
        "properties": {"greeting": {"type": "string"},
                       "tone": {"$ref": "#/components/schemas/ExampleTone"}},
    }},
    enums=(EnumType("ExampleTone", TONES, "How loud the example plugin greets"),),
)


@greeting_service.get(permission=NO_PERMISSION_REQUIRED, outcome=GREETING_OUTCOME,
                      schema=request_schema(querystring=greeting_query()),
                      validators=QUERY_VALIDATORS)
def get_greeting(request: Request) -> dict[str, str]:
    """Greet the caller with the configured greeting (403 for a loud one unless allowed)."""
    settings = request.registry.plugin_settings
    tone = request.validated["querystring"]["tone"]
    if tone == "loud" and not settings[LOUD]:
        raise error_response(403, "querystring", "tone", f"Loud greetings are off ({LOUD})")
    text: str = settings[GREETING]
    return {"greeting": text.upper() if tone == "loud" else text, "tone": tone}


def includeme(config: Configurator) -> None:
    config.declare_setting(GREETING, "hello", greeting, "what `GET /example/greeting` says")
    config.declare_setting(LOUD, "false", boolean, "whether `?tone=loud` is allowed")
    config.registry.example_events = Counter()
    config.add_subscriber(count_change, ResourceChanged)
    config.registry.example_dependency = Dependency()
    config.add_heartbeat("example", dependency_answers)
    config.add_api_services(greeting_service)
