"""``X-Forwarded-For`` is believed only from ``taskservice.trusted_proxies`` (issue 24, #7).

Before, any client could send a new forwarded address with each request (gunicorn passes
the header on, and WebOb's ``client_addr`` believed it) and so escape the per-address
rate limit and the failed-login throttle.
"""

from __future__ import annotations

import itertools
import logging

import pytest
import webtest

from tests.support.constants import PASSWORD

PEER = "198.51.100.4"  # a client connecting directly
PROXY = "192.0.2.1"  # the reverse proxy the trusting app is told about
_forged = (f"203.0.113.{n}" for n in itertools.count(1))


def forwarded(peer: str, forwarded_for: str | None = None) -> dict:
    environ = {"REMOTE_ADDR": peer}
    if forwarded_for is not None:
        environ["HTTP_X_FORWARDED_FOR"] = forwarded_for
    return {"extra_environ": environ}


@pytest.fixture
def limited(make_app):
    """Two requests a minute per client, no proxy trusted (the default)."""
    return webtest.TestApp(make_app(taskservice__ratelimit="2/minute"))


@pytest.fixture
def behind_proxy(make_app):
    """Two requests a minute per client, behind the proxy ``PROXY`` (and 10.0.0.0/8)."""
    return webtest.TestApp(make_app(taskservice__ratelimit="2/minute",
                                    taskservice__trusted_proxies=f"{PROXY} 10.0.0.0/8"))


def test_an_untrusted_peer_is_limited_by_its_own_address_whatever_it_forwards(limited):
    for _ in range(2):
        limited.get("/tasks", status=401, **forwarded(PEER, next(_forged)))
    limited.get("/tasks", status=429, **forwarded(PEER, next(_forged)))
    limited.get("/tasks", status=429, **forwarded(PEER))


def test_an_untrusted_peer_that_claims_to_be_a_proxy_gains_nothing(behind_proxy):
    for _ in range(2):
        behind_proxy.get("/tasks", status=401, **forwarded(PEER, f"{next(_forged)}, {PROXY}"))
    behind_proxy.get("/tasks", status=429, **forwarded(PEER, next(_forged)))


def test_behind_a_trusted_proxy_each_forwarded_client_has_its_own_budget(behind_proxy):
    first, second = next(_forged), next(_forged)
    for _ in range(2):
        behind_proxy.get("/tasks", status=401, **forwarded(PROXY, first))
    behind_proxy.get("/tasks", status=429, **forwarded(PROXY, first))
    behind_proxy.get("/tasks", status=401, **forwarded(PROXY, second))
    # Through two proxies: the client is the right-most address that is no proxy.
    behind_proxy.get("/tasks", status=429, **forwarded(PROXY, f"{second}, {first}, 10.0.0.9"))
    # The proxy's own requests (no header) are the proxy's.
    behind_proxy.get("/tasks", status=401, **forwarded(PROXY))


def test_the_login_throttle_is_not_escaped_by_forged_addresses(make_app, alice):
    throttled = webtest.TestApp(make_app(taskservice__login_ratelimit="2/minute"))
    wrong = {"username": "alice", "password": "wrong password"}
    for _ in range(2):
        throttled.post_json("/tokens", wrong, status=401, **forwarded(PEER, next(_forged)))
    throttled.post_json("/tokens", wrong, status=429, **forwarded(PEER, next(_forged)))


def test_batch_sub_requests_count_against_the_forwarded_client(make_app, alice):
    """A sub-request is the batch's client: a login in it counts against the forwarded
    address, not against the proxy's."""
    app = webtest.TestApp(make_app(taskservice__login_ratelimit="2/minute",
                                   taskservice__trusted_proxies=PROXY))
    client = next(_forged)
    login = {"method": "POST", "path": "/tokens",
             "body": {"username": "alice", "password": "wrong password"}}
    batch = app.post_json("/batch", {"requests": [login] * 3}, headers=alice.headers,
                          **forwarded(PROXY, client)).json
    assert [item["status"] for item in batch["responses"]] == [401, 401, 429]
    right = {"username": "alice", "password": PASSWORD}
    app.post_json("/tokens", right, status=429, **forwarded(PROXY, client))
    app.post_json("/tokens", right, status=201, **forwarded(PROXY, next(_forged)))


def test_the_access_log_names_the_client(make_app, caplog):
    caplog.set_level(logging.INFO, logger="taskservice.access")
    app = webtest.TestApp(make_app(taskservice__trusted_proxies=PROXY))
    client = next(_forged)
    app.get("/tasks", status=401, headers={"X-Request-Id": "addr-1"}, **forwarded(PROXY, client))
    app.get("/tasks", status=401, headers={"X-Request-Id": "addr-2"}, **forwarded(PEER, client))
    lines = {r.getMessage().split()[0]: r for r in caplog.records
             if r.name == "taskservice.access"}
    assert lines["addr-1"].getMessage().endswith(f" client={client}")
    assert lines["addr-1"].client == client
    assert lines["addr-2"].getMessage().endswith(f" client={PEER}")
