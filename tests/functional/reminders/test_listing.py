"""Contract section 14: ``GET /reminders``, the caller's upcoming reminders in time order.

The window defaults to [now, now + 7 days], both bounds inclusive, at most 31 days wide.
It shows exactly the reminders of not-done tasks the caller may view (their own, shared with
them, in a list they belong to, subtasks of those), never an admin's view of everyone's,
and for a recurring task only its current occurrence's.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from tests.support.api import assert_error, create_task
from tests.support.dates import complete, iso, patch
from tests.support.lists import create_list, share_list
from tests.support.reminders import all_upcoming, listed_tasks, upcoming
from tests.support.subtasks import create_subtask, share_task

WINDOW = {"after": "2030-01-01T00:00:00Z", "before": "2030-01-08T00:00:00Z"}
INSIDE = "2030-01-03T12:00:00Z"


def remind_at(client, moment, **fields):
    """A task of ``client``'s with one absolute reminder at ``moment``."""
    return create_task(client, reminders=[{"at": moment}], **fields)


# -- the items and their order --------------------------------------------------------------

def test_an_item_names_the_task_the_reminder_and_its_moment(alice):
    task = create_task(alice, due_at="2030-01-03T13:00:00Z",
                       reminders=[{"offset": -1800}, {"at": INSIDE}])
    body = upcoming(alice, WINDOW).json
    assert body == {"items": [
        {"task": task["id"], "reminder": {"at": INSIDE}, "scheduled_for": INSIDE},
        {"task": task["id"], "reminder": {"offset": -1800},
         "scheduled_for": "2030-01-03T12:30:00Z"}], "next_cursor": None}


def test_reminders_come_in_time_order_across_tasks(alice):
    moments = ["2030-01-05T00:00:00Z", "2030-01-02T00:00:00Z", "2030-01-06T00:00:00Z",
               "2030-01-01T06:00:00Z"]
    for moment in moments:
        remind_at(alice, moment)
    found = [item["scheduled_for"] for item in all_upcoming(alice, **WINDOW)]
    assert found == sorted(moments)


def test_pages_follow_the_time_order_without_skipping_or_repeating(alice):
    moments = [iso(datetime(2030, 1, 1, 1, tzinfo=UTC) + timedelta(hours=7 * i))
               for i in range(9)]
    tasks = [remind_at(alice, moment) for moment in reversed(moments)]
    paged = all_upcoming(alice, limit=2, **WINDOW)
    assert [item["scheduled_for"] for item in paged] == moments
    assert sorted(item["task"] for item in paged) == sorted(task["id"] for task in tasks)


def test_reminders_at_the_same_moment_page_one_by_one(alice):
    """Ties (several tasks, and one task's two reminders at one moment) neither skip nor
    repeat across pages."""
    tasks = [remind_at(alice, INSIDE) for _ in range(3)]
    both = create_task(alice, due_at="2030-01-03T12:15:00Z",
                       reminders=[{"at": INSIDE}, {"offset": -900}])
    paged = all_upcoming(alice, limit=1, **WINDOW)
    assert {item["scheduled_for"] for item in paged} == {INSIDE}
    assert sorted((item["task"], str(item["reminder"])) for item in paged) == sorted(
        [(task["id"], str({"at": INSIDE})) for task in [*tasks, both]]
        + [(both["id"], str({"offset": -900}))])


def test_fractions_of_a_second_keep_their_order_across_pages(alice):
    moments = ["2030-01-02T00:00:00.900000Z", "2030-01-02T00:00:00.100000Z",
               "2030-01-02T00:00:01Z", "2030-01-02T00:00:00.500000Z"]
    for moment in moments:
        remind_at(alice, moment)
    paged = all_upcoming(alice, limit=1, **WINDOW)
    found = [datetime.fromisoformat(item["scheduled_for"]) for item in paged]
    assert found == sorted(datetime.fromisoformat(moment) for moment in moments)


def test_a_full_first_page_has_a_cursor(alice):
    for hour in range(3):
        remind_at(alice, f"2030-01-02T0{hour}:00:00Z")
    first = upcoming(alice, {**WINDOW, "limit": "2"}).json
    assert len(first["items"]) == 2 and first["next_cursor"]
    rest = upcoming(alice, {**WINDOW, "limit": "2", "cursor": first["next_cursor"]}).json
    assert [item["scheduled_for"] for item in rest["items"]] == ["2030-01-02T02:00:00Z"]
    assert rest["next_cursor"] is None


# -- the window ------------------------------------------------------------------------------

def test_both_bounds_are_inclusive(alice):
    first = remind_at(alice, WINDOW["after"])
    last = remind_at(alice, WINDOW["before"])
    remind_at(alice, "2029-12-31T23:59:59Z")
    remind_at(alice, "2030-01-08T00:00:01Z")
    assert listed_tasks(alice, **WINDOW) == {first["id"], last["id"]}


def test_before_defaults_to_seven_days_after_after(alice):
    last = remind_at(alice, "2030-01-08T00:00:00Z")
    remind_at(alice, "2030-01-08T00:00:01Z")
    assert listed_tasks(alice, after=WINDOW["after"]) == {last["id"]}


def test_the_default_window_is_the_next_seven_days(alice):
    now = datetime.now(UTC)
    soon = remind_at(alice, iso(now + timedelta(hours=1)))
    later = remind_at(alice, iso(now + timedelta(days=6, hours=23)))
    remind_at(alice, iso(now - timedelta(hours=1)))
    remind_at(alice, iso(now + timedelta(days=7, hours=1)))
    assert listed_tasks(alice) == {soon["id"], later["id"]}


def test_before_alone_counts_from_now(alice):
    now = datetime.now(UTC)
    soon = remind_at(alice, iso(now + timedelta(hours=1)))
    remind_at(alice, iso(now + timedelta(days=2)))
    assert listed_tasks(alice, before=iso(now + timedelta(days=1))) == {soon["id"]}


def test_a_window_of_31_days_is_allowed(alice):
    task = remind_at(alice, "2030-02-01T00:00:00Z")
    window = {"after": "2030-01-01T00:00:00Z", "before": "2030-02-01T00:00:00Z"}
    assert listed_tasks(alice, **window) == {task["id"]}


@pytest.mark.parametrize("window", [
    {"after": "2030-01-01T00:00:00Z", "before": "2030-02-01T00:00:01Z"},
    {"after": "2030-01-01T00:00:00Z", "before": "2031-01-01T00:00:00Z"},
    {"after": "0001-01-01T00:00:00Z", "before": "9999-12-31T23:59:59Z"},
    {"before": "2099-01-01T00:00:00Z"},
])
def test_a_window_wider_than_31_days_is_400(alice, window):
    errors = assert_error(upcoming(alice, window, status=400), 400)
    assert errors and {(e["location"], e["name"]) for e in errors} <= {("querystring", "before"),
                                                           ("querystring", "after")}


@pytest.mark.parametrize("window", [
    {"after": "2030-01-02T00:00:00Z", "before": "2030-01-01T23:59:59Z"},
    {"before": "2020-01-01T00:00:00Z"},
])
def test_before_earlier_than_after_is_400_naming_before(alice, window):
    assert_error(upcoming(alice, window, status=400), 400, ("querystring", "before"))


def test_times_in_other_offsets_are_converted(alice):
    task = remind_at(alice, "2030-01-01T00:00:00Z")
    window = {"after": "2030-01-01T01:00:00+01:00", "before": "2030-01-01T01:00:00+01:00"}
    assert listed_tasks(alice, **window) == {task["id"]}


BAD_PARAMS = [
    ({"after": "2030-01-01T00:00:00"}, "after"),
    ({"after": "tomorrow"}, "after"),
    ({"after": ""}, "after"),
    ({"after": "2030-02-30T00:00:00Z"}, "after"),
    ({"before": "2030-01-01T25:00:00Z"}, "before"),
    ({"before": "x" * 5000}, "before"),
    ({"after": "9999-12-31T23:00:00-05:00"}, "after"),
    ({"limit": "0"}, "limit"),
    ({"limit": "-1"}, "limit"),
    ({"limit": "abc"}, "limit"),
    ({"limit": "1.5"}, "limit"),
    ({"limit": str(10**30)}, "limit"),
    ({"cursor": "not-a-cursor"}, "cursor"),
    ({"sort": "scheduled_for"}, "sort"),
    ({"colour": "red"}, "colour"),
]


@pytest.mark.parametrize("params,name", BAD_PARAMS)
def test_a_bad_parameter_is_400_naming_it(alice, params, name):
    query = {**WINDOW, **params}
    assert_error(upcoming(alice, query, status=400), 400, ("querystring", name))


def test_a_repeated_bound_is_400(alice):
    query = [("after", "2030-01-01T00:00:00Z"), ("after", "2030-01-02T00:00:00Z")]
    errors = assert_error(upcoming(alice, query, status=400), 400)
    assert [e["name"] for e in errors] == ["after"]


def test_a_tampered_cursor_is_400(alice):
    for hour in range(3):
        remind_at(alice, f"2030-01-02T0{hour}:00:00Z")
    cursor = upcoming(alice, {**WINDOW, "limit": "1"}).json["next_cursor"]
    for tampered in (cursor[:-1], cursor + "0", "x" + cursor, cursor[:3] + "~" + cursor[4:]):
        response = upcoming(alice, {**WINDOW, "limit": "1", "cursor": tampered}, status=400)
        assert_error(response, 400, ("querystring", "cursor"))


def test_a_cursor_of_another_window_or_user_reveals_nothing(alice, bob):
    """A cursor is opaque and signed: another user's is no way into alice's reminders."""
    for hour in range(3):
        remind_at(alice, f"2030-01-02T0{hour}:00:00Z")
    cursor = upcoming(alice, {**WINDOW, "limit": "1"}).json["next_cursor"]
    response = bob.testapp.get("/reminders", {**WINDOW, "limit": "1", "cursor": cursor},
                               headers=bob.headers, status="*")
    assert response.status_int == 400 or response.json["items"] == []


def test_the_year_9999_is_never_a_server_error(alice):
    """``before`` defaults to ``after`` + 7 days, which does not exist here."""
    response = upcoming(alice, {"after": "9999-12-31T23:59:59Z"}, status="*")
    assert response.status_int in (200, 400)
    if response.status_int == 400:
        assert_error(response, 400)


def test_anonymous_is_401(testapp):
    response = testapp.get("/reminders", status=401)
    assert response.headers["WWW-Authenticate"] == 'Bearer realm="taskservice"'


# -- whose reminders ---------------------------------------------------------------------------

def test_the_caller_sees_exactly_the_tasks_they_may_view(register, alice, bob, admin):
    carol, dave, eve = register("carol"), register("dave"), register("eve")
    own = remind_at(alice, INSIDE)
    shared = remind_at(alice, INSIDE)
    share_task(alice, shared["id"], "bob", "view")
    listed = create_list(alice)
    share_list(alice, listed["id"], "carol", "view")
    in_list = remind_at(alice, INSIDE, list=listed["id"])
    parent = create_task(alice)
    share_task(alice, parent["id"], "bob", "edit")
    share_task(alice, parent["id"], "dave", "view")
    subtask = create_subtask(bob, parent["id"], reminders=[{"at": INSIDE}])
    admins = remind_at(admin, INSIDE)
    assert listed_tasks(alice, **WINDOW) == {own["id"], shared["id"], in_list["id"],
                                             subtask["id"]}
    assert listed_tasks(bob, **WINDOW) == {shared["id"], subtask["id"]}
    assert listed_tasks(carol, **WINDOW) == {in_list["id"]}
    assert listed_tasks(dave, **WINDOW) == {subtask["id"]}
    assert listed_tasks(admin, **WINDOW) == {admins["id"]}
    assert listed_tasks(eve, **WINDOW) == set()


def test_an_admin_sees_what_is_shared_with_them(alice, admin):
    task = remind_at(alice, INSIDE)
    share_task(alice, task["id"], admin.username, "view")
    assert listed_tasks(admin, **WINDOW) == {task["id"]}


def test_a_subtask_of_a_task_in_a_list_reaches_the_list_members(register, alice):
    carol = register("carol")
    listed = create_list(alice)
    share_list(alice, listed["id"], "carol", "view")
    parent = create_task(alice, list=listed["id"])
    subtask = create_subtask(alice, parent["id"], reminders=[{"at": INSIDE}])
    assert listed_tasks(carol, **WINDOW) == {subtask["id"]}


def test_a_task_the_caller_lost_access_to_disappears(alice, bob):
    task = remind_at(alice, INSIDE)
    share_task(alice, task["id"], "bob", "view")
    assert listed_tasks(bob, **WINDOW) == {task["id"]}
    alice.testapp.delete(f"/tasks/{task['id']}/shares/bob", headers=alice.headers, status=204)
    assert listed_tasks(bob, **WINDOW) == set()


def test_a_task_moved_out_of_a_shared_list_disappears(register, alice):
    carol = register("carol")
    listed = create_list(alice)
    share_list(alice, listed["id"], "carol", "view")
    task = remind_at(alice, INSIDE, list=listed["id"])
    assert listed_tasks(carol, **WINDOW) == {task["id"]}
    patch(alice, task["id"], {"list": None})
    assert listed_tasks(carol, **WINDOW) == set()


def test_done_tasks_are_left_out(alice):
    done = remind_at(alice, INSIDE, done=True)
    later_done = remind_at(alice, INSIDE)
    complete(alice, later_done["id"])
    still = remind_at(alice, INSIDE)
    assert listed_tasks(alice, **WINDOW) == {still["id"]}
    patch(alice, done["id"], {"done": False})
    assert listed_tasks(alice, **WINDOW) == {still["id"], done["id"]}


def test_a_deleted_task_is_left_out(alice):
    task = remind_at(alice, INSIDE)
    alice.testapp.delete(f"/tasks/{task['id']}", headers=alice.headers, status=204)
    assert listed_tasks(alice, **WINDOW) == set()


def test_changed_reminders_are_listed_as_they_are_now(alice):
    task = remind_at(alice, INSIDE)
    patch(alice, task["id"], {"reminders": [{"at": "2030-01-04T00:00:00Z"}]})
    assert [i["scheduled_for"] for i in all_upcoming(alice, **WINDOW)] == ["2030-01-04T00:00:00Z"]
    patch(alice, task["id"], {"reminders": []})
    assert all_upcoming(alice, **WINDOW) == []


# -- relative reminders and recurring tasks -------------------------------------------------

def test_relative_reminders_follow_the_due(alice):
    task = create_task(alice, due_at="2030-01-03T09:00:00Z", reminders=[{"offset": -900}])
    assert [i["scheduled_for"] for i in all_upcoming(alice, **WINDOW)] == ["2030-01-03T08:45:00Z"]
    patch(alice, task["id"], {"due_at": "2030-01-05T09:00:00Z"})
    assert [i["scheduled_for"] for i in all_upcoming(alice, **WINDOW)] == ["2030-01-05T08:45:00Z"]


def test_a_recurring_task_lists_its_current_occurrence_only(alice):
    task = create_task(alice, due_at="2030-01-02T09:00:00Z", reminders=[{"offset": -900}],
                       recurrence={"rule": "FREQ=DAILY"})
    assert all_upcoming(alice, **WINDOW) == [
        {"task": task["id"], "reminder": {"offset": -900},
         "scheduled_for": "2030-01-02T08:45:00Z"}]
    complete(alice, task["id"])
    assert [i["scheduled_for"] for i in all_upcoming(alice, **WINDOW)] == ["2030-01-03T08:45:00Z"]


def test_a_shared_task_shows_its_reminders_whenever_they_are_set(alice, bob):
    """Shared first and given reminders later, they show; all removed, nothing; set again
    (and the share's permission changed meanwhile), they show once."""
    task = create_task(alice)
    share_task(alice, task["id"], "bob", "view")
    assert listed_tasks(bob, **WINDOW) == set()
    patch(alice, task["id"], {"reminders": [{"at": INSIDE}]})
    assert listed_tasks(bob, **WINDOW) == {task["id"]}
    patch(alice, task["id"], {"reminders": []})
    assert listed_tasks(bob, **WINDOW) == set()
    alice.testapp.put_json(f"/tasks/{task['id']}/shares/bob", {"permission": "edit"},
                           headers=alice.headers, status=200)
    patch(alice, task["id"], {"reminders": [{"at": INSIDE}]})
    assert all_upcoming(bob, **WINDOW) == [
        {"task": task["id"], "reminder": {"at": INSIDE}, "scheduled_for": INSIDE}]
