"""An attempt's total deadline (issue 24, finding 4).

A receiver that trickles its answer is cut when ``taskservice.webhooks.timeout`` has passed,
whatever each read brings.
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.support.api import create_task
from tests.support.webhooks import RECEIVER_SETTINGS, Receiver, deliver, make_hook, queued

TIMEOUT = "1"
TRICKLE = 0.1  # seconds per byte of the answer's head: ~8 s for all of it


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

