"""The service as operators run it: real ``pserve`` processes, a real PostgreSQL, Redis.

Every process is started on a free port, waited for with a timeout and stopped in a
``finally`` (or fixture teardown), whatever the test's outcome.
"""

from __future__ import annotations

import random
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import redis
import webtest

from tests.support.servers import (
    PrivatePostgres,
    PserveProcess,
    migrate,
    private_cluster,
    run_pserve_to_exit,
)

REDIS_URL = "redis://127.0.0.1:6379/15"
RECOVERY_TIMEOUT = 15.0


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    """A migrated SQLite database of this test's own."""
    url = f"sqlite:///{tmp_path / 'x.sqlite'}"
    migrate(url)
    return url


# -- (a) production.ini with only environment overrides --------------------------------------


def test_production_ini_serves_with_environment_overrides(tmp_path, sqlite_url):
    env = {"DATABASE_URL": sqlite_url, "TASKSERVICE_READONLY": "true"}
    with PserveProcess(tmp_path, env) as server:
        status, headers, body = server.request("GET", "/__heartbeat__")
        assert (status, body) == (200, {"database": "ok"})
        status, headers, body = server.request(
            "POST", "/users", {"username": "operator", "password": "correct horse battery"}
        )
        assert status == 503
        assert int(headers["Retry-After"]) >= 1
        assert body["request_id"] == headers["X-Request-Id"]
        output = server.output()
    assert "/__heartbeat__ 200" in output  # the access log goes to stderr at INFO
    assert "POST /users 503" in output


def test_production_ini_starts_with_only_database_url(tmp_path, sqlite_url):
    with PserveProcess(tmp_path, {"DATABASE_URL": sqlite_url}) as server:
        status, _, body = server.request(
            "POST", "/users", {"username": "operator", "password": "correct horse battery"}
        )
        assert status == 201, body
        assert server.request("GET", "/__version__")[2]["name"] == "taskservice"


# -- (b) a bad value stops pserve with one line -----------------------------------------------


@pytest.mark.parametrize(("env", "line"), [
    ({"TASKSERVICE_TOKEN_TTL": "abc"},
     "taskservice: invalid setting taskservice.token_ttl = 'abc': "
     "must be a whole number from 1 to 315360000"),
    ({"TASKSERVICE_REGISTRATION": "maybe"},
     "taskservice: invalid setting taskservice.registration = 'maybe': "
     "must be one of open, closed"),
    ({"TASKSERVICE_PAGE_SIZE_MAX": "5"},
     "taskservice: invalid setting taskservice.page_size.max = '5': "
     "must be at least taskservice.page_size.default (20)"),
], ids=["token_ttl", "registration", "page_size.max"])
def test_bad_setting_stops_pserve_with_one_line(tmp_path, env, line):
    result = run_pserve_to_exit({"DATABASE_URL": f"sqlite:///{tmp_path / 'x.sqlite'}", **env})
    assert result.returncode != 0
    lines = result.stderr.strip().splitlines()
    assert lines[-1] == line, result.stderr
    assert "Traceback" not in result.stderr + result.stdout


# -- (c) heartbeat while the database goes away and comes back --------------------------------


@pytest.fixture
def private_postgres() -> Iterator[PrivatePostgres]:
    with private_cluster() as cluster:
        yield cluster


def heartbeat(app: webtest.TestApp) -> webtest.TestResponse:
    return app.get("/__heartbeat__", status="*")


def wait_for_heartbeat(app: webtest.TestApp, status: int) -> webtest.TestResponse:
    deadline = time.monotonic() + RECOVERY_TIMEOUT
    response = heartbeat(app)
    while response.status_int != status and time.monotonic() < deadline:
        time.sleep(0.2)
        response = heartbeat(app)
    return response


def test_heartbeat_follows_the_database_down_and_up(make_app, private_postgres):
    app = webtest.TestApp(make_app(sqlalchemy__url=private_postgres.url))
    assert heartbeat(app).json == {"database": "ok"}
    private_postgres.stop()
    down = heartbeat(app)
    assert down.status_int == 503
    assert int(down.headers["Retry-After"]) >= 1
    [error] = down.json["errors"]
    assert (error["location"], error["name"]) == ("request", "database")
    assert down.json["request_id"] == down.headers["X-Request-Id"]
    private_postgres.start()
    up = wait_for_heartbeat(app, 200)
    assert (up.status_int, up.json) == (200, {"database": "ok"})


# -- (d) one rate limit across two processes through Redis ------------------------------------


@pytest.fixture
def client_address() -> Iterator[str]:
    """A loopback address of this test's own (its Redis counters are deleted afterwards)."""
    address = f"127.{random.randint(1, 254)}.{random.randint(1, 254)}.{random.randint(2, 254)}"
    yield address
    store = redis.Redis.from_url(REDIS_URL)
    try:
        for key in store.scan_iter(match=f"*taskservice-requests/addr/{address}/*"):
            store.delete(key)
    finally:
        store.close()


def test_rate_limit_is_shared_by_two_processes_through_redis(tmp_path, sqlite_url, client_address):
    env = {"DATABASE_URL": sqlite_url, "TASKSERVICE_RATELIMIT": "5/minute",
           "TASKSERVICE_RATELIMIT_STORAGE": REDIS_URL}
    with (PserveProcess(tmp_path, env, name="a") as first,
          PserveProcess(tmp_path, env, name="b") as second):
        statuses = [server.request("GET", "/tasks", source=client_address)[0]
                    for server in (first, second) * 3]
        assert statuses == [401] * 5 + [429]
        status, headers, _ = first.request("GET", "/tasks", source=client_address)
        assert status == 429 and 1 <= int(headers["Retry-After"]) <= 60
        assert first.request("GET", "/__heartbeat__", source=client_address)[0] == 200
