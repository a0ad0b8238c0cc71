"""Shared fixtures: one migrated database per run, one rolled-back transaction per test.

The suite runs on SQLite by default and on PostgreSQL when
``TASKSERVICE_TEST_DATABASE_URL`` is set. The schema is built by the Alembic migrations,
exactly as in production. Each test gets a connection inside an outer transaction; every
request's session joins it through a SAVEPOINT, so a request that fails rolls back its
own work (as in production) and the whole test is rolled back at the end.
"""

from __future__ import annotations

import itertools
import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import webtest
from alembic import command
from sqlalchemy import create_engine, text, update
from sqlalchemy.engine import Connection, Engine, make_url
from sqlalchemy.orm import Session

from taskservice import main
from taskservice.accounts.models import User
from taskservice.db.interfaces import ISessionFactory
from taskservice.db.session import make_engine, make_session_factory
from tests.support.api import Client
from tests.support.constants import PASSWORD, TEST_SETTINGS
from tests.support.database import alembic_config


@pytest.fixture(scope="session")
def database_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    url = os.environ.get("TASKSERVICE_TEST_DATABASE_URL")
    if url:
        return url
    return f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.sqlite'}"


@pytest.fixture(scope="session")
def engine(database_url: str) -> Iterator[Engine]:
    """The test database, emptied and migrated to head once per run."""
    engine = make_engine(database_url)
    with engine.begin() as connection:
        command.downgrade(alembic_config(connection), "base")
        command.upgrade(alembic_config(connection), "head")
    yield engine
    engine.dispose()


@pytest.fixture
def empty_database(database_url: str, tmp_path: Path) -> Iterator[Engine]:
    """A database of its own (a file, or a PostgreSQL schema) to migrate step by step."""
    if database_url.startswith("sqlite"):
        yield create_engine(f"sqlite:///{tmp_path / 'migrate.sqlite'}")
        return
    schema = f"migrate_{tmp_path.name.lower().replace('-', '_')[-40:]}"
    admin = create_engine(database_url)
    with admin.begin() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    url = make_url(database_url).update_query_dict({"options": f"-csearch_path={schema}"})
    engine = create_engine(url)
    yield engine
    engine.dispose()
    with admin.begin() as connection:
        connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
    admin.dispose()


@pytest.fixture
def connection(engine: Engine) -> Iterator[Connection]:
    """A connection in an outer transaction that is rolled back after the test."""
    with engine.connect() as connection:
        outer = connection.begin()
        yield connection
        outer.rollback()


@pytest.fixture
def make_app(database_url: str, connection: Connection) -> Callable[..., Any]:
    """Build an app with extra settings, its sessions joined to the test's transaction."""

    def build(**overrides: str) -> Any:
        settings = {"sqlalchemy.url": database_url, **TEST_SETTINGS}
        settings.update({k.replace("__", "."): v for k, v in overrides.items()})
        app = main({}, **settings)
        factory = make_session_factory(connection, join_transaction_mode="create_savepoint")
        app.registry.registerUtility(factory, ISessionFactory)
        return app

    return build


@pytest.fixture
def app(make_app: Callable[..., Any]) -> Any:
    return make_app()


@pytest.fixture
def testapp(app: Any) -> webtest.TestApp:
    return webtest.TestApp(app, extra_environ={"HTTP_HOST": "example.com"})


@pytest.fixture
def dbsession(connection: Connection) -> Iterator[Session]:
    """A session on the test's transaction, for arranging and checking database state."""
    session = Session(bind=connection, join_transaction_mode="create_savepoint")
    yield session
    session.close()


_names = itertools.count(1)


@pytest.fixture
def register(testapp: webtest.TestApp, dbsession: Session) -> Callable[..., Client]:
    """Register a user through the API (optionally an admin) and log them in."""

    def register(username: str | None = None, admin: bool = False) -> Client:
        username = username or f"user{next(_names)}"
        testapp.post_json("/users", {"username": username, "password": PASSWORD}, status=201)
        if admin:
            dbsession.execute(update(User).where(User.username == username).values(is_admin=True))
            dbsession.commit()
        token = testapp.post_json(
            "/tokens", {"username": username, "password": PASSWORD}, status=201
        ).json["token"]
        return Client(testapp, username, token)

    return register


@pytest.fixture
def alice(register: Callable[..., Client]) -> Client:
    return register("alice")


@pytest.fixture
def bob(register: Callable[..., Client]) -> Client:
    return register("bob")


@pytest.fixture
def admin(register: Callable[..., Client]) -> Client:
    return register("root_admin", admin=True)
