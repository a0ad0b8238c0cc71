"""Deliveries: signed as Standard Webhooks verifies, retried with a stable id, disabled
after consecutive failures, re-enabled, rotated, pinged; nothing for a rolled-back request."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select
from standardwebhooks.webhooks import Webhook as Verifier

from taskservice.db.base import utcnow
from taskservice.webhooks.models import WebhookEvent
from tests.support.api import assert_error, create_task
from tests.support.webhooks import Receiver, deliver, make_hook, queued


def verified(secret, received):
    """The payload, as the standardwebhooks library verifies it (raises if it does not)."""
    return Verifier(secret).verify(received.body, received.headers)


def test_a_created_task_is_delivered_signed_as_standard_webhooks_verifies(
        app, alice, receiver):
    hook = make_hook(alice, receiver.url, ["task.created"])
    task = create_task(alice, title="Buy milk")
    assert deliver(app) == 1
    [received] = receiver.deliveries
    payload = verified(hook.secret, received)
    assert payload["type"] == "task.created" and payload["actor"] == "alice"
    assert payload["data"] == {"task": task}
    assert received.headers["webhook-id"] == payload["id"]
    assert received.headers["Content-Type"] == "application/json"
    assert abs(int(received.headers["webhook-timestamp"]) - utcnow().timestamp()) < 60
    with pytest.raises(Exception, match="signature"):
        Verifier("whsec_" + "A" * 44).verify(received.body, received.headers)


def test_an_update_carries_the_previous_values_and_the_secret_is_shown_once(
        app, alice, receiver):
    hook = make_hook(alice, receiver.url, ["task.updated"])
    task = create_task(alice, title="Old")
    alice.testapp.patch_json(f"/tasks/{task['id']}", {"title": "New"}, headers=alice.headers)
    deliver(app)
    [received] = receiver.deliveries
    data = verified(hook.secret, received)["data"]
    assert data["task"]["title"] == "New" and data["previous"] == {"title": "Old"}
    shown = alice.testapp.get(f"/webhooks/{hook.id}", headers=alice.headers).json
    listed = alice.testapp.get("/webhooks", headers=alice.headers).json
    assert "secret" not in shown and shown == {k: v for k, v in hook.body.items()
                                               if k != "secret"}
    assert listed == {"items": [shown], "next_cursor": None}


def test_retries_keep_the_event_id_and_the_log_shows_each_attempt(app, alice):
    with Receiver(500, 503, 204) as receiver:
        hook = make_hook(alice, receiver.url)
        create_task(alice)
        assert deliver(app) == 3
    ids = {d.headers["webhook-id"] for d in receiver.deliveries}
    assert len(receiver.deliveries) == 3 and len(ids) == 1
    for received in receiver.deliveries:
        verified(hook.secret, received)
    log = alice.testapp.get(f"/webhooks/{hook.id}/deliveries",
                            headers=alice.headers).json["items"]
    assert [(d["attempt"], d["outcome"], d["response_status"]) for d in log] == [
        (3, "succeeded", 204), (2, "failed", 503), (1, "failed", 500)]
    assert {d["event_id"] for d in log} == ids and log[1]["error"]
    assert queued(app) == 0


def test_the_retry_schedule_comes_from_the_settings_with_jitter(make_app, register,
                                                                 dbsession):
    app = make_app(taskservice__webhooks__allow_http="true",
                   taskservice__webhooks__allow_private="true",
                   taskservice__webhooks__retry_delays="100 1000")
    import webtest

    from tests.support.api import Client
    testapp = webtest.TestApp(app, extra_environ={"HTTP_HOST": "example.com"})
    alice = register("alice")
    alice = Client(testapp, alice.username, alice.token)
    with Receiver(500) as receiver:
        make_hook(alice, receiver.url)
        create_task(alice)
        for delay in (100, 1000):
            before = utcnow()
            assert deliver(app) == 1
            event = dbsession.scalars(select(WebhookEvent)).one()
            wait = (event.next_attempt_at - before).total_seconds()
            assert delay * 0.9 - 1 <= wait <= delay * 1.1 + 1
            event.next_attempt_at = utcnow() - timedelta(seconds=1)  # make it due now
            dbsession.commit()
        assert deliver(app) == 1  # the last retry, after which the delivery has failed
    assert len(receiver.deliveries) == 3 and queued(app) == 0


def test_consecutive_failed_deliveries_disable_and_active_true_re_enables(app, alice):
    with Receiver(500) as receiver:
        hook = make_hook(alice, receiver.url)
        create_task(alice)
        create_task(alice)
        deliver(app)  # disable_after = 2: two deliveries of three failed attempts each
        assert len(receiver.deliveries) == 6
        shown = alice.testapp.get(f"/webhooks/{hook.id}", headers=alice.headers).json
        assert shown["active"] is False
        assert "2 consecutive failed deliveries" in shown["disabled_reason"]
        create_task(alice)
        assert queued(app) == 0  # an inactive webhook gets nothing queued
    with Receiver() as receiver:
        enabled = alice.testapp.patch_json(f"/webhooks/{hook.id}",
                                           {"active": True, "url": receiver.url},
                                           headers=alice.headers).json
        assert enabled["active"] is True and enabled["disabled_reason"] is None
        task = create_task(alice, title="After")
        deliver(app)
    assert [d.json["data"]["task"]["id"] for d in receiver.deliveries] == [task["id"]]


def test_a_success_resets_the_failure_count(app, alice):
    with Receiver(500, 500, 500, 204, 500) as receiver:
        hook = make_hook(alice, receiver.url)
        for _ in range(3):  # failed, succeeded, failed: never two failures in a row
            create_task(alice)
            deliver(app)
    assert alice.testapp.get(f"/webhooks/{hook.id}", headers=alice.headers).json["active"]


def test_a_rotated_secret_signs_beside_the_old_one(app, alice, receiver):
    hook = make_hook(alice, receiver.url)
    new = alice.testapp.post(f"/webhooks/{hook.id}/rotate-secret",
                             headers=alice.headers).json["secret"]
    assert new.startswith("whsec_") and new != hook.secret
    create_task(alice)
    deliver(app)
    [received] = receiver.deliveries
    assert len(received.headers["webhook-signature"].split(" ")) == 2
    assert verified(new, received) == verified(hook.secret, received)


def test_the_old_secret_stops_signing_after_24_hours(app, alice, receiver, dbsession):
    from taskservice.webhooks.models import Webhook
    hook = make_hook(alice, receiver.url)
    new = alice.testapp.post(f"/webhooks/{hook.id}/rotate-secret",
                             headers=alice.headers).json["secret"]
    row = dbsession.get(Webhook, int(hook.id))
    row.previous_secret_expires_at = utcnow() - timedelta(seconds=1)
    dbsession.commit()
    create_task(alice)
    deliver(app)
    [received] = receiver.deliveries
    verified(new, received)
    with pytest.raises(Exception, match="signature"):
        verified(hook.secret, received)


def test_a_ping_is_delivered_once_and_counts_for_nothing(app, alice):
    with Receiver(500, 204) as receiver:
        hook = make_hook(alice, receiver.url, ["task.created"])
        for _ in range(3):  # more failed pings than disable_after
            response = alice.testapp.post(f"/webhooks/{hook.id}/ping", headers=alice.headers,
                                          status=202)
            deliver(app)
        event_id = response.json["event_id"]
    assert len(receiver.deliveries) == 3  # not retried
    assert receiver.deliveries[-1].headers["webhook-id"] == event_id
    assert verified(hook.secret, receiver.deliveries[-1])["type"] == "ping"
    assert alice.testapp.get(f"/webhooks/{hook.id}", headers=alice.headers).json["active"]


def test_a_rolled_back_request_queues_nothing(app, alice, receiver):
    make_hook(alice, receiver.url)
    task = create_task(alice)
    deliver(app)
    response = alice.testapp.post_json("/tasks", {"title": ""}, headers=alice.headers,
                                       status=400)
    assert_error(response, 400, ("body", "title"))
    response = alice.testapp.patch_json(
        f"/tasks/{task['id']}", {"title": "x"}, status=412,
        headers={**alice.headers, "If-Match": '"9"'})
    assert_error(response, 412)
    response = alice.testapp.delete(f"/tasks/{task['id']}", status=412,
                                    headers={**alice.headers, "If-Match": '"9"'})
    assert queued(app) == 0
    deliver(app)
    assert [d.json["type"] for d in receiver.deliveries] == ["task.created"]
