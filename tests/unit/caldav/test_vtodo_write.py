"""A task served as a VTODO (contract section 16, "A task as VTODO", written): a new
object, a client's own bytes while they describe the task, and a client's object with only
the mapped properties rewritten once the task changed."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from icalendar import Calendar

from taskservice.caldav.vtodo import PRODID, calendar_text, read_object, served_rule, unserved
from taskservice.vocabulary import PRIORITY_RANK

from .test_vtodo_read import OUTLOOK_ZONE
from .vtodo_support import FakeTask, calendar

DUE = datetime(2030, 1, 15, 8, tzinfo=UTC)  # 09:00 in Paris


def served(task: FakeTask, stored: bytes | None = None, parent_uid: str | None = None) -> str:
    text = None if stored is None else stored.decode()
    return calendar_text(task, "task-1", text, False, parent_uid)


def todo_lines(text: str) -> list[str]:
    """The master VTODO's unfolded lines, VALARMs included."""
    unfolded = text.replace("\r\n ", "")
    start = unfolded.index("BEGIN:VTODO")
    return unfolded[start:unfolded.index("END:VTODO", start)].split("\r\n")[1:]


def names(text: str) -> list[str]:
    return [line.split(":")[0].split(";")[0] for line in todo_lines(text)]


# -- a new object ---------------------------------------------------------------------------


def test_a_new_object_is_a_vcalendar_with_version_prodid_and_the_vtodo():
    text = served(FakeTask(title="Buy milk"))
    calendar_ = Calendar.from_ical(text)
    assert (str(calendar_["VERSION"]), str(calendar_["PRODID"])) == ("2.0", PRODID)
    todo = calendar_.walk("VTODO")[0]
    assert str(todo["UID"]) == "task-1"
    assert str(todo["SUMMARY"]) == "Buy milk"
    assert str(todo["STATUS"]) == "NEEDS-ACTION"
    assert "COMPLETED" not in todo and "PERCENT-COMPLETE" not in todo
    assert "PRIORITY" not in todo and "DUE" not in todo and "VTIMEZONE" not in text
    assert text.endswith("END:VCALENDAR\r\n") and "\r\n" in text


def test_a_done_task_has_all_three_marks():
    done_at = datetime(2030, 1, 3, 10, tzinfo=UTC)
    lines = todo_lines(served(FakeTask(done=True, completed_at=done_at)))
    assert {"STATUS:COMPLETED", "COMPLETED:20300103T100000Z", "PERCENT-COMPLETE:100"} <= set(
        lines)


@pytest.mark.parametrize(("priority", "line"), [("urgent", "PRIORITY:1"), ("high", "PRIORITY:3"),
                                                ("low", "PRIORITY:9"), ("normal", None)])
def test_priority_is_written_by_the_table(priority, line):
    written = [item for item in todo_lines(served(FakeTask(priority=PRIORITY_RANK[priority])))
               if item.startswith("PRIORITY")]
    assert written == ([] if line is None else [line])


def test_stamps_say_created_updated_and_the_version_less_one():
    lines = todo_lines(served(FakeTask(version=5)))
    assert {"CREATED:20300101T080000Z", "LAST-MODIFIED:20300102T093000Z",
            "DTSTAMP:20300102T093000Z", "SEQUENCE:4"} <= set(lines)


def test_a_timed_due_in_a_zone_names_it_and_sends_its_vtimezone():
    text = served(FakeTask(due_at=DUE, time_zone="Europe/Paris"))
    assert "DUE;TZID=Europe/Paris:20300115T090000" in todo_lines(text)
    zone = Calendar.from_ical(text).walk("VTIMEZONE")
    assert [str(component["TZID"]) for component in zone] == ["Europe/Paris"]
    assert text.index("BEGIN:VTIMEZONE") < text.index("BEGIN:VTODO")


def test_a_utc_due_is_written_with_z_and_no_vtimezone():
    text = served(FakeTask(due_at=DUE))
    assert "DUE:20300115T080000Z" in todo_lines(text)
    assert "VTIMEZONE" not in text


def test_an_all_day_due_is_a_date():
    text = served(FakeTask(due_at=DUE, due_date=date(2030, 1, 15), time_zone="Europe/Paris"))
    assert "DUE;VALUE=DATE:20300115" in todo_lines(text)
    assert "VTIMEZONE" not in text


def test_tags_are_one_categories_line_in_their_order():
    lines = todo_lines(served(FakeTask(tags=["work", "a,b", "home"])))
    assert [line for line in lines if line.startswith("CATEGORIES")] == [
        "CATEGORIES:work,a\\,b,home"]


def test_the_parent_is_a_related_to_of_type_parent():
    assert "RELATED-TO;RELTYPE=PARENT:mother" in todo_lines(served(FakeTask(), parent_uid="mother"))
    assert "RELATED-TO" not in names(served(FakeTask()))


def test_reminders_are_display_alarms():
    task = FakeTask(due_at=DUE, reminders=[{"offset": -900}, {"at": "2030-01-14T18:00:00Z"}])
    lines = todo_lines(served(task))
    assert lines.count("ACTION:DISPLAY") == 2
    assert "TRIGGER;RELATED=END:-PT15M" in lines
    assert "TRIGGER;VALUE=DATE-TIME:20300114T180000Z" in lines


def test_a_recurring_task_starts_at_its_current_due_with_the_occurrences_left():
    task = FakeTask(due_at=DUE, time_zone="Europe/Paris", recurrence_rule="FREQ=DAILY;COUNT=5",
                    recurrence_from="due", recurrence_index=2)
    lines = todo_lines(served(task))
    assert "DTSTART;TZID=Europe/Paris:20300115T090000" in lines
    assert "RRULE:FREQ=DAILY;COUNT=3" in lines


@pytest.mark.parametrize(("rule", "index", "served_as"), [
    ("FREQ=DAILY", 4, "FREQ=DAILY"),
    ("FREQ=WEEKLY;count=10;BYDAY=MO", 3, "FREQ=WEEKLY;count=7;BYDAY=MO"),
    ("COUNT=2;FREQ=DAILY", 1, "COUNT=1;FREQ=DAILY"),
    ("FREQ=DAILY;UNTIL=20301231T000000Z", 9, "FREQ=DAILY;UNTIL=20301231T000000Z"),
])
def test_the_served_rule_counts_what_is_left(rule, index, served_as):
    assert served_rule(FakeTask(recurrence_rule=rule, recurrence_index=index)) == served_as


def test_a_long_title_is_folded_and_escaped():
    title = "Ünïcödé, with; commas " * 8
    text = served(FakeTask(title=title.strip()))
    assert all(len(line.encode()) <= 75 for line in text.split("\r\n"))
    assert read_object(text.encode()).fields["title"] == title.strip()


# -- round trips ----------------------------------------------------------------------------


@pytest.mark.parametrize("task", [
    FakeTask(),
    FakeTask(title="Tax return", description="Forms\nand; receipts, all", done=True,
             completed_at=datetime(2030, 1, 3, tzinfo=UTC), priority=PRIORITY_RANK["urgent"],
             tags=["admin", "money"]),
    FakeTask(due_at=DUE, time_zone="America/New_York", priority=PRIORITY_RANK["high"],
             reminders=[{"offset": -900}, {"at": "2030-01-14T18:00:00Z"}]),
    FakeTask(due_at=DUE, due_date=date(2030, 1, 15), time_zone="Asia/Tokyo",
             priority=PRIORITY_RANK["low"], reminders=[{"offset": 32400}]),
    FakeTask(due_at=DUE, time_zone="Europe/Paris", recurrence_rule="FREQ=WEEKLY;BYDAY=TU",
             recurrence_from="due"),
    FakeTask(due_at=DUE, recurrence_rule="FREQ=DAILY;INTERVAL=2", recurrence_from="due"),
    FakeTask(due_at=DUE, recurrence_rule="FREQ=DAILY;INTERVAL=3",
             recurrence_from="completion"),
])
def test_what_is_served_reads_back_as_the_task(task):
    read = read_object(served(task, parent_uid="mother").encode(),
                       now=datetime(2031, 1, 1, tzinfo=UTC))
    fields = read.fields
    assert fields["title"] == task.title
    assert fields["description"] == task.description
    assert fields["done"] is task.done
    assert fields["priority"] == ("low", "normal", "high", "urgent")[task.priority]
    assert fields["tags"] == task.tags
    assert fields["reminders"] == task.reminders
    assert (read.parent_uid, read.completed_at) == ("mother", task.completed_at)
    if task.due_date is not None:
        assert fields["due_date"] == task.due_date.isoformat()
    else:
        assert fields["due_at"] == (None if task.due_at is None else "2030-01-15T08:00:00Z")
    if task.due_at is not None and task.due_date is None and task.time_zone != "UTC":
        assert fields["time_zone"] == task.time_zone
    expected = None if task.recurrence_rule is None else {"rule": task.recurrence_rule,
                                                          "from": task.recurrence_from}
    assert fields["recurrence"] == expected


# -- a client's object ----------------------------------------------------------------------

CLIENT = calendar(
    "DTSTAMP:20291231T000000Z", "SEQUENCE:7", "PRIORITY:5", "STATUS:IN-PROCESS",
    "PERCENT-COMPLETE:40", "CATEGORIES:home", "CATEGORIES:work", "LOCATION:Shop",
    "URL:https://example.com/list", "CLASS:PRIVATE", "ATTACH:https://example.com/a.pdf",
    'X-APPLE-SORT-ORDER;X-PARAM="a:b";Y=c:12', "X-LONG:" + "x" * 100,
    "RELATED-TO;RELTYPE=CHILD:kid",
    "DUE;TZID=W. Europe Standard Time:20300115T090000",
    "BEGIN:VALARM", "ACTION:DISPLAY", "DESCRIPTION:Soon", "TRIGGER;RELATED=END:-PT15M",
    "X-WR-ALARMUID:abc", "END:VALARM",
    "BEGIN:VALARM", "ACTION:AUDIO", "TRIGGER;VALUE=DATE-TIME:20300114T180000Z",
    "END:VALARM",
    extra=OUTLOOK_ZONE,
)
# The task the client's object describes (its DUE is 08:00 UTC in winter).
CLIENT_TASK = FakeTask(due_at=DUE, time_zone="Europe/Paris", tags=["home", "work"],
                       reminders=[{"offset": -900}, {"at": "2030-01-14T18:00:00Z"}], version=2)


def folded(text: str) -> list[str]:
    """The physical lines of ``text`` (a folded line's continuations are lines too)."""
    return text.split("\r\n")


def test_a_fresh_object_is_served_byte_for_byte():
    stored = CLIENT.replace(b"\r\n", b"\n").decode()
    assert calendar_text(CLIENT_TASK, "task-1", stored, True, None) == stored


def test_a_stale_object_keeps_every_line_the_task_does_not_map_as_sent():
    text = served(FakeTask(**{**CLIENT_TASK.__dict__, "title": "Renamed", "version": 3}),
                  CLIENT)
    kept = [line for line in folded(CLIENT.decode())
            if not line.startswith(("SUMMARY", "DTSTAMP", "SEQUENCE"))]
    assert set(kept) <= set(folded(text))
    assert "SUMMARY:Renamed" in todo_lines(text)
    assert {"SEQUENCE:2", "DTSTAMP:20300102T093000Z"} <= set(todo_lines(text))
    assert "SEQUENCE:7" not in todo_lines(text)


def test_properties_that_still_say_what_the_task_says_are_kept_as_sent():
    text = served(FakeTask(**{**CLIENT_TASK.__dict__, "title": "Renamed"}), CLIENT)
    lines = todo_lines(text)
    assert {"PRIORITY:5", "STATUS:IN-PROCESS", "PERCENT-COMPLETE:40", "CATEGORIES:home",
            "CATEGORIES:work", "DUE;TZID=W. Europe Standard Time:20300115T090000"} <= set(lines)


def test_changed_properties_are_written_by_the_table():
    task = FakeTask(**{**CLIENT_TASK.__dict__, "priority": PRIORITY_RANK["urgent"],
                       "done": True, "completed_at": datetime(2030, 1, 5, tzinfo=UTC),
                       "tags": ["work", "home"], "due_at": datetime(2030, 2, 1, 8, tzinfo=UTC)})
    text = served(task, CLIENT)
    lines = todo_lines(text)
    assert {"PRIORITY:1", "STATUS:COMPLETED", "PERCENT-COMPLETE:100",
            "COMPLETED:20300105T000000Z", "CATEGORIES:work,home",
            "DUE;TZID=Europe/Paris:20300201T090000"} <= set(lines)
    assert not {"PRIORITY:5", "STATUS:IN-PROCESS", "PERCENT-COMPLETE:40", "CATEGORIES:home",
                "CATEGORIES:work"} & set(lines)
    assert [name for name in names(text) if name == "DUE"] == ["DUE"]
    # The zone the new DUE names is sent; Outlook's is kept.
    zones = [str(zone["TZID"]) for zone in Calendar.from_ical(text).walk("VTIMEZONE")]
    assert sorted(zones) == ["Europe/Paris", "W. Europe Standard Time"]
    assert read_object(text.encode()).fields["due_at"] == "2030-02-01T08:00:00Z"


def test_a_vtimezone_the_object_has_is_not_sent_twice():
    stored = calendar("DUE;TZID=Europe/Paris:20300115T090000",
                      extra="BEGIN:VTIMEZONE\r\nTZID:Europe/Paris\r\nX-MINE:1\r\nEND:VTIMEZONE")
    task = FakeTask(due_at=datetime(2030, 3, 1, 8, tzinfo=UTC), time_zone="Europe/Paris")
    text = served(task, stored)
    assert text.count("BEGIN:VTIMEZONE") == 1
    assert "X-MINE:1" in text


def test_alarms_whose_trigger_is_still_a_reminder_keep_their_extra_properties():
    task = FakeTask(**{**CLIENT_TASK.__dict__, "reminders": [{"offset": -900},
                                                             {"offset": -3600}]})
    lines = todo_lines(served(task, CLIENT))
    assert "X-WR-ALARMUID:abc" in lines and "DESCRIPTION:Soon" in lines
    assert "TRIGGER;RELATED=END:-PT1H" in lines
    # The absolute reminder was removed: its alarm is gone.
    assert "TRIGGER;VALUE=DATE-TIME:20300114T180000Z" not in lines
    assert lines.count("BEGIN:VALARM") == 2


def test_an_alarm_that_is_no_reminder_is_kept():
    stored = calendar(*["BEGIN:VALARM", "ACTION:DISPLAY", "TRIGGER;RELATED=END:-PT5M",
                        "X-KEEP:1", "END:VALARM"])
    text = served(FakeTask(title="Changed", reminders=[{"at": "2030-01-01T00:00:00Z"}]), stored)
    lines = todo_lines(text)
    assert "X-KEEP:1" in lines
    assert lines.count("BEGIN:VALARM") == 2


def test_other_related_to_are_kept_and_the_parent_is_rewritten():
    stored = calendar("RELATED-TO;RELTYPE=CHILD:kid", "RELATED-TO:old-mother")
    lines = todo_lines(served(FakeTask(), stored, parent_uid="new-mother"))
    assert "RELATED-TO;RELTYPE=CHILD:kid" in lines
    assert "RELATED-TO;RELTYPE=PARENT:new-mother" in lines
    assert "RELATED-TO:old-mother" not in lines


def test_a_waiting_parent_link_is_kept_as_sent_and_a_removed_one_goes():
    stored = calendar("RELATED-TO:not-yet")
    assert "RELATED-TO:not-yet" in todo_lines(served(FakeTask(), stored, parent_uid="not-yet"))
    assert "RELATED-TO" not in names(served(FakeTask(), stored))


def test_a_recurring_task_moves_the_client_s_dtstart_and_a_single_one_keeps_it():
    stored = calendar("DTSTART:20300110T080000Z", "DUE:20300115T080000Z",
                      "RRULE:FREQ=DAILY;COUNT=4")
    rolled = FakeTask(due_at=datetime(2030, 1, 16, 8, tzinfo=UTC),
                      recurrence_rule="FREQ=DAILY;COUNT=4", recurrence_from="due",
                      recurrence_index=1)
    lines = todo_lines(served(rolled, stored))
    assert {"DTSTART:20300116T080000Z", "DUE:20300116T080000Z", "RRULE:FREQ=DAILY;COUNT=3"} <= set(
        lines)
    assert "DTSTART:20300110T080000Z" not in lines
    single = todo_lines(served(FakeTask(due_at=DUE), stored))
    assert "DTSTART:20300110T080000Z" in single
    assert "RRULE" not in names(served(FakeTask(due_at=DUE), stored))


def test_overrides_and_other_components_are_kept():
    override = "\r\n".join(["BEGIN:VTODO", "UID:task-1", "RECURRENCE-ID:20300116T080000Z",
                            "SUMMARY:Moved", "END:VTODO"])
    stored = calendar("DUE:20300115T080000Z", "RRULE:FREQ=DAILY", overrides=override,
                      extra="BEGIN:X-CLIENT\r\nX-A:1\r\nEND:X-CLIENT")
    task = FakeTask(title="New", due_at=DUE, recurrence_rule="FREQ=DAILY",
                    recurrence_from="due")
    text = served(task, stored)
    assert override in text
    assert "BEGIN:X-CLIENT\r\nX-A:1\r\nEND:X-CLIENT" in text
    assert read_object(text.encode()).fields["title"] == "New"


def test_a_stored_object_that_can_no_longer_be_read_is_written_anew():
    text = served(FakeTask(title="Kept"), b"not a calendar")
    assert read_object(text.encode()).fields["title"] == "Kept"


def test_a_series_from_completion_says_so_and_one_from_the_due_does_not():
    task = FakeTask(due_at=DUE, recurrence_rule="FREQ=DAILY", recurrence_from="completion")
    assert "X-TASKSERVICE-RECURRENCE-FROM:completion" in todo_lines(served(task))
    stored = served(task).encode()
    by_due = FakeTask(due_at=DUE, recurrence_rule="FREQ=DAILY", recurrence_from="due")
    assert "X-TASKSERVICE-RECURRENCE-FROM" not in names(served(by_due, stored))


def test_a_client_s_duration_goes_when_a_due_is_written():
    stored = calendar("DTSTART:20300110T080000Z", "DURATION:PT1H")
    assert "DURATION:PT1H" in todo_lines(served(FakeTask(title="Renamed"), stored))
    lines = todo_lines(served(FakeTask(due_at=DUE), stored))
    assert "DURATION" not in names(served(FakeTask(due_at=DUE), stored))
    assert "DUE:20300115T080000Z" in lines


def test_an_alarm_is_read_against_the_dtstart_and_due_it_is_served_with():
    # Relative to the start, 08:00: 75 minutes before the due. Rolled forward, the series
    # starts at its new due, where "15 minutes before the start" is another reminder.
    stored = calendar("DTSTART:20300115T080000Z", "DUE:20300115T093000Z", "RRULE:FREQ=DAILY",
                      "BEGIN:VALARM", "ACTION:DISPLAY", "TRIGGER:-PT15M", "X-MINE:1",
                      "END:VALARM")
    assert read_object(stored).fields["reminders"] == [{"offset": -6300}]
    rolled = FakeTask(due_at=datetime(2030, 1, 16, 9, 30, tzinfo=UTC),
                      recurrence_rule="FREQ=DAILY", recurrence_from="due",
                      reminders=[{"offset": -6300}])
    text = served(rolled, stored)
    assert "X-MINE:1" not in todo_lines(text)
    assert read_object(text.encode()).fields["reminders"] == [{"offset": -6300}]


def test_an_alarm_that_a_new_due_would_make_a_reminder_goes():
    stored = calendar("BEGIN:VALARM", "ACTION:DISPLAY", "TRIGGER;RELATED=END:-PT15M",
                      "END:VALARM")
    assert read_object(stored).fields["reminders"] == []
    assert "BEGIN:VALARM" in served(FakeTask(title="Renamed"), stored)
    text = served(FakeTask(due_at=DUE), stored)
    assert "BEGIN:VALARM" not in text
    assert read_object(text.encode()).fields["reminders"] == []


COUNTED = FakeTask(due_at=DUE, recurrence_rule="FREQ=DAILY;COUNT=5", recurrence_from="due",
                   recurrence_index=2)


def test_an_object_sent_back_as_served_keeps_the_task_s_own_rule():
    fields = read_object(served(COUNTED).encode()).fields
    assert fields["recurrence"]["rule"] == "FREQ=DAILY;COUNT=3"
    assert unserved(fields, COUNTED)["recurrence"] == {"rule": "FREQ=DAILY;COUNT=5",
                                                       "from": "due"}


@pytest.mark.parametrize("change", [{"due_at": "2030-01-20T08:00:00Z"},
                                    {"recurrence": {"rule": "FREQ=DAILY;COUNT=4",
                                                    "from": "due"}},
                                    {"recurrence": None}])
def test_a_new_due_or_rule_is_the_client_s(change):
    fields = {**read_object(served(COUNTED).encode()).fields, **change}
    assert unserved(fields, COUNTED) == fields
