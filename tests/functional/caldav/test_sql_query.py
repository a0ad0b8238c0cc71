"""``calendar-query`` filters on a collection's tasks (RFC 4791 sections 7.8 and 9.9, as
contract section 16 reads them): each row of section 9.9's VTODO table, STATUS and
COMPLETED prop-filters, and nothing outside the caller's view."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import update

from taskservice.caldav.query import (
    TextMatch,
    TimeRange,
    TodoFilter,
    UnsupportedCollation,
    calendar_query,
)
from taskservice.tasks.models import Task
from tests.functional.caldav.conftest import INBOX, ids, in_list
from tests.support.api import create_task
from tests.support.lists import create_list
from tests.support.subtasks import patch

DUE = datetime(2030, 1, 10, 9, 0, tzinfo=UTC)
HOUR = timedelta(hours=1)
DAY = timedelta(days=1)


def query(dbsession, viewer, todo, collection=INBOX):
    return ids(calendar_query(dbsession, viewer, collection, todo))


def in_range(start, end):
    return TodoFilter(time_range=TimeRange(start, end))


def set_times(dbsession, task, created, completed=None):
    """``task`` created (and done) at these times: the API stamps them with now."""
    values = {"created_at": created}
    if completed is not None:
        values.update(done=True, completed_at=completed)
    dbsession.execute(update(Task).where(Task.id == int(task["id"])).values(**values))
    dbsession.flush()


@pytest.mark.parametrize(("start", "end", "expected"), [
    (DUE - HOUR, DUE + HOUR, True),
    (DUE - HOUR, DUE, True),  # end >= DUE
    (DUE, DUE + HOUR, False),  # start < DUE
    (DUE + HOUR, DUE + 2 * HOUR, False),
    (DUE - 2 * HOUR, DUE - HOUR, False),
    (None, DUE, True),
    (DUE - HOUR, None, True),
    (None, None, True),
])
def test_a_due_alone_matches_when_start_is_before_it_and_end_not(alice, dbsession, who,
                                                                  start, end, expected):
    task = create_task(alice, due_at=DUE.isoformat())
    assert query(dbsession, who(alice), in_range(start, end)) == ([task["id"]] if expected
                                                                  else [])


def test_an_all_day_due_counts_from_midnight_in_the_task_zone(alice, dbsession, who):
    task = create_task(alice, due_date="2030-01-10", time_zone="Europe/Paris")
    midnight = datetime(2030, 1, 9, 23, 0, tzinfo=UTC)  # 00:00 in Paris
    assert query(dbsession, who(alice), in_range(midnight - HOUR, midnight)) == [task["id"]]
    assert query(dbsession, who(alice), in_range(midnight, midnight + DAY)) == []


@pytest.mark.parametrize(("start", "end", "expected"), [
    (DUE - HOUR, DUE, True),  # the current due: start <= DUE and end >= DUE
    (DUE, DUE + HOUR, True),
    (DUE + 3 * DAY - HOUR, DUE + 3 * DAY + HOUR, True),  # a later occurrence
    (DUE + HOUR, DUE + DAY - HOUR, False),  # between two occurrences
    (DUE - 2 * DAY, DUE - DAY, False),  # before the current due
    (DUE + 10 * DAY - HOUR, DUE + 10 * DAY + HOUR, False),  # after the last (COUNT=5)
])
def test_a_recurring_task_matches_when_one_of_its_occurrences_does(alice, dbsession, who,
                                                                    start, end, expected):
    task = create_task(alice, due_at=DUE.isoformat(),
                       recurrence={"rule": "FREQ=DAILY;COUNT=5", "from": "due"})
    assert query(dbsession, who(alice), in_range(start, end)) == ([task["id"]] if expected
                                                                  else [])


def test_a_series_from_completion_is_only_its_current_due(alice, dbsession, who):
    create_task(alice, due_at=DUE.isoformat(),
                recurrence={"rule": "FREQ=DAILY", "from": "completion"})
    assert query(dbsession, who(alice), in_range(DUE + DAY - HOUR, DUE + DAY + HOUR)) == []


@pytest.mark.parametrize(("start", "end", "expected"), [
    (DUE - DAY, DUE - DAY + HOUR, True),  # around CREATED
    (DUE + HOUR, DUE + 2 * HOUR, True),  # between: start <= COMPLETED, end >= CREATED
    (DUE + DAY - HOUR, DUE + DAY, True),  # end >= COMPLETED
    (DUE + DAY + HOUR, DUE + 2 * DAY, False),  # after COMPLETED
    (DUE - 3 * DAY, DUE - 2 * DAY, False),  # before CREATED
])
def test_a_done_task_without_due_spans_created_to_completed(alice, dbsession, who, start,
                                                             end, expected):
    task = create_task(alice)
    set_times(dbsession, task, DUE - DAY, completed=DUE + DAY)
    assert query(dbsession, who(alice), in_range(start, end)) == ([task["id"]] if expected
                                                                  else [])


@pytest.mark.parametrize(("start", "end", "expected"), [
    (DUE - DAY, DUE + HOUR, True),
    (DUE + DAY, None, True),  # started long after: no DUE, so it is still open
    (DUE - DAY, DUE, False),  # end > CREATED
    (None, DUE - HOUR, False),
])
def test_an_open_task_without_due_is_open_from_its_creation_on(alice, dbsession, who, start,
                                                               end, expected):
    task = create_task(alice)
    set_times(dbsession, task, DUE)
    assert query(dbsession, who(alice), in_range(start, end)) == ([task["id"]] if expected
                                                                  else [])


def test_completed_is_defined_on_done_tasks_only(alice, dbsession, who):
    open_task, done_task = create_task(alice), create_task(alice)
    patch(alice, done_task["id"], {"done": True})
    assert query(dbsession, who(alice), TodoFilter(completed_defined=False)) == [open_task["id"]]
    assert query(dbsession, who(alice), TodoFilter(completed_defined=True)) == [done_task["id"]]


@pytest.mark.parametrize(("match", "expected"), [
    (TextMatch("COMPLETED"), ["done"]),
    (TextMatch("needs-action"), ["open"]),
    (TextMatch("needs-action", collation="i;octet"), []),
    (TextMatch("NEEDS", collation="i;octet"), ["open"]),
    (TextMatch("COMPLETED", negate=True), ["open"]),
    (TextMatch("E"), ["open", "done"]),
    (TextMatch("CANCELLED"), []),
    (TextMatch("CANCELLED", negate=True), ["open", "done"]),
])
def test_status_text_match(alice, dbsession, who, match, expected):
    tasks = {"open": create_task(alice)["id"], "done": create_task(alice)["id"]}
    patch(alice, tasks["done"], {"done": True})
    assert query(dbsession, who(alice), TodoFilter(status=match)) == [tasks[name]
                                                                      for name in expected]


def test_status_is_always_defined(alice, dbsession, who):
    task = create_task(alice)
    assert query(dbsession, who(alice), TodoFilter(status_defined=True)) == [task["id"]]
    assert query(dbsession, who(alice), TodoFilter(status_defined=False)) == []


def test_an_unknown_collation_is_refused():
    with pytest.raises(UnsupportedCollation):
        TextMatch("x", collation="i;unicode-casemap")


def test_a_query_sees_only_the_collection_in_the_callers_view(alice, bob, dbsession, who):
    listed = create_list(alice)
    mine = create_task(alice, list=listed["id"], due_at=DUE.isoformat())["id"]
    create_task(alice, due_at=DUE.isoformat())
    create_task(bob, due_at=DUE.isoformat())
    create_task(bob, list=create_list(bob)["id"], due_at=DUE.isoformat())
    todo = TodoFilter(completed_defined=False, time_range=TimeRange(DUE - HOUR, DUE + HOUR))
    assert query(dbsession, who(alice), todo, in_list(listed["id"])) == [mine]
    assert query(dbsession, who(bob), todo, in_list(listed["id"])) == []
    assert len(query(dbsession, who(alice), todo)) == 1
