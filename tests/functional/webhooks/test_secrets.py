"""A webhook's signing secret is never at rest in clear text (issue 24, #8): the webhooks
table keeps it encrypted under a key of ``service_keys``, the idempotency store never keeps
it, and the replay of ``POST /webhooks`` or ``rotate-secret`` under the same
``Idempotency-Key`` reads the webhook's current secret again."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select, update
from standardwebhooks.webhooks import Webhook as Verifier

from taskservice.accounts.models import User
from taskservice.webhooks.models import Webhook
from tests.support.api import create_task, send_json
from tests.support.database import columns_holding
from tests.support.webhooks import deliver

KEY = "Idempotency-Key"


def post(client: Any, path: str, body: Any, key: str, status: int = 201) -> Any:
    return send_json(client.testapp, "POST", path, body, {**client.headers, KEY: key},
                     status=status)


def created(client: Any, url: str, key: str) -> Any:
    return post(client, "/webhooks", {"url": url, "events": ["*"]}, key)


def rotated(client: Any, hook_id: str, key: str) -> Any:
    return post(client, f"/webhooks/{hook_id}/rotate-secret", None, key, status=200)


def signed_by(app: Any, client: Any, receiver: Any, *secrets: str) -> None:
    """The next delivery verifies, as the standardwebhooks library checks it, with each of
    ``secrets``."""
    create_task(client)
    deliver(app)
    received = receiver.deliveries[-1]
    for secret in secrets:
        Verifier(secret).verify(received.body, received.headers)


def test_a_secret_is_stored_encrypted_and_still_signs(app, alice, receiver, connection):
    hook = created(alice, receiver.url, "k-create").json
    new = rotated(alice, hook["id"], "k-rotate").json["secret"]
    for secret in (hook["secret"], new):
        assert columns_holding(connection, secret.removeprefix("whsec_")) == []
    signed_by(app, alice, receiver, new, hook["secret"])  # the rotation's overlap


def test_a_replayed_creation_reads_the_current_secret_again(app, alice, receiver,
                                                             dbsession):
    first = created(alice, receiver.url, "k-create")
    again = created(alice, receiver.url, "k-create")
    assert again.headers["Idempotent-Replayed"] == "true"
    assert again.json == first.json and again.headers["Location"] == first.headers["Location"]
    assert dbsession.scalar(select(func.count()).select_from(Webhook)) == 1
    new = rotated(alice, first.json["id"], "k-rotate").json["secret"]
    assert created(alice, receiver.url, "k-create").json["secret"] == new
    signed_by(app, alice, receiver, new, first.json["secret"])


def test_a_replayed_rotation_rotates_once_and_reads_its_secret_again(app, alice, receiver):
    hook = created(alice, receiver.url, "k-create").json
    first = rotated(alice, hook["id"], "k-rotate")
    again = rotated(alice, hook["id"], "k-rotate")
    assert again.headers["Idempotent-Replayed"] == "true" and again.json == first.json
    # Rotated once: the secret of the creation still signs beside the new one.
    signed_by(app, alice, receiver, first.json["secret"], hook["secret"])


def test_a_replay_shows_no_secret_of_a_webhook_gone_or_no_longer_the_callers(
        alice, receiver, dbsession):
    hook = created(alice, receiver.url, "k-create").json
    rotated(alice, hook["id"], "k-rotate")
    alice.testapp.delete(f"/webhooks/{hook['id']}", headers=alice.headers, status=204)
    assert created(alice, receiver.url, "k-create").json == {**hook, "secret": None}
    assert rotated(alice, hook["id"], "k-rotate").json == {"secret": None}
    assert dbsession.scalar(select(func.count()).select_from(Webhook)) == 0


def test_a_replayed_rotation_shows_the_secret_only_to_whom_the_acl_still_lets_in(
        alice, admin, receiver, dbsession):
    hook = created(alice, receiver.url, "k-create").json
    secret = rotated(admin, hook["id"], "k-admin").json["secret"]
    assert rotated(admin, hook["id"], "k-admin").json == {"secret": secret}
    dbsession.execute(update(User).where(User.username == admin.username)
                      .values(is_admin=False))
    dbsession.commit()
    assert rotated(admin, hook["id"], "k-admin").json == {"secret": None}


def test_a_batch_keeps_null_in_place_of_each_secret(app, alice, receiver, connection):
    envelope = {"requests": [{"method": "POST", "path": "/webhooks",
                              "body": {"url": receiver.url, "events": ["*"]}}]}
    first = post(alice, "/batch", envelope, "k-batch", status=200).json
    secret = first["responses"][0]["body"]["secret"]
    assert secret.startswith("whsec_")
    assert columns_holding(connection, secret) == []
    again = post(alice, "/batch", envelope, "k-batch", status=200)
    assert again.headers["Idempotent-Replayed"] == "true"
    [replayed] = again.json["responses"]
    assert replayed["body"] == {**first["responses"][0]["body"], "secret": None}
    signed_by(app, alice, receiver, secret)


def test_a_secret_that_does_not_open_is_left_out_and_delivery_goes_on(
        app, alice, bob, receiver, dbsession, caplog):
    """Say the webhooks table was restored into another database, whose key differs."""
    broken = created(alice, receiver.url, "k-broken").json
    sound = created(bob, receiver.url, "k-sound").json
    dbsession.execute(update(Webhook).where(Webhook.id == int(broken["id"]))
                      .values(secret=Webhook.__table__.c.secret + "x"))
    dbsession.commit()
    create_task(alice)
    create_task(bob)
    deliver(app)
    by_hook = {d.json["actor"]: d for d in receiver.deliveries}
    Verifier(sound["secret"]).verify(by_hook["bob"].body, by_hook["bob"].headers)
    assert by_hook["alice"].headers["webhook-signature"] == ""
    assert "webhook secret left out of a signature" in caplog.text
