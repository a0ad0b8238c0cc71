"""How database failures are told apart and phrased for an operator."""

from __future__ import annotations

from sqlalchemy.exc import OperationalError

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
