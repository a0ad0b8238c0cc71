"""The reminder metrics of issue 28 (with ``taskservice.metrics = prometheus``): reminders
fired, fired late (more than 5 s after their moment), dropped (more than 24 h late), and the
lag from a reminder's moment to its queueing, as a firing round "at" a chosen moment counts
them."""

from __future__ import annotations

from typing import Any

import pytest
import webtest

from tests.support.api import create_task
from tests.support.metrics import parse_samples, total
from tests.support.reminders import fire
from tests.support.webhooks import RECEIVER_OVERRIDES

AT = "2030-01-01T12:00:00Z"
NAMES = ("taskservice_reminders_fired_total", "taskservice_reminders_late_total",
         "taskservice_reminders_dropped_total", "taskservice_reminder_lag_seconds_count",
         "taskservice_reminder_lag_seconds_sum")


@pytest.fixture
def app(make_app) -> Any:
    return make_app(taskservice__metrics="prometheus", **RECEIVER_OVERRIDES)


def counts(testapp: webtest.TestApp) -> dict[str, float]:
    samples = parse_samples(testapp.get("/__metrics__", status=200).text)
    return {name: total(samples, name) for name in NAMES}


def fired_at(app, testapp, alice, now) -> dict[str, float]:
    """What one round at ``now`` over one reminder at ``AT`` added to each metric."""
    create_task(alice, reminders=[{"at": AT}])
    before = counts(testapp)
    fire(app, now)
    after = counts(testapp)
    return {name.removeprefix("taskservice_"): after[name] - before[name] for name in NAMES}


def test_a_reminder_on_time_counts_as_fired(app, testapp, alice):
    added = fired_at(app, testapp, alice, AT)
    assert added == {"reminders_fired_total": 1, "reminders_late_total": 0,
                     "reminders_dropped_total": 0, "reminder_lag_seconds_count": 1,
                     "reminder_lag_seconds_sum": pytest.approx(0, abs=1)}


def test_a_reminder_ten_seconds_late_counts_as_late(app, testapp, alice):
    added = fired_at(app, testapp, alice, "2030-01-01T12:00:10Z")
    assert added == {"reminders_fired_total": 1, "reminders_late_total": 1,
                     "reminders_dropped_total": 0, "reminder_lag_seconds_count": 1,
                     "reminder_lag_seconds_sum": pytest.approx(10, abs=1)}


def test_a_reminder_a_day_and_more_late_counts_as_dropped(app, testapp, alice):
    added = fired_at(app, testapp, alice, "2030-01-02T12:00:01Z")
    assert added == {"reminders_fired_total": 0, "reminders_late_total": 0,
                     "reminders_dropped_total": 1, "reminder_lag_seconds_count": 0,
                     "reminder_lag_seconds_sum": 0}
