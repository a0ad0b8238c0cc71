"""``Idempotency-Key`` on authenticated POSTs: kept, replayed, refused (contract section 10)."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
import webtest
from pyramid.request import Request
from sqlalchemy import func, select, update

from taskservice.accounts.models import User
from taskservice.db.base import utcnow
from taskservice.idempotency.fingerprint import fingerprint
from taskservice.idempotency.models import IdempotencyKey
from taskservice.idempotency.store import purge_expired
from taskservice.tasks import views as task_views
from taskservice.tasks.models import Task
from tests.support.api import assert_error, send_json

KEY = "Idempotency-Key"


def post(client, path, body, key, status="*", **headers):
    return send_json(client.testapp, "POST", path, body,
                     {**client.headers, KEY: key, **headers}, status=status)


def tasks(dbsession) -> int:
    return dbsession.scalar(select(func.count()).select_from(Task))


def kept_row(dbsession, key: str) -> IdempotencyKey:
    return dbsession.scalars(select(IdempotencyKey).where(IdempotencyKey.key == key)).one()


def test_the_same_request_again_is_replayed_and_changes_nothing(alice, dbsession):
    first = post(alice, "/tasks", {"title": "once", "tags": ["a"]}, "k-1", status=201)
    again = post(alice, "/tasks", '{ "tags" : ["a"],\n "title": "once" }', "k-1", status=201)
    assert "Idempotent-Replayed" not in first.headers
    assert again.headers["Idempotent-Replayed"] == "true"
    assert again.json == first.json
    assert (again.headers["Location"], again.headers["ETag"]) == (
        first.headers["Location"], first.headers["ETag"])
    assert again.headers["X-Request-Id"] != first.headers["X-Request-Id"]
    assert again.content_type == "application/json"
    assert tasks(dbsession) == 1


def test_a_kept_error_is_replayed_with_the_request_id_that_produced_it(alice, dbsession):
    first = post(alice, "/tasks", {"title": ""}, "k-err", status=400,
                 **{"X-Request-Id": "first-try"})
    again = post(alice, "/tasks", {"title": ""}, "k-err", status=400)
    assert again.json == first.json and again.json["request_id"] == "first-try"
    assert again.headers["Idempotent-Replayed"] == "true"
    assert again.headers["X-Request-Id"] != "first-try"
    assert tasks(dbsession) == 0


@pytest.mark.parametrize("path,body", [("/tasks", {"title": "other"}),
                                       ("/tasks?x=1", {"title": "once"}),
                                       ("/lists", {"name": "once"})])
def test_the_key_with_another_path_or_body_is_a_422(alice, dbsession, path, body):
    post(alice, "/tasks", {"title": "once"}, "k-2", status=201)
    response = post(alice, path, body, "k-2", status=422)
    assert_error(response, 422, ("header", KEY))
    assert tasks(dbsession) == 1


def test_keys_are_per_user(alice, bob, dbsession):
    mine = post(alice, "/tasks", {"title": "same"}, "shared-key", status=201)
    theirs = post(bob, "/tasks", {"title": "same"}, "shared-key", status=201)
    assert "Idempotent-Replayed" not in theirs.headers
    assert theirs.json["owner"] == "bob" and theirs.json["id"] != mine.json["id"]
    assert tasks(dbsession) == 2


def test_a_5xx_is_not_kept_so_the_client_may_retry(alice, dbsession, monkeypatch):
    def boom(*args, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(task_views, "task_json", boom)
    post(alice, "/tasks", {"title": "retry me"}, "k-5xx", status=500)
    assert dbsession.scalar(select(func.count()).select_from(IdempotencyKey)) == 0
    monkeypatch.undo()
    retried = post(alice, "/tasks", {"title": "retry me"}, "k-5xx", status=201)
    assert "Idempotent-Replayed" not in retried.headers and tasks(dbsession) == 1


def test_a_rate_limited_answer_is_not_kept(alice, make_app, dbsession):
    limited = webtest.TestApp(make_app(taskservice__ratelimit="1/minute"),
                              extra_environ={"HTTP_HOST": "example.com"})
    limited.get("/tasks", headers=alice.headers, status=200)
    send_json(limited, "POST", "/tasks", {"title": "x"}, {**alice.headers, KEY: "k-429"},
              status=429)
    assert dbsession.scalar(select(func.count()).select_from(IdempotencyKey)) == 0


def lease(dbsession, user_id: int, key: str, body: dict, expires_in: float) -> None:
    """A row as a request still running (or one that died) with ``body`` leaves it."""
    request = Request.blank("/tasks", method="POST", body=json.dumps(body).encode())
    dbsession.add(IdempotencyKey(user_id=user_id, key=key, fingerprint=fingerprint(request),
                                 lease="0" * 32,
                                 expires_at=utcnow() + timedelta(seconds=expires_in)))
    dbsession.commit()


def alice_id(dbsession) -> int:
    return dbsession.scalars(select(User.id).where(User.username == "alice")).one()


def test_while_the_first_runs_the_same_request_is_a_409_with_retry_after(alice, dbsession):
    lease(dbsession, alice_id(dbsession), "k-busy", {"title": "slow"}, expires_in=60)
    response = post(alice, "/tasks", {"title": "slow"}, "k-busy", status=409)
    assert_error(response, 409, ("header", KEY))
    assert response.headers["Retry-After"] == "1"
    assert_error(post(alice, "/tasks", {"title": "else"}, "k-busy", status=422), 422)
    assert tasks(dbsession) == 0


def test_a_lease_left_by_a_crashed_request_expires(alice, dbsession):
    lease(dbsession, alice_id(dbsession), "k-dead", {"title": "again"}, expires_in=-1)
    response = post(alice, "/tasks", {"title": "again"}, "k-dead", status=201)
    assert "Idempotent-Replayed" not in response.headers and tasks(dbsession) == 1
    row = kept_row(dbsession, "k-dead")
    assert (row.status, row.lease) == (201, None)


def test_an_expired_key_is_treated_as_absent_and_replaced(alice, dbsession):
    first = post(alice, "/tasks", {"title": "daily"}, "k-ttl", status=201)
    row = kept_row(dbsession, "k-ttl")
    assert row.expires_at > utcnow() + timedelta(seconds=86400 - 60)  # the default ttl
    dbsession.execute(update(IdempotencyKey).values(expires_at=utcnow() - timedelta(seconds=1)))
    dbsession.commit()
    second = post(alice, "/tasks", {"title": "daily"}, "k-ttl", status=201)
    assert "Idempotent-Replayed" not in second.headers
    assert second.json["id"] != first.json["id"] and tasks(dbsession) == 2
    assert post(alice, "/tasks", {"title": "daily"}, "k-ttl").headers["Idempotent-Replayed"]


def test_the_ttl_follows_the_setting(alice, make_app, dbsession):
    short = webtest.TestApp(make_app(taskservice__idempotency__ttl="60"),
                            extra_environ={"HTTP_HOST": "example.com"})
    send_json(short, "POST", "/tasks", {"title": "x"}, {**alice.headers, KEY: "k-60"},
              status=201)
    assert kept_row(dbsession, "k-60").expires_at <= utcnow() + timedelta(seconds=60)


def test_purging_deletes_only_expired_keys(alice, dbsession):
    post(alice, "/tasks", {"title": "old"}, "k-old", status=201)
    post(alice, "/tasks", {"title": "new"}, "k-new", status=201)
    dbsession.execute(update(IdempotencyKey).where(IdempotencyKey.key == "k-old")
                      .values(expires_at=utcnow() - timedelta(seconds=1)))
    assert purge_expired(dbsession) == 1
    assert dbsession.scalars(select(IdempotencyKey.key)).all() == ["k-new"]


def test_a_batch_with_a_key_is_replayed_whole_and_runs_nothing_again(alice, dbsession):
    envelope = {"requests": [{"method": "POST", "path": "/tasks", "body": {"title": "b"}}],
                "atomic": True}
    first = post(alice, "/batch", envelope, "k-batch", status=200)
    again = post(alice, "/batch", envelope, "k-batch", status=200)
    assert again.json == first.json and again.headers["Idempotent-Replayed"] == "true"
    assert tasks(dbsession) == 1


@pytest.mark.parametrize("key", ["", "x" * 256, "with space", "naïve"])
def test_a_malformed_key_is_a_400_and_runs_nothing(alice, dbsession, key):
    response = send_json(alice.testapp, "POST", "/tasks", {"title": "x"},
                         {**alice.headers, KEY: key.encode().decode("latin-1")}, status=400)
    assert_error(response, 400, ("header", KEY))
    assert tasks(dbsession) == 0


def test_an_anonymous_post_with_a_key_is_its_usual_answer_and_keeps_nothing(testapp, dbsession):
    response = send_json(testapp, "POST", "/tasks", {"title": "x"}, {KEY: "k-anon"},
                         status=401)
    assert_error(response, 401, ("header", "Authorization"))
    registered = send_json(testapp, "POST", "/users",
                           {"username": "newbie", "password": "p" * 8}, {KEY: "k-anon"})
    assert registered.status_int == 201
    assert dbsession.scalar(select(func.count()).select_from(IdempotencyKey)) == 0


def test_the_header_does_nothing_on_other_methods(alice, dbsession):
    task = post(alice, "/tasks", {"title": "x"}, "k-del", status=201).json
    headers = {**alice.headers, KEY: "k-del"}
    alice.testapp.delete(f"/tasks/{task['id']}", headers=headers, status=204)
    alice.testapp.delete(f"/tasks/{task['id']}", headers=headers, status=404)
