"""Contract section 1: one error shape for every 4xx and 5xx, and which error wins."""

import json

import pytest

from tests.support.api import (
    SQL_INJECTIONS,
    assert_error,
    assert_unauthorized,
    create_task,
    send_json,
)
from tests.support.constants import PASSWORD

PROTECTED = [
    ("GET", "/tasks"), ("POST", "/tasks"), ("GET", "/tasks/1"), ("PATCH", "/tasks/1"),
    ("PUT", "/tasks/1"), ("DELETE", "/tasks/1"), ("GET", "/users"), ("GET", "/users/me"),
    ("PATCH", "/users/me"), ("DELETE", "/users/me"), ("GET", "/users/alice"),
    ("DELETE", "/users/alice"), ("DELETE", "/tokens/current"),
]


# -- request ids --------------------------------------------------------------------

def test_error_body_carries_the_request_id_header(testapp, alice):
    response = testapp.get("/tasks/123456", headers=alice.headers, status=404)
    errors = assert_error(response, 404, ("path", ""))
    assert response.json["request_id"] and errors[0]["description"]


def test_a_sane_client_request_id_is_echoed(testapp, alice):
    headers = {**alice.headers, "X-Request-Id": "client-id.42"}
    response = testapp.get("/tasks/123456", headers=headers, status=404)
    assert response.headers["X-Request-Id"] == "client-id.42"
    assert response.json["request_id"] == "client-id.42"


def test_an_insane_client_request_id_is_replaced(testapp, alice):
    headers = {**alice.headers, "X-Request-Id": "bad id; <script>"}
    response = testapp.get("/tasks/123456", headers=headers, status=404)
    assert response.headers["X-Request-Id"] != "bad id; <script>"
    assert response.json["request_id"] == response.headers["X-Request-Id"]


def test_successful_responses_carry_a_request_id(testapp, alice):
    assert testapp.get("/tasks", headers=alice.headers, status=200).headers["X-Request-Id"]


# -- 401 ----------------------------------------------------------------------------

@pytest.mark.parametrize("method,url", [*PROTECTED, ("GET", "/nowhere"), ("GET", "/tasks/x")])
def test_anonymous_requests_get_401_whether_or_not_the_target_exists(testapp, alice, method, url):
    response = send_json(testapp, method, url, {"title": "x"})
    assert_unauthorized(response)


@pytest.mark.parametrize("header", [
    "Bearer not-a-token", "Bearer ", "Basic YWxpY2U6cGFzc3dvcmQ=", "Bearer", "garbage",
    "Bearer " + "x" * 600,
])
def test_bad_credentials_get_401(testapp, header):
    assert_unauthorized(testapp.get("/tasks", headers={"Authorization": header}, status=401))


# -- 404 and 405 --------------------------------------------------------------------

@pytest.mark.parametrize("url", [
    "/nowhere", "/tasks/999999", "/tasks/0", "/tasks/-1", "/tasks/abc", "/tasks/1.5",
    "/tasks/99999999999999999999999", "/users/nobody", "/users/a", "/tokens/other",
    "/tasks/1/nothing",
])
def test_unknown_resources_are_404(testapp, alice, url):
    assert_error(testapp.get(url, headers=alice.headers, status=404), 404)


@pytest.mark.parametrize("method,url,allowed", [
    ("PUT", "/tasks", "GET, HEAD, POST"),
    ("DELETE", "/tasks", "GET, HEAD, POST"),
    ("POST", "/users/me", "DELETE, GET, HEAD, PATCH"),
    ("PUT", "/users", "GET, HEAD, POST"),
    ("GET", "/tokens", "POST"),
    ("GET", "/tokens/current", "DELETE"),
])
def test_method_not_allowed_is_405_with_allow(testapp, alice, method, url, allowed):
    response = testapp.request(url, method=method, headers=alice.headers, status=405)
    assert_error(response, 405, ("request", "method"))
    assert response.headers["Allow"] == allowed


@pytest.mark.parametrize("url", ["/tasks/{id}", "/users/bob"])
def test_405_does_not_leak_what_the_caller_may_not_view(testapp, alice, bob, url):
    task = create_task(bob)
    response = testapp.request(url.format(**task), method="POST", headers=alice.headers,
                               status=404)
    assert_error(response, 404, ("path", ""))
    assert "Allow" not in response.headers


def test_method_not_allowed_on_a_task(testapp, alice):
    task = create_task(alice)
    response = testapp.post_json(f"/tasks/{task['id']}", {}, headers=alice.headers, status=405)
    assert_error(response, 405)
    assert set(response.headers["Allow"].split(", ")) >= {"GET", "PATCH", "PUT", "DELETE"}


# -- precedence: 401 > 404 > 405 > 413 > 415 > 400 ------------------------------------

@pytest.fixture
def small_app(make_app):
    import webtest

    return webtest.TestApp(
        make_app(taskservice__max_body_bytes="100"), extra_environ={"HTTP_HOST": "example.com"}
    )


BIG = '{"title": "' + "x" * 200 + '"}'


def test_401_beats_404(testapp):
    assert_unauthorized(testapp.get("/tasks/424242", status=401))


@pytest.mark.parametrize("method,url", [
    ("PUT", "/tasks"), ("PUT", "/users"), ("DELETE", "/users"), ("GET", "/tokens"),
    ("PATCH", "/tokens"), ("POST", "/users/me"), ("GET", "/tokens/current"),
])
def test_401_beats_405(testapp, method, url):
    assert_unauthorized(testapp.request(url, method=method, status=401))


def test_401_beats_400(testapp):
    assert_unauthorized(send_json(testapp, "POST", "/tasks", "{not json"))


def test_404_beats_405(testapp, alice):
    response = testapp.post_json("/tasks/424242", {}, headers=alice.headers, status=404)
    assert_error(response, 404)


def test_404_beats_400(testapp, alice):
    response = send_json(testapp, "PATCH", "/tasks/424242", "{not json", alice.headers)
    assert_error(response, 404)


def test_405_beats_413(small_app, register):
    client = register()
    response = send_json(small_app, "PUT", "/tasks", BIG, client.headers)
    assert_error(response, 405)


def test_413_beats_415(small_app):
    response = small_app.post("/users", "x" * 500, headers={"Content-Type": "text/plain"},
                              status=413)
    assert_error(response, 413, ("header", "Content-Length"))


def test_415_beats_400(testapp):
    response = testapp.post("/users", "{not json", headers={"Content-Type": "text/plain"},
                            status=415)
    assert_error(response, 415, ("header", "Content-Type"))


def test_a_body_under_the_limit_passes(small_app):
    response = send_json(small_app, "POST", "/users", {"username": "shorty", "password": "p" * 8})
    assert response.status_int == 201


@pytest.mark.parametrize("method,url", [("POST", "/tasks"), ("POST", "/users"),
                                        ("POST", "/tokens")])
def test_huge_body_is_413(small_app, register, method, url):
    client = register()
    response = send_json(small_app, method, url, BIG, client.headers)
    assert_error(response, 413, ("header", "Content-Length"))


def test_huge_patch_is_413(small_app, register):
    client = register()
    task = create_task(client)
    response = send_json(small_app, "PATCH", f"/tasks/{task['id']}", BIG, client.headers)
    assert_error(response, 413)


# -- 415 and 400 for bodies ---------------------------------------------------------

@pytest.mark.parametrize("content_type", [
    "text/plain", "application/x-www-form-urlencoded", "application/xml", "multipart/form-data",
    "application/jsonx", "json",
])
@pytest.mark.parametrize("method,url", [
    ("POST", "/tasks"), ("PUT", "/tasks/{id}"), ("PATCH", "/tasks/{id}"), ("POST", "/users"),
    ("POST", "/tokens"), ("PATCH", "/users/me"),
])
def test_a_body_that_is_not_json_is_415(testapp, alice, content_type, method, url):
    task = create_task(alice)
    response = testapp.request(url.format(**task), method=method, body=b'{"title": "x"}',
                               status=415, headers={**alice.headers, "Content-Type": content_type})
    assert_error(response, 415, ("header", "Content-Type"))


def test_json_with_a_charset_is_accepted(testapp, alice):
    testapp.post("/tasks", b'{"title": "x"}', status=201,
                 headers={**alice.headers, "Content-Type": "application/json; charset=utf-8"})


@pytest.mark.parametrize("body", [
    b"{not json", b'{"title": "x",}', b'{"title": "x"', b" ", b"NaN", b'{"title": NaN}',
    b'{"title": Infinity}', b'{"title": "\xff\xfe"}',
], ids=["garbage", "trailing-comma", "unterminated", "whitespace", "nan", "nan-field",
        "infinity", "not-utf8"])
def test_malformed_json_is_400(testapp, alice, body):
    response = send_json(testapp, "POST", "/tasks", body, alice.headers)
    assert_error(response, 400, ("body", ""))


# What Python's parser would say; an error describes the body, never the parser.
PARSER_WORDS = ("expecting", "delimiter", "char ", "nan", "infinity", "recursion",
                "unterminated", "extra data", "property name", "control character")


@pytest.mark.parametrize("body", [
    b"{not json", b'{"title": "x",}', b'{"title": "x"', b"NaN", b'{"title": NaN}',
    b'{"title": -Infinity}', b'{"title": "a\x01b"}', b'{"title": "x"} {"secret-ish": 1}',
    b"[" * 100000 + b"]" * 100000,
])
def test_a_malformed_json_error_shows_neither_the_parser_message_nor_the_input(
    testapp, alice, body
):
    response = send_json(testapp, "POST", "/tasks", body, alice.headers)
    [error] = assert_error(response, 400, ("body", ""))
    description = error["description"]
    assert description.startswith("Malformed JSON: the body is not valid JSON")
    assert not any(word in description.lower() for word in PARSER_WORDS), description
    assert "secret-ish" not in description and "title" not in description


def test_a_malformed_json_error_says_where(testapp, alice):
    response = send_json(testapp, "POST", "/tasks", b'{\n  "title": "x",\n}', alice.headers)
    [error] = assert_error(response, 400, ("body", ""))
    assert error["description"].endswith("(line 3, column 1)")


@pytest.mark.parametrize("body", ["[]", '["title"]', '"title"', "42", "null", "true"])
def test_json_that_is_not_an_object_is_400(testapp, alice, body):
    response = send_json(testapp, "POST", "/tasks", body, alice.headers)
    assert_error(response, 400, ("body", ""))


def test_deeply_nested_json_is_400(testapp, alice):
    response = send_json(testapp, "POST", "/tasks", "[" * 100000 + "]" * 100000, alice.headers)
    assert_error(response, 400, ("body", ""))


# -- NUL bytes and SQL-looking text: always a clean 4xx or a literal value --------------

@pytest.mark.parametrize("field", ["title", "description"])
def test_nul_in_a_task_string_is_400(testapp, alice, field):
    body = {"title": "ok", field: "a\x00b"}
    assert_error(testapp.post_json("/tasks", body, headers=alice.headers, status=400),
                 400, ("body", field))


def test_nul_in_a_tag_is_400(testapp, alice):
    response = testapp.post_json("/tasks", {"title": "ok", "tags": ["a\x00"]},
                                 headers=alice.headers, status=400)
    assert_error(response, 400, ("body", "tags.0"))


@pytest.mark.parametrize("field", ["username", "password"])
def test_nul_in_credentials_is_400(testapp, field):
    body = {"username": "nulluser", "password": "password1", field: "abc\x00defghi"}
    assert_error(testapp.post_json("/users", body, status=400), 400, ("body", field))
    assert_error(testapp.post_json("/tokens", body, status=400), 400, ("body", field))


@pytest.mark.parametrize("param", ["q", "tag", "owner", "priority", "sort", "cursor",
                                   "due_before", "limit", "done"])
def test_nul_in_a_query_parameter_is_400(testapp, alice, param):
    response = testapp.get("/tasks", {param: "a\x00b"}, headers=alice.headers, status=400)
    assert_error(response, 400, ("querystring", param))


# -- lone UTF-16 surrogates: valid JSON, but no UTF-8 form, so no database can store them ----

LONE_SURROGATE = "\\ud800"  # the JSON escape, as a client sends it


def surrogate_body(body: dict, field: str) -> bytes:
    """``body`` as JSON text with ``field``'s string value holding a lone surrogate."""
    return json.dumps({**body, field: "__here__"}).replace(
        "__here__", f"half {LONE_SURROGATE} a pair").encode()


TASK = {"title": "ok", "description": "d", "priority": "low", "due_at": None, "tags": []}
CREDENTIALS = {"username": "someone", "password": "password1"}
PASSWORDS = {"current_password": PASSWORD, "password": "new password"}


@pytest.mark.parametrize("method,path,body,field", [
    *(("POST", "/tasks", TASK, field) for field in ("title", "description", "priority",
                                                     "due_at")),
    *(("PATCH", "/tasks/{id}", {}, field) for field in ("title", "description", "priority")),
    *(("PUT", "/tasks/{id}", TASK, field) for field in ("title", "description", "due_at")),
    ("PUT", "/tasks/{id}/shares/bob", {}, "permission"),
    ("POST", "/users", CREDENTIALS, "username"), ("POST", "/users", CREDENTIALS, "password"),
    ("POST", "/tokens", CREDENTIALS, "username"), ("POST", "/tokens", CREDENTIALS, "password"),
    ("PATCH", "/users/me", PASSWORDS, "current_password"),
    ("PATCH", "/users/me", PASSWORDS, "password"),
])
def test_a_lone_surrogate_in_a_body_string_is_400(testapp, alice, bob, method, path, body,
                                                   field):
    task = create_task(alice)
    response = send_json(testapp, method, path.format(id=task["id"]), surrogate_body(body, field),
                         alice.headers, status=400)
    assert_error(response, 400, ("body", field))
    assert testapp.get(f"/tasks/{task['id']}", headers=alice.headers).json == task


def test_a_lone_surrogate_in_a_tag_or_a_field_name_is_400(testapp, alice):
    body = f'{{"title": "ok", "tags": ["{LONE_SURROGATE}"], "x{LONE_SURROGATE}": 1}}'
    response = send_json(testapp, "POST", "/tasks", body, alice.headers, status=400)
    assert_error(response, 400, ("body", "tags.0"), ("body", "x\ud800"))


def test_nul_in_a_path_is_404(testapp, alice):
    assert_error(testapp.get("/users/ab%00c", headers=alice.headers, status=404), 404)
    assert_error(testapp.get("/tasks/1%00", headers=alice.headers, status=404), 404)


@pytest.mark.parametrize("text", SQL_INJECTIONS)
def test_sql_text_in_task_fields_is_stored_literally(testapp, alice, text):
    body = {"title": text, "description": text, "tags": [text[:50]]}
    created = testapp.post_json("/tasks", body, headers=alice.headers, status=201).json
    assert (created["title"], created["description"], created["tags"]) == (
        text.strip(), text, [text[:50]])
    found = testapp.get("/tasks", {"q": text}, headers=alice.headers, status=200).json["items"]
    assert [t["id"] for t in found] == [created["id"]]


@pytest.mark.parametrize("text", SQL_INJECTIONS)
@pytest.mark.parametrize("field", ["priority", "due_at", "done", "tags"])
def test_sql_text_in_typed_task_fields_is_400(testapp, alice, text, field):
    response = testapp.post_json("/tasks", {"title": "x", field: text}, headers=alice.headers,
                                 status=400)
    assert_error(response, 400, ("body", field))


@pytest.mark.parametrize("text", SQL_INJECTIONS)
def test_sql_text_as_credentials_is_never_a_500(testapp, alice, text):
    assert_error(testapp.post_json("/users", {"username": text, "password": text}, status=400),
                 400, ("body", "username"))
    response = testapp.post_json("/tokens", {"username": text, "password": text}, status=401)
    assert_unauthorized(response)
    response = testapp.post_json("/tokens", {"username": "alice", "password": text}, status=401)
    assert_unauthorized(response)


@pytest.mark.parametrize("text", SQL_INJECTIONS)
@pytest.mark.parametrize("param", ["q", "tag", "owner"])
def test_sql_text_in_filters_matches_nothing(testapp, alice, text, param):
    create_task(alice, title="keep me", tags=["t"])
    value = text[:32]  # longer owners are a 400 (no username is that long)
    response = testapp.get("/tasks", {param: value}, headers=alice.headers, status=200)
    assert response.json == {"items": [], "next_cursor": None}


@pytest.mark.parametrize("text", SQL_INJECTIONS)
@pytest.mark.parametrize("param", ["priority", "sort", "cursor", "limit", "done",
                                   "due_before", "due_after"])
def test_sql_text_in_typed_query_parameters_is_400(testapp, alice, text, param):
    response = testapp.get("/tasks", {param: text}, headers=alice.headers, status=400)
    assert_error(response, 400, ("querystring", param))


@pytest.mark.parametrize("text", SQL_INJECTIONS)
def test_sql_text_in_paths_is_404(testapp, alice, text):
    from urllib.parse import quote

    for prefix in ("/tasks/", "/users/"):
        response = testapp.get(prefix + quote(text, safe=""), headers=alice.headers, status=404)
        assert_error(response, 404)


def test_sql_text_in_authorization_is_401(testapp):
    for text in SQL_INJECTIONS:
        assert_unauthorized(testapp.get("/tasks", headers={"Authorization": f"Bearer {text}"},
                                        status=401))


# -- query parameters an endpoint does not take ---------------------------------------------

@pytest.mark.parametrize("method,path", [
    ("GET", "/tasks/{id}"), ("DELETE", "/tasks/{id}"), ("GET", "/tasks/{id}/shares"),
    ("PATCH", "/tasks/{id}"), ("POST", "/tasks"), ("GET", "/users/me"),
    ("GET", "/users/alice"), ("DELETE", "/tokens/current"),
])
def test_an_unknown_query_parameter_is_400_naming_it(testapp, alice, method, path):
    task = create_task(alice)
    url = path.format(id=task["id"]) + "?colour=red&limit=2"
    response = send_json(testapp, method, url, {"title": "x"}, alice.headers, status=400)
    assert_error(response, 400, ("querystring", "colour"), ("querystring", "limit"))
    assert testapp.get(f"/tasks/{task['id']}", headers=alice.headers).json == task


MANY = [f"x{i}" for i in range(5000)]
SHOWN_ERRORS = 20  # then one entry saying how many more there are


@pytest.mark.parametrize("method,path,where", [
    ("GET", "/tasks", "querystring"), ("GET", "/users/me", "querystring"),
    ("POST", "/tasks", "body"), ("PATCH", "/tasks/{id}", "body"), ("POST", "/batch", "body"),
])
def test_thousands_of_unknown_names_get_a_short_list_of_errors(testapp, alice, method, path,
                                                                where):
    """Every failing field is listed -- up to a point: 5,000 of them made a 359 KB body."""
    url = path.format(id=create_task(alice)["id"])
    body = {"title": "x", **dict.fromkeys(MANY, 1)}
    if where == "querystring":
        url, body = url + "?" + "&".join(f"{name}=1" for name in MANY), None
    elif path == "/batch":
        body = {"requests": [{"method": "GET", "path": "/tasks"}], **dict.fromkeys(MANY, 1)}
    response = send_json(testapp, method, url, body or "", alice.headers, status=400)
    errors = assert_error(response, 400)
    assert [(e["location"], e["name"]) for e in errors[:SHOWN_ERRORS]] == [
        (where, name) for name in MANY[:SHOWN_ERRORS]]
    assert len(errors) == SHOWN_ERRORS + 1
    assert errors[-1]["location"] == "request" and errors[-1]["name"] == ""
    assert f"{len(MANY) - SHOWN_ERRORS} more" in errors[-1]["description"]
    assert len(response.body) < 4096


def test_a_few_errors_are_all_listed(testapp, alice):
    names = MANY[:SHOWN_ERRORS]
    url = "/tasks?" + "&".join(f"{name}=1" for name in names)
    errors = assert_error(testapp.get(url, headers=alice.headers, status=400), 400)
    assert [e["name"] for e in errors] == names


# -- paths that are not UTF-8 ----------------------------------------------------------------

UNDECODABLE_PATHS = ["/users/%ff", "/tasks/%ff", "/tasks/1%ff", "/tasks/%C0%AF/shares",
                     "/users/%ED%A0%80", "/tasks/3/shares/%ED%A0%80", "/%ff"]


@pytest.mark.parametrize("path", UNDECODABLE_PATHS)
@pytest.mark.parametrize("method", ["GET", "DELETE", "PATCH"])
def test_a_path_that_is_not_utf8_is_404_and_401_when_anonymous(testapp, alice, path, method):
    response = send_json(testapp, method, path, {}, alice.headers, status=404)
    assert_error(response, 404, ("path", ""))
    assert_unauthorized(send_json(testapp, method, path, {}, status=401))


def test_a_docs_file_that_is_not_utf8_is_404_even_anonymous(testapp):
    assert_error(testapp.get("/docs/swagger-ui/%ff", status=404), 404, ("path", ""))


@pytest.mark.parametrize("content_type", ["APPLICATION/JSON", "Application/Json; charset=UTF-8"])
def test_the_json_media_type_is_case_insensitive(testapp, alice, content_type):
    response = testapp.post("/tasks", json.dumps({"title": "shouted"}), status=201,
                            headers={**alice.headers, "Content-Type": content_type})
    assert response.json["title"] == "shouted"
