"""Contract section 12, recurrence: which rules are accepted, and what ``start`` is.

A rule is an RFC 5545 RRULE value (no ``RRULE:``, no ``DTSTART``, at most 500 characters,
``FREQ`` from ``HOURLY`` to ``YEARLY``) that yields at least one occurrence of its own at
or after ``start``; ``UNTIL`` matches the due's kind; ``HOURLY`` needs a timed due; a
``from: "completion"`` rule has only ``FREQ``, ``INTERVAL``, ``COUNT`` and ``UNTIL``; a task
with a recurrence has a due. Anything else is a 400 naming ``recurrence`` that changes
nothing. ``recurrence`` reads back as ``{"rule", "from", "start"}``: the rule as sent,
``start`` the due the series began at, in that due's form.
"""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from taskservice.tasks.models import Task
from tests.support.api import assert_error, create_task, send_json
from tests.support.dates import complete, history, patch, put, read, recurring

TIMED = {"due_at": "2030-01-01T09:00:00Z"}  # a Tuesday
ALL_DAY = {"due_date": "2030-01-01"}
DUES = {"timed": TIMED, "all-day": ALL_DAY}
LONGEST = "FREQ=YEARLY;BYYEARDAY=10," + ",".join(str(day) for day in range(100, 219))

VALID = [
    "FREQ=DAILY", "FREQ=WEEKLY;BYDAY=MO,WE", "FREQ=MONTHLY;BYDAY=-1FR",
    "FREQ=DAILY;INTERVAL=3;COUNT=10", "BYDAY=MO,WE;FREQ=WEEKLY", "FREQ=MONTHLY;BYMONTHDAY=31",
    "FREQ=MONTHLY;BYDAY=MO,TU,WE,TH,FR;BYSETPOS=-1", "FREQ=YEARLY;BYWEEKNO=20;BYDAY=MO",
    "FREQ=YEARLY;BYYEARDAY=100,-1", "FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=29",
    "FREQ=WEEKLY;WKST=SU;INTERVAL=2;BYDAY=SU,SA", "FREQ=YEARLY;BYMONTH=1,7;BYDAY=1MO",
    "FREQ=DAILY;COUNT=1", LONGEST,
]
VALID_TIMED = ["FREQ=HOURLY;INTERVAL=4", "FREQ=DAILY;UNTIL=20301231T000000Z",
               "FREQ=DAILY;UNTIL=20300101T090000Z", "FREQ=DAILY;BYHOUR=9,18"]
VALID_ALL_DAY = ["FREQ=YEARLY;UNTIL=20301231", "FREQ=DAILY;UNTIL=20300101"]

MALFORMED = [
    "", " ", "FREQ=SECONDLY", "FREQ=MINUTELY", "FREQ=FORTNIGHTLY", "RRULE:FREQ=DAILY",
    "DTSTART=20300101;FREQ=DAILY", "INTERVAL=2", "FREQ", "FREQ=", "FREQ=DAILY;", ";FREQ=DAILY",
    "FREQ=DAILY;;COUNT=2", "FREQ=DAILY;COUNT=0", "FREQ=DAILY;COUNT=-1", "FREQ=DAILY;COUNT=x",
    "FREQ=DAILY;INTERVAL=0", "FREQ=DAILY;INTERVAL=1.5", "FREQ=DAILY;UNTIL=2030",
    "FREQ=DAILY;COUNT=2;UNTIL=20301231", "FREQ=DAILY;FREQ=WEEKLY", "FREQ=DAILY;COUNT=3;COUNT=4",
    "FREQ=DAILY;FOO=1", "FREQ=WEEKLY;BYDAY=XX", "FREQ=WEEKLY;BYDAY=", "FREQ=WEEKLY;BYDAY=MO,",
    "FREQ=MONTHLY;BYMONTHDAY=32", "FREQ=MONTHLY;BYMONTHDAY=0", "FREQ=YEARLY;BYMONTH=13",
    "FREQ=YEARLY;BYMONTH=0", "FREQ=YEARLY;BYYEARDAY=367", "FREQ=YEARLY;BYWEEKNO=54",
    "FREQ=MONTHLY;BYDAY=6MO", "FREQ=WEEKLY;WKST=XX",
    # The combinations RFC 5545 section 3.3.10 forbids.
    "FREQ=WEEKLY;BYMONTHDAY=1", "FREQ=MONTHLY;BYYEARDAY=1", "FREQ=DAILY;BYYEARDAY=1",
    "FREQ=MONTHLY;BYWEEKNO=1", "FREQ=DAILY;BYWEEKNO=1", "FREQ=WEEKLY;BYDAY=1MO",
    "FREQ=DAILY;BYDAY=-1FR", "FREQ=MONTHLY;BYSETPOS=1", "FREQ=DAILY;BYSETPOS=-1",
    # No occurrence at all.
    "FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=30", "FREQ=MONTHLY;BYMONTH=4;BYMONTHDAY=31",
    LONGEST + "0",  # 501 characters
]
MALFORMED_TIMED = [
    "FREQ=DAILY;UNTIL=20301231",  # a date for a timed due
    "FREQ=DAILY;UNTIL=20301231T000000",  # a local time: RFC 5545 wants UTC here
    "FREQ=DAILY;UNTIL=20291231T000000Z",  # before the due
    "FREQ=DAILY;UNTIL=20300101T085959Z",  # a second before it
    "FREQ=DAILY;BYHOUR=24", "FREQ=DAILY;BYMINUTE=60",
]
MALFORMED_ALL_DAY = [
    "FREQ=HOURLY", "FREQ=HOURLY;INTERVAL=24",
    "FREQ=DAILY;UNTIL=20301231T000000Z",  # a time for an all-day due
    "FREQ=DAILY;UNTIL=20291231",  # before the due
    "FREQ=WEEKLY;BYDAY=MO;UNTIL=20300106",  # the Tuesday start only: none of the rule's own
]
BAD_OBJECTS = [
    "FREQ=DAILY", ["FREQ=DAILY"], 5, True, {}, {"rule": 5}, {"rule": None},
    {"rule": "FREQ=DAILY", "from": None}, {"rule": "FREQ=DAILY", "from": "weekly"},
    {"rule": "FREQ=DAILY", "from": "Due"}, {"rule": "FREQ=DAILY", "start": "2030-01-01"},
    {"rule": "FREQ=DAILY", "start": None}, {"rule": "FREQ=DAILY", "until": "2030-02-01"},
]
ONLY_FOR_DUE = ["FREQ=WEEKLY;BYDAY=MO", "FREQ=MONTHLY;BYMONTHDAY=1", "FREQ=DAILY;BYHOUR=9",
                "FREQ=YEARLY;BYMONTH=3", "FREQ=WEEKLY;WKST=MO", "FREQ=MONTHLY;BYSETPOS=1"]


def task_count(dbsession) -> int:
    return dbsession.scalar(select(func.count()).select_from(Task))


def refused(response) -> None:
    """A 400 naming ``recurrence`` alone, with a description (assert_error checks it)."""
    assert_error(response, 400, ("body", "recurrence"))


def create(client, recurrence, status=201, **fields):
    return client.testapp.post_json("/tasks", {"title": "t", "recurrence": recurrence,
                                               **fields}, headers=client.headers,
                                    status=status)


def due_value(fields: dict) -> str:
    return next(iter(fields.values()))


# -- accepted rules, returned as sent ---------------------------------------------------------


@pytest.mark.parametrize("kind", DUES)
@pytest.mark.parametrize("rule", VALID)
def test_a_valid_rule_is_returned_as_sent_with_its_start(alice, kind, rule):
    task = create(alice, {"rule": rule}, **DUES[kind]).json
    assert task["recurrence"] == {"rule": rule, "from": "due", "start": due_value(DUES[kind])}
    assert read(alice, task["id"]) == task


@pytest.mark.parametrize(("kind", "rule"), [("timed", r) for r in VALID_TIMED]
                         + [("all-day", r) for r in VALID_ALL_DAY])
def test_a_rule_valid_for_its_kind_of_due_is_accepted(alice, kind, rule):
    task = create(alice, {"rule": rule, "from": "due"}, **DUES[kind]).json
    assert task["recurrence"] == {"rule": rule, "from": "due", "start": due_value(DUES[kind])}


@pytest.mark.parametrize("kind", DUES)
@pytest.mark.parametrize("rule", ["FREQ=DAILY;INTERVAL=3", "FREQ=WEEKLY;COUNT=5",
                                  "FREQ=MONTHLY", "FREQ=YEARLY;INTERVAL=2;COUNT=3"])
def test_a_completion_rule_of_frequency_interval_and_count_is_accepted(alice, kind, rule):
    task = create(alice, {"rule": rule, "from": "completion"}, **DUES[kind]).json
    assert task["recurrence"] == {"rule": rule, "from": "completion",
                                  "start": due_value(DUES[kind])}


def test_a_start_is_a_time_in_utc_for_a_due_sent_with_an_offset(alice):
    task = create(alice, {"rule": "FREQ=DAILY"}, due_at="2030-01-01T10:00:00+01:00").json
    assert task["due_at"] == "2030-01-01T09:00:00Z"
    assert task["recurrence"]["start"] == "2030-01-01T09:00:00Z"


# -- refused rules ----------------------------------------------------------------------------


@pytest.mark.parametrize("kind", DUES)
@pytest.mark.parametrize("rule", MALFORMED)
def test_a_rule_rfc_5545_does_not_allow_is_a_400_naming_recurrence(alice, dbsession, kind,
                                                                    rule):
    refused(create(alice, {"rule": rule}, status=400, **DUES[kind]))
    assert task_count(dbsession) == 0


@pytest.mark.parametrize(("kind", "rule"), [("timed", r) for r in MALFORMED_TIMED]
                         + [("all-day", r) for r in MALFORMED_ALL_DAY])
def test_a_rule_wrong_for_its_kind_of_due_is_a_400_naming_recurrence(alice, dbsession, kind,
                                                                      rule):
    refused(create(alice, {"rule": rule}, status=400, **DUES[kind]))
    assert task_count(dbsession) == 0


@pytest.mark.parametrize(("kind", "rule"), [
    ("all-day", "FREQ=HOURLY"), ("all-day", "FREQ=DAILY;UNTIL=20301231T000000Z"),
    ("timed", "FREQ=DAILY;UNTIL=20301231"), ("timed", "FREQ=DAILY;UNTIL=20291231T000000Z"),
])
def test_a_completion_rule_wrong_for_its_due_is_a_400_too(alice, dbsession, kind, rule):
    refused(create(alice, {"rule": rule, "from": "completion"}, status=400, **DUES[kind]))
    assert task_count(dbsession) == 0


@pytest.mark.parametrize("recurrence", BAD_OBJECTS)
def test_a_malformed_recurrence_object_is_a_400_naming_recurrence(alice, dbsession,
                                                                   recurrence):
    refused(create(alice, recurrence, status=400, **TIMED))
    assert task_count(dbsession) == 0


@pytest.mark.parametrize("rule", ONLY_FOR_DUE)
def test_a_completion_rule_with_other_parts_is_a_400_naming_recurrence(alice, dbsession, rule):
    refused(create(alice, {"rule": rule, "from": "completion"}, status=400, **TIMED))
    assert task_count(dbsession) == 0


@pytest.mark.parametrize("rule", [
    *MALFORMED[:5], *MALFORMED_TIMED[:2], {"rule": "FREQ=DAILY", "from": None},
    {"rule": "FREQ=DAILY", "start": "2030-01-01T09:00:00Z"},
])
def test_a_refused_rule_in_a_patch_changes_nothing(alice, rule):
    task = recurring(alice, "FREQ=WEEKLY", **TIMED)
    recurrence = rule if isinstance(rule, dict) else {"rule": rule}
    refused(patch(alice, task["id"], {"recurrence": recurrence, "title": "new"}, status=400))
    assert read(alice, task["id"]) == task


@pytest.mark.parametrize("fields", [
    {"due_date": "2030-01-01", "recurrence": {"rule": "FREQ=SECONDLY"}},
    {"recurrence": {"rule": "FREQ=DAILY"}},
    {"due_at": "2030-01-01T09:00:00Z", "recurrence": {"rule": "FREQ=DAILY;UNTIL=20301231"}},
    {"due_date": "2030-01-01", "recurrence": {"rule": "FREQ=DAILY", "start": "2030-01-01"}},
], ids=["malformed", "no-due", "until-of-the-wrong-kind", "start-sent"])
def test_a_recurrence_error_is_listed_beside_the_others(alice, dbsession, fields):
    """Contract section 1: every failing field is listed, not only the first."""
    response = alice.testapp.post_json("/tasks", {"title": "", "priority": "soon", **fields},
                                       headers=alice.headers, status=400)
    assert_error(response, 400, ("body", "title"), ("body", "priority"),
                 ("body", "recurrence"))
    assert task_count(dbsession) == 0


# -- a recurrence needs a due -------------------------------------------------------------------


def test_a_recurrence_without_a_due_is_a_400_naming_recurrence(alice, dbsession):
    refused(create(alice, {"rule": "FREQ=DAILY"}, status=400))
    refused(create(alice, {"rule": "FREQ=DAILY"}, status=400, due_at=None, due_date=None))
    assert task_count(dbsession) == 0


def test_a_recurrence_added_to_a_task_without_a_due_is_a_400(alice):
    task = create_task(alice)
    refused(patch(alice, task["id"], {"recurrence": {"rule": "FREQ=DAILY"}}, status=400))
    assert read(alice, task["id"]) == task


@pytest.mark.parametrize(("kind", "body"), [
    ("timed", {"due_at": None}),
    ("all-day", {"due_date": None}),
    ("timed", {"due_at": None, "due_date": None}),
    ("all-day", {"due_at": None, "due_date": None}),
])
def test_a_patch_that_leaves_a_recurrence_without_a_due_is_a_400(alice, kind, body):
    task = recurring(alice, "FREQ=DAILY", **DUES[kind])
    refused(patch(alice, task["id"], body, status=400))
    assert read(alice, task["id"]) == task


def test_clearing_the_due_needs_recurrence_null_in_the_same_body(alice):
    task = recurring(alice, "FREQ=DAILY", **TIMED)
    cleared = patch(alice, task["id"], {"due_at": None, "due_date": None,
                                        "recurrence": None}).json
    assert (cleared["due_at"], cleared["due_date"], cleared["recurrence"]) == (None, None, None)


def test_a_put_with_a_recurrence_and_no_due_is_a_400(alice):
    task = recurring(alice, "FREQ=DAILY", **ALL_DAY)
    refused(put(alice, task["id"], {"title": "t", "recurrence": {"rule": "FREQ=DAILY"}},
                status=400))
    assert read(alice, task["id"]) == task


def test_a_put_with_neither_due_nor_recurrence_ends_the_series(alice):
    task = recurring(alice, "FREQ=DAILY", **ALL_DAY)
    replaced = put(alice, task["id"], {"title": "t"}).json
    assert (replaced["due_date"], replaced["recurrence"]) == (None, None)


# -- a change of due that the rule cannot follow --------------------------------------------


@pytest.mark.parametrize(("before", "rule", "body"), [
    (TIMED, "FREQ=DAILY;UNTIL=20301231T000000Z", {"due_date": "2030-01-01"}),
    (ALL_DAY, "FREQ=DAILY;UNTIL=20301231", {"due_at": "2030-01-01T09:00:00Z"}),
    (TIMED, "FREQ=HOURLY", {"due_date": "2030-01-01"}),
    (TIMED, "FREQ=DAILY;UNTIL=20300110T000000Z", {"due_at": "2030-02-01T09:00:00Z"}),
    (ALL_DAY, "FREQ=DAILY;UNTIL=20300110", {"due_date": "2030-02-01"}),
], ids=["until-time-on-a-date", "until-date-on-a-time", "hourly-on-a-date",
        "timed-after-until", "all-day-after-until"])
def test_a_new_due_the_rule_does_not_fit_is_a_400_naming_recurrence(alice, before, rule, body):
    task = recurring(alice, rule, **before)
    refused(patch(alice, task["id"], body, status=400))
    assert read(alice, task["id"]) == task


def test_a_new_due_with_a_rule_that_fits_it_in_the_same_body_is_accepted(alice):
    task = recurring(alice, "FREQ=DAILY;UNTIL=20301231T000000Z", **TIMED)
    changed = patch(alice, task["id"], {"due_date": "2030-01-01",
                                        "recurrence": {"rule": "FREQ=DAILY;UNTIL=20301231"}})
    assert changed.json["recurrence"] == {"rule": "FREQ=DAILY;UNTIL=20301231", "from": "due",
                                          "start": "2030-01-01"}


# -- start: set with the recurrence, reset by a due changed by hand ---------------------------


def test_sending_start_is_a_400_even_unchanged(alice):
    task = recurring(alice, "FREQ=DAILY", **TIMED)
    refused(patch(alice, task["id"], {"recurrence": task["recurrence"]}, status=400))
    body = {"title": "t", "due_at": task["due_at"], "recurrence": task["recurrence"]}
    refused(send_json(alice.testapp, "PUT", f"/tasks/{task['id']}", body, alice.headers,
                      status=400))
    assert read(alice, task["id"]) == task


def test_a_recurrence_set_later_starts_at_the_current_due(alice):
    task = create_task(alice, due_date="2030-03-04")
    changed = patch(alice, task["id"], {"recurrence": {"rule": "FREQ=WEEKLY"}}).json
    assert changed["recurrence"] == {"rule": "FREQ=WEEKLY", "from": "due",
                                     "start": "2030-03-04"}
    assert changed["version"] == 2
    assert history(alice, task["id"])[0]["changes"] == {
        "recurrence": {"from": None, "to": changed["recurrence"]}}


@pytest.mark.parametrize(("before", "after"), [
    (TIMED, {"due_at": "2030-02-03T10:30:00Z"}),
    (ALL_DAY, {"due_date": "2030-02-03"}),
    (TIMED, {"due_date": "2030-02-03"}),
    (ALL_DAY, {"due_at": "2030-02-03T10:30:00Z"}),
])
def test_a_due_changed_by_hand_restarts_the_series_there(alice, before, after):
    task = recurring(alice, "FREQ=DAILY", **before)
    changed = patch(alice, task["id"], after).json
    assert changed["recurrence"] == {"rule": "FREQ=DAILY", "from": "due",
                                     "start": due_value(after)}
    changes = history(alice, task["id"])[0]["changes"]
    assert changes["recurrence"] == {"from": task["recurrence"], "to": changed["recurrence"]}


def test_a_completion_keeps_the_start(alice):
    task = recurring(alice, "FREQ=DAILY", **ALL_DAY)
    rolled = complete(alice, task["id"])
    assert rolled["due_date"] == "2030-01-02" and rolled["recurrence"] == task["recurrence"]


@pytest.mark.parametrize("origin", ["due", "completion"])
def test_an_equal_recurrence_is_no_change(alice, origin):
    """Not even after a completion: the same rule and from keep the series' start."""
    task = recurring(alice, "FREQ=DAILY", origin=origin, **TIMED)
    rolled = complete(alice, task["id"])
    entries = len(history(alice, task["id"]))
    same = patch(alice, task["id"], {"recurrence": {"rule": "FREQ=DAILY", "from": origin}}).json
    assert same == rolled and same["recurrence"]["start"] == "2030-01-01T09:00:00Z"
    assert len(history(alice, task["id"])) == entries


@pytest.mark.parametrize("recurrence", [
    {"rule": "FREQ=WEEKLY"},
    {"rule": "FREQ=DAILY", "from": "completion"},
    {"rule": "FREQ=DAILY;INTERVAL=1"},
], ids=["other-rule", "other-from", "same-series-other-text"])
def test_a_different_recurrence_restarts_at_the_current_due(alice, recurrence):
    task = recurring(alice, "FREQ=DAILY", **ALL_DAY)
    rolled = complete(alice, task["id"])
    changed = patch(alice, task["id"], {"recurrence": recurrence}).json
    assert changed["recurrence"] == {"from": "due", **recurrence, "start": rolled["due_date"]}
    assert changed["version"] == rolled["version"] + 1


def test_recurrence_null_ends_the_series_and_keeps_the_due(alice):
    task = recurring(alice, "FREQ=DAILY", **ALL_DAY)
    ended = patch(alice, task["id"], {"recurrence": None}).json
    assert (ended["recurrence"], ended["due_date"]) == (None, "2030-01-01")
    done = complete(alice, task["id"])
    assert done["done"] is True and done["due_date"] == "2030-01-01"
