"""The database: engine, one session per request joined to the transaction, the models."""

from __future__ import annotations

import threading
from typing import Any

import zope.sqlalchemy
from pyramid_tm import default_commit_veto
from pyramid.config import Configurator
from pyramid.exceptions import ConfigurationError
from pyramid.request import Request
from pyramid.response import Response
from sqlalchemy import create_engine, event
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.orm import Session, sessionmaker

from .meta import Base
from .task import (
    PRIORITIES,
    PRIORITY_RANK,
    SHARE_PERMISSIONS,
    SHARED_UNDATED,
    UNDATED,
    Task,
    TaskShare,
    TaskTag,
)
from .token import Token
from .user import User, username_matches

__all__ = [
    "Base", "PRIORITIES", "PRIORITY_RANK", "SHARE_PERMISSIONS", "SHARED_UNDATED", "Task",
    "TaskShare", "TaskTag", "Token", "UNDATED", "User", "WRITE_METHODS",
    "commit_veto", "read_outside_transaction", "username_matches", "make_engine",
    "make_session_factory",
]

SQLITE_BUSY_TIMEOUT_MS = 5000
WRITE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
# A connection execution option: begin this SQLite transaction with BEGIN IMMEDIATE.
SQLITE_IMMEDIATE = "taskservice_sqlite_immediate"


def _configure_sqlite(engine: Engine) -> None:
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


def make_engine(database_url: str, **kwargs: Any) -> Engine:
    """An engine for ``database_url`` with the per-database set-up this service relies on."""
    engine = create_engine(database_url, **kwargs)
    if engine.dialect.name == "sqlite":
        _configure_sqlite(engine)
    return engine


def make_session_factory(bind: Engine | Connection, **options: Any) -> sessionmaker[Session]:
    """Sessions that join the current ``transaction`` when they begin: pyramid_tm commits them.

    zope.sqlalchemy's listeners are registered once, on the factory: registering them on
    every request's session cost seven ``event.listen`` calls, 11% of a GET /tasks/<id>.
    That is sound because pyramid_tm's ``request.tm`` is the thread-local
    ``transaction.manager`` (``tm.manager_hook`` is refused in ``includeme``), the manager
    zope.sqlalchemy joins by default, and a waitress thread serves one request at a time.
    """
    factory = sessionmaker(bind=bind, expire_on_commit=False, **options)
    zope.sqlalchemy.register(factory)
    return factory


def _take_sqlite_write_turn(request: Request) -> None:
    """Queue this process's SQLite writers on a lock, released when the request finishes.

    A BEGIN IMMEDIATE that finds the write lock taken waits in SQLite's busy handler,
    which sleeps 1, 2, 5 ... 100 ms between attempts, so a writer goes on sleeping long
    after the lock is free (PATCH /tasks/<id> p99 684 ms under 16 connections). A
    thread lock hands the turn over the moment the previous writer is done. Other
    processes still meet the busy timeout; after that long the request tries anyway.
    """
    lock = request.registry["sqlite_write_lock"]
    if lock.acquire(timeout=SQLITE_BUSY_TIMEOUT_MS / 1000):
        request.add_finished_callback(lambda _request: lock.release())


def _dbsession(request: Request) -> Session:
    """The request's session, joined to its transaction: commit and abort follow pyramid_tm."""
    session = request.registry["dbsession_factory"]()
    if request.method in WRITE_METHODS and session.get_bind().dialect.name == "sqlite":
        _take_sqlite_write_turn(request)
        session.connection(execution_options={SQLITE_IMMEDIATE: True})
    return session


def read_outside_transaction(request: Request) -> Session:
    """A short session of its own, for a read that must not hold the request's locks.

    On SQLite a writing request holds the database-wide write lock from its first query;
    a login reads a password hash and then spends ~0.3 s in argon2, which must not make
    every other writer wait. Use it as a context manager; it only ever rolls back. It is
    a plain ``Session`` with the factory's options, so it does not join the transaction.
    """
    return Session(**request.registry["dbsession_factory"].kw)


def commit_veto(request: Request, response: Response) -> bool:
    """Whether pyramid_tm ends the request's transaction with a rollback.

    A 4xx/5xx response writes nothing (pyramid_tm's default), and neither does a read:
    GET, HEAD and OPTIONS are rolled back, so no read can write by accident, and a read
    skips the two-phase commit (about 5% of a GET /tasks/<id>'s CPU).
    """
    return request.method not in WRITE_METHODS or default_commit_veto(request, response)


def includeme(config: Configurator) -> None:
    """Set up the engine from the validated settings and add ``request.dbsession``."""
    settings = config.registry.app_settings
    if config.registry.settings.get("tm.manager_hook"):
        raise ConfigurationError("tm.manager_hook: sessions join the thread's transaction.manager")
    config.include("pyramid_tm")
    config.include("pyramid_retry")
    engine = make_engine(settings.database_url)
    config.registry["dbsession_engine"] = engine
    config.registry["dbsession_factory"] = make_session_factory(engine)
    config.registry["sqlite_write_lock"] = threading.Lock()
    config.add_request_method(_dbsession, "dbsession", reify=True)
