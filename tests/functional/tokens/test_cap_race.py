"""Named tokens minted at the same instant never take a user past
``taskservice.tokens.max_per_user``.

The app runs on a database of its own with real connections (the suite's one rolled-back
connection would serialise the requests), and each thread talks to it through a WebTest
client of its own (a ``TestApp`` keeps per-client state; the WSGI app itself serves
threads, as under waitress). tests/system/test_token_headers.py races through pserve.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import webtest

from taskservice import main
from taskservice.db.interfaces import IDatabaseEngine
from tests.support.api import Client
from tests.support.constants import PASSWORD, TEST_SETTINGS
from tests.support.database import own_database
from tests.support.load import concurrently
from tests.support.token_api import MINE, listed, login, password_holder

CAP = 3
RACERS = 10


@pytest.fixture
def wsgi_app(database_url: str, tmp_path: Any) -> Iterator[Any]:
    with own_database(database_url, tmp_path) as url:
        app = main({}, **{"sqlalchemy.url": url, **TEST_SETTINGS,
                          "taskservice.tokens.max_per_user": str(CAP)})
        yield app
        app.registry.getUtility(IDatabaseEngine).dispose()


def client_of(wsgi_app: Any) -> webtest.TestApp:
    return webtest.TestApp(wsgi_app, extra_environ={"HTTP_HOST": "example.com"})


@pytest.fixture
def racer(wsgi_app: Any) -> Client:
    """A user holding a token that may mint any, on the racing app."""
    testapp = client_of(wsgi_app)
    testapp.post_json("/users", {"username": "racer", "password": PASSWORD}, status=201)
    return password_holder(testapp, "racer", expires_in=None)


def test_named_tokens_racing_at_the_cap_never_pass_it(wsgi_app, racer):
    def mint(index: int) -> int:
        return client_of(wsgi_app).post_json(MINE, {"name": f"racer {index}"},
                                             headers=racer.headers, status="*").status_int

    statuses = concurrently(RACERS, mint)
    assert sorted(statuses) == [201] * CAP + [400] * (RACERS - CAP)
    assert len([item for item in listed(racer) if item["name"] is not None]) == CAP


def test_logins_racing_at_the_cap_all_pass(wsgi_app, racer):
    for index in range(CAP):
        racer.testapp.post_json(MINE, {"name": f"named {index}"}, headers=racer.headers,
                                status=201)

    def log_in(_: int) -> int:
        return login(client_of(wsgi_app), "racer", status="*").status_int

    assert concurrently(RACERS, log_in) == [201] * RACERS
