"""The webhook metrics of section 11, fed by the deliverer: the queue's depth at each
scrape, and each attempt's outcome."""

from __future__ import annotations

import webtest

from tests.support.api import create_task
from tests.support.metrics import parse_samples, value
from tests.support.webhooks import RECEIVER_SETTINGS, Receiver, deliver, make_hook


def scrape(testapp: webtest.TestApp):
    return parse_samples(testapp.get("/__metrics__", status=200).text)


def test_the_queue_depth_and_each_outcome_are_in_the_metrics(make_app, alice):
    settings = {**RECEIVER_SETTINGS, "taskservice.metrics": "prometheus",
                "taskservice.webhooks.retry_delays": "0"}
    app = make_app(**{k.replace(".", "__"): v for k, v in settings.items()})
    testapp = webtest.TestApp(app, extra_environ={"HTTP_HOST": "example.com"})
    alice.testapp = testapp
    with Receiver(500, 204, 204) as receiver:
        make_hook(alice, receiver.url, ["task.created"])
        create_task(alice)
        create_task(alice)
        before = scrape(testapp)
        assert value(before, "taskservice_webhook_queue_depth") == 2
        assert value(before, "taskservice_webhook_deliveries_total", outcome="failed") is None
        assert deliver(app) == 3  # one failure, retried, and the other event
    after = scrape(testapp)
    assert value(after, "taskservice_webhook_queue_depth") == 0
    assert value(after, "taskservice_webhook_deliveries_total", outcome="failed") == 1
    assert value(after, "taskservice_webhook_deliveries_total", outcome="succeeded") == 2
