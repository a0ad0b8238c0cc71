"""``taskservice.webhooks.max_per_user``: past it ``POST /webhooks`` is a 400 that creates
nothing, and two creations racing at the cap do not both pass."""

from __future__ import annotations

from typing import Any

import pytest
import webtest
from sqlalchemy import func, select

from taskservice import main
from taskservice.db.interfaces import IDatabaseEngine
from taskservice.webhooks.models import Webhook
from tests.support.api import assert_error
from tests.support.constants import PASSWORD, TEST_SETTINGS
from tests.support.database import own_database
from tests.support.load import concurrently
from tests.support.webhooks import RECEIVER_SETTINGS, make_hook

RACERS = 8


def capped(make_app: Any, cap: int) -> webtest.TestApp:
    settings = {**RECEIVER_SETTINGS, "taskservice.webhooks.max_per_user": str(cap)}
    app = make_app(**{k.replace(".", "__"): v for k, v in settings.items()})
    return webtest.TestApp(app, extra_environ={"HTTP_HOST": "example.com"})


def create(testapp: webtest.TestApp, headers: dict[str, str], url: str) -> Any:
    return testapp.post_json("/webhooks", {"url": url, "events": ["*"]}, headers=headers,
                             expect_errors=True)


def test_past_the_cap_a_creation_is_a_400_that_creates_nothing(make_app, alice, bob,
                                                                receiver, dbsession):
    testapp = capped(make_app, 2)
    first = create(testapp, alice.headers, receiver.url).json
    create(testapp, alice.headers, receiver.url)
    refused = create(testapp, alice.headers, receiver.url)
    [error] = assert_error(refused, 400, ("body", ""))
    assert error["description"] == "A user may have at most 2 webhooks; delete one first"
    assert dbsession.scalar(select(func.count()).select_from(Webhook)) == 2
    assert create(testapp, bob.headers, receiver.url).status_int == 201  # per user
    testapp.patch_json(f"/webhooks/{first['id']}", {"active": False}, headers=alice.headers)
    assert create(testapp, alice.headers, receiver.url).status_int == 400  # inactive counts
    testapp.delete(f"/webhooks/{first['id']}", headers=alice.headers, status=204)
    assert create(testapp, alice.headers, receiver.url).status_int == 201


def test_the_cap_defaults_to_20(alice, receiver):
    for _ in range(20):
        make_hook(alice, receiver.url)
    assert_error(create(alice.testapp, alice.headers, receiver.url), 400, ("body", ""))


def test_a_bad_url_past_the_cap_is_still_named(make_app, alice, receiver):
    """The body's own faults come first: the cap is a rule about the account."""
    testapp = capped(make_app, 1)
    create(testapp, alice.headers, receiver.url)
    assert_error(create(testapp, alice.headers, "ftp://x.example/"), 400, ("body", "url"))


@pytest.fixture
def own_app(database_url: str, tmp_path: Any) -> Any:
    """An app on a database of its own with real connections: its requests can race."""
    with own_database(database_url, tmp_path) as url:
        settings = {"sqlalchemy.url": url, **TEST_SETTINGS, **RECEIVER_SETTINGS,
                    "taskservice.webhooks.max_per_user": "3"}
        app = main({}, **settings)
        yield webtest.TestApp(app, extra_environ={"HTTP_HOST": "example.com"})
        app.registry.getUtility(IDatabaseEngine).dispose()


def test_creations_racing_at_the_cap_do_not_both_pass(own_app, receiver):
    own_app.post_json("/users", {"username": "racer", "password": PASSWORD}, status=201)
    token = own_app.post_json("/tokens", {"username": "racer", "password": PASSWORD},
                              status=201).json["token"]
    headers = {"Authorization": f"Bearer {token}"}
    for _ in range(2):
        create(own_app, headers, receiver.url)
    statuses = concurrently(RACERS, lambda _: create(own_app, headers, receiver.url).status_int)
    assert sorted(statuses) == [201] + [400] * (RACERS - 1)
    listed = own_app.get("/webhooks?limit=100", headers=headers).json["items"]
    assert len(listed) == 3
