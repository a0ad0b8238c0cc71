"""GET /__api__ and GET /docs: a valid OpenAPI 3 document of every endpoint, a local page."""

from __future__ import annotations

import re

import pytest
import webtest
from openapi_spec_validator import validate

from taskservice.openapi.generator import UNDOCUMENTED_METHODS, openapi_path
from tests.support.openapi import resolve


@pytest.fixture
def document(testapp):
    return testapp.get("/__api__", status=200).json


def operation(document, path, method):
    return document["paths"][path][method]


def body_schema(document, path, method):
    """The (resolved) schema of an operation's JSON request body."""
    body = operation(document, path, method)["requestBody"]
    return resolve(document, body["content"]["application/json"]["schema"])


def test_document_is_valid_openapi_3(document):
    validate(document)
    assert document["openapi"].startswith("3.")


def test_document_is_public_json(testapp):
    response = testapp.get("/__api__", status=200)
    assert response.content_type == "application/json"


def test_every_cornice_route_and_method_is_documented(app, document):
    expected = {
        (openapi_path(service.path), method.lower())
        for service in app.registry.cornice_services.values()
        for method, _view, _args in service.definitions
        if method not in UNDOCUMENTED_METHODS
    }
    documented = {(path, method) for path, item in document["paths"].items() for method in item}
    assert expected == documented
    assert ("/tasks/{id}/shares/{username}", "put") in documented  # the registry is not empty


def test_unknown_fields_are_additional_properties_false(document):
    for path, method in [("/tasks", "post"), ("/tasks/{id}", "patch"), ("/users", "post"),
                         ("/tasks/{id}/shares/{username}", "put")]:
        assert body_schema(document, path, method)["additionalProperties"] is False


def test_body_fields_come_from_the_colander_schema(document):
    schema = body_schema(document, "/tasks", "post")
    assert schema["required"] == ["title"]
    assert schema["properties"]["title"]["maxLength"] == 200
    priority = schema["properties"]["priority"]
    assert priority["default"] == "normal"
    assert resolve(document, priority["allOf"][0])["enum"] == ["low", "normal", "high", "urgent"]
    assert schema["properties"]["due_at"]["nullable"] is True
    assert schema["properties"]["done"] == {"type": "boolean", "default": False}
    assert schema["properties"]["tags"]["maxItems"] == 20  # a custom validator's json_schema
    assert schema["properties"]["tags"]["uniqueItems"] is True
    patch = operation(document, "/tasks/{id}", "patch")["requestBody"]
    assert patch["required"] is True  # an empty body is a 400: {} is "change nothing"
    assert "required" not in body_schema(document, "/tasks/{id}", "patch")


def test_query_parameters_follow_the_settings(make_app):
    testapp = webtest.TestApp(make_app(taskservice__page_size__max="37"))
    params = operation(testapp.get("/__api__").json, "/tasks", "get")["parameters"]
    limit = next(p for p in params if p["name"] == "limit")
    assert limit["schema"]["maximum"] == 37
    tag = next(p for p in params if p["name"] == "tag")
    assert tag["schema"]["type"] == "array" and tag["explode"] is True


def test_error_statuses_per_operation(document):
    def statuses(path, method):
        return set(operation(document, path, method)["responses"])

    assert {"201", "400", "403", "409", "413", "415"} <= statuses("/users", "post")
    assert "401" not in statuses("/users", "post")
    assert {"200", "401", "403", "404", "412", "413", "415"} <= statuses("/tasks/{id}", "patch")
    assert {"200", "304", "401", "404"} <= statuses("/tasks/{id}", "get")
    assert {"200", "201"} <= statuses("/tasks/{id}/shares/{username}", "put")
    assert "401" not in statuses("/__heartbeat__", "get")
    assert "503" in statuses("/__heartbeat__", "get")


def test_bearer_token_and_app_password_security_schemes_and_public_operations(document):
    schemes = document["components"]["securitySchemes"]
    assert schemes["bearerAuth"] == {**schemes["bearerAuth"], "type": "http", "scheme": "bearer"}
    token = schemes["tokenAuth"]  # "Authorization: Token <token>": the whole header value
    assert token == {**token, "type": "apiKey", "in": "header", "name": "Authorization"}
    assert "Token <token>" in token["description"]
    basic = schemes["appPassword"]  # section 15: Basic with a token as the password
    assert basic == {**basic, "type": "http", "scheme": "basic"}
    assert document["security"] == [{"bearerAuth": []}, {"tokenAuth": []},
                                    {"appPassword": []}]  # any one will do
    assert operation(document, "/tokens", "post")["security"] == []
    assert "security" not in operation(document, "/tasks", "get")


@pytest.mark.parametrize(("path", "method", "scopes"), [
    ("/tasks", "get", ["read"]), ("/tasks", "post", ["write"]), ("/batch", "post", ["write"]),
    ("/webhooks", "get", ["webhooks"]), ("/users/me", "patch", ["account"]),
    ("/users/me/tokens", "get", ["account"]), ("/users", "get", ["account"]),
])
def test_an_operation_names_the_scopes_it_needs_and_its_403(document, path, method, scopes):
    found = operation(document, path, method)
    assert found["x-scopes"] == scopes
    assert "403" in found["responses"]


@pytest.mark.parametrize(("path", "method"), [
    ("/tokens", "post"), ("/tokens/current", "delete"), ("/users", "post"),
    ("/__heartbeat__", "get"),
])
def test_an_operation_any_token_may_use_names_no_scope(document, path, method):
    assert "x-scopes" not in operation(document, path, method)

def test_only_post_is_anonymous_on_users(document):
    """Anonymity is per method: the admin-only user list needs a token and may be a 401."""
    assert operation(document, "/users", "post")["security"] == []
    listing = operation(document, "/users", "get")
    assert "security" not in listing
    assert "401" in listing["responses"]


def test_a_missing_docs_asset_is_a_404_even_anonymously(testapp):
    response = testapp.get("/docs/swagger-ui/no-such-file.js", status=404)
    assert response.json["errors"][0]["location"] == "path"


# Swagger UI's stock files that this page does not use: a page that loads the petstore,
# an OAuth2 redirect target, other builds, source maps.
STOCK_FILES = ["index.html", "oauth2-redirect.html", "swagger-initializer.js", "index.j2",
               "index.css", "swagger-ui.js", "swagger-ui-es-bundle.js",
               "swagger-ui-standalone-preset.js", "swagger-ui-bundle.js.map", "favicon-16x16.png"]


@pytest.mark.parametrize("name", STOCK_FILES)
def test_swagger_ui_files_the_page_does_not_load_are_not_served(testapp, name):
    testapp.get(f"/docs/swagger-ui/{name}", status=404)


def test_documented_task_matches_a_real_one(testapp, alice, document):
    """The hand-described response schema names exactly the fields the service returns."""
    task = testapp.post_json("/tasks", {"title": "x"}, headers=alice.headers).json
    schema = document["components"]["schemas"]["Task"]
    assert set(schema["properties"]) == set(task) == set(schema["required"])


def test_docs_page_uses_only_local_assets(testapp):
    response = testapp.get("/docs", status=200)
    assert response.content_type == "text/html"
    urls = re.findall(r'(?:src|href)="([^"]+)"', response.text)
    assert urls, "the page loads Swagger UI from somewhere"
    assert not re.search(r"https?://", response.text)
    assert all(url.startswith("/") and not url.startswith("//") for url in urls)
    for url in urls:
        testapp.get(url, status=200)


def test_docs_script_does_not_call_the_online_validator(testapp):
    script = testapp.get("/docs/assets/docs.js", status=200).text
    assert "validatorUrl: null" in script


def test_every_authenticated_post_takes_an_idempotency_key(document):
    """Section 10: the header, its 409 and 422, and the replay's header on success."""
    posts = {path: op for path, item in document["paths"].items()
             for method, op in item.items() if method == "post"}
    for path, op in posts.items():
        names = {p["name"] for p in op.get("parameters", ()) if p["in"] == "header"}
        anonymous = op.get("security") == []
        assert ("Idempotency-Key" in names) is not anonymous, path
        assert ({"409", "422"} <= set(op["responses"])) is not anonymous, path
        successes = [r for status, r in op["responses"].items() if status.startswith("2")]
        assert all(("Idempotent-Replayed" in r["headers"]) is not anonymous
                   for r in successes), path
    assert {"/batch", "/tasks", "/lists", "/lists/{id}/tasks"} <= set(posts)


def test_the_batch_is_documented_from_its_envelope_schema(document, testapp, alice):
    envelope = body_schema(document, "/batch", "post")
    assert envelope["required"] == ["requests"]
    assert envelope["properties"]["requests"]["maxItems"] == 25
    item = resolve(document, envelope["properties"]["requests"]["items"])
    assert set(item["properties"]["headers"]["properties"]) == {"If-Match", "If-None-Match"}
    answer = testapp.post_json("/batch", {"requests": [
        {"method": "POST", "path": "/tasks", "body": {"title": "x"}}], "atomic": True},
        headers=alice.headers).json
    documented = document["components"]["schemas"]
    assert set(answer) <= set(documented["BatchResponse"]["properties"])
    assert set(answer["responses"][0]) == set(documented["SubResponse"]["required"])
