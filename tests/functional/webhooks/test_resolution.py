"""A webhook URL's host is resolved before the request takes SQLite's write turn or opens
its transaction: a slow DNS answer must not stall every other writer (issue 24)."""

from __future__ import annotations

import socket
from typing import Any

import pytest
import webtest
from pyramid.threadlocal import get_current_request

from taskservice.db.interfaces import ISQLiteWriteTurn
from taskservice.db.sqlite import HOLDS_TURN
from tests.support.api import Client, assert_error, send_json
from tests.support.webhooks import RECEIVER_SETTINGS, make_hook

PUBLIC = "93.184.216.34"


class Resolver:
    """``socket.getaddrinfo`` that records, at each call, whether the request calling it
    holds the write turn (or anyone does) or has opened its session."""

    def __init__(self, app: Any, answer: str = PUBLIC) -> None:
        self.lock = app.registry.getUtility(ISQLiteWriteTurn)
        self.answer = answer
        self.calls: list[tuple[str, bool]] = []

    def __call__(self, host: str, port: Any, *args: Any, **kwargs: Any) -> list[Any]:
        request = get_current_request()
        locked = self.lock.locked() or request is None or HOLDS_TURN in request.environ \
            or "dbsession" in vars(request)
        self.calls.append((host, locked))
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (self.answer, port or 443))]

    def under_a_lock(self) -> list[str]:
        assert self.calls, "nothing was resolved"
        return [host for host, locked in self.calls if locked]


@pytest.fixture(params=["", "1000/minute"], ids=["no-ratelimit", "ratelimit"])
def resolving(request, make_app, monkeypatch) -> tuple[webtest.TestApp, Resolver]:
    """The app (with or without the rate limit, which identifies the caller early) and the
    recording resolver in place of the system's."""
    settings = {**RECEIVER_SETTINGS, "taskservice.ratelimit": request.param}
    app = make_app(**{k.replace(".", "__"): v for k, v in settings.items()})
    resolver = Resolver(app)
    monkeypatch.setattr(socket, "getaddrinfo", resolver)
    return webtest.TestApp(app, extra_environ={"HTTP_HOST": "example.com"}), resolver


def test_creating_resolves_outside_the_write_turn(resolving, alice):
    testapp, resolver = resolving
    testapp.post_json("/webhooks", {"url": "https://a.example/", "events": ["*"]},
                      headers=alice.headers, status=201)
    assert resolver.under_a_lock() == []


def test_changing_the_url_resolves_outside_the_write_turn_and_the_row_lock(resolving, alice):
    testapp, resolver = resolving
    hook = make_hook(Client(testapp, alice.username, alice.token), "https://a.example/")
    testapp.patch_json(f"/webhooks/{hook.id}", {"url": "https://b.example/"},
                       headers=alice.headers, status=200)
    assert [host for host, _ in resolver.calls] == ["a.example", "b.example"]
    assert resolver.under_a_lock() == []


@pytest.mark.parametrize("atomic", [True, False])
def test_a_batch_resolves_its_urls_before_any_sub_request_runs(resolving, alice, atomic):
    testapp, resolver = resolving
    hook = make_hook(Client(testapp, alice.username, alice.token), "https://a.example/")
    envelope = {"atomic": atomic, "requests": [
        {"method": "POST", "path": "/webhooks", "body": {"url": "https://b.example/",
                                                         "events": ["*"]}},
        {"method": "PATCH", "path": f"/webhooks/{hook.id}",
         "body": {"url": "https://c.example/"}},
    ]}
    answer = testapp.post_json("/batch", envelope, headers=alice.headers, status=200).json
    assert [r["status"] for r in answer["responses"]] == [201, 200]
    assert sorted(host for host, _ in resolver.calls) == ["a.example", "b.example", "c.example"]
    assert resolver.under_a_lock() == []


def test_a_refusal_decided_before_the_transaction_is_the_same_400(make_app, alice,
                                                                   monkeypatch):
    app = make_app()  # production defaults: public addresses only
    resolver = Resolver(app, answer="10.0.0.7")
    monkeypatch.setattr(socket, "getaddrinfo", resolver)
    testapp = webtest.TestApp(app, extra_environ={"HTTP_HOST": "example.com"})
    response = testapp.post_json("/webhooks", {"url": "https://in.example/", "events": ["*"]},
                                 headers=alice.headers, status=400)
    assert_error(response, 400, ("body", "url"))
    assert resolver.under_a_lock() == []


def test_an_anonymous_or_unknown_caller_makes_the_service_resolve_nothing(resolving, testapp):
    app, resolver = resolving
    for headers in ({}, {"Authorization": "Bearer not-a-token"}):
        send_json(app, "POST", "/webhooks", {"url": "https://a.example/", "events": ["*"]},
                  headers, status=401)
    assert resolver.calls == []


@pytest.mark.parametrize("body", [
    b"{", b"[]", b'{"url": 7}', b'{"url": ["https://a.example/"]}', b"\xff\xfe",
    b'{"requests": "x"}', b'{"url": "https://a.example/", "events": ["*"]}' * 2,
])
def test_a_malformed_body_is_the_views_400_never_a_500(resolving, alice, body):
    app, _resolver = resolving
    for path in ("/webhooks", "/batch"):
        response = send_json(app, "POST", path, body, alice.headers)
        assert_error(response, 400)


def test_a_failed_early_lookup_leaves_the_request_to_answer_for_itself(resolving, alice,
                                                                       monkeypatch):
    """Above pyramid_tm no exception view would turn a database error into its 503."""
    from sqlalchemy.exc import OperationalError

    from taskservice.webhooks import url_checks

    def unreachable(*args):
        raise OperationalError("SELECT", {}, Exception("the database is gone"))

    monkeypatch.setattr(url_checks, "authenticate", unreachable)
    testapp, _resolver = resolving
    testapp.post_json("/webhooks", {"url": "https://a.example/", "events": ["*"]},
                      headers=alice.headers, status=201)
