"""Contract section 12, listing: all-day and timed dues sorted, filtered and paged as one.

An all-day due counts as 00:00 of its date in the task's ``time_zone``, for ``sort=due_at``
and ``-due_at`` and for ``due_before``/``due_after``; a date in those filters is 00:00 of it
in the caller's ``time_zone``; both filters are strict. The expected orders are computed
here from those words (tests/support/dates.py), not read from the service.
"""

from __future__ import annotations

import pytest

from tests.support.api import assert_error, create_task
from tests.support.dates import complete, midnight, parse, patch, read, set_zone
from tests.support.listing import ids, page, walk
from tests.support.lists import create_list, share_list

# title: the task's fields. The comment is the instant each due counts as.
DUES = {
    "kiritimati": {"due_date": "2030-05-09", "time_zone": "Pacific/Kiritimati"},  # 05-08 10:00Z
    "brisbane": {"due_date": "2030-05-09", "time_zone": "Australia/Brisbane"},  # 05-08 14:00Z
    "utc": {"due_date": "2030-05-09", "time_zone": "UTC"},  # 05-09 00:00Z
    "new york": {"due_date": "2030-05-09", "time_zone": "America/New_York"},  # 05-09 04:00Z
    "timed 04": {"due_at": "2030-05-09T04:00:00Z"},  # a tie with "new york"
    "tokyo": {"due_date": "2030-05-10", "time_zone": "Asia/Tokyo",
              "recurrence": {"rule": "FREQ=WEEKLY"}},  # 05-09 15:00Z
    "timed 15": {"due_at": "2030-05-09T15:00:00Z"},  # a tie with "tokyo"
    "timed 16": {"due_at": "2030-05-09T16:00:00Z", "recurrence": {"rule": "FREQ=DAILY"}},
    "no due": {},
}


def instant(task: dict):
    """Where the contract puts a task's due in the order: its time, or 00:00 of its date."""
    if task["due_at"] is not None:
        return parse(task["due_at"])
    if task["due_date"] is not None:
        return midnight(task["due_date"], task["time_zone"])
    return None


def due_order(tasks: list[dict], descending: bool) -> list[dict]:
    """By the due's instant, ties by id, tasks without a due last in both directions."""
    valued = [t for t in tasks if instant(t) is not None]
    empty = [t for t in tasks if instant(t) is None]
    return (sorted(valued, key=lambda t: (instant(t), int(t["id"])), reverse=descending)
            + sorted(empty, key=lambda t: int(t["id"]), reverse=descending))


@pytest.fixture
def tasks(alice) -> list[dict]:
    return [create_task(alice, title=title, **fields) for title, fields in DUES.items()]


def titles(testapp, client, params) -> list[str]:
    return [t["title"] for t in walk(testapp, client, params, 100)]


# -- sorting ------------------------------------------------------------------------------------


def test_an_all_day_due_sorts_as_midnight_in_the_tasks_zone(testapp, alice, tasks):
    assert titles(testapp, alice, {"sort": "due_at"})[:5] == [
        "kiritimati", "brisbane", "utc", "new york", "timed 04"]
    order = titles(testapp, alice, {"sort": "due_at"})
    # Due 2030-05-10 in Tokyo is 2030-05-09T15:00Z: before a timed 2030-05-09T16:00Z.
    assert order.index("tokyo") < order.index("timed 16")


@pytest.mark.parametrize("sort", ["due_at", "-due_at"])
@pytest.mark.parametrize("limit", [1, 2, 3, 100])
def test_mixed_dues_page_in_the_contracts_order(testapp, alice, tasks, sort, limit):
    expected = due_order(tasks, descending=sort.startswith("-"))
    assert ids(walk(testapp, alice, {"sort": sort}, limit)) == ids(expected)
    assert expected[-1]["title"] == "no due"


@pytest.mark.parametrize("sort", ["due_at", "-due_at"])
def test_ties_between_a_date_and_a_time_are_broken_by_id(testapp, alice, tasks, sort):
    order = titles(testapp, alice, {"sort": sort})
    by_id = {t["title"]: int(t["id"]) for t in tasks}
    for first, second in (("new york", "timed 04"), ("tokyo", "timed 15")):
        before_in_id_order = order.index(first) < order.index(second)
        assert before_in_id_order == ((by_id[first] < by_id[second]) != sort.startswith("-"))


@pytest.mark.parametrize("sort", ["due_at", "-due_at"])
def test_tasks_written_between_pages_make_no_page_skip_or_repeat(testapp, alice, tasks, sort):
    """A page's cursor carries the instant an all-day due counts as: tasks written on
    either side of it while a client pages are simply seen or not, the rest exactly once."""
    descending = sort.startswith("-")
    first = page(testapp, alice, {"sort": sort, "limit": "3"}).json
    early = create_task(alice, title="early", due_date="2030-05-01", time_zone="Asia/Tokyo")
    late = create_task(alice, title="late", due_date="2030-06-01", time_zone="America/Denver")
    seen = list(first["items"])
    cursor = first["next_cursor"]
    while cursor:
        body = page(testapp, alice, {"sort": sort, "limit": "3", "cursor": cursor}).json
        seen += body["items"]
        cursor = body["next_cursor"]
    ahead = early if descending else late  # the other one sorts before the first page's end
    assert ids(seen) == ids(due_order([*tasks, ahead], descending))


@pytest.fixture
def bobs_view(testapp, alice, bob, tasks) -> list[dict]:
    """Alice's tasks seen by bob, half through a shared list and half shared one by one,
    beside bob's own with the same dues; then alice rolls her recurring tasks, moves an
    all-day task to another zone (its date stays, its midnight moves) and another to
    another date. What bob may view, as GET now shows it."""
    made = create_list(alice)
    share_list(alice, made["id"], "bob", "view")
    for index, task in enumerate(tasks):
        if index % 2:
            patch(alice, task["id"], {"list": made["id"]})
        else:
            testapp.put_json(f"/tasks/{task['id']}/shares/bob", {"permission": "view"},
                             headers=alice.headers, status=201)
    own = [create_task(bob, title=f"bob's {title}", **fields) for title, fields in DUES.items()]
    by_title = {task["title"]: task["id"] for task in tasks}
    complete(alice, by_title["tokyo"])
    complete(alice, by_title["timed 16"])
    assert patch(alice, by_title["new york"], {"time_zone": "Pacific/Kiritimati"}).json[
        "due_date"] == "2030-05-09"
    patch(alice, by_title["utc"], {"due_date": "2030-05-08"})
    return [read(bob, task["id"]) for task in [*tasks, *own]]


@pytest.mark.parametrize("sort", ["due_at", "-due_at"])
def test_a_sharee_pages_mixed_dues_in_order_after_rolls_and_zone_changes(testapp, bob,
                                                                        bobs_view, sort):
    expected = due_order(bobs_view, descending=sort.startswith("-"))
    assert ids(walk(testapp, bob, {"sort": sort}, 2)) == ids(expected)


def passes(task: dict, params: dict, zone: str) -> bool:
    """Whether ``task`` passes the filters ``params`` of a caller in ``zone``, per contract."""
    moment = instant(task)
    if moment is None:
        return False
    if "due_before" in params and not moment < midnight(params["due_before"], zone):
        return False
    if "due_after" in params and not moment > midnight(params["due_after"], zone):
        return False
    return params.get("recurring") != "false" or task["recurrence"] is None


@pytest.mark.parametrize("params", [{"due_before": "2030-05-09"}, {"due_after": "2030-05-09"},
                                    {"due_before": "2030-05-10", "recurring": "false"}])
def test_a_sharees_date_filters_are_in_their_own_zone(testapp, bob, bobs_view, params):
    set_zone(bob, "America/Los_Angeles")
    expected = [task for task in due_order(bobs_view, descending=False)
                if passes(task, params, "America/Los_Angeles")]
    assert expected and len(expected) < len(bobs_view)
    assert ids(walk(testapp, bob, {**params, "sort": "due_at"}, 2)) == ids(expected)


# -- due_before and due_after ---------------------------------------------------------------------


@pytest.mark.parametrize(("zone", "params", "expected"), [
    # A time: compared with each due's instant, strictly.
    ("UTC", {"due_before": "2030-05-09T15:00:00Z"},
     ["kiritimati", "brisbane", "utc", "new york", "timed 04"]),
    ("UTC", {"due_after": "2030-05-09T15:00:00Z"}, ["timed 16"]),
    ("UTC", {"due_after": "2030-05-09T04:00:00Z"}, ["tokyo", "timed 15", "timed 16"]),
    ("Asia/Tokyo", {"due_before": "2030-05-09T13:00:00+09:00"},
     ["kiritimati", "brisbane", "utc"]),
    # A date: 00:00 of it in the caller's zone, strictly.
    ("UTC", {"due_before": "2030-05-09"}, ["kiritimati", "brisbane"]),
    ("UTC", {"due_after": "2030-05-09"},
     ["new york", "timed 04", "tokyo", "timed 15", "timed 16"]),
    ("Asia/Tokyo", {"due_before": "2030-05-10"},
     ["kiritimati", "brisbane", "utc", "new york", "timed 04"]),
    ("Asia/Tokyo", {"due_after": "2030-05-10"}, ["timed 16"]),
    ("America/New_York", {"due_before": "2030-05-09"}, ["kiritimati", "brisbane", "utc"]),
    ("America/New_York", {"due_after": "2030-05-08", "due_before": "2030-05-09"},
     ["kiritimati", "brisbane", "utc"]),
    ("Australia/Brisbane", {"due_before": "2030-05-09"}, ["kiritimati"]),
    ("Pacific/Kiritimati", {"due_before": "2030-05-09"}, []),
])
def test_due_filters_take_a_time_or_a_date_in_the_callers_zone(testapp, alice, tasks, zone,
                                                                 params, expected):
    set_zone(alice, zone)  # alice's tasks keep their own zones
    found = titles(testapp, alice, {**params, "sort": "due_at"})
    assert found == expected


def test_a_user_ten_hours_ahead_sees_a_task_due_today_today(testapp, register):
    """Contract section 12's own example: "due today or overdue" is due_before=<tomorrow>."""
    carol = register("carol")
    set_zone(carol, "Australia/Brisbane")  # UTC+10, no daylight saving
    today = create_task(carol, title="today", due_date="2030-05-09")
    tomorrow = create_task(carol, title="tomorrow", due_date="2030-05-10")
    due_today = walk(testapp, carol, {"due_before": "2030-05-10"}, 10)
    assert ids(due_today) == [today["id"]]
    assert ids(walk(testapp, carol, {"due_after": "2030-05-09"}, 10)) == [tomorrow["id"]]


@pytest.mark.parametrize("name", ["due_before", "due_after"])
@pytest.mark.parametrize("value", ["2031-02-30", "2030-13-01", "2030-5-9", "20300509",
                                   "2030-05-09T10:00:00", "2030-05-09T25:00:00Z", "tomorrow",
                                   ""])
def test_a_bad_date_or_time_in_a_due_filter_is_a_400_naming_it(testapp, alice, name, value):
    response = page(testapp, alice, {name: value}, status=400)
    assert_error(response, 400, ("querystring", name))


# -- recurring ----------------------------------------------------------------------------------


@pytest.mark.parametrize(("value", "expected"), [
    ("true", {"tokyo", "timed 16"}),
    ("false", set(DUES) - {"tokyo", "timed 16"}),
])
def test_recurring_filters_by_having_a_recurrence(testapp, alice, tasks, value, expected):
    assert set(titles(testapp, alice, {"recurring": value})) == expected


def test_recurring_combines_with_the_other_filters_and_pages(testapp, alice, tasks):
    found = walk(testapp, alice, {"recurring": "true", "due_before": "2030-05-09T16:00:00Z",
                                  "sort": "-due_at"}, 1)
    assert [t["title"] for t in found] == ["tokyo"]


def test_a_recurrence_removed_is_no_longer_recurring(testapp, alice, tasks):
    tokyo = next(t for t in tasks if t["title"] == "tokyo")
    alice.testapp.patch_json(f"/tasks/{tokyo['id']}", {"recurrence": None},
                             headers=alice.headers, status=200)
    assert titles(testapp, alice, {"recurring": "true"}) == ["timed 16"]


@pytest.mark.parametrize("value", ["yes", "1", "True", "", "null"])
def test_a_bad_recurring_value_is_a_400_naming_it(testapp, alice, value):
    assert_error(page(testapp, alice, {"recurring": value}, status=400), 400,
                 ("querystring", "recurring"))
