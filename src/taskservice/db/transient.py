"""Which database failures a fresh attempt of the same request may not meet.

pyramid_retry retries a request whose exception is marked retryable; ``exception_views``
asks here, so a conflict between concurrent writers is retried rather than answered.
"""

from __future__ import annotations

from sqlalchemy.exc import DBAPIError, IntegrityError, OperationalError
from sqlalchemy.orm.exc import StaleDataError

# SQLSTATE class 40, "transaction rollback": PostgreSQL's serialization failure (40001)
# and deadlock (40P01) roll back one transaction so that the others can go on.
TRANSACTION_ROLLBACK_CLASS = "40"
# A row another writer committed meanwhile (unique_violation: two tasks placed at one
# position), or deleted (foreign_key_violation: a subtask's parent, a task's list): a
# fresh attempt reads what is there now, and answers it (a new position, a 400).
RACED_CONSTRAINTS = frozenset({"23505", "23503"})


def is_transient(exc: Exception) -> bool:
    """A failure that a fresh attempt of the same request may not hit.

    Recognised here rather than left to zope.sqlalchemy's own check, which only runs
    after the exception view has answered (and so logged it as a failure), and not at
    all when the session had not joined the transaction yet.
    """
    if isinstance(exc, StaleDataError):  # a concurrent writer changed the row first
        return True
    sqlstate = getattr(getattr(exc, "orig", None), "sqlstate", None) or ""
    if isinstance(exc, IntegrityError):
        return sqlstate in RACED_CONSTRAINTS
    if not isinstance(exc, OperationalError):
        return False
    return sqlstate.startswith(TRANSACTION_ROLLBACK_CLASS) or "database is locked" in str(exc.orig)


def database_unavailable(exc: Exception) -> bool:
    return isinstance(exc, DBAPIError) and (
        exc.connection_invalidated or isinstance(exc, OperationalError)
    )


def failure_reason(error: BaseException, limit: int = 200) -> str:
    """The first line of a failure's message (the driver's own when SQLAlchemy wraps it).

    For an operator-facing reason; never empty, even for an exception without a message.
    """
    text = str(getattr(error, "orig", None) or error).strip()
    return (text.splitlines() or [type(error).__name__])[0][:limit]
