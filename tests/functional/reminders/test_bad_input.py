"""Contract sections 1 and 14: every bad ``reminders`` value is a 400 in the contract's error
shape naming ``reminders`` (or one of its items, ``reminders.<n>...``), and changes nothing;
no value is ever a 5xx, however large or odd.
"""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from taskservice.tasks.models import Task
from tests.support.api import assert_error, create_task, send_json
from tests.support.dates import history, read
from tests.support.reminders import MAX_OFFSET, MAX_REMINDERS, fire, upcoming

DUE = {"due_at": "2030-01-01T09:00:00Z"}
AT = "2030-01-01T08:00:00Z"

BAD_LISTS = {
    "eleven": [{"offset": -60 * i} for i in range(MAX_REMINDERS + 1)],
    "eleven absolute": [{"at": f"2030-01-01T08:{i:02d}:00Z"} for i in range(MAX_REMINDERS + 1)],
    "same offset twice": [{"offset": -900}, {"offset": -900}],
    "same time twice": [{"at": AT}, {"at": AT}],
    "same time after conversion": [{"at": AT}, {"at": "2030-01-01T10:00:00+02:00"}],
    "same time, other fraction form": [{"at": AT}, {"at": "2030-01-01T08:00:00.000Z"}],
    "offset past the bound": [{"offset": MAX_OFFSET + 1}],
    "offset before the bound": [{"offset": -MAX_OFFSET - 1}],
    "huge offset": [{"offset": 10**20}],
    "huge negative offset": [{"offset": -(10**20)}],
    "offset past 64 bits": [{"offset": 2**64}],
    "fractional offset": [{"offset": 1.5}],
    "float offset": [{"offset": 60.0}],
    "boolean offset": [{"offset": True}],
    "string offset": [{"offset": "60"}],
    "null offset": [{"offset": None}],
    "list offset": [{"offset": [60]}],
    "both keys": [{"at": AT, "offset": -900}],
    "neither key": [{}],
    "unknown key": [{"at": AT, "note": "call mum"}],
    "only an unknown key": [{"minutes": 15}],
    "null reminder": [None],
    "string reminder": [AT],
    "number reminder": [-900],
    "list reminder": [[AT]],
    "null at": [{"at": None}],
    "no offset in the time": [{"at": "2030-01-01T08:00:00"}],
    "a date, not a time": [{"at": "2030-01-01"}],
    "impossible date": [{"at": "2030-02-30T08:00:00Z"}],
    "impossible hour": [{"at": "2030-01-01T25:00:00Z"}],
    "words": [{"at": "tomorrow"}],
    "empty time": [{"at": ""}],
    "number time": [{"at": 1893488400}],
    "boolean time": [{"at": True}],
    "lone surrogate": [{"at": "\ud800"}],
    "past year 9999 in UTC": [{"at": "9999-12-31T23:00:00-05:00"}],
    "year zero": [{"at": "0000-01-01T00:00:00Z"}],
    "long garbage": [{"at": "9" * 10_000}],
}
BAD_VALUES = {"null": None, "a string": "soon", "an object": {"offset": -900}, "a number": 5,
              "true": True, **BAD_LISTS}


def task_count(dbsession):
    return dbsession.scalar(select(func.count()).select_from(Task))


def assert_names_reminders(response):
    """A 400 in the contract's shape whose every error is about ``reminders``."""
    errors = assert_error(response, 400)
    assert errors
    for error in errors:
        assert error["location"] == "body"
        assert error["name"] == "reminders" or error["name"].startswith("reminders."), errors


def post(client, body):
    return send_json(client.testapp, "POST", "/tasks", body, client.headers)


def write(client, method, task_id, body):
    return send_json(client.testapp, method, f"/tasks/{task_id}", body, client.headers)


@pytest.mark.parametrize("value", BAD_VALUES.values(), ids=BAD_VALUES.keys())
def test_a_bad_value_is_refused_at_creation(alice, dbsession, value):
    assert_names_reminders(post(alice, {"title": "t", "reminders": value, **DUE}))
    assert task_count(dbsession) == 0


@pytest.mark.parametrize("method", ["PATCH", "PUT"])
@pytest.mark.parametrize("value", BAD_VALUES.values(), ids=BAD_VALUES.keys())
def test_a_bad_value_is_refused_on_update_and_changes_nothing(alice, method, value):
    task = create_task(alice, reminders=[{"offset": -900}], **DUE)
    assert_names_reminders(write(alice, method, task["id"],
                                 {"title": "changed", "reminders": value, **DUE}))
    assert read(alice, task["id"]) == task
    assert len(history(alice, task["id"])) == 1


def test_every_failing_reminder_is_reported_with_the_other_fields(alice, dbsession):
    """Section 1: every failing field is listed, ``reminders`` among them."""
    response = post(alice, {"title": "", "reminders": [{"offset": "x"}], **DUE})
    errors = assert_error(response, 400)
    names = {error["name"].split(".")[0] for error in errors}
    assert names == {"title", "reminders"}
    assert task_count(dbsession) == 0


# -- a relative reminder needs a due ------------------------------------------------------

def test_a_relative_reminder_without_a_due_is_refused(alice, dbsession):
    assert_names_reminders(post(alice, {"title": "t", "reminders": [{"offset": -900}]}))
    assert task_count(dbsession) == 0


def test_a_relative_reminder_with_null_dues_is_refused(alice, dbsession):
    body = {"title": "t", "due_at": None, "due_date": None, "reminders": [{"offset": 0}]}
    assert_names_reminders(post(alice, body))
    assert task_count(dbsession) == 0


@pytest.mark.parametrize("due,removal", [
    (DUE, {"due_at": None}),
    ({"due_date": "2030-01-01"}, {"due_date": None}),
    (DUE, {"due_at": None, "due_date": None}),
])
def test_a_patch_that_removes_the_due_under_a_relative_reminder_is_refused(alice, due, removal):
    task = create_task(alice, reminders=[{"at": AT}, {"offset": -900}], **due)
    assert_names_reminders(write(alice, "PATCH", task["id"], removal))
    assert read(alice, task["id"]) == task


def test_a_put_without_a_due_but_with_a_relative_reminder_is_refused(alice):
    task = create_task(alice, reminders=[{"offset": -900}], **DUE)
    assert_names_reminders(write(alice, "PUT", task["id"],
                                 {"title": "t", "reminders": [{"offset": -900}]}))
    assert read(alice, task["id"]) == task


def test_a_put_without_a_due_nor_reminders_is_fine(alice):
    """Absent reminders are ``[]``: nothing relative is left without a due."""
    task = create_task(alice, reminders=[{"offset": -900}], **DUE)
    put = write(alice, "PUT", task["id"], {"title": "t"})
    assert put.status_int == 200
    assert (put.json["due_at"], put.json["reminders"]) == (None, [])


def test_removing_the_due_and_the_relative_reminders_together_is_fine(alice):
    task = create_task(alice, reminders=[{"offset": -900}], **DUE)
    patched = write(alice, "PATCH", task["id"], {"due_at": None, "reminders": [{"at": AT}]})
    assert patched.status_int == 200
    assert (patched.json["due_at"], patched.json["reminders"]) == (None, [{"at": AT}])


def test_removing_the_due_under_absolute_reminders_is_fine(alice):
    task = create_task(alice, reminders=[{"at": AT}], **DUE)
    patched = write(alice, "PATCH", task["id"], {"due_at": None})
    assert patched.status_int == 200 and patched.json["reminders"] == [{"at": AT}]


def test_a_relative_reminder_added_to_a_task_without_due_is_refused(alice):
    task = create_task(alice)
    assert_names_reminders(write(alice, "PATCH", task["id"], {"reminders": [{"offset": 60}]}))
    assert read(alice, task["id"]) == task


# -- extremes: never a 5xx ----------------------------------------------------------------

EXTREMES = [
    {"due_at": "9999-12-31T23:59:59Z", "reminders": [{"offset": MAX_OFFSET}]},
    {"due_at": "9999-12-31T23:59:59Z", "reminders": [{"offset": -MAX_OFFSET}]},
    {"due_at": "0001-01-01T00:00:00Z", "reminders": [{"offset": -MAX_OFFSET}]},
    {"due_date": "9999-12-31", "time_zone": "Pacific/Kiritimati",
     "reminders": [{"offset": MAX_OFFSET}]},
    {"due_date": "0001-01-01", "time_zone": "Pacific/Pago_Pago",
     "reminders": [{"offset": -MAX_OFFSET}]},
    {"due_date": "9999-12-31", "time_zone": "Pacific/Pago_Pago",
     "reminders": [{"offset": 0}]},
    {"reminders": [{"at": "9999-12-31T23:59:59Z"}, {"at": "0001-01-01T00:00:00Z"}]},
    {"due_date": "9999-12-31", "recurrence": {"rule": "FREQ=DAILY"},
     "reminders": [{"offset": MAX_OFFSET}]},
]


@pytest.mark.parametrize("fields", EXTREMES)
def test_extreme_moments_are_never_a_server_error(app, alice, fields):
    """A moment past what a date can hold is a 400 or is stored; listing and firing cope."""
    response = post(alice, {"title": "t", **fields})
    if response.status_int != 201:
        errors = assert_error(response, 400)
        named = {e["name"].split(".")[0] for e in errors}
        assert named <= {"reminders", "due_at", "due_date", "recurrence"}
    for window in ({"after": "9999-12-01T00:00:00Z", "before": "9999-12-31T23:59:59Z"},
                   {"after": "0001-01-01T00:00:00Z"}):
        assert upcoming(alice, window).status_int == 200
    fire(app, "9999-12-31T23:59:59+00:00")
