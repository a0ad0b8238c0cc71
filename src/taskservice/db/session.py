"""One SQLAlchemy session per request, joined to the request's transaction.

pyramid_tm begins a transaction per request and commits or aborts it when the response
is ready; zope.sqlalchemy joins each session to it, so a view never commits.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager, nullcontext
from functools import partial
from typing import Any

import zope.sqlalchemy
from pyramid.registry import Registry
from pyramid.request import Request
from pyramid.response import Response
from pyramid_tm import default_commit_veto
from sqlalchemy import Executable, create_engine
from sqlalchemy.engine import Connection, CursorResult, Engine
from sqlalchemy.orm import Session, sessionmaker

from ..vocabulary import WRITE_METHODS
from .interfaces import ISessionFactory, ISQLiteWriteTurn, IWritesItself
from .sqlite import (
    SQLITE_IMMEDIATE,
    configure_sqlite,
    short_write_transaction,
    take_sqlite_write_turn,
)


def make_engine(database_url: str, **kwargs: Any) -> Engine:
    """An engine for ``database_url`` with the per-database set-up this service relies on."""
    engine = create_engine(database_url, **kwargs)
    if engine.dialect.name == "sqlite":
        configure_sqlite(engine)
    return engine


def execute_core(session: Session, statement: Executable,
                 parameters: dict[str, Any] | list[dict[str, Any]] | None = None,
                 ) -> CursorResult[Any]:
    """Run a Core statement on ``session``'s connection, in its transaction.

    ``session.execute`` takes every statement through the ORM's execution layer (its
    events, an ORM execution context, the result wrapped for entities), which a statement
    on tables and plain columns needs none of: the write path's INSERTs, UPDATEs and its
    one-value SELECTs cost noticeably less sent straight to the connection. A write sent
    this way must ``zope.sqlalchemy.mark_changed`` the session, as no ORM event tells the
    transaction it wrote.
    """
    return session.connection().execute(statement, parameters)


def make_session_factory(bind: Engine | Connection, **options: Any) -> sessionmaker[Session]:
    """Sessions that join the current ``transaction`` when they begin: pyramid_tm commits them.

    zope.sqlalchemy's listeners are registered once, on the factory, not on every
    request's session (seven ``event.listen`` calls each time). That is sound because
    pyramid_tm's ``request.tm`` is the thread-local ``transaction.manager``
    (``tm.manager_hook`` is refused in ``includeme``), the manager zope.sqlalchemy joins
    by default, and a waitress thread serves one request at a time.
    """
    factory = sessionmaker(bind=bind, expire_on_commit=False, **options)
    zope.sqlalchemy.register(factory)
    return factory


def request_dbsession(request: Request) -> Session:
    """``request.dbsession``: commit and abort follow pyramid_tm.

    A request that writes through it takes the SQLite write turn (``IWritesItself``, from
    the web package). A batch envelope only reads (its caller): holding SQLite's write
    lock while its sub-requests wait for it would deadlock them.
    """
    registry = request.registry
    session: Session = registry.getUtility(ISessionFactory)()
    writes_itself = registry.getUtility(IWritesItself)
    if writes_itself(request) and session.get_bind().dialect.name == "sqlite":
        take_sqlite_write_turn(request, session)
    return session


def read_outside_transaction(request: Request) -> Session:
    """A short session of its own, for a read that must not hold the request's locks.

    On SQLite a writing request holds the database-wide write lock from its first query;
    a login reads a password hash and then spends a while in argon2, which must not make
    every other writer wait. Use it as a context manager; it only ever rolls back. It is
    a plain ``Session`` with the factory's options, so it does not join the transaction.
    """
    factory: sessionmaker[Session] = request.registry.getUtility(ISessionFactory)
    return Session(**factory.kw)


@contextmanager
def own_transaction(request: Request) -> Iterator[Session]:
    """A short session of its own that commits when the block ends (rolls back on error).

    For a write other requests must see before this one ends, or that must outlive this
    one's rollback (an ``Idempotency-Key``'s lease). It does not join the request's
    transaction: use it before that begins or after it has ended, never while it is open
    (on SQLite the two would wait for each other's write lock).
    """
    factory: sessionmaker[Session] = request.registry.getUtility(ISessionFactory)
    with Session(**factory.kw) as session, short_write_transaction(request, session):
        yield session


def background_sessions(registry: Registry) -> Callable[[], Session]:
    """Sessions like the app's (same bind and options) that join no request: for the work
    done between requests (the delivery loop's)."""
    factory: sessionmaker[Session] = registry.getUtility(ISessionFactory)
    return partial(Session, **factory.kw)


def sqlite_write_turn(registry: Registry) -> AbstractContextManager[Any] | None:
    """The turn this process's SQLite writers take (None for another database)."""
    turn: AbstractContextManager[Any] | None = registry.queryUtility(ISQLiteWriteTurn)
    return turn


@contextmanager
def write_transaction(sessions: Callable[[], Session],
                      write_turn: AbstractContextManager[Any] | None) -> Iterator[Session]:
    """A session of ``sessions`` in one write transaction, committed when the block ends
    (rolled back on error); on SQLite in this process's ``write_turn``, from BEGIN
    IMMEDIATE, so two writers never deadlock upgrading a read lock."""
    with write_turn or nullcontext(), sessions() as session, session.begin():
        if session.get_bind().dialect.name == "sqlite":
            session.connection(execution_options={SQLITE_IMMEDIATE: True})
        yield session


def commit_veto(request: Request, response: Response) -> bool:
    """Whether pyramid_tm ends the request's transaction with a rollback.

    A 4xx/5xx response writes nothing (pyramid_tm's default), and neither does a read:
    GET, HEAD and OPTIONS are rolled back, so no read can write by accident, and a read
    skips the two-phase commit.
    """
    return request.method not in WRITE_METHODS or bool(default_commit_veto(request, response))
