"""Assertions and request helpers for tests that talk to the app through WebTest."""

from __future__ import annotations

import json
from typing import Any

import webtest

SQL_INJECTIONS = (
    "' OR '1'='1",
    "'; DROP TABLE tasks; --",
    '" OR 1=1 --',
    "1; DELETE FROM users",
    "%' UNION SELECT password_hash FROM users --",
)


class Client:
    """A registered user and the headers that authenticate as them."""

    def __init__(self, testapp: webtest.TestApp, username: str, token: str) -> None:
        self.testapp = testapp
        self.username = username
        self.token = token
        self.headers = {"Authorization": f"Bearer {token}"}


def assert_error(response: Any, status: int, *expected: tuple[str, str]) -> list[dict]:
    """``response`` is a contract-shaped error; ``expected`` lists its (location, name) pairs.

    With no ``expected`` pairs only the shape and the status are checked.
    """
    assert response.status_int == status, response.body
    assert response.content_type == "application/json"
    body = response.json
    assert set(body) == {"status", "errors", "request_id"}
    assert body["status"] == "error"
    assert body["request_id"] == response.headers["X-Request-Id"]
    for error in body["errors"]:
        assert set(error) == {"location", "name", "description"}
        assert error["location"] in {"body", "querystring", "header", "path", "url", "request"}
        assert isinstance(error["description"], str) and error["description"]
    if expected:
        found = sorted((e["location"], e["name"]) for e in body["errors"])
        assert found == sorted(expected)
    return body["errors"]


def assert_unauthorized(response: Any) -> None:
    """A 401 in the contract's shape that tells the client how to authenticate."""
    assert_error(response, 401)
    assert response.headers["WWW-Authenticate"] == 'Bearer realm="taskservice"'


def send_json(testapp: Any, method: str, url: str, body: Any, headers: dict | None = None,
              status: int | str = "*") -> Any:
    """``body`` as a JSON request (raw when already a string or bytes)."""
    if not isinstance(body, (str, bytes)):
        body = json.dumps(body)
    if isinstance(body, str):
        body = body.encode("utf-8")
    return testapp.request(
        url, method=method, body=body, status=status,
        headers={"Content-Type": "application/json", **(headers or {})},
    )


def create_task(client: Client, **fields: Any) -> dict:
    """A task of ``client``'s made through the API (201 or the test fails), as returned."""
    fields.setdefault("title", "A task")
    return client.testapp.post_json("/tasks", fields, headers=client.headers, status=201).json

