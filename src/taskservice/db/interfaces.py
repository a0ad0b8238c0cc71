"""What the database package registers, looked up by interface rather than by a string."""

from __future__ import annotations

from zope.interface import Interface


class IDatabaseEngine(Interface):
    """The SQLAlchemy ``Engine`` of the configured database."""


class ISessionFactory(Interface):
    """The ``sessionmaker`` that ``request.dbsession`` comes from (tests swap it)."""


class ISQLiteWriteTurn(Interface):
    """The lock that this process's SQLite writers take turns on."""
