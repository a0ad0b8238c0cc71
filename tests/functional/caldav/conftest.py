"""Fixtures of the CalDAV tests (contract section 16): each user as a calendar app holds
them (an app password in HTTP Basic), the app with other settings; and, for the SQL tests
of collections, the caller as the service sees them, the sync key, and a client's object
stored as a CalDAV ``PUT`` would leave it."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

import pytest
import webtest
from sqlalchemy import select
from sqlalchemy.orm import Session

from taskservice.accounts.models import User
from taskservice.accounts.security import Identity
from taskservice.caldav.collections import Collection, collection_rows
from taskservice.caldav.models import CalendarObject
from taskservice.db.service_keys import SYNC_TOKENS, read_service_key
from tests.support.api import Client
from tests.support.caldav import app_password

INBOX = Collection(None)


@pytest.fixture
def key(dbsession: Session) -> bytes:
    return read_service_key(dbsession, SYNC_TOKENS)


@pytest.fixture
def who(dbsession: Session) -> Callable[..., Identity]:
    """The identity of ``client``'s user, optionally of a token limited to ``lists``."""

    def identity(client: Client, lists: Iterable[str] | None = None) -> Identity:
        user = dbsession.execute(select(User).where(User.username == client.username)).scalar_one()
        return Identity(token_id=0, user_id=user.id, username=user.username,
                        is_admin=user.is_admin,
                        lists=None if lists is None else frozenset(int(i) for i in lists))

    return identity


def in_list(list_id: str) -> Collection:
    return Collection(int(list_id))


def ids(rows: Iterable[Any]) -> list[str]:
    return [str(row.id) for row in rows]


def held(dbsession: Session, viewer: Identity, collection: Collection) -> list[str]:
    """The ids of the tasks ``collection`` holds for ``viewer``, as it streams them."""
    return ids(collection_rows(dbsession, viewer, collection, page_size=2))


def store_object(dbsession: Session, task: dict, name: str, uid: str) -> None:
    """The object a client sent for ``task``, as a CalDAV ``PUT`` stores it."""
    owner = dbsession.execute(select(User.id).where(User.username == task["owner"])).scalar_one()
    dbsession.add(CalendarObject(task_id=int(task["id"]), owner_id=owner, uid=uid, name=name,
                                 ical="BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n",
                                 ical_version=task["version"]))
    dbsession.flush()


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
