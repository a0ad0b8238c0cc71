"""Fixtures every layer shares: one migrated database per run, one rolled-back
transaction per test, and an app built on it.

The suite runs on SQLite by default and on PostgreSQL when
``TASKSERVICE_TEST_DATABASE_URL`` is set. The schema is built by the Alembic migrations,
exactly as in production. Each test gets a connection inside an outer transaction; every
request's session joins it through a SAVEPOINT, so a request that fails rolls back its
own work (as in production) and the whole test is rolled back at the end.

Fixtures only one folder uses live in that folder's conftest.py: the WebTest app and its
users in tests/functional/, a database of its own to migrate in tests/unit/db/.

Every test is marked with its layer, the folder it lives in (see setup.cfg), so that
``pytest -m "not system"`` runs everything that starts no process.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from alembic import command
from sqlalchemy.engine import Connection, Engine

from taskservice import PACKAGES, build_config, main
from taskservice.db.interfaces import ISessionFactory
from taskservice.db.session import make_engine, make_session_factory
from tests.support.constants import TEST_SETTINGS
from tests.support.database import alembic_config

TESTS = Path(__file__).resolve().parent
LAYERS = ("unit", "functional", "system")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Mark each test with its layer, taken from its folder, so ``-m`` selects layers.

    A test module outside the three layer folders is an error rather than a test no
    layer selects: ``-m "not system"`` must never run something that starts servers
    only because nobody marked it.
    """
    misplaced = set()
    for item in items:
        path = item.path.resolve()
        if not path.is_relative_to(TESTS):  # a test from elsewhere, named on the command line
            continue
        parts = path.relative_to(TESTS).parts
        if len(parts) > 1 and parts[0] in LAYERS:
            item.add_marker(getattr(pytest.mark, parts[0]))
        else:
            misplaced.add(str(path.relative_to(TESTS.parent)))
    if misplaced:
        folders = ", ".join(f"tests/{layer}/" for layer in LAYERS)
        raise pytest.UsageError(
            f"test modules outside {folders}: {', '.join(sorted(misplaced))}; "
            "move each into the layer it belongs to"
        )


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
def connection(engine: Engine) -> Iterator[Connection]:
    """A connection in an outer transaction that is rolled back after the test."""
    with engine.connect() as connection:
        outer = connection.begin()
        yield connection
        outer.rollback()


@pytest.fixture
def make_app(database_url: str, connection: Connection) -> Callable[..., Any]:
    """Build an app with extra settings, its sessions joined to the test's transaction.

    ``packages`` other than the app factory's own (a test leaving the optional ones out)
    build it from them instead.
    """

    def build(packages: tuple[str, ...] = PACKAGES, **overrides: str) -> Any:
        settings = {"sqlalchemy.url": database_url, **TEST_SETTINGS}
        settings.update({k.replace("__", "."): v for k, v in overrides.items()})
        app = (main({}, **settings) if packages == PACKAGES
               else build_config({}, settings, packages).make_wsgi_app())
        factory = make_session_factory(connection, join_transaction_mode="create_savepoint")
        app.registry.registerUtility(factory, ISessionFactory)
        return app

    return build
