"""``taskservice.metrics = prometheus``: what is counted, under which labels, behind the token.

Each test builds its own app, so its registry starts at zero and counts are exact.
"""

from __future__ import annotations

import sqlite3

import pytest
import webtest
from pyramid.interfaces import ITweens
from sqlalchemy import event
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import ORMExecuteState, Session
from zope.interface import implementedBy

from taskservice.accounts.events import LoginRefused
from taskservice.db.interfaces import IDatabaseEngine
from taskservice.metrics import record_webhook_delivery, set_webhook_queue_depth_source
from taskservice.metrics.definitions import IMetrics
from taskservice.web.endpoints import SERVICE_ENDPOINTS
from tests.support.api import assert_error, assert_unauthorized
from tests.support.constants import PASSWORD
from tests.support.metrics import label_values, parse_samples, total, value

METRICS = SERVICE_ENDPOINTS["metrics"]
REQUESTS = "taskservice_http_requests_total"
DURATION_COUNT = "taskservice_http_request_duration_seconds_count"
TOKEN = "metrics-token-42"
ON = {"taskservice__metrics": "prometheus"}


@pytest.fixture
def client_for(make_app):
    def build(**overrides: str) -> webtest.TestApp:
        return webtest.TestApp(make_app(**overrides), extra_environ={"HTTP_HOST": "example.com"})

    return build


@pytest.fixture
def metered(client_for) -> webtest.TestApp:
    return client_for(**ON)


def scrape(testapp: webtest.TestApp, **headers: str):
    response = testapp.get(METRICS, headers=headers, status=200)
    assert response.headers["Content-Type"].startswith("text/plain; version=")
    return parse_samples(response.text)


def log_in(testapp: webtest.TestApp, username: str) -> dict[str, str]:
    testapp.post_json("/users", {"username": username, "password": PASSWORD}, status=201)
    token = testapp.post_json("/tokens", {"username": username, "password": PASSWORD},
                              status=201).json["token"]
    return {"Authorization": f"Bearer {token}"}


# -- off -------------------------------------------------------------------------------------


def test_off_by_default_metrics_is_a_404_and_nothing_is_registered(app, testapp):
    assert_error(testapp.get(METRICS, status=404), 404)
    assert app.registry.queryUtility(IMetrics) is None
    tweens = [name for name, _ in app.registry.queryUtility(ITweens).implicit()]
    assert "taskservice.web.requestlog.access_log_tween_factory" in tweens
    assert not any("metrics" in name for name in tweens)


def test_feeding_functions_do_nothing_when_off(app):
    record_webhook_delivery(app.registry, "succeeded")
    set_webhook_queue_depth_source(app.registry, lambda: 1)
    assert app.registry.queryUtility(IMetrics) is None


def test_refused_logins_are_subscribed_to_only_when_on(app, make_app):
    def subscribers(registry) -> list:
        return registry.adapters.subscriptions([implementedBy(LoginRefused)], None)

    assert subscribers(app.registry) == []
    assert len(subscribers(make_app(**ON).registry)) == 1


# -- requests by route pattern ---------------------------------------------------------------


@pytest.mark.filterwarnings("ignore:Unknown REQUEST_METHOD")  # the point of the test
def test_requests_are_counted_by_route_pattern_method_and_status(metered):
    headers = log_in(metered, "metered")
    ids = [metered.post_json("/tasks", {"title": f"t{n}"}, headers=headers, status=201).json["id"]
           for n in range(3)]
    for task_id in ids:
        metered.get(f"/tasks/{task_id}", headers=headers, status=200)
    metered.get("/tasks/999999999", headers=headers, status=404)
    metered.get("/no/such/path", headers=headers, status=404)
    metered.request("/tasks", method="BREW", headers=headers, status="*")

    samples = scrape(metered)
    assert value(samples, REQUESTS, method="GET", route="/tasks/{id}", status="200") == 3
    assert value(samples, REQUESTS, method="GET", route="/tasks/{id}", status="404") == 1
    assert value(samples, REQUESTS, method="POST", route="/tasks", status="201") == 3
    assert value(samples, REQUESTS, method="POST", route="/users", status="201") == 1
    assert value(samples, REQUESTS, method="GET", route="unmatched", status="404") == 1
    assert total(samples, REQUESTS, method="other") == 1
    assert value(samples, DURATION_COUNT, method="GET", route="/tasks/{id}") == 4
    # No label holds an id, a raw path or a client's method.
    routes = label_values(samples, REQUESTS, "route")
    assert routes == {"/users", "/tokens", "/tasks", "/tasks/{id}", "unmatched"}
    assert label_values(samples, REQUESTS, "method") == {"GET", "POST", "other"}


def test_a_thousand_task_ids_make_one_series(metered):
    headers = log_in(metered, "manyids")
    for task_id in range(1, 1001):
        metered.get(f"/tasks/{task_id}", headers=headers, status=404)
    samples = scrape(metered)
    series = [key for key in samples if key[0] == REQUESTS]
    assert len(series) == 3  # /users 201, /tokens 201, /tasks/{id} 404
    assert value(samples, REQUESTS, method="GET", route="/tasks/{id}", status="404") == 1000


def test_traversed_sub_resources_are_labelled_by_their_pattern(metered):
    owner = log_in(metered, "owner1")
    log_in(metered, "friend1")
    task = metered.post_json("/tasks", {"title": "shared"}, headers=owner, status=201).json
    metered.put_json(f"/tasks/{task['id']}/shares/friend1", {"permission": "view"},
                     headers=owner, status=201)
    metered.get(f"/tasks/{task['id']}/history", headers=owner, status=200)
    samples = scrape(metered)
    assert value(samples, REQUESTS, method="PUT", route="/tasks/{id}/shares/{username}",
                 status="201") == 1
    assert value(samples, REQUESTS, method="GET", route="/tasks/{id}/history", status="200") == 1


def test_the_scrape_counts_itself_from_the_next_one(metered):
    scrape(metered)
    samples = scrape(metered)
    assert value(samples, REQUESTS, method="GET", route=METRICS, status="200") == 1


# -- the token ---------------------------------------------------------------------------------


@pytest.mark.parametrize("authorization", [None, "Bearer wrong", f"Token {TOKEN}", TOKEN,
                                           f"Bearer {TOKEN}x", "Bearer "])
def test_without_the_token_metrics_is_a_401(client_for, authorization):
    testapp = client_for(**ON, taskservice__metrics__token=TOKEN)
    headers = {"Authorization": authorization} if authorization else {}
    response = testapp.get(METRICS, headers=headers, status=401)
    assert_unauthorized(response)
    assert_error(response, 401, ("header", "Authorization"))
    assert "taskservice_http_requests_total" not in response.text


def test_with_the_token_metrics_answers(client_for):
    testapp = client_for(**ON, taskservice__metrics__token=TOKEN)
    testapp.get(METRICS, status=401)
    samples = scrape(testapp, Authorization=f"Bearer {TOKEN}")
    assert value(samples, REQUESTS, method="GET", route=METRICS, status="401") == 1


def test_a_user_token_is_not_the_metrics_token(client_for):
    testapp = client_for(**ON, taskservice__metrics__token=TOKEN)
    headers = log_in(testapp, "nosy")
    assert_unauthorized(testapp.get(METRICS, headers=headers, status=401))


# -- section 5: no credentials, never rate-limited, read-only mode ------------------------------


def test_metrics_is_never_rate_limited_and_answers_in_read_only_mode(client_for):
    testapp = client_for(**ON, taskservice__ratelimit="1/minute", taskservice__readonly="true")
    for _ in range(3):
        scrape(testapp)
    testapp.get("/tasks", status=401)
    assert testapp.get("/tasks", status=429).headers["Retry-After"]


def test_metrics_is_documented_when_on(metered):
    operation = metered.get("/__api__").json["paths"][METRICS]["get"]
    assert operation["security"] == []
    assert set(operation["responses"]) == {"200", "401", "default"}
    assert "text/plain" in operation["responses"]["200"]["content"]


# -- webhooks, logins, the database pool ------------------------------------------------------


def test_webhook_deliveries_and_queue_depth_come_from_what_webhooks_register(make_app):
    app = make_app(**ON)
    testapp = webtest.TestApp(app)
    assert value(scrape(testapp), "taskservice_webhook_queue_depth") == 0  # no source: none
    queue = [1, 2, 3, 4, 5]
    set_webhook_queue_depth_source(app.registry, lambda: len(queue))
    for outcome in ("succeeded", "succeeded", "failed"):
        record_webhook_delivery(app.registry, outcome)
    samples = scrape(testapp)
    assert value(samples, "taskservice_webhook_queue_depth") == 5
    assert value(samples, "taskservice_webhook_deliveries_total", outcome="succeeded") == 2
    assert value(samples, "taskservice_webhook_deliveries_total", outcome="failed") == 1
    queue.pop()
    assert value(scrape(testapp), "taskservice_webhook_queue_depth") == 4


def test_a_failing_queue_depth_source_leaves_the_metric_out_not_the_scrape(make_app):
    app = make_app(**ON)

    def broken() -> int:
        raise ConnectionError("database down")

    set_webhook_queue_depth_source(app.registry, broken)
    samples = scrape(webtest.TestApp(app))
    assert value(samples, "taskservice_webhook_queue_depth") is None
    assert value(samples, REQUESTS, method="GET", route="/__metrics__", status="200") is None


def test_logins_refused_by_the_throttle_are_counted(client_for):
    testapp = client_for(**ON, taskservice__login_ratelimit="2/minute")
    testapp.post_json("/users", {"username": "guessed", "password": PASSWORD}, status=201)
    wrong = {"username": "guessed", "password": "not the password"}
    for status in (401, 401, 429, 429):
        testapp.post_json("/tokens", wrong, status=status)
    samples = scrape(testapp)
    assert value(samples, "taskservice_login_refusals_total") == 2
    assert value(samples, REQUESTS, method="POST", route="/tokens", status="429") == 2


def test_password_changes_refused_by_the_throttle_are_counted(client_for, alice):
    testapp = client_for(**ON, taskservice__login_ratelimit="1/minute")
    wrong = {"current_password": "not the password", "password": "a brand new passphrase"}
    for status in (400, 429):
        testapp.patch_json("/users/me", wrong, headers=alice.headers, status=status)
    assert value(scrape(testapp), "taskservice_login_refusals_total") == 1


def test_database_connections_follow_the_pool(make_app):
    app = make_app(**ON)
    testapp = webtest.TestApp(app)
    engine = app.registry.getUtility(IDatabaseEngine)
    with engine.connect(), engine.connect():
        samples = scrape(testapp)
        assert value(samples, "taskservice_db_connections_in_use") == 2
        assert value(samples, "taskservice_db_connections_open") == 2
    samples = scrape(testapp)
    assert value(samples, "taskservice_db_connections_in_use") == 0
    assert value(samples, "taskservice_db_connections_open") == 2  # kept by the pool
    engine.dispose()
    assert value(scrape(testapp), "taskservice_db_connections_open") == 0


def test_one_task_request_reads_like_any_other_when_metrics_are_on(metered):
    """The tween changes no response: body, ETag and request id are as without it."""
    headers = log_in(metered, "plain")
    task = metered.post_json("/tasks", {"title": "same"}, headers=headers, status=201).json
    response = metered.get(f"/tasks/{task['id']}", headers=headers, status=200)
    assert response.json == task and response.headers["ETag"] == '"1"'
    assert response.headers["X-Request-Id"]


def test_metrics_answer_without_credentials_when_the_database_is_down(client_for):
    down = "postgresql+psycopg://nobody@127.0.0.1:1/nothing?connect_timeout=2"
    testapp = client_for(**ON, sqlalchemy__url=down)
    testapp.get("/__heartbeat__", status=503)
    samples = scrape(testapp)
    assert value(samples, REQUESTS, method="GET", route="/__heartbeat__", status="503") == 1


@pytest.mark.parametrize(("failures", "status", "counted"), [(2, "201", 1), (10, "503", 1)])
def test_a_retried_request_counts_once_with_its_last_attempts_status(
    metered, failures, status, counted
):
    """pyramid_retry runs an attempt that hit a transient conflict again: one request."""
    headers = log_in(metered, "retried")
    raised = []

    def locked(state: ORMExecuteState) -> None:
        if state.is_insert and state.statement.table.name == "tasks" and len(raised) < failures:
            raised.append(1)
            raise DBAPIError.instance("INSERT INTO tasks", {},
                                      sqlite3.OperationalError("database is locked"),
                                      sqlite3.Error)

    event.listen(Session, "do_orm_execute", locked)
    try:
        response = metered.post_json("/tasks", {"title": "x"}, headers=headers, status="*")
    finally:
        event.remove(Session, "do_orm_execute", locked)
    assert str(response.status_int) == status and len(raised) == min(failures, 3)
    samples = scrape(metered)
    assert total(samples, REQUESTS, method="POST", route="/tasks") == counted
    assert value(samples, REQUESTS, method="POST", route="/tasks", status=status) == counted
    assert value(samples, DURATION_COUNT, method="POST", route="/tasks") == counted
