"""Sending batches, and an app built with other settings on the same test transaction."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
import webtest

from tests.functional.db.test_transient_errors import failing_inserts  # noqa: F401 (fixture)
from tests.support.api import Client


def batch(client: Client, requests: list[dict], atomic: bool | None = None,
          testapp: webtest.TestApp | None = None, status: int = 200,
          headers: dict | None = None) -> Any:
    """``POST /batch`` as ``client``; the envelope's response (its status checked)."""
    body: dict[str, Any] = {"requests": requests}
    if atomic is not None:
        body["atomic"] = atomic
    return (testapp or client.testapp).post_json(
        "/batch", body, headers={**client.headers, **(headers or {})}, status=status)


def statuses(response: Any) -> list[int]:
    return [item["status"] for item in response.json["responses"]]


@pytest.fixture
def app_with(make_app: Callable[..., Any]) -> Callable[..., webtest.TestApp]:
    def build(**overrides: str) -> webtest.TestApp:
        return webtest.TestApp(make_app(**overrides), extra_environ={"HTTP_HOST": "example.com"})

    return build
