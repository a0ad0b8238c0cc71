"""How database failures are told apart and phrased for an operator."""

from __future__ import annotations

from sqlalchemy.exc import IntegrityError, OperationalError

from taskservice.db.transient import failure_reason, is_transient


def test_the_reason_is_the_first_line_of_the_drivers_message():
    error = OperationalError("SELECT 1", {}, Exception("connection refused\n  detail"))
    assert failure_reason(error) == "connection refused"


def test_a_failure_without_a_message_still_has_a_reason():
    assert failure_reason(OperationalError("SELECT 1", {}, Exception(""))) == "OperationalError"
    assert failure_reason(ValueError()) == "ValueError"


def test_a_long_reason_is_cut():
    assert len(failure_reason(ValueError("x" * 1000))) == 200


def test_a_locked_sqlite_database_is_worth_a_retry():
    assert is_transient(OperationalError("BEGIN", {}, Exception("database is locked")))
    assert not is_transient(OperationalError("BEGIN", {}, Exception("disk I/O error")))


class DriverError(Exception):
    """A driver's error carrying a SQLSTATE, as psycopg's do."""

    def __init__(self, sqlstate: str) -> None:
        super().__init__(f"SQLSTATE {sqlstate}")
        self.sqlstate = sqlstate


def test_a_row_raced_by_another_writer_is_worth_a_retry_but_no_other_constraint():
    raced = [IntegrityError("INSERT", {}, DriverError(code)) for code in ("23505", "23503")]
    assert all(is_transient(error) for error in raced)
    assert not is_transient(IntegrityError("INSERT", {}, DriverError("23514")))  # a CHECK
    assert not is_transient(IntegrityError("INSERT", {}, Exception("UNIQUE failed")))
