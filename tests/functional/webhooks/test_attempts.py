"""An attempt's total deadline, and fairness between users (issue 24, finding 4).

A receiver that trickles its answer is cut when ``taskservice.webhooks.timeout`` has passed,
whatever each read brings; one user's slow receivers do not hold up another user's.
"""

from __future__ import annotations

import threading
from typing import Any

import pytest

from tests.support.api import create_task
from tests.support.webhooks import RECEIVER_SETTINGS, Receiver, deliver, make_hook, queued

TIMEOUT = "1"
TRICKLE = 0.1  # seconds per byte of the answer's head: ~8 s for all of it
SLOW_HOOKS = 10


@pytest.fixture
def app(make_app: Any) -> Any:
    settings = {**RECEIVER_SETTINGS, "taskservice.webhooks.timeout": TIMEOUT,
                "taskservice.webhooks.retry_delays": "60"}
    return make_app(**{k.replace(".", "__"): v for k, v in settings.items()})


def test_an_answer_trickling_past_the_timeout_is_cut_and_is_a_failed_attempt(app, alice):
    with Receiver(trickle=TRICKLE) as receiver:
        hook = make_hook(alice, receiver.url, ["task.created"])
        create_task(alice)
        assert deliver(app) == 1
        receiver.wait_idle(timeout=30)
        [received] = receiver.deliveries
        # The sender hung up while the head was still coming, byte by byte.
        assert receiver.cut == [received.headers["webhook-id"]]
    [attempt] = alice.testapp.get(f"/webhooks/{hook.id}/deliveries",
                                  headers=alice.headers).json["items"]
    assert (attempt["attempt"], attempt["outcome"], attempt["response_status"]) == (
        1, "failed", None)
    assert attempt["error"] == f"No answer within {TIMEOUT} seconds"
    assert queued(app) == 1  # to be retried after retry_delays[0]


def test_one_users_slow_receivers_do_not_hold_up_another_users_delivery(app, alice, bob):
    """Alice's ten slow webhooks are queued first; bob's delivery is attempted before they
    are all answered (they answer as soon as bob's arrives, or after half a second)."""
    journal: list[tuple[str, str, str]] = []
    bob_arrived = threading.Event()
    with Receiver(delay=0.5, gate=bob_arrived, journal=journal, name="alice") as slow, \
            Receiver(opens=bob_arrived, journal=journal, name="bob") as fast:
        for number in range(SLOW_HOOKS):
            make_hook(alice, f"{slow.url}?n={number}", ["task.created"])
        make_hook(bob, fast.url, ["task.created"])
        create_task(alice)
        create_task(bob)
        deliver(app)
    names = [(what, name) for what, name, _ in journal]
    assert names.count(("answered", "alice")) == SLOW_HOOKS
    last_alice_answer = len(names) - 1 - names[::-1].index(("answered", "alice"))
    assert names.index(("arrived", "bob")) < last_alice_answer, names
