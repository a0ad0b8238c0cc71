"""Each ops setting switched on and off in a real app; request ids, access log, section 5."""

from __future__ import annotations

import logging
import re
import uuid
from datetime import UTC, datetime, timedelta
from importlib.metadata import version

import pytest
import redis
import webtest

from taskservice.web.endpoints import SERVICE_ENDPOINTS
from tests.support.api import assert_error, assert_unauthorized, create_task, send_json
from tests.support.constants import PASSWORD

REDIS_URL = "redis://127.0.0.1:6379/15"
ORIGIN = "https://app.example.com"
GENERATED_ID = re.compile(r"^[0-9a-f]{32}$")


@pytest.fixture
def client_for(make_app):
    """A TestApp on an app built with ``overrides`` (same test transaction as ``testapp``)."""

    def build(**overrides: str) -> webtest.TestApp:
        return webtest.TestApp(make_app(**overrides), extra_environ={"HTTP_HOST": "example.com"})

    return build


def register_json(username: str = "newcomer") -> dict:
    return {"username": username, "password": PASSWORD}


def parse_timestamp(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def assert_retry_after(response, low: int, high: int) -> None:
    assert low <= int(response.headers["Retry-After"]) <= high


# -- taskservice.registration ----------------------------------------------------------------


def test_registration_open_by_default(testapp):
    testapp.post_json("/users", register_json(), status=201)


def test_registration_closed_is_403(client_for):
    response = client_for(taskservice__registration="closed").post_json(
        "/users", register_json(), status=403
    )
    assert_error(response, 403, ("request", ""))


def test_registration_closed_still_lets_existing_users_log_in(alice, client_for):
    closed = client_for(taskservice__registration="closed")
    closed.post_json("/tokens", register_json("alice"), status=201)


# -- taskservice.token_ttl -------------------------------------------------------------------


@pytest.mark.parametrize(("overrides", "ttl"),
                         [({}, 86400), ({"taskservice__token_ttl": "120"}, 120)])
def test_token_expires_after_token_ttl(alice, client_for, overrides, ttl):
    before = datetime.now(UTC)
    body = client_for(**overrides).post_json("/tokens", register_json("alice"), status=201).json
    expires_at = parse_timestamp(body["expires_at"])
    assert before + timedelta(seconds=ttl - 5) <= expires_at <= before + timedelta(seconds=ttl + 5)


# -- taskservice.page_size.default / max -----------------------------------------------------


@pytest.fixture
def three_tasks(alice):
    for number in range(3):
        create_task(alice, title=f"Task {number}")
    return alice


@pytest.mark.parametrize(("overrides", "count"),
                         [({}, 3), ({"taskservice__page_size__default": "2"}, 2)])
def test_page_size_default_is_the_limit_when_none_is_given(three_tasks, client_for, overrides,
                                                           count):
    page = client_for(**overrides).get("/tasks", headers=three_tasks.headers, status=200).json
    assert len(page["items"]) == count


@pytest.mark.parametrize(("overrides", "maximum"),
                         [({}, 100), ({"taskservice__page_size__max": "30"}, 30)])
def test_page_size_max_is_the_largest_limit(alice, client_for, overrides, maximum):
    app = client_for(**overrides)
    app.get("/tasks", {"limit": str(maximum)}, headers=alice.headers, status=200)
    response = app.get("/tasks", {"limit": str(maximum + 1)}, headers=alice.headers, status=400)
    assert_error(response, 400, ("querystring", "limit"))


# -- taskservice.max_body_bytes --------------------------------------------------------------


def body_of_size(size: int) -> bytes:
    """A valid task body exactly ``size`` bytes long."""
    skeleton = b'{"title": "%s"}'
    return skeleton % (b"x" * (size - len(skeleton) + 2))


@pytest.fixture
def small_bodies(client_for):
    return client_for(taskservice__max_body_bytes="64")


def test_body_at_the_limit_is_accepted(alice, small_bodies):
    body = body_of_size(64)
    assert len(body) == 64
    send_json(small_bodies, "POST", "/tasks", body, alice.headers, status=201)


def test_body_over_the_limit_is_413(alice, small_bodies):
    response = send_json(small_bodies, "POST", "/tasks", body_of_size(65), alice.headers,
                         status=413)
    assert_error(response, 413, ("header", "Content-Length"))


def test_default_limit_accepts_what_a_small_limit_refuses(alice, testapp):
    send_json(testapp, "POST", "/tasks", body_of_size(65), alice.headers, status=201)


def test_413_comes_before_415(alice, small_bodies):
    response = small_bodies.post("/tasks", b"x" * 100,
                                 headers={**alice.headers, "Content-Type": "text/plain"},
                                 status=413)
    assert_error(response, 413)


def test_413_comes_before_400(alice, small_bodies):
    send_json(small_bodies, "POST", "/tasks", "{" * 100, alice.headers, status=413)


def test_401_comes_before_413(small_bodies):
    assert_unauthorized(send_json(small_bodies, "POST", "/tasks", body_of_size(100), status=401))


def test_413_applies_to_anonymous_public_routes(small_bodies):
    send_json(small_bodies, "POST", "/users", {"username": "u" * 20, "password": "p" * 60},
              status=413)


def test_413_on_put_and_patch(alice, small_bodies):
    task_id = create_task(alice)["id"]
    for method in ("PUT", "PATCH"):
        send_json(small_bodies, method, f"/tasks/{task_id}", body_of_size(65),
                  {**alice.headers, "If-Match": '"1"'}, status=413)


# -- taskservice.readonly --------------------------------------------------------------------


@pytest.fixture
def readonly(client_for):
    return client_for(taskservice__readonly="true")


def write_requests(client, task_id):
    """(method, path, body) of every kind of write the API has."""
    return [
        ("POST", "/users", register_json()),
        ("POST", "/tokens", register_json("alice")),
        ("DELETE", "/tokens/current", None),
        ("POST", "/tasks", {"title": "New"}),
        ("PUT", f"/tasks/{task_id}", {"title": "Replaced"}),
        ("PATCH", f"/tasks/{task_id}", {"title": "Patched"}),
        ("DELETE", f"/tasks/{task_id}", None),
        ("PUT", f"/tasks/{task_id}/shares/bob", {"role": "viewer"}),
        ("DELETE", f"/tasks/{task_id}/shares/bob", None),
        ("PATCH", "/users/me", {"password": PASSWORD + "!"}),
        ("DELETE", "/users/me", None),
    ]


def test_readonly_refuses_every_write_with_503_and_retry_after(alice, bob, readonly):
    task = create_task(alice, title="Keep me")
    for method, path, body in write_requests(alice, task["id"]):
        response = send_json(readonly, method, path, body if body is not None else b"",
                             alice.headers, status="*")
        assert response.status_int == 503, (method, path)
        assert_error(response, 503, ("request", ""))
        assert_retry_after(response, 1, 3600)
    still = readonly.get(f"/tasks/{task['id']}", headers=alice.headers, status=200).json
    assert still["title"] == "Keep me"


def test_readonly_reads_go_on_with_existing_tokens(alice, readonly):
    task = create_task(alice)
    readonly.get("/tasks", headers=alice.headers, status=200)
    readonly.get(f"/tasks/{task['id']}", headers=alice.headers, status=200)
    readonly.get("/users/me", headers=alice.headers, status=200)
    readonly.get("/__heartbeat__", status=200)


def test_readonly_off_by_default_lets_writes_through(alice, testapp):
    testapp.post_json("/tasks", {"title": "Written"}, headers=alice.headers, status=201)
    testapp.post_json("/tokens", register_json("alice"), status=201)


# -- taskservice.ratelimit -------------------------------------------------------------------


def anonymous(app, address: str) -> dict:
    return {"extra_environ": {**app.extra_environ, "REMOTE_ADDR": address}}


def test_ratelimit_off_by_default(testapp):
    for _ in range(30):
        testapp.get("/tasks", status=401)


def test_ratelimit_refuses_the_request_after_n(client_for):
    limited = client_for(taskservice__ratelimit="3/minute")
    for _ in range(3):
        limited.get("/tasks", status=401)
    response = limited.get("/tasks", status=429)
    assert_error(response, 429, ("request", ""))
    assert_retry_after(response, 1, 60)


def test_ratelimit_per_second_window_has_short_retry_after(client_for):
    limited = client_for(taskservice__ratelimit="1/second")
    limited.get("/tasks", status=401)
    assert_retry_after(limited.get("/tasks", status=429), 1, 1)


def test_ratelimit_counts_anonymous_callers_per_address(client_for):
    limited = client_for(taskservice__ratelimit="2/minute")
    for _ in range(2):
        limited.get("/tasks", status=401, **anonymous(limited, "10.0.0.1"))
    limited.get("/tasks", status=429, **anonymous(limited, "10.0.0.1"))
    limited.get("/tasks", status=401, **anonymous(limited, "10.0.0.2"))


def test_ratelimit_counts_users_not_their_address(alice, bob, client_for):
    limited = client_for(taskservice__ratelimit="2/minute")
    for _ in range(2):
        limited.get("/tasks", headers=alice.headers, status=200)
    limited.get("/tasks", headers=alice.headers, status=429)
    limited.get("/tasks", headers=bob.headers, status=200)
    limited.get("/tasks", status=401)  # the same address, anonymous: its own count


# Every section 5 endpoint (/__metrics__ with metrics on), and the files the /docs page loads.
UNCOUNTED = (*SERVICE_ENDPOINTS.values(), "/docs/assets/docs.js",
             "/docs/swagger-ui/swagger-ui-bundle.js")


def test_ratelimit_does_not_count_service_endpoints_or_preflights(client_for):
    limited = client_for(taskservice__ratelimit="2/minute",
                         taskservice__cors_origins=ORIGIN, taskservice__metrics="prometheus")
    for _ in range(5):
        for path in UNCOUNTED:
            limited.get(path, status=200)
        limited.options("/tasks", headers=preflight_headers(ORIGIN), status=200)
    for _ in range(2):
        limited.get("/tasks", status=401)
    limited.get("/tasks", status=429)
    limited.get("/__heartbeat__", status=200)


@pytest.fixture
def redis_address():
    """A client address unique to this test; its counters are deleted afterwards."""
    address = f"10.{uuid.uuid4().int % 250}.{uuid.uuid4().int % 250}.{uuid.uuid4().int % 250}"
    yield address
    store = redis.Redis.from_url(REDIS_URL)
    for key in store.scan_iter(match=f"*taskservice-requests/addr/{address}/*"):
        store.delete(key)
    store.close()


def test_ratelimit_counters_are_shared_through_redis(client_for, redis_address):
    settings = {"taskservice__ratelimit": "3/minute", "taskservice__ratelimit__storage": REDIS_URL}
    first, second = client_for(**settings), client_for(**settings)
    for app in (first, second, first):
        app.get("/tasks", status=401, **anonymous(app, redis_address))
    second.get("/tasks", status=429, **anonymous(second, redis_address))
    first.get("/tasks", status=429, **anonymous(first, redis_address))


# -- taskservice.cors_origins ----------------------------------------------------------------


def preflight_headers(origin: str, method: str = "POST") -> dict:
    return {"Origin": origin, "Access-Control-Request-Method": method,
            "Access-Control-Request-Headers": "Authorization, Content-Type, If-Match"}


@pytest.fixture
def cors(client_for):
    return client_for(taskservice__cors_origins=f"{ORIGIN} https://other.example.com")


# Every route a browser script calls, with a method it supports. A preflight never carries
# credentials, so it must succeed for routes that need them (/users/me included).
PREFLIGHTS = [("/tasks", "POST"), ("/tasks/{id}", "PATCH"), ("/tasks/{id}/shares/bob", "PUT"),
              ("/users", "POST"), ("/users/me", "PATCH"), ("/tokens", "POST"),
              ("/tokens/current", "DELETE")]


@pytest.mark.parametrize(("path", "method"), PREFLIGHTS)
def test_cors_preflight_for_a_listed_origin(cors, alice, path, method):
    url = path.format(id=create_task(alice)["id"])
    response = cors.options(url, headers=preflight_headers(ORIGIN, method), status=200)
    assert response.headers["Access-Control-Allow-Origin"] == ORIGIN
    methods = {m.strip() for m in response.headers["Access-Control-Allow-Methods"].split(",")}
    assert method in methods
    allowed_headers = response.headers["Access-Control-Allow-Headers"].lower()
    for header in ("authorization", "content-type", "if-match"):
        assert header in allowed_headers


def test_cors_response_headers_for_a_listed_origin(cors, alice):
    response = cors.get("/tasks", headers={**alice.headers, "Origin": ORIGIN}, status=200)
    assert response.headers["Access-Control-Allow-Origin"] == ORIGIN
    exposed = response.headers["Access-Control-Expose-Headers"]
    for header in ("ETag", "Location", "Link", "Retry-After", "X-Request-Id"):
        assert header in exposed


def test_cors_unlisted_origin_gets_no_allow_origin(cors, alice):
    evil = "https://evil.example.com"
    preflight = cors.options("/tasks", headers=preflight_headers(evil), status="*")
    assert "Access-Control-Allow-Origin" not in preflight.headers
    response = cors.get("/tasks", headers={**alice.headers, "Origin": evil}, status="*")
    assert "Access-Control-Allow-Origin" not in response.headers


def test_cors_off_by_default(testapp, alice, cors):
    """Off even in a process that has built a CORS-enabled app (``cors``) before."""
    preflight = testapp.options("/tasks", headers=preflight_headers(ORIGIN), status="*")
    assert "Access-Control-Allow-Origin" not in preflight.headers
    response = testapp.get("/tasks", headers={**alice.headers, "Origin": ORIGIN}, status=200)
    assert "Access-Control-Allow-Origin" not in response.headers


# -- X-Request-Id and the access log ---------------------------------------------------------


@pytest.mark.parametrize("offered", [
    "abc-123", "trace:0001.a_b", "x" * 128, "0f8fad5b-d9cb-469f-a165-70867728950e",
])
def test_sane_request_id_is_echoed(testapp, offered):
    response = testapp.get("/__version__", headers={"X-Request-Id": offered}, status=200)
    assert response.headers["X-Request-Id"] == offered


@pytest.mark.parametrize("offered", ["x" * 200, "has spaces", "semi;colon", "new\tline", "é", ""])
def test_insane_request_id_is_replaced(testapp, offered):
    response = testapp.get("/tasks", headers={"X-Request-Id": offered}, status=401)
    assert response.headers["X-Request-Id"] != offered
    assert GENERATED_ID.match(response.headers["X-Request-Id"])
    assert response.json["request_id"] == response.headers["X-Request-Id"]


def test_request_id_is_generated_afresh_for_each_request(testapp):
    ids = {testapp.get("/__version__").headers["X-Request-Id"] for _ in range(5)}
    assert len(ids) == 5
    assert all(GENERATED_ID.match(rid) for rid in ids)


def every_kind_of_response(testapp, alice, readonly, small_bodies, task_id):
    """One response of each status the API gives, without a request id offered."""
    auth = alice.headers
    return [
        testapp.get("/__heartbeat__", status=200),
        testapp.post_json("/tasks", {"title": "t"}, headers=auth, status=201),
        testapp.delete("/tokens/current", headers=register_login(testapp), status=204),
        testapp.post_json("/tasks", {"title": ""}, headers=auth, status=400),
        testapp.get("/tasks", status=401),
        testapp.get("/tasks/999999", headers=auth, status=404),
        testapp.request("/__version__", method="POST", status=405),
        send_json(small_bodies, "POST", "/tasks", body_of_size(100), auth, status=413),
        testapp.post("/tasks", b"x", headers={**auth, "Content-Type": "text/plain"}, status=415),
        testapp.patch_json(f"/tasks/{task_id}", {"title": "n"},
                           headers={**auth, "If-Match": '"99"'}, status=412),
        readonly.post_json("/tasks", {"title": "t"}, headers=auth, status=503),
    ]


def register_login(testapp) -> dict:
    token = testapp.post_json("/tokens", register_json("alice"), status=201).json["token"]
    return {"Authorization": f"Bearer {token}"}


def test_request_id_on_every_response_and_in_every_error_body(testapp, alice, readonly,
                                                              small_bodies):
    task_id = create_task(alice)["id"]
    for response in every_kind_of_response(testapp, alice, readonly, small_bodies, task_id):
        rid = response.headers["X-Request-Id"]
        assert GENERATED_ID.match(rid), response.status
        if response.status_int >= 400:
            assert response.json["request_id"] == rid, response.status


def test_offered_request_id_is_the_error_body_request_id(testapp):
    response = testapp.get("/tasks", headers={"X-Request-Id": "client-42"}, status=401)
    assert response.headers["X-Request-Id"] == "client-42"
    assert response.json["request_id"] == "client-42"


def access_lines(caplog, request_id: str) -> list[str]:
    return [r.getMessage() for r in caplog.records
            if r.name == "taskservice.access" and request_id in r.getMessage()]


def test_access_log_line_for_a_user(testapp, alice, caplog):
    caplog.set_level(logging.INFO, logger="taskservice.access")
    testapp.get("/tasks?limit=5", headers={**alice.headers, "X-Request-Id": "log-user-1"},
                status=200)
    [line] = access_lines(caplog, "log-user-1")
    assert re.fullmatch(r"log-user-1 GET /tasks\?limit=5 200 \d+\.\dms user=alice client=\S+",
                        line), line


def test_access_log_line_for_an_anonymous_error(testapp, caplog):
    caplog.set_level(logging.INFO, logger="taskservice.access")
    testapp.get("/tasks/1", headers={"X-Request-Id": "log-anon-1"}, status=401)
    [line] = access_lines(caplog, "log-anon-1")
    assert re.fullmatch(r"log-anon-1 GET /tasks/1 401 \d+\.\dms user=- client=\S+", line), line


def test_access_log_line_for_a_refused_write(alice, readonly, caplog):
    caplog.set_level(logging.INFO, logger="taskservice.access")
    readonly.post_json("/tasks", {"title": "t"},
                       headers={**alice.headers, "X-Request-Id": "log-ro"}, status=503)
    [line] = access_lines(caplog, "log-ro")
    assert re.fullmatch(r"log-ro POST /tasks 503 \d+\.\dms user=\S+ client=\S+", line), line


# -- section 5 -------------------------------------------------------------------------------


def test_version(testapp):
    response = testapp.get("/__version__", status=200)
    assert response.json == {"name": "taskservice", "version": version("taskservice")}


def test_heartbeat_ok(testapp):
    assert testapp.get("/__heartbeat__", status=200).json == {"database": "ok"}


# Unreachable databases, and what the driver's message says about each: the log's business.
UNREACHABLE = {
    "postgresql+psycopg://nobody@127.0.0.1:1/nothing?connect_timeout=2": "127.0.0.1",
    "sqlite:////nonexistent-directory/for/sure/x.sqlite": "unable to open database file",
}


@pytest.mark.parametrize("url", sorted(UNREACHABLE))
def test_heartbeat_503_when_the_database_is_unreachable(client_for, url, caplog):
    """Anyone may ask, so the answer names no host, port, path or driver; the log does."""
    caplog.set_level(logging.WARNING, logger="taskservice")
    response = client_for(sqlalchemy__url=url).get("/__heartbeat__", status=503)
    [error] = assert_error(response, 503, ("request", "database"))
    assert error["description"].startswith("Database unreachable")
    assert_retry_after(response, 1, 60)
    for detail in (UNREACHABLE[url], "127.0.0.1", "port", "nonexistent", "psycopg", "sqlite",
                   "file", "connect"):
        assert detail not in error["description"].lower()
    logged = [r.getMessage() for r in caplog.records]
    assert any(UNREACHABLE[url] in line and response.json["request_id"] in line
               for line in logged), logged


@pytest.mark.parametrize("overrides", [
    {}, {"taskservice__readonly": "true"},
    {"sqlalchemy__url": "postgresql+psycopg://nobody@127.0.0.1:1/nothing?connect_timeout=2"},
])
def test_lbheartbeat_answers_without_credentials_or_database(client_for, overrides):
    response = client_for(**overrides).get("/__lbheartbeat__", status=200)
    assert response.json == {}
