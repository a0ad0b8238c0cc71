"""``taskservice.log_format = json``: every line one JSON object, the request id inside requests.

The app is built with a handler of the test's own on the root logger, as the ini's
``[handlers]`` would give it; every line that handler writes is parsed back.
"""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator

import pytest
import webtest

from taskservice.web.logformat import configured_handlers
from tests.support.constants import PASSWORD

BASE_FIELDS = {"time", "level", "logger", "message"}
ACCESS_FIELDS = {"method", "path", "status", "duration_ms", "user"}


@pytest.fixture
def log_stream() -> Iterator[io.StringIO]:
    """A stream handler on the root logger; every handler's format is restored afterwards."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(logging.Formatter("%(levelname)s %(name)s %(message)s"))
    root, service = logging.getLogger(), logging.getLogger("taskservice")
    root.addHandler(handler)
    saved = [(h, h.formatter, list(h.filters)) for h in configured_handlers()]
    level = service.level
    service.setLevel(logging.INFO)
    yield stream
    service.setLevel(level)
    root.removeHandler(handler)
    for each, formatter, filters in saved:
        each.setFormatter(formatter)
        each.filters[:] = filters


def lines(stream: io.StringIO) -> list[dict]:
    """Every line parsed as JSON: one that is not fails the test."""
    text = stream.getvalue()
    assert text.endswith("\n")
    return [json.loads(line) for line in text.splitlines()]


def test_text_format_is_the_ini_formatter_with_the_access_line(make_app, log_stream):
    testapp = webtest.TestApp(make_app())
    testapp.get("/__version__", headers={"X-Request-Id": "text-1"}, status=200)
    assert log_stream.getvalue().startswith("INFO taskservice.access text-1 GET /__version__ 200 ")


def test_every_line_is_json_with_the_request_id_inside_requests(make_app, log_stream,
                                                                 monkeypatch):
    testapp = webtest.TestApp(make_app(taskservice__log_format="json"))
    logging.getLogger("taskservice.test").warning("before any request")
    testapp.post_json("/users", {"username": "jsonuser", "password": PASSWORD},
                      headers={"X-Request-Id": "json-1"}, status=201)
    token = testapp.post_json("/tokens", {"username": "jsonuser", "password": PASSWORD},
                              status=201).json["token"]
    testapp.get("/tasks?limit=5", headers={"Authorization": f"Bearer {token}",
                                           "X-Request-Id": "json-2"}, status=200)

    def broken(package: str) -> str:
        raise RuntimeError("the version is unknowable")

    monkeypatch.setattr("taskservice.ops.views.version", broken)
    testapp.get("/__version__", headers={"X-Request-Id": "json-3"}, status=500)

    records = lines(log_stream)
    assert all(set(record) >= BASE_FIELDS for record in records)
    outside, *inside = records
    assert outside["message"] == "before any request" and "request_id" not in outside
    assert outside["level"] == "WARNING" and outside["logger"] == "taskservice.test"
    assert all(record["request_id"] for record in inside)

    access = {r["request_id"]: r for r in inside if r["logger"] == "taskservice.access"}
    assert set(access["json-1"]) >= ACCESS_FIELDS
    assert {k: access["json-2"][k] for k in ("method", "path", "status", "user")} == {
        "method": "GET", "path": "/tasks?limit=5", "status": 200, "user": "jsonuser"}
    assert access["json-1"]["user"] == "-" and access["json-1"]["status"] == 201
    assert isinstance(access["json-2"]["duration_ms"], float)
    assert access["json-3"]["status"] == 500

    [error] = [r for r in inside if r["level"] == "ERROR"]
    assert error["request_id"] == "json-3"
    assert error["traceback"].startswith("Traceback (most recent call last):")
    assert "RuntimeError: the version is unknowable" in error["traceback"]
    assert error["time"].endswith("+00:00")
