"""The SQLite policy: transactions that behave as on other databases, and writers in turn.

SQLite is the embedded default; it has one writer at a time for the whole database, so
a request that writes takes that lock up front (BEGIN IMMEDIATE), and this process's
writers queue on a thread lock instead of in SQLite's sleeping busy handler.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from pyramid.request import Request
from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from .interfaces import ISQLiteWriteTurn

SQLITE_BUSY_TIMEOUT_MS = 5000
# A connection execution option: begin this SQLite transaction with BEGIN IMMEDIATE.
SQLITE_IMMEDIATE = "taskservice_sqlite_immediate"
# In a request's environ while it holds the write turn (until it finishes).
HOLDS_TURN = "taskservice.sqlite_write_turn"


def configure_sqlite(engine: Engine) -> None:
    """Make SQLite transactional the way the other databases are.

    pysqlite's own transaction handling defers BEGIN and breaks SAVEPOINTs; SQLAlchemy's
    documented recipe takes BEGIN over. A request that writes starts with BEGIN
    IMMEDIATE: it takes the write lock up front (waiting for it up to the busy timeout)
    instead of reading first and failing with "database is locked" when it tries to
    upgrade a read lock that another writer has overtaken. WAL lets readers run beside a
    writer, the busy timeout makes a second writer wait instead of failing, and foreign keys
    (with their cascades) are off in SQLite unless switched on per connection.
    """

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys = ON")
        cursor.execute(f"PRAGMA busy_timeout = {SQLITE_BUSY_TIMEOUT_MS}")
        if engine.url.database not in (None, "", ":memory:"):
            cursor.execute("PRAGMA journal_mode = WAL")
            cursor.execute("PRAGMA synchronous = NORMAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        immediate = connection.get_execution_options().get(SQLITE_IMMEDIATE)
        connection.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


def take_sqlite_write_turn(request: Request, session: Session) -> None:
    """Queue this process's SQLite writers on a lock, released when the request finishes.

    A BEGIN IMMEDIATE that finds the write lock taken waits in SQLite's busy handler,
    which sleeps ever longer between attempts, so a writer goes on sleeping long
    after the lock is free. A thread lock hands the turn over the moment the previous
    writer is done. Other processes still meet the busy timeout; after that long the
    request tries anyway.
    """
    lock = request.registry.getUtility(ISQLiteWriteTurn)
    if lock.acquire(timeout=SQLITE_BUSY_TIMEOUT_MS / 1000):
        request.environ[HOLDS_TURN] = True

        def release(request: Request) -> None:
            del request.environ[HOLDS_TURN]
            lock.release()

        request.add_finished_callback(release)
    session.connection(execution_options={SQLITE_IMMEDIATE: True})


@contextmanager
def short_write_transaction(request: Request, session: Session) -> Iterator[None]:
    """``session``'s one transaction, committed when the block ends; on SQLite it holds
    the write turn for that long only, not for the whole request.

    A request that holds the turn already (released only when it finishes) writes in it,
    which is sound only once its own transaction has ended: SQLite has one writer.
    """
    sqlite = session.get_bind().dialect.name == "sqlite"
    lock = request.registry.getUtility(ISQLiteWriteTurn)
    taken = sqlite and HOLDS_TURN not in request.environ and lock.acquire(
        timeout=SQLITE_BUSY_TIMEOUT_MS / 1000)
    try:
        with session.begin():
            if sqlite:
                session.connection(execution_options={SQLITE_IMMEDIATE: True})
            yield
    finally:
        if taken:
            lock.release()
