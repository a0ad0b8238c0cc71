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
from taskservice.vocabulary import (
    LIST_ACCESS,
    LIST_SHARE_PERMISSIONS,
    LIST_SORTS,
    PRIORITIES,
    SHARE_PERMISSIONS,
    SORTS,
)
from tests.support.openapi import operations, refs, resolve, validate_example, walk

OPERATION_IDS = {
    ("/users", "post"): "register", ("/users", "get"): "listUsers",
    ("/users/me", "get"): "getCurrentUser", ("/users/me", "patch"): "changeAccount",
    ("/users/me", "delete"): "deleteCurrentUser", ("/users/{username}", "get"): "getUser",
    ("/users/{username}", "delete"): "deleteUser",
    ("/tokens", "post"): "logIn", ("/tokens/current", "delete"): "logOut",
    ("/users/me/tokens", "get"): "listMyTokens", ("/users/me/tokens", "post"): "makeToken",
    ("/users/me/tokens/{id}", "delete"): "revokeToken",
    ("/tasks", "post"): "createTask", ("/tasks", "get"): "listTasks",
    ("/tasks/{id}", "get"): "getTask", ("/tasks/{id}", "patch"): "patchTask",
    ("/tasks/{id}", "put"): "replaceTask", ("/tasks/{id}", "delete"): "deleteTask",
    ("/tasks/{id}/shares", "get"): "listShares",
    ("/tasks/{id}/shares/{username}", "put"): "putShare",
    ("/tasks/{id}/shares/{username}", "delete"): "deleteShare",
    ("/lists", "post"): "createList", ("/lists", "get"): "listLists",
    ("/lists/{id}", "get"): "getList", ("/lists/{id}", "patch"): "patchList",
    ("/lists/{id}", "put"): "replaceList", ("/lists/{id}", "delete"): "deleteList",
    ("/lists/{id}/tasks", "get"): "listListTasks",
    ("/lists/{id}/tasks", "post"): "createListTask",
    ("/lists/{id}/shares", "get"): "listListShares",
    ("/lists/{id}/shares/{username}", "put"): "putListShare",
    ("/lists/{id}/shares/{username}", "delete"): "deleteListShare",
    ("/changes", "get"): "syncChanges", ("/tasks/{id}/history", "get"): "getTaskHistory",
    ("/tasks/{id}/occurrences", "get"): "getTaskOccurrences",
    ("/tasks/{id}/move", "post"): "moveTask", ("/reminders", "get"): "listReminders",
    ("/batch", "post"): "runBatch",
    ("/webhooks", "post"): "createWebhook", ("/webhooks", "get"): "listWebhooks",
    ("/webhooks/{id}", "get"): "getWebhook", ("/webhooks/{id}", "patch"): "patchWebhook",
    ("/webhooks/{id}", "delete"): "deleteWebhook",
    ("/webhooks/{id}/rotate-secret", "post"): "rotateWebhookSecret",
    ("/webhooks/{id}/ping", "post"): "pingWebhook",
    ("/webhooks/{id}/deliveries", "get"): "listWebhookDeliveries",
    ("/__heartbeat__", "get"): "checkHeartbeat",
    ("/__lbheartbeat__", "get"): "checkLoadBalancerHeartbeat",
    ("/__version__", "get"): "getVersion",
    ("/__api__", "get"): "getOpenApiDocument", ("/docs", "get"): "getDocsPage",
}

BODIES = {
    ("/users", "post"): "Registration", ("/users/me", "patch"): "AccountChange",
    ("/tokens", "post"): "Credentials", ("/tasks", "post"): "TaskCreate",
    ("/users/me/tokens", "post"): "TokenRequest",
    ("/tasks/{id}", "put"): "TaskReplace", ("/tasks/{id}", "patch"): "TaskPatch",
    ("/tasks/{id}/shares/{username}", "put"): "ShareRequest",
    ("/tasks/{id}/move", "post"): "TaskMove",
    ("/lists", "post"): "ListCreate", ("/lists/{id}", "put"): "ListReplace",
    ("/lists/{id}", "patch"): "ListPatch", ("/lists/{id}/tasks", "post"): "TaskCreate",
    ("/webhooks", "post"): "WebhookCreate", ("/webhooks/{id}", "patch"): "WebhookPatch",
    ("/lists/{id}/shares/{username}", "put"): "ListShareRequest",
    ("/batch", "post"): "BatchRequest",
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
    assert tags["/lists/{id}/shares"] == tags["/lists/{id}/tasks"] == ["lists"]
    assert tags["/changes"] == tags["/tasks/{id}/history"] == ["changes"]
    assert tags["/webhooks"] == tags["/webhooks/{id}/deliveries"] == ["webhooks"]
    assert {tag for tagged in tags.values() for tag in tagged} == {
        "accounts", "tasks", "lists", "reminders", "changes", "batch", "webhooks", "ops",
        "openapi"}


@pytest.mark.parametrize("values", [PRIORITIES, SHARE_PERMISSIONS, SORTS,
                                    LIST_SHARE_PERMISSIONS, LIST_SORTS, LIST_ACCESS])
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


def test_every_operation_has_a_default_error_and_every_response_an_x_request_id(document):
    error = {"$ref": "#/components/schemas/Error"}
    for path, method, op in operations(document):
        default = resolve(document, op["responses"]["default"])
        assert default["content"]["application/json"]["schema"] == error, (path, method)
        for status, response in op["responses"].items():
            headers = resolve(document, response)["headers"]
            assert "X-Request-Id" in headers, (path, method, status)


def test_every_error_response_has_a_valid_example(document):
    for name, response in document["components"]["responses"].items():
        if "content" not in response:  # a 304 has no body
            continue
        content = response["content"]["application/json"]
        validate_example(document, content["schema"], content["example"])
        assert content["example"]["errors"], name


def test_every_schema_example_is_valid(document):
    examples = {name: schema["example"]
                for name, schema in document["components"]["schemas"].items()
                if "example" in schema}
    assert {"Task", "TaskPage", "User", "Share", "NewToken", "Error", "List", "ListPage",
            "ListShare", "ListShareList"} <= set(examples)
    for name, example in examples.items():
        validate_example(document, document["components"]["schemas"][name], example)


def test_headers_are_declared_where_they_are_sent(document):
    def headers(path, method, status):
        response = resolve(document, document["paths"][path][method]["responses"][status])
        return set(response["headers"])

    assert {"Location", "ETag"} <= headers("/tasks", "post", "201")
    assert {"Location", "ETag"} <= headers("/lists", "post", "201")
    assert {"Location", "ETag"} <= headers("/lists/{id}/tasks", "post", "201")
    assert "ETag" in headers("/lists/{id}", "get", "304") & headers("/lists/{id}", "put", "412")
    assert "Link" in headers("/lists", "get", "200") & headers("/lists/{id}/tasks", "get", "200")
    assert "Location" in headers("/users", "post", "201")
    assert "Link" in headers("/tasks", "get", "200") & headers("/users", "get", "200")
    assert "ETag" in headers("/tasks/{id}", "get", "304") & headers("/tasks/{id}", "patch", "412")
    assert "Retry-After" in headers("/tasks", "get", "429") & headers("/tasks", "get", "503")
    assert "WWW-Authenticate" in headers("/tasks", "get", "401")


def test_path_parameter_patterns_are_anchored(document):
    """OpenAPI patterns are searched, not matched: unanchored, "x42x" would be an id."""
    patterns = {parameter["name"]: parameter["schema"]["pattern"]
                for _path, _method, op in operations(document)
                for parameter in op.get("parameters", ()) if parameter["in"] == "path"}
    assert set(patterns) == {"id", "username"}
    assert all(p.startswith("^") and p.endswith("$") for p in patterns.values())
    assert re.search(patterns["id"], "42") and not re.search(patterns["id"], "x42x")
    assert not re.search(patterns["username"], "al/ice bob")


def test_servers_are_relative_to_the_document(document):
    assert document["servers"] == [{**document["servers"][0], "url": "/"}]


def test_every_enum_names_its_members_for_client_generators(document):
    """openapi-python-client names a member after x-enum-varnames, else after its value
    when that starts with a letter, else VALUE_<n>: every enum gives the names itself."""
    enums = {name: schema for name, schema in document["components"]["schemas"].items()
             if "enum" in schema}
    assert set(enums) == {enum.name for enum in ENUMS}
    for name, schema in enums.items():
        varnames = schema.get("x-enum-varnames")
        assert varnames is not None and len(varnames) == len(schema["enum"]), name
        assert len(set(varnames)) == len(varnames), name
        assert all(re.fullmatch(r"[A-Z][A-Z0-9]*(_[A-Z0-9]+)*", varname)
                   and not varname.startswith("VALUE_") for varname in varnames), name


def test_webhook_events_have_readable_member_names(document):
    schemas = document["components"]["schemas"]
    subscription = dict(zip(schemas["WebhookSubscription"]["enum"],
                            schemas["WebhookSubscription"]["x-enum-varnames"], strict=True))
    assert subscription["*"] == "ALL" and subscription["ping"] == "PING"
    assert subscription["task.created"] == "TASK_CREATED"
    assert subscription["list.unshared"] == "LIST_UNSHARED"
