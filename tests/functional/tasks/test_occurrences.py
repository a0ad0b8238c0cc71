"""Contract section 12: ``GET /tasks/<id>/occurrences?limit=N``, a task's next dues.

From the current due (included, past ones too for an overdue task), ``limit`` of them
(1-100, default 10), for anyone who may view the task; a task without recurrence lists
its one due or nothing; a ``from: "completion"`` series lists only its current due.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from tests.support.api import assert_error, assert_unauthorized, create_task
from tests.support.dates import (
    DAY,
    complete,
    iso,
    local,
    occurrences,
    recurring,
)
from tests.support.lists import create_list, share_list


def items(client, task_id, **params) -> list[dict]:
    body = occurrences(client, task_id, **params).json
    assert set(body) == {"items"}
    return body["items"]


def daily_from(day: str, count: int) -> list[dict]:
    start = datetime.fromisoformat(day).date()
    return [{"due_date": (start + n * DAY).isoformat()} for n in range(count)]


def test_ten_occurrences_by_default_from_the_current_due(alice):
    task = recurring(alice, "FREQ=DAILY", due_date="2030-01-30")
    assert items(alice, task["id"]) == daily_from("2030-01-30", 10)


@pytest.mark.parametrize("limit", [1, 3, 100])
def test_limit_is_how_many(alice, limit):
    task = recurring(alice, "FREQ=DAILY", due_date="2030-01-30")
    assert items(alice, task["id"], limit=str(limit)) == daily_from("2030-01-30", limit)


@pytest.mark.parametrize("limit", ["0", "101", "-1", "1.5", "ten", "", "1e1", " 5"])
def test_a_limit_outside_1_to_100_is_a_400_naming_it(alice, limit):
    task = recurring(alice, "FREQ=DAILY", due_date="2030-01-30")
    assert_error(occurrences(alice, task["id"], status=400, limit=limit), 400,
                 ("querystring", "limit"))


def test_an_unknown_parameter_is_a_400_naming_it(alice):
    task = recurring(alice, "FREQ=DAILY", due_date="2030-01-30")
    assert_error(occurrences(alice, task["id"], status=400, cursor="x", since="2030-01-01"),
                 400, ("querystring", "cursor"), ("querystring", "since"))


def test_a_series_lists_no_more_than_it_has(alice):
    task = recurring(alice, "FREQ=WEEKLY;BYDAY=MO;COUNT=3", due_date="2030-01-01")
    assert items(alice, task["id"]) == [{"due_date": "2030-01-01"}, {"due_date": "2030-01-07"},
                                        {"due_date": "2030-01-14"}]


def test_a_timed_series_lists_times_in_its_zones_wall_clock(alice):
    task = recurring(alice, "FREQ=WEEKLY", due_at=local("2030-03-19", 9, "Europe/Paris"),
                     time_zone="Europe/Paris")
    assert items(alice, task["id"], limit="3") == [
        {"due_at": "2030-03-19T08:00:00Z"}, {"due_at": "2030-03-26T08:00:00Z"},
        {"due_at": "2030-04-02T07:00:00Z"}]  # Paris is on summer time from 2030-03-31


def test_the_list_starts_at_the_current_due_after_completions(alice):
    task = recurring(alice, "FREQ=DAILY;COUNT=5", due_date="2030-01-01")
    complete(alice, task["id"])
    complete(alice, task["id"])
    assert items(alice, task["id"]) == daily_from("2030-01-03", 3)


def test_an_overdue_series_lists_its_past_occurrences_from_the_current_due(alice):
    due = datetime.now(UTC).replace(hour=7, minute=0, second=0, microsecond=0) - 3 * DAY
    task = recurring(alice, "FREQ=DAILY", due_at=iso(due))
    assert items(alice, task["id"], limit="5") == [
        {"due_at": iso(due + n * DAY)} for n in range(5)]


@pytest.mark.parametrize("fields", [{"due_date": "2030-01-01"},
                                    {"due_at": "2030-01-01T09:00:00Z"}])
def test_a_completion_series_lists_only_its_current_due(alice, fields):
    task = recurring(alice, "FREQ=DAILY", origin="completion", **fields)
    assert items(alice, task["id"]) == [fields]


@pytest.mark.parametrize("fields", [{"due_date": "2030-01-01"},
                                    {"due_at": "2030-01-01T09:00:00Z"}])
def test_a_task_without_recurrence_lists_its_one_due(alice, fields):
    task = create_task(alice, **fields)
    assert items(alice, task["id"]) == [fields]


def test_a_task_without_a_due_lists_nothing(alice):
    assert items(alice, create_task(alice)["id"]) == []


def test_a_finished_series_lists_its_last_due(alice):
    task = recurring(alice, "FREQ=DAILY;COUNT=1", due_date="2030-01-01")
    assert complete(alice, task["id"])["done"] is True
    assert items(alice, task["id"]) == [{"due_date": "2030-01-01"}]


def test_anyone_who_may_view_the_task_lists_its_occurrences_and_nobody_else(
        alice, bob, register, admin):
    made = create_list(alice)
    task = recurring(alice, "FREQ=DAILY", due_date="2030-01-30", list=made["id"])
    share_list(alice, made["id"], "bob", "view")
    expected = items(alice, task["id"])
    assert items(bob, task["id"]) == expected and items(admin, task["id"]) == expected
    carol = register("carol")
    hidden = occurrences(carol, task["id"], status=404)
    missing = occurrences(carol, "999999999", status=404)
    assert_error(hidden, 404)
    assert hidden.json["errors"] == missing.json["errors"]
    assert_unauthorized(alice.testapp.get(f"/tasks/{task['id']}/occurrences", status=401))
