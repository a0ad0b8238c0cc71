"""Alembic run by the tests themselves, databases of a test's own, and a search of every
column of every table."""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import create_engine, inspect, text
from sqlalchemy.engine import Connection, make_url

from taskservice.db.session import make_engine
from tests.support.constants import ROOT


def alembic_config(connection: Connection | None = None) -> Config:
    """The repository's migrations, run on ``connection`` (alembic/env.py uses it as is).

    Handing the connection over lets a test migrate inside its own transaction or schema
    instead of whatever database an ini names.
    """
    config = Config()
    config.set_main_option("script_location", str(ROOT / "alembic"))
    config.attributes["connection"] = connection
    return config


def migrated_database(path: Path) -> str:
    """The URL of a fresh SQLite file at ``path``, migrated to head as ``make migrate`` does."""
    url = f"sqlite:///{path}"
    engine = make_engine(url)
    with engine.begin() as connection:
        command.upgrade(alembic_config(connection), "head")
    engine.dispose()
    return url


@contextmanager
def postgresql_schema(database_url: str, prefix: str) -> Iterator[str]:
    """The URL of a new, empty schema on ``database_url``'s PostgreSQL server, for a test
    that needs real connections beside the suite's one; dropped afterwards."""
    schema = f"{prefix}_{secrets.token_hex(6)}"
    admin = create_engine(database_url)
    with admin.begin() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    url = make_url(database_url).update_query_dict({"options": f"-csearch_path={schema}"})
    try:
        yield url.render_as_string(hide_password=False)
    finally:
        with admin.begin() as connection:
            connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


@contextmanager
def own_database(database_url: str, tmp_path: Path) -> Iterator[str]:
    """The URL of a database of the test's own, migrated to head, beside the suite's one.

    For an app built on real connections (a race between threads, which the suite's one
    rolled-back connection would serialise): a SQLite file in ``tmp_path``, or on a
    PostgreSQL run a schema of its own on that server, dropped afterwards.
    """
    if database_url.startswith("sqlite"):
        yield migrated_database(tmp_path / "own.sqlite")
        return
    with postgresql_schema(database_url, "own") as url:
        engine = make_engine(url)
        try:
            with engine.begin() as connection:
                command.upgrade(alembic_config(connection), "head")
            yield url
        finally:
            engine.dispose()


def columns_holding(connection: Connection, needle: str) -> list[str]:
    """``table.column`` of every value in the database that contains ``needle``: every
    column of every table, whatever its type (text, bytes, JSON), read on ``connection``
    (so a test's own uncommitted rows are searched too)."""
    found = []
    for table in inspect(connection).get_table_names():
        result = connection.execute(text(f'SELECT * FROM "{table}"'))
        names = list(result.keys())
        for row in result:
            found += [f"{table}.{name}" for name, value in zip(names, row, strict=True)
                      if needle in _as_text(value)]
    return sorted(set(found))


def _as_text(value: object) -> str:
    if isinstance(value, (bytes, memoryview)):
        return bytes(value).decode("latin-1")  # every byte stands for itself
    return value if isinstance(value, str) else repr(value)
