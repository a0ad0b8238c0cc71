"""Reminders (contract section 14) from a client's side: a task's ``reminders``, the
``GET /reminders`` listing, and firing rounds run by the test at a moment it chooses.

Firing is driven like delivery (tests/support/webhooks.py): ``fire(app, "<time>")`` runs one
round of ``taskservice.reminders.firing.fire_due`` as if the clock read that time, and
``reminder_events`` delivers the outbox to a Receiver and returns the ``task.reminder``
events it got. Reminders set in the far future and fired with a chosen ``now`` make every
test deterministic without sleeping.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import webtest

from taskservice.reminders.firing import fire_due
from tests.support.api import Client
from tests.support.listing import walk
from tests.support.webhooks import Receiver, deliver

# The contract's bound on an offset, in seconds (366 days).
MAX_OFFSET = 31_622_400
# At most this many reminders on a task.
MAX_REMINDERS = 10


def fire(app: Any, now: str) -> int:
    """One firing round as if the clock read ``now``: how many reminders fired."""
    return fire_due(app.registry, now=datetime.fromisoformat(now))


def reminder_events(app: Any, receiver: Receiver) -> list[dict]:
    """Deliver the outbox, then every ``task.reminder`` event ``receiver`` got so far."""
    deliver(app)
    return [d.json for d in receiver.deliveries if d.json["type"] == "task.reminder"]


def upcoming(client: Client, params: Any = (), status: int = 200) -> webtest.TestResponse:
    """One ``GET /reminders`` as ``client``, expecting ``status``."""
    return client.testapp.get("/reminders", params, headers=client.headers, status=status)


def all_upcoming(client: Client, limit: int = 100, **params: str) -> list[dict]:
    """Every item of ``GET /reminders`` with ``params``, page after page."""
    return walk(client.testapp, client, params, limit, path="/reminders")


def listed_tasks(client: Client, **params: str) -> set[str]:
    """The ids of the tasks whose reminders ``client`` is shown in the window ``params``."""
    return {item["task"] for item in all_upcoming(client, **params)}
