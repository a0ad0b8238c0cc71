"""GET /__api__ as client generators read it: names, enums, bodies, errors, headers.

openapi-python-client and openapi-typescript name a type after its component and a
function after its operationId; whatever is inline gets a name made up from where it
was found. These tests hold the document to what .ci/client-check relies on, without
running the generators.
"""

from __future__ import annotations

from collections import Counter

import pytest

from tests.support.openapi import operations

OPERATION_IDS = {
    ("/users", "post"): "register", ("/users", "get"): "listUsers",
    ("/users/me", "get"): "getCurrentUser", ("/users/me", "patch"): "changePassword",
    ("/users/me", "delete"): "deleteCurrentUser", ("/users/{username}", "get"): "getUser",
    ("/users/{username}", "delete"): "deleteUser",
    ("/tokens", "post"): "logIn", ("/tokens/current", "delete"): "logOut",
    ("/tasks", "post"): "createTask", ("/tasks", "get"): "listTasks",
    ("/tasks/{id}", "get"): "getTask", ("/tasks/{id}", "patch"): "patchTask",
    ("/tasks/{id}", "put"): "replaceTask", ("/tasks/{id}", "delete"): "deleteTask",
    ("/tasks/{id}/shares", "get"): "listShares",
    ("/tasks/{id}/shares/{username}", "put"): "putShare",
    ("/tasks/{id}/shares/{username}", "delete"): "deleteShare",
    ("/__heartbeat__", "get"): "checkHeartbeat",
    ("/__lbheartbeat__", "get"): "checkLoadBalancerHeartbeat",
    ("/__version__", "get"): "getVersion",
    ("/__api__", "get"): "getOpenApiDocument", ("/docs", "get"): "getDocsPage",
}

@pytest.fixture
def document(testapp):
    return testapp.get("/__api__", status=200).json


def test_every_operation_has_its_own_readable_operation_id_and_summary(document):
    found = {(path, method): op for path, method, op in operations(document)}
    assert {key: op["operationId"] for key, op in found.items()} == OPERATION_IDS
    summaries = Counter(op["summary"] for op in found.values())
    assert [summary for summary, count in summaries.items() if count > 1] == []
    assert all(summary and not summary.endswith(".") for summary in summaries)


def test_operations_are_tagged_by_domain(document):
    tags = {path: op["tags"] for path, _method, op in operations(document)}
    assert tags["/tasks/{id}/shares"] == tags["/tasks"] == ["tasks"]
    assert tags["/tokens"] == tags["/users/me"] == ["accounts"]
    assert {tag for tagged in tags.values() for tag in tagged} == {
        "accounts", "tasks", "ops", "openapi"}
