"""Alembic run by the tests themselves, on a connection they hold."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy.engine import Connection

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
