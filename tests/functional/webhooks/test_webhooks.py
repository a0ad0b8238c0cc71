"""``/webhooks``: create, read, list, change, delete; only for the owner and the admins;
bad input is a 400 that creates nothing; ``taskservice.webhooks = off`` is a 404."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from taskservice.webhooks import runner, sender
from taskservice.webhooks.models import WEBHOOKS
from tests.support.api import assert_error, create_task
from tests.support.webhooks import Receiver, deliver, make_hook, queued


def test_created_201_with_location_and_a_whsec_secret(alice, receiver):
    response = alice.testapp.post_json("/webhooks", {"url": receiver.url,
                                                     "events": ["task.created"]},
                                       headers=alice.headers, status=201)
    body = response.json
    assert response.headers["Location"] == f"http://example.com/webhooks/{body['id']}"
    assert body["secret"].startswith("whsec_") and len(body["secret"]) > 40
    assert {k: v for k, v in body.items() if k not in ("id", "secret", "created_at")} == {
        "url": receiver.url, "events": ["task.created"], "list": None, "active": True,
        "disabled_reason": None}


def test_another_users_webhook_is_a_404_and_an_admin_may_manage_it(alice, bob, admin,
                                                                    receiver):
    hook = make_hook(alice, receiver.url)
    for method in ("get", "delete"):
        response = getattr(bob.testapp, method)(f"/webhooks/{hook.id}", headers=bob.headers,
                                                status=404)
        assert_error(response, 404)
    assert_error(bob.testapp.post(f"/webhooks/{hook.id}/ping", headers=bob.headers,
                                  status=404), 404)
    assert bob.testapp.get("/webhooks", headers=bob.headers).json["items"] == []
    assert admin.testapp.get("/webhooks", headers=admin.headers).json["items"] == []
    changed = admin.testapp.patch_json(f"/webhooks/{hook.id}", {"events": ["list.created"]},
                                       headers=admin.headers).json
    assert changed["events"] == ["list.created"]
    admin.testapp.delete(f"/webhooks/{hook.id}", headers=admin.headers, status=204)
    alice.testapp.get(f"/webhooks/{hook.id}", headers=alice.headers, status=404)


def test_webhooks_page_by_limit_and_cursor(alice, receiver):
    ids = [make_hook(alice, receiver.url).id for _ in range(3)]
    first = alice.testapp.get("/webhooks?limit=2", headers=alice.headers)
    second = alice.testapp.get(f"/webhooks?limit=2&cursor={first.json['next_cursor']}",
                               headers=alice.headers).json
    assert [h["id"] for h in first.json["items"] + second["items"]] == ids
    assert 'rel="next"' in first.headers["Link"] and second["next_cursor"] is None


@pytest.mark.parametrize(("body", "name"), [
    ({"events": ["*"]}, "url"),
    ({"url": "http://127.0.0.1/", "events": ["task.exploded"]}, "events.0"),
    ({"url": "http://127.0.0.1/", "events": []}, "events"),
    ({"url": "http://127.0.0.1/", "events": ["ping", "ping"]}, "events"),
    ({"url": "http://127.0.0.1/", "events": "task.created"}, "events"),
    ({"url": "http://127.0.0.1/", "events": ["*"], "secret": "mine"}, "secret"),
    ({"url": "http://127.0.0.1/", "events": ["*"], "active": False}, "active"),
])
def test_a_bad_body_is_a_400_naming_the_field(alice, body, name):
    response = alice.testapp.post_json("/webhooks", body, headers=alice.headers, status=400)
    assert_error(response, 400, ("body", name))
    assert alice.testapp.get("/webhooks", headers=alice.headers).json["items"] == []


def stored_mask(app, hook_id: str) -> int:
    with runner.store_of(app.registry).session_factory() as session:
        return session.execute(select(WEBHOOKS.c.event_mask)
                               .where(WEBHOOKS.c.id == int(hook_id))).scalar_one()


def test_ping_may_be_subscribed_to_and_pings_come_on_request_only(app, alice, receiver):
    """Section 9 lists ping among the events: accepted, stored and shown as sent. A ping
    is queued by POST …/ping alone, so subscribing to it adds none."""
    hook = make_hook(alice, receiver.url, ["ping"])
    assert hook.body["events"] == ["ping"] and stored_mask(app, hook.id) == 1 << 10
    create_task(alice)
    assert queued(app) == 0
    alice.testapp.post(f"/webhooks/{hook.id}/ping", headers=alice.headers, status=202)
    assert deliver(app) == 1 and [d.json["type"] for d in receiver.deliveries] == ["ping"]
    changed = alice.testapp.patch_json(f"/webhooks/{hook.id}",
                                       {"events": ["task.created", "ping"]},
                                       headers=alice.headers).json
    assert changed["events"] == ["task.created", "ping"]
    assert stored_mask(app, hook.id) == 1 | 1 << 10
    create_task(alice)
    assert queued(app) == 1


def test_all_events_is_shown_as_sent_and_includes_ping(app, alice, receiver):
    hook = make_hook(alice, receiver.url, ["*"])
    assert hook.body["events"] == ["*"]
    assert stored_mask(app, hook.id) == (1 << 12) - 1  # the ten object events, ping, reminder
    alice.testapp.patch_json(f"/webhooks/{hook.id}", {"events": ["ping", "*"]},
                             headers=alice.headers, status=200)
    assert stored_mask(app, hook.id) == (1 << 12) - 1


def test_deleting_a_webhook_drops_what_was_queued_for_it(app, alice, receiver):
    hook = make_hook(alice, receiver.url)
    create_task(alice)
    alice.testapp.delete(f"/webhooks/{hook.id}", headers=alice.headers, status=204)
    assert queued(app) == 0 and deliver(app) == 0


def test_active_false_stops_deliveries_until_true(app, alice, receiver):
    hook = make_hook(alice, receiver.url)
    create_task(alice)
    off = alice.testapp.patch_json(f"/webhooks/{hook.id}", {"active": False},
                                   headers=alice.headers).json
    assert off["active"] is False and off["disabled_reason"] == "Disabled by alice"
    create_task(alice)
    assert queued(app) == 0


def test_webhooks_off_is_a_404_and_queues_nothing(make_app, alice, receiver):
    import webtest
    hook = make_hook(alice, receiver.url)
    app = make_app(taskservice__webhooks="off")
    testapp = webtest.TestApp(app, extra_environ={"HTTP_HOST": "example.com"})
    assert_error(testapp.get("/webhooks", headers=alice.headers, status=404), 404)
    assert_error(testapp.get(f"/webhooks/{hook.id}", headers=alice.headers, status=404), 404)
    testapp.post_json("/tasks", {"title": "x"}, headers=alice.headers, status=201)
    assert queued(app) == 0


# -- SSRF ------------------------------------------------------------------------------------

REFUSED_URLS = [
    "http://127.0.0.1/hook", "http://localhost:8080/hook",  # localhost resolves to 127.0.0.1
    "http://[::1]/", "http://[::ffff:127.0.0.1]/", "http://10.1.2.3/", "http://192.168.0.1/",
    "http://169.254.169.254/latest/meta-data", "http://224.0.0.1/", "http://0.0.0.0/",
    "http://100.64.0.1/", "http://240.0.0.1/",
]


@pytest.fixture
def strict(make_app):
    """An app with the production defaults: https only, public addresses only."""
    import webtest
    return webtest.TestApp(make_app(), extra_environ={"HTTP_HOST": "example.com"})


@pytest.mark.parametrize("url", REFUSED_URLS)
def test_a_non_public_address_is_refused_at_creation(strict, alice, url):
    secure = url.replace("http://", "https://")
    response = strict.post_json("/webhooks", {"url": secure, "events": ["*"]},
                                headers=alice.headers, status=400)
    [error] = assert_error(response, 400, ("body", "url"))
    assert "resolves to" in error["description"]


def test_a_refusal_does_not_tell_what_address_a_name_resolves_to(strict, alice, receiver,
                                                                 monkeypatch):
    """Else the 400 is a DNS oracle: any user learns the service's view of internal names."""
    monkeypatch.setattr(sender, "resolve", fake_resolver({
        "intranet.example": [["10.20.30.40"], ["fd00::1234"]]}))
    hook = make_hook(alice, "https://hooks.example.com/")
    refusals = [
        strict.post_json("/webhooks", {"url": "https://intranet.example/", "events": ["*"]},
                         headers=alice.headers, status=400),
        strict.patch_json(f"/webhooks/{hook.id}", {"url": "https://intranet.example/"},
                          headers=alice.headers, status=400),
    ]
    for response in refusals:
        [error] = assert_error(response, 400, ("body", "url"))
        assert error["description"] == ("The host intranet.example is or resolves to a "
                                        "non-public address")
        assert "10.20.30.40" not in response.text and "fd00" not in response.text
    assert len(alice.testapp.get("/webhooks", headers=alice.headers).json["items"]) == 1


@pytest.mark.parametrize("url", ["http://hooks.example.com/", "ftp://hooks.example.com/",
                                 "https://user:pw@hooks.example.com/", "https:///nohost",
                                 "https://hooks.example.com:99999/", "hooks.example.com"])
def test_https_only_unless_allowed_and_well_formed(strict, alice, url):
    response = strict.post_json("/webhooks", {"url": url, "events": ["*"]},
                                headers=alice.headers, status=400)
    assert_error(response, 400, ("body", "url"))


def test_a_host_that_does_not_resolve_is_accepted_then_checked_at_each_attempt(
        strict, alice, monkeypatch):
    monkeypatch.setattr(sender, "resolve", fake_resolver({}))
    created = strict.post_json("/webhooks", {"url": "https://nowhere.invalid/", "events": ["*"]},
                               headers=alice.headers, status=201)
    assert created.json["active"] is True


def fake_resolver(answers):
    import socket

    def resolve(host, port):
        if host not in answers:
            raise socket.gaierror("Name or service not known")
        return [sender.ipaddress.ip_address(a) for a in answers[host].pop(0)]
    return resolve


def test_dns_rebinding_to_loopback_is_refused_at_delivery(make_app, alice, monkeypatch):
    """The host resolved to a public address at creation, and to 127.0.0.1 at delivery."""
    import webtest
    app = make_app(taskservice__webhooks__allow_http="true",
                   taskservice__webhooks__retry_delays="")
    testapp = webtest.TestApp(app, extra_environ={"HTTP_HOST": "example.com"})
    with Receiver() as receiver:
        monkeypatch.setattr(sender, "resolve", fake_resolver(
            {"rebind.example": [["93.184.216.34"], ["127.0.0.1"]]}))
        hook = testapp.post_json("/webhooks", {"url": f"http://rebind.example:{receiver.port}/",
                                               "events": ["*"]},
                                 headers=alice.headers, status=201).json
        testapp.post_json("/tasks", {"title": "x"}, headers=alice.headers, status=201)
        assert deliver(app) == 1
    assert receiver.deliveries == []
    [attempt] = testapp.get(f"/webhooks/{hook['id']}/deliveries",
                            headers=alice.headers).json["items"]
    assert attempt["outcome"] == "failed" and attempt["response_status"] is None
    assert "non-public address" in attempt["error"] and "127.0.0.1" not in attempt["error"]


def test_a_redirect_is_a_failure_and_not_followed(app, alice):
    with Receiver(302, 204) as receiver:
        hook = make_hook(alice, receiver.url)
        create_task(alice)
        deliver(app)
    log = alice.testapp.get(f"/webhooks/{hook.id}/deliveries",
                            headers=alice.headers).json["items"]
    assert [(d["response_status"], d["outcome"]) for d in log] == [
        (204, "succeeded"), (302, "failed")]
    assert "redirect" in log[1]["error"]


def test_a_refused_connection_is_a_failed_attempt(app, alice):
    with Receiver() as receiver:
        url = receiver.url
    hook = make_hook(alice, url)  # nobody listens there any more
    create_task(alice)
    deliver(app)
    log = alice.testapp.get(f"/webhooks/{hook.id}/deliveries",
                            headers=alice.headers).json["items"]
    assert len(log) == 3 and all(d["outcome"] == "failed" and d["error"] for d in log)


@pytest.mark.parametrize("url", ["http://[::1", "https://[zz]/", "https://a\x00b.example/",
                                 "https://\ud800.example/", "https://" + "a" * 300 + ".com/",
                                 "https://hooks.example.com:0x50/"])
def test_a_malformed_url_is_a_400_or_accepted_unresolved_never_a_500(alice, url):
    response = alice.testapp.post_json("/webhooks", {"url": url, "events": ["*"]},
                                       headers=alice.headers, expect_errors=True)
    assert response.status_int in (201, 400), response.body
    if response.status_int == 400:
        assert_error(response, 400, ("body", "url"))


def test_anonymous_is_a_401_and_a_malformed_id_a_404(testapp, alice, receiver):
    from tests.support.api import assert_unauthorized
    hook = make_hook(alice, receiver.url)
    for path in ("/webhooks", f"/webhooks/{hook.id}", f"/webhooks/{hook.id}/deliveries"):
        assert_unauthorized(testapp.get(path, status=401))
    assert_unauthorized(testapp.post(f"/webhooks/{hook.id}/ping", status=401))
    for path in ("/webhooks/abc", f"/webhooks/{hook.id}/nothing", "/webhooks/99999999"):
        assert_error(alice.testapp.get(path, headers=alice.headers, status=404), 404)
