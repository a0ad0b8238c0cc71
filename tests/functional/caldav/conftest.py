"""Fixtures of the CalDAV tests (contract section 16): each user as a calendar app holds
them (an app password in HTTP Basic), and the app with other settings."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
import webtest

from tests.support.api import Client
from tests.support.caldav import app_password


@pytest.fixture
def dav_alice(alice: Client) -> Client:
    return app_password(alice)


@pytest.fixture
def dav_bob(bob: Client) -> Client:
    return app_password(bob)


@pytest.fixture
def dav_admin(admin: Client) -> Client:
    return app_password(admin)


@pytest.fixture
def app_with(make_app: Callable[..., Any]) -> Callable[..., webtest.TestApp]:
    """The app on the test's database with ``taskservice.<key>`` settings changed."""

    def build(**settings: str) -> webtest.TestApp:
        overrides = {f"taskservice__{key}": value for key, value in settings.items()}
        return webtest.TestApp(make_app(**overrides), extra_environ={"HTTP_HOST": "example.com"})

    return build
