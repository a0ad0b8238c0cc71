"""What the database package registers or needs, looked up by interface, not by a string."""

from __future__ import annotations

from zope.interface import Interface


class IDatabaseEngine(Interface):
    """The SQLAlchemy ``Engine`` of the configured database."""


class ISessionFactory(Interface):
    """The ``sessionmaker`` that ``request.dbsession`` comes from (tests swap it)."""


class ISQLiteWriteTurn(Interface):
    """The lock that this process's SQLite writers take turns on."""


class IWritesItself(Interface):
    """Whether a request writes through its own session: ``(request) -> bool``.

    Such a request takes the SQLite write turn when its session begins. Which requests
    do is the web package's to say (a batch envelope does not: its sub-requests do), so
    it registers this and the database package, below it, never imports it.
    """
