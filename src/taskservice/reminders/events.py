"""What the reminders package tells when reminders fire (``taskservice.events``' way).

The firing (firing.py) does not know who is told: the webhooks package queues a
``task.reminder`` event for each fired reminder, the metrics package counts them, and a
plugin may subscribe as well -- each in the firing's own transaction (``session``), so
what they write commits with the claim or not at all.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from ..events import Body

# Firing later than this after its moment is late (the contract promises 5 seconds while a
# process is up); more than DROPPED_AFTER late, a reminder is not fired at all.
LATE_AFTER = timedelta(seconds=5)
DROPPED_AFTER = timedelta(hours=24)


@dataclass(frozen=True, slots=True)
class FiredReminder:
    """One reminder of one task (its body now) that came at ``scheduled_for``, for the
    occurrence (its due, as history shows one) when it is relative; queued ``lag`` after."""

    task: Body
    reminder: Body
    scheduled_for: datetime
    occurrence: Body | None
    owner_id: int
    list_id: int | None
    lag: timedelta

    @property
    def task_id(self) -> int:
        return int(self.task["id"])


@dataclass(frozen=True, slots=True)
class RemindersFired:
    """Reminders fired in the transaction of ``session``, and how many were ``dropped``
    (more than ``DROPPED_AFTER`` late)."""

    session: Session
    fired: tuple[FiredReminder, ...]
    dropped: int
