"""GET /__api__ as client generators read it: names, enums, bodies, errors, headers.

openapi-python-client and openapi-typescript name a type after its component and a
function after its operationId; whatever is inline gets a name made up from where it
was found. These tests hold the document to what .ci/client-check relies on, without
running the generators.
"""

from __future__ import annotations

import re
from collections import Counter

import pytest

from taskservice.openapi.enums import ENUMS
from taskservice.vocabulary import PRIORITIES, SHARE_PERMISSIONS, SORTS
from tests.support.openapi import operations, refs, validate_example, walk

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

BODIES = {
    ("/users", "post"): "Registration", ("/users/me", "patch"): "PasswordChange",
    ("/tokens", "post"): "Credentials", ("/tasks", "post"): "TaskCreate",
    ("/tasks/{id}", "put"): "TaskReplace", ("/tasks/{id}", "patch"): "TaskPatch",
    ("/tasks/{id}/shares/{username}", "put"): "ShareRequest",
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


@pytest.mark.parametrize("values", [PRIORITIES, SHARE_PERMISSIONS, SORTS])
def test_each_vocabulary_enum_is_exactly_one_component(document, values):
    components = document["components"]["schemas"].values()
    assert len([schema for schema in components if schema.get("enum") == list(values)]) == 1


def test_no_enum_is_inline_and_every_enum_component_is_used(document):
    """An inline enum is a type of its own in a generated client: all are components."""
    names = {enum.name for enum in ENUMS}
    allowed = {("components", "schemas", name) for name in names}
    inline = [where for where, node in walk(document)
              if isinstance(node, dict) and "enum" in node and where not in allowed]
    assert inline == []
    schemas = document["components"]["schemas"]
    assert all(schemas[name]["enum"] for name in names)
    assert names <= refs(document["paths"]) | refs(
        [schema for name, schema in schemas.items() if name not in names])


def test_the_priority_of_a_task_is_the_type_of_every_priority(document):
    schemas = document["components"]["schemas"]
    for name in ("Task", "TaskCreate", "TaskReplace", "TaskPatch"):
        assert refs(schemas[name]["properties"]["priority"]) == {"Priority"}, name
    filters = {p["name"]: p for p in document["paths"]["/tasks"]["get"]["parameters"]}
    assert refs(filters["priority"]["schema"]) == {"Priority"}
    assert refs(filters["sort"]["schema"]) == {"TaskSort"}
    assert filters["sort"]["schema"]["default"] == "-created_at"
    for name in ("Share", "ShareRequest"):
        assert refs(schemas[name]["properties"]["permission"]) == {"SharePermission"}, name


def test_sort_values_have_identifiers_for_client_enums(document):
    sort = document["components"]["schemas"]["TaskSort"]
    varnames = dict(zip(sort["enum"], sort["x-enum-varnames"], strict=True))
    assert varnames["-priority"] == "DESC_PRIORITY" and varnames["priority"] == "ASC_PRIORITY"
    assert all(re.fullmatch(r"[A-Z][A-Z_]*", name) for name in varnames.values())


def test_every_request_body_is_a_required_named_component_with_an_example(document):
    bodies = {}
    for path, method, op in operations(document):
        if "requestBody" in op:
            body = op["requestBody"]
            assert body["required"] is True, (path, method)
            schema = body["content"]["application/json"]["schema"]
            assert set(schema) == {"$ref"}, (path, method)
            bodies[(path, method)] = refs(schema).pop()
    assert bodies == BODIES
    for name in BODIES.values():
        component = document["components"]["schemas"][name]
        validate_example(document, component, component["example"])
