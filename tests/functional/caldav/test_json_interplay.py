"""The JSON API and CalDAV on the same tasks (contract section 16): nothing a client wrote is
lost when the task is edited through the JSON API (unknown and ``X-`` properties with their
parameters, several ``CATEGORIES`` lines, a VALARM's extras, VTIMEZONEs); the table's mapping
both ways; and a CalDAV write is a write like any other, with the same version and ETag in
``GET /tasks/<id>`` and ``GET /changes``."""

from __future__ import annotations

import pytest

from taskservice.caldav.names import INBOX, derived_uid
from tests.support.api import create_task
from tests.support.caldav import (
    component,
    dav_request,
    etag_of,
    inbox,
    properties,
    put,
    task_path,
    task_titled,
    unfolded,
    vtodo,
)

PARIS = component(
    "VTIMEZONE", "TZID:Europe/Paris",
    "BEGIN:STANDARD", "DTSTART:19701025T030000", "TZOFFSETFROM:+0200", "TZOFFSETTO:+0100",
    "RRULE:FREQ=YEARLY;BYDAY=-1SU;BYMONTH=10", "END:STANDARD",
    "BEGIN:DAYLIGHT", "DTSTART:19700329T020000", "TZOFFSETFROM:+0100", "TZOFFSETTO:+0200",
    "RRULE:FREQ=YEARLY;BYDAY=-1SU;BYMONTH=3", "END:DAYLIGHT")
KEPT = ("LOCATION:Kitchen", "URL:https://example.com/recipe", "CLASS:PRIVATE",
        "X-APPLE-SORT-ORDER:123456", 'X-CUSTOM;X-PARAM=one;LANGUAGE=fr:"valeur"',
        "ATTACH:https://example.com/a.pdf")
ALARM_EXTRAS = ("X-WR-ALARMUID:alarm-1", "DESCRIPTION:Reminder", "X-APPLE-DEFAULT-ALARM:TRUE")
RICH = vtodo(
    "rich@client", "rich", "DUE;TZID=Europe/Paris:20300110T090000", *KEPT,
    "CATEGORIES:home", "CATEGORIES:shop,errands", "PRIORITY:5", "STATUS:IN-PROCESS",
    "PERCENT-COMPLETE:40", "SEQUENCE:7",
    "BEGIN:VALARM", "ACTION:DISPLAY", "TRIGGER;RELATED=END:-PT15M", *ALARM_EXTRAS,
    "END:VALARM",
    components=PARIS)


@pytest.fixture
def rich(alice, dav_alice):
    """The rich object, PUT by a client into inbox: (its path, the task it made)."""
    path = inbox(dav_alice) + "rich.ics"
    put(dav_alice, path, RICH, status=201)
    return path, task_titled(alice, "rich")


def get_ical(client, path) -> str:
    return dav_request(client, "GET", path, status=200).text


def edit(client, task_id, **fields) -> dict:
    return client.testapp.patch_json(f"/tasks/{task_id}", fields, headers=client.headers,
                                     status=200).json


def test_the_clients_own_bytes_come_back_until_a_json_change(dav_alice, rich):
    path, _ = rich
    assert get_ical(dav_alice, path) == RICH


def test_the_object_is_read_as_the_table_says(rich):
    _, task = rich
    assert task["due_at"] in ("2030-01-10T08:00:00Z", "2030-01-10T08:00:00+00:00")
    assert task["time_zone"] == "Europe/Paris"
    assert task["tags"] == ["home", "shop", "errands"]
    assert task["priority"] == "normal"  # 5
    assert task["done"] is False  # IN-PROCESS, 40 %
    assert task["reminders"] == [{"offset": -900}]


def test_a_json_edit_keeps_everything_the_table_does_not_map(alice, dav_alice, rich):
    path, task = rich
    edited = edit(alice, task["id"], title="renamed")
    ical = get_ical(dav_alice, path)
    lines = unfolded(ical)
    for line in KEPT:
        assert line in lines, line
    assert properties(ical, "SUMMARY") == ["SUMMARY:renamed"]
    assert properties(ical, "UID") == ["UID:rich@client"]
    assert properties(ical, "SEQUENCE") == [f"SEQUENCE:{edited['version'] - 1}"]
    for line in ALARM_EXTRAS:
        assert line in properties(ical, line.split(":")[0].split(";")[0], within="VALARM")
    assert "TZID:Europe/Paris" in properties(ical, "TZID", within="VTIMEZONE")
    assert properties(ical, "DUE") == ["DUE;TZID=Europe/Paris:20300110T090000"]


def test_a_json_edit_of_the_tags_writes_them_as_one_categories_line(alice, dav_alice, rich):
    path, task = rich
    edit(alice, task["id"], tags=["errands", "home"])
    assert properties(get_ical(dav_alice, path), "CATEGORIES") == ["CATEGORIES:errands,home"]


def test_a_json_edit_of_one_field_keeps_the_categories_the_client_sent(alice, dav_alice, rich):
    """Several ``CATEGORIES`` lines may be rewritten as one, but never lose a tag."""
    path, task = rich
    edit(alice, task["id"], title="renamed")
    lines = properties(get_ical(dav_alice, path), "CATEGORIES")
    assert [tag for line in lines for tag in line.split(":", 1)[1].split(",")] == [
        "home", "shop", "errands"]


def test_a_json_edit_of_the_reminders_keeps_the_other_properties(alice, dav_alice, rich):
    path, task = rich
    edit(alice, task["id"], reminders=[{"offset": -3600}])
    ical = get_ical(dav_alice, path)
    assert properties(ical, "TRIGGER", within="VALARM") == ["TRIGGER;RELATED=END:-PT1H"]
    for line in KEPT:
        assert line in unfolded(ical), line


def test_a_caldav_put_is_the_json_apis_write(alice, dav_alice):
    created = put(dav_alice, inbox(dav_alice) + "w.ics", vtodo("w-uid", "written"),
                  status=201)
    task = task_titled(alice, "written")
    assert created.headers["ETag"] == etag_of(alice, task["id"]) == f'"{task["version"]}"'
    history = alice.testapp.get(f"/tasks/{task['id']}/history", headers=alice.headers
                                ).json["items"]
    assert [entry["action"] for entry in history] == ["created"]
    assert history[0]["by"] == "alice"


def test_a_caldav_change_is_in_the_change_feed_with_the_same_version(alice, dav_alice):
    token = alice.testapp.get("/changes", headers=alice.headers).json["next_token"]
    path = inbox(dav_alice) + "w.ics"
    etag = put(dav_alice, path, vtodo("w-uid", "first"), status=201).headers["ETag"]
    changed = put(dav_alice, path, vtodo("w-uid", "second"), status=204, If_Match=etag)
    feed = alice.testapp.get("/changes", {"token": token}, headers=alice.headers).json
    [change] = feed["changes"]
    assert change["task"]["title"] == "second"
    assert changed.headers["ETag"] == f'"{change["task"]["version"]}"' == '"2"'


def test_a_caldav_delete_is_a_tombstone_in_the_change_feed(alice, dav_alice):
    task = create_task(alice, title="gone")
    token = alice.testapp.get("/changes", headers=alice.headers).json["next_token"]
    dav_request(dav_alice, "DELETE", task_path(alice, INBOX, task["id"]), status=204)
    feed = alice.testapp.get("/changes", {"token": token}, headers=alice.headers).json
    assert [(c["id"], c["deleted"], c.get("reason")) for c in feed["changes"]] == [
        (task["id"], True, "deleted")]


# -- the table, from the JSON API to the VTODO ---------------------------------------------


def served(alice, dav_alice, **fields) -> str:
    task = create_task(alice, **fields)
    return get_ical(dav_alice, task_path(alice, INBOX, task["id"]))


@pytest.mark.parametrize(("priority", "line"), [("urgent", ["PRIORITY:1"]),
                                                ("high", ["PRIORITY:3"]),
                                                ("normal", []), ("low", ["PRIORITY:9"])])
def test_priority_is_written_as_the_table_says(alice, dav_alice, priority, line):
    ical = served(alice, dav_alice, title="p", priority=priority)
    assert properties(ical, "PRIORITY") in ((line,) if line else ([], ["PRIORITY:0"]))


def test_a_done_task_is_written_completed(alice, dav_alice):
    ical = served(alice, dav_alice, title="done", done=True)
    assert properties(ical, "STATUS") == ["STATUS:COMPLETED"]
    assert properties(ical, "PERCENT-COMPLETE") == ["PERCENT-COMPLETE:100"]
    assert len(properties(ical, "COMPLETED")) == 1


def test_an_open_task_is_written_needs_action(alice, dav_alice):
    ical = served(alice, dav_alice, title="open")
    assert properties(ical, "STATUS") == ["STATUS:NEEDS-ACTION"]
    assert properties(ical, "COMPLETED") == properties(ical, "PERCENT-COMPLETE") == []


@pytest.mark.parametrize(("fields", "due"), [
    ({"due_at": "2030-01-10T12:00:00Z", "time_zone": "UTC"}, "DUE:20300110T120000Z"),
    ({"due_at": "2030-01-10T12:00:00Z", "time_zone": "Europe/Paris"},
     "DUE;TZID=Europe/Paris:20300110T130000"),
    ({"due_date": "2030-01-10"}, "DUE;VALUE=DATE:20300110"),
])
def test_the_due_is_written_as_the_table_says(alice, dav_alice, fields, due):
    ical = served(alice, dav_alice, title="due", **fields)
    assert properties(ical, "DUE") == [due]
    if "TZID" in due:
        assert "TZID:Europe/Paris" in properties(ical, "TZID", within="VTIMEZONE")


def test_a_recurring_task_has_its_rrule_and_dtstart_at_the_due(alice, dav_alice):
    ical = served(alice, dav_alice, title="daily", due_date="2030-01-10",
                  recurrence={"rule": "FREQ=DAILY;COUNT=5", "from": "due"})
    assert properties(ical, "RRULE") == ["RRULE:FREQ=DAILY;COUNT=5"]
    assert properties(ical, "DTSTART") == ["DTSTART;VALUE=DATE:20300110"]


def test_reminders_are_valarms(alice, dav_alice):
    ical = served(alice, dav_alice, title="r", due_at="2030-01-10T12:00:00Z",
                  reminders=[{"offset": -900}, {"at": "2030-01-09T08:00:00Z"}])
    assert sorted(properties(ical, "TRIGGER", within="VALARM")) == [
        "TRIGGER;RELATED=END:-PT15M", "TRIGGER;VALUE=DATE-TIME:20300109T080000Z"]
    assert properties(ical, "ACTION", within="VALARM") == ["ACTION:DISPLAY"] * 2


def test_a_parent_is_related_to(alice, dav_alice):
    parent = create_task(alice, title="parent")
    ical = served(alice, dav_alice, title="child", parent=parent["id"])
    assert properties(ical, "RELATED-TO") == [
        f"RELATED-TO;RELTYPE=PARENT:{derived_uid(int(parent['id']))}"]


def test_sequence_is_the_version_less_one(alice, dav_alice):
    task = create_task(alice, title="v")
    edit(alice, task["id"], title="v2")
    ical = get_ical(dav_alice, task_path(alice, INBOX, task["id"]))
    assert properties(ical, "SEQUENCE") == ["SEQUENCE:1"]


# -- the table, from the VTODO to the JSON API ---------------------------------------------


def read(alice, dav_alice, *lines: str, title: str = "read") -> dict:
    put(dav_alice, inbox(dav_alice) + f"{title}.ics", vtodo(f"{title}-uid", title, *lines),
        status=201)
    return task_titled(alice, title)


@pytest.mark.parametrize(("value", "priority"), [
    ("1", "urgent"), ("2", "high"), ("3", "high"), ("4", "high"), ("0", "normal"),
    ("5", "normal"), ("6", "low"), ("9", "low")])
def test_priority_is_read_as_the_table_says(alice, dav_alice, value, priority):
    assert read(alice, dav_alice, f"PRIORITY:{value}")["priority"] == priority


@pytest.mark.parametrize("line", ["STATUS:COMPLETED", "COMPLETED:20260101T090000Z",
                                  "PERCENT-COMPLETE:100", "STATUS:CANCELLED"])
def test_any_sign_of_completion_reads_as_done(alice, dav_alice, line):
    assert read(alice, dav_alice, line)["done"] is True


def test_a_past_completed_becomes_completed_at(alice, dav_alice):
    task = read(alice, dav_alice, "STATUS:COMPLETED", "COMPLETED:20260101T090000Z")
    assert task["completed_at"] in ("2026-01-01T09:00:00Z", "2026-01-01T09:00:00+00:00")


def test_duplicate_categories_merge(alice, dav_alice):
    assert read(alice, dav_alice, "CATEGORIES:a,b", "CATEGORIES:b,c")["tags"] == ["a", "b", "c"]


def test_a_utc_due_leaves_the_creators_zone(alice, dav_alice):
    alice.testapp.patch_json("/users/me", {"time_zone": "Asia/Tokyo"}, headers=alice.headers,
                             status=200)
    task = read(alice, dav_alice, "DUE:20300110T120000Z")
    assert task["time_zone"] == "Asia/Tokyo"
    assert task["due_at"] in ("2030-01-10T12:00:00Z", "2030-01-10T12:00:00+00:00")


def test_a_subtask_uploaded_before_its_parent_is_linked_when_it_arrives(alice, dav_alice):
    """Relations never make a write fail, and a waiting link is made later."""
    child = read(alice, dav_alice, "RELATED-TO;RELTYPE=PARENT:parent-uid", title="child")
    assert child["parent"] is None
    parent = read(alice, dav_alice, title="parent")
    assert task_titled(alice, "child")["parent"] == parent["id"]


def test_a_related_to_without_reltype_is_a_parent(alice, dav_alice):
    parent = read(alice, dav_alice, title="parent")
    child = read(alice, dav_alice, "RELATED-TO:parent-uid", title="child")
    assert child["parent"] == parent["id"]


def test_a_waiting_link_is_made_first_and_a_cycle_is_never_made(alice, dav_alice):
    """Section 16's precisions: A names B, which is not there yet; B arrives naming A. A's
    waiting link is made (A under B); B's own link would make a cycle, so B stays a root."""
    read(alice, dav_alice, "RELATED-TO;RELTYPE=PARENT:b-uid", title="a")
    b = read(alice, dav_alice, "RELATED-TO;RELTYPE=PARENT:a-uid", title="b")
    assert task_titled(alice, "a")["parent"] == b["id"]
    assert task_titled(alice, "b")["parent"] is None


def test_a_parent_the_caller_may_not_see_is_kept_as_written(alice, bob, dav_alice):
    secret = create_task(bob, title="bob's")
    related = f"RELATED-TO;RELTYPE=PARENT:{derived_uid(int(secret['id']))}"
    child = read(alice, dav_alice, related, title="child")
    assert child["parent"] is None
    ical = get_ical(dav_alice, inbox(dav_alice) + "child.ics")
    assert properties(ical, "RELATED-TO") == [related]


def test_overrides_are_kept_and_change_no_field(alice, dav_alice):
    """A VTODO with the same UID and a RECURRENCE-ID is an override, not a second task."""
    override = component("VTODO", "UID:series-uid", "DTSTAMP:20260101T090000Z",
                         "RECURRENCE-ID;VALUE=DATE:20300102", "SUMMARY:just this once",
                         "DUE;VALUE=DATE:20300102", "PRIORITY:1")
    ical = vtodo("series-uid", "series", "DTSTART;VALUE=DATE:20300101",
                 "DUE;VALUE=DATE:20300101", "RRULE:FREQ=DAILY", components=override)
    path = inbox(dav_alice) + "series.ics"
    put(dav_alice, path, ical, status=201)
    task = task_titled(alice, "series")
    assert task["priority"] == "normal" and task["due_date"] == "2030-01-01"
    assert get_ical(dav_alice, path) == ical


def test_a_clients_dtstart_moves_with_the_due_on_a_roll_forward(alice, dav_alice):
    path = inbox(dav_alice) + "daily.ics"
    series = ("DTSTART;VALUE=DATE:20300101", "DUE;VALUE=DATE:20300101", "RRULE:FREQ=DAILY")
    put(dav_alice, path, vtodo("daily-uid", "daily", *series), status=201)
    task = task_titled(alice, "daily")
    edit(alice, task["id"], done=True)
    ical = get_ical(dav_alice, path)
    assert properties(ical, "DUE") == ["DUE;VALUE=DATE:20300102"]
    assert properties(ical, "DTSTART") == ["DTSTART;VALUE=DATE:20300102"]


def test_a_client_editing_a_stale_copy_gets_a_412_never_an_overwrite(alice, dav_alice):
    """Both sides edited: the JSON API's change bumped the ETag the client holds."""
    path = inbox(dav_alice) + "both.ics"
    stale = put(dav_alice, path, vtodo("both-uid", "both"), status=201).headers["ETag"]
    task = task_titled(alice, "both")
    edit(alice, task["id"], title="edited on the web")
    put(dav_alice, path, vtodo("both-uid", "edited on the phone"), status=412, If_Match=stale)
    assert task_titled(alice, "edited on the web")["version"] == 2
