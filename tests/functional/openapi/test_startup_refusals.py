"""Start-up refuses an operation the document could not describe well for clients.

A view without a summary, two operations with one operationId or one summary, and a
body without a component name each stop ``make_wsgi_app`` (the document is built when
the app is created), as a view without a documented outcome already did.
"""

from __future__ import annotations

from typing import Any

import colander
import pytest
import webtest

from taskservice import make_config
from taskservice.openapi.responses import OUTCOMES, Outcome
from taskservice.permissions import NO_SCOPE
from taskservice.web.schema_types import StrictMapping, StrictString
from taskservice.web.schemas import request_schema
from taskservice.web.services import api_service
from taskservice.web.validation import BODY_VALIDATORS
from tests.support.constants import TEST_SETTINGS


@pytest.fixture
def build(database_url, monkeypatch):
    """An app with the given extra services, each GET and POST of it with an outcome."""

    def build(*services: Any) -> Any:
        config = make_config({}, **{"sqlalchemy.url": database_url, **TEST_SETTINGS})
        for service in services:
            for method in ("GET", "POST"):
                monkeypatch.setitem(OUTCOMES, (service.name, method), Outcome((200,)))
        config.add_api_services(*services)
        return config.make_wsgi_app()

    return build


def probe_service(name: str = "probe") -> Any:
    return api_service(name, f"/{name}", "A route only this test has", scopes=NO_SCOPE,
                       traverse=False)


def public(**kwargs: Any) -> dict[str, Any]:
    return {"permission": "__no_permission_required__", **kwargs}


def test_a_view_without_a_summary_stops_start_up(build):
    service = probe_service()

    @service.get(**public())
    def probe(request):
        return {}

    with pytest.raises(LookupError, match=r"GET /probe \(view probe\) has no summary"):
        build(service)


def test_the_decorator_names_a_view_that_its_docstring_cannot(build):
    service = probe_service()

    @service.get(**public(operation_id="probeTheService", summary="Probe the service",
                          tag="probes"))
    def probe(request):
        return {}

    document = webtest.TestApp(build(service)).get("/__api__").json
    operation = document["paths"]["/probe"]["get"]
    assert (operation["operationId"], operation["summary"], operation["tags"]) == (
        "probeTheService", "Probe the service", ["probes"])
    webtest.TestApp(build(service)).get("/probe", status=200)  # Pyramid never saw them


def test_two_operations_with_one_operation_id_stop_start_up(build):
    first, second = probe_service("first"), probe_service("second")

    @first.get(**public(operation_id="probe"))
    def probe_first(request):
        """Probe the first route."""

    @second.get(**public(operation_id="probe"))
    def probe_second(request):
        """Probe the second route."""

    with pytest.raises(ValueError, match="share an operationId: GET /first, GET /second"):
        build(first, second)


def test_two_operations_with_one_summary_stop_start_up(build):
    first, second = probe_service("first"), probe_service("second")

    @first.get(**public(operation_id="probeFirst"))
    @second.get(**public(operation_id="probeSecond"))
    def probe(request):
        """Probe a route."""

    with pytest.raises(ValueError, match="share a summary: GET /first, GET /second"):
        build(first, second)


def test_a_body_without_a_component_name_stops_start_up(build):
    service = probe_service()
    body = colander.SchemaNode(StrictMapping(), colander.SchemaNode(StrictString(), name="x"))

    @service.post(**public(schema=request_schema(body=body), validators=BODY_VALIDATORS))
    def probe(request):
        """Post to the probe."""

    with pytest.raises(LookupError, match="the body of POST /probe has no name"):
        build(service)
