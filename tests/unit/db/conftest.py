"""A database of the test's own, apart from the suite's shared one, to migrate freely."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine
from sqlalchemy.engine import Engine

from tests.support.database import postgresql_schema


@pytest.fixture
def empty_database(database_url: str, tmp_path: Path) -> Iterator[Engine]:
    """A database of its own (a file, or a PostgreSQL schema) to migrate step by step."""
    if database_url.startswith("sqlite"):
        engine = create_engine(f"sqlite:///{tmp_path / 'migrate.sqlite'}")
        yield engine
        engine.dispose()
        return
    with postgresql_schema(database_url, "migrate") as url:
        engine = create_engine(url)
        yield engine
        engine.dispose()
