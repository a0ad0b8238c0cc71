"""A client's VTODO read as the JSON API's task body (contract section 16, "A task as
VTODO", read), and what is refused, with which precondition."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from taskservice.caldav.models import UID_MAX_LENGTH
from taskservice.caldav.vtodo import (
    INVALID,
    MAX_OBJECT_SIZE,
    NOT_ICALENDAR,
    TOO_LARGE,
    UNSUPPORTED,
    InvalidObject,
    read_object,
)

from .vtodo_support import calendar

NOW = datetime(2030, 6, 1, tzinfo=UTC)

OUTLOOK_ZONE = "\r\n".join([
    "BEGIN:VTIMEZONE", "TZID:W. Europe Standard Time",
    "BEGIN:STANDARD", "DTSTART:16010101T030000", "TZOFFSETFROM:+0200", "TZOFFSETTO:+0100",
    "RRULE:FREQ=YEARLY;BYDAY=-1SU;BYMONTH=10", "END:STANDARD",
    "BEGIN:DAYLIGHT", "DTSTART:16010101T020000", "TZOFFSETFROM:+0100", "TZOFFSETTO:+0200",
    "RRULE:FREQ=YEARLY;BYDAY=-1SU;BYMONTH=3", "END:DAYLIGHT",
    "END:VTIMEZONE",
])


def fields(*lines: str, **kwargs):
    return read_object(calendar(*lines, **kwargs), now=NOW).fields


def refusal(data: bytes) -> InvalidObject:
    with pytest.raises(InvalidObject) as raised:
        read_object(data, now=NOW)
    return raised.value


def test_a_minimal_vtodo_is_the_body_of_a_put_with_every_default():
    read = read_object(calendar(), now=NOW)
    assert read.uid == "task-1"
    assert read.fields == {
        "title": "Buy milk", "description": "", "done": False, "priority": "normal",
        "due_at": None, "due_date": None, "recurrence": None, "reminders": [], "tags": [],
    }
    assert (read.completed_at, read.parent_uid) == (None, None)


def test_the_text_is_kept_exactly_as_sent():
    data = calendar("X-APPLE-SORT-ORDER:12", "SUMMARY:Caf\u00e9 \\, cr\u00e8me")
    assert read_object(data).text.encode() == data


def test_summary_and_description_are_unescaped_text():
    read = fields("SUMMARY:Milk\\, eggs\\; bread", "DESCRIPTION:Line 1\\nLine 2")
    assert read["title"] == "Milk, eggs; bread"
    assert read["description"] == "Line 1\nLine 2"


@pytest.mark.parametrize("line", ["STATUS:COMPLETED", "STATUS:CANCELLED", "status:completed",
                                  "COMPLETED:20300101T000000Z", "PERCENT-COMPLETE:100"])
def test_any_of_the_three_marks_of_completion_makes_the_task_done(line):
    assert fields(line)["done"] is True


@pytest.mark.parametrize("line", ["STATUS:NEEDS-ACTION", "STATUS:IN-PROCESS",
                                  "PERCENT-COMPLETE:40"])
def test_a_task_in_progress_is_not_done(line):
    assert fields(line)["done"] is False


def test_a_completed_in_the_past_is_completed_at_and_one_to_come_is_not():
    past = read_object(calendar("COMPLETED:20300101T120000Z"), now=NOW)
    assert past.completed_at == datetime(2030, 1, 1, 12, tzinfo=UTC)
    assert read_object(calendar("COMPLETED:20310101T120000Z"), now=NOW).completed_at is None


@pytest.mark.parametrize(("value", "priority"), [
    (None, "normal"), ("0", "normal"), ("1", "urgent"), ("2", "high"), ("3", "high"),
    ("4", "high"), ("5", "normal"), ("6", "low"), ("9", "low"),
])
def test_priority_is_read_by_its_band(value, priority):
    lines = [] if value is None else [f"PRIORITY:{value}"]
    assert fields(*lines)["priority"] == priority


def test_a_priority_out_of_range_is_refused():
    error = refusal(calendar("PRIORITY:10"))
    assert error.precondition == INVALID
    assert "PRIORITY" in error.description


def test_a_due_in_an_iana_zone_is_its_instant_and_sets_the_time_zone():
    read = fields("DUE;TZID=Europe/Paris:20300115T090000")
    assert (read["due_at"], read["due_date"]) == ("2030-01-15T08:00:00Z", None)
    assert read["time_zone"] == "Europe/Paris"


def test_a_utc_due_leaves_the_time_zone_alone():
    read = fields("DUE:20300715T090000Z")
    assert read["due_at"] == "2030-07-15T09:00:00Z"
    assert "time_zone" not in read


def test_a_date_due_is_due_date():
    read = fields("DUE;VALUE=DATE:20300115")
    assert (read["due_at"], read["due_date"]) == (None, "2030-01-15")
    assert "time_zone" not in read


def test_a_floating_due_is_read_in_the_zone_given():
    data = calendar("DUE:20300715T090000")
    assert read_object(data, zone="Asia/Tokyo").fields["due_at"] == "2030-07-15T00:00:00Z"
    assert read_object(data).fields["due_at"] == "2030-07-15T09:00:00Z"


def test_an_outlook_zone_is_read_through_its_vtimezone_into_an_instant():
    read = fields("DUE;TZID=W. Europe Standard Time:20300715T090000", extra=OUTLOOK_ZONE)
    assert read["due_at"] == "2030-07-15T07:00:00Z"  # summer: UTC+2
    assert "time_zone" not in read
    winter = fields("DUE;TZID=W. Europe Standard Time:20300115T090000", extra=OUTLOOK_ZONE)
    assert winter["due_at"] == "2030-01-15T08:00:00Z"


def test_a_zone_neither_iana_nor_sent_is_refused():
    error = refusal(calendar("DUE;TZID=W. Europe Standard Time:20300715T090000"))
    assert error.precondition == INVALID
    assert "VTIMEZONE" in error.description


def test_a_due_that_is_no_date_is_refused_naming_it():
    error = refusal(calendar("DUE:tomorrow"))
    assert error.precondition == INVALID
    assert "DUE:tomorrow" in error.description


def test_an_rrule_is_passed_through_as_sent_from_the_due():
    read = fields("DUE:20300115T090000Z", "RRULE:count=3;FREQ=daily")
    assert read["recurrence"] == {"rule": "count=3;FREQ=daily", "from": "due"}


def test_the_service_s_mark_of_a_series_from_completion_is_read():
    read = fields("DUE:20300115T090000Z", "RRULE:FREQ=DAILY",
                  "X-TASKSERVICE-RECURRENCE-FROM:completion")
    assert read["recurrence"] == {"rule": "FREQ=DAILY", "from": "completion"}


def test_two_rrules_are_refused():
    error = refusal(calendar("DUE:20300115T090000Z", "RRULE:FREQ=DAILY", "RRULE:FREQ=WEEKLY"))
    assert error.precondition == INVALID
    assert "RRULE" in error.description


def test_categories_of_every_line_are_merged_once_each_in_their_order():
    read = fields("CATEGORIES:home,work", "CATEGORIES:errands,home", "CATEGORIES:a\\,b")
    assert read["tags"] == ["home", "work", "errands", "a,b"]


def test_a_category_over_50_characters_is_refused():
    assert fields("CATEGORIES:" + "x" * 50)["tags"] == ["x" * 50]
    error = refusal(calendar("CATEGORIES:" + "x" * 51))
    assert error.precondition == INVALID
    assert "50" in error.description


def test_more_than_20_categories_are_refused_but_20_after_merging_are_not():
    twenty = ",".join(f"t{n}" for n in range(20))
    assert len(fields(f"CATEGORIES:{twenty}", "CATEGORIES:t0,t1")["tags"]) == 20
    error = refusal(calendar(f"CATEGORIES:{twenty},t20"))
    assert error.precondition == INVALID
    assert "21 categories" in error.description


@pytest.mark.parametrize(("lines", "parent"), [
    (["RELATED-TO;RELTYPE=PARENT:mother"], "mother"),
    (["RELATED-TO:mother"], "mother"),
    (["RELATED-TO;RELTYPE=CHILD:kid", "RELATED-TO;RELTYPE=parent:mother"], "mother"),
    (["RELATED-TO;RELTYPE=SIBLING:sister"], None),
])
def test_the_parent_is_a_related_to_of_type_parent_or_of_no_type(lines, parent):
    assert read_object(calendar(*lines)).parent_uid == parent


def alarm(*lines: str) -> list[str]:
    return ["BEGIN:VALARM", "ACTION:DISPLAY", "DESCRIPTION:x", *lines, "END:VALARM"]


def test_an_alarm_relative_to_the_end_is_an_offset_reminder():
    read = fields("DUE:20300115T090000Z", *alarm("TRIGGER;RELATED=END:-PT15M"))
    assert read["reminders"] == [{"offset": -900}]


def test_an_absolute_alarm_is_an_absolute_reminder_with_any_action():
    read = fields(*alarm("TRIGGER;VALUE=DATE-TIME:20300115T080000Z"),
                  "BEGIN:VALARM", "ACTION:AUDIO", "TRIGGER;VALUE=DATE-TIME:20300116T080000Z",
                  "END:VALARM")
    assert read["reminders"] == [{"at": "2030-01-15T08:00:00Z"}, {"at": "2030-01-16T08:00:00Z"}]


def test_an_alarm_relative_to_the_start_is_moved_to_the_due():
    read = fields("DTSTART:20300115T080000Z", "DUE:20300115T090000Z",
                  *alarm("TRIGGER:-PT15M"))
    assert read["reminders"] == [{"offset": -4500}]


def test_an_alarm_relative_to_the_start_without_dtstart_is_relative_to_the_due():
    assert fields("DUE:20300115T090000Z", *alarm("TRIGGER:-PT15M"))["reminders"] == [
        {"offset": -900}]


def test_an_alarm_relative_to_the_start_without_due_is_absolute():
    read = fields("DTSTART:20300115T080000Z", *alarm("TRIGGER;RELATED=START:PT0S"))
    assert read["reminders"] == [{"at": "2030-01-15T08:00:00Z"}]


def test_a_relative_alarm_without_due_or_start_is_no_reminder():
    assert fields(*alarm("TRIGGER;RELATED=END:-PT15M"))["reminders"] == []


def test_an_all_day_due_s_alarm_is_wall_clock_from_midnight():
    read = fields("DUE;VALUE=DATE:20300115", *alarm("TRIGGER;RELATED=END:PT9H"))
    assert read["reminders"] == [{"offset": 32400}]


def test_an_alarm_that_does_nothing_is_no_reminder():
    apple = ["BEGIN:VALARM", "ACTION:NONE", "TRIGGER;VALUE=DATE-TIME:19760401T005545Z",
             "X-APPLE-DEFAULT-ALARM:TRUE", "END:VALARM"]
    assert fields("DUE:20300115T090000Z", *apple)["reminders"] == []


def test_two_alarms_at_one_moment_are_one_reminder():
    read = fields("DUE:20300115T090000Z", *alarm("TRIGGER;RELATED=END:-PT15M"),
                  *alarm("TRIGGER;RELATED=END:-PT15M"))
    assert read["reminders"] == [{"offset": -900}]


def test_overrides_are_kept_and_change_no_field():
    override = "\r\n".join(["BEGIN:VTODO", "UID:task-1", "RECURRENCE-ID:20300116T090000Z",
                            "SUMMARY:Something else", "PRIORITY:1", "STATUS:COMPLETED",
                            "END:VTODO"])
    data = calendar("DUE:20300115T090000Z", "RRULE:FREQ=DAILY", overrides=override)
    read = read_object(data, now=NOW)
    assert read.fields == fields("DUE:20300115T090000Z", "RRULE:FREQ=DAILY")
    assert "Something else" in read.text


# -- refusals -------------------------------------------------------------------------------


def test_an_object_of_64_kib_is_read_and_one_byte_more_is_too_large():
    base = calendar("X-PAD:")
    exact = calendar("X-PAD:" + "a" * (MAX_OBJECT_SIZE - len(base)))
    assert len(exact) == MAX_OBJECT_SIZE
    assert read_object(exact).uid == "task-1"
    over = calendar("X-PAD:" + "a" * (MAX_OBJECT_SIZE - len(base) + 1))
    assert refusal(over).precondition == TOO_LARGE


def test_10000_properties_are_more_than_a_task_keeps():
    data = calendar(*(f"X-P{n}:{n}" for n in range(10_000)))
    assert refusal(data).precondition == TOO_LARGE


def test_as_many_properties_as_fit_in_64_kib_are_read():
    data = calendar(*(f"X-P{n}:1" for n in range(6_000)))
    assert len(data) <= MAX_OBJECT_SIZE
    assert read_object(data).text.count("X-P") == 6_000


@pytest.mark.parametrize("data", [
    b"\xff\xfe not utf-8", b"", b"hello", b"BEGIN:VCALENDAR\r\n",
    b"BEGIN:VCALENDAR\r\nEND:VTODO\r\n", calendar() + calendar(),
    b"BEGIN:VCALENDAR\r\nBEGIN:VTODO\r\nUID:a\r\nEND:VCALENDAR\r\nEND:VTODO\r\n",
    b"BEGIN:VTODO\r\nUID:a\r\nSUMMARY:x\r\nEND:VTODO\r\n",
])
def test_what_is_not_icalendar_is_refused_as_invalid_calendar_data(data):
    assert refusal(data).precondition == NOT_ICALENDAR


@pytest.mark.parametrize("component", ["VEVENT", "VJOURNAL", "VFREEBUSY"])
def test_another_component_is_unsupported(component):
    data = calendar(extra=f"BEGIN:{component}\r\nUID:e\r\nSUMMARY:x\r\nEND:{component}")
    error = refusal(data)
    assert error.precondition == UNSUPPORTED
    assert component in error.description


def test_an_object_without_vtodo_is_unsupported():
    data = b"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nEND:VCALENDAR\r\n"
    assert refusal(data).precondition == UNSUPPORTED


def test_two_tasks_in_one_object_are_refused():
    other = "BEGIN:VTODO\r\nUID:task-2\r\nSUMMARY:Other\r\nEND:VTODO"
    assert refusal(calendar(overrides=other)).precondition == NOT_ICALENDAR
    same_uid = "BEGIN:VTODO\r\nUID:task-1\r\nSUMMARY:Other\r\nEND:VTODO"
    assert refusal(calendar(overrides=same_uid)).precondition == NOT_ICALENDAR


@pytest.mark.parametrize("inner", ["VTODO", "VEVENT", "STANDARD"])
def test_a_component_inside_the_vtodo_is_refused_but_a_client_s_own(inner):
    error = refusal(calendar(f"BEGIN:{inner}", "UID:inner", "SUMMARY:inner", f"END:{inner}"))
    assert error.precondition == NOT_ICALENDAR
    assert inner in error.description
    assert read_object(calendar("BEGIN:X-MINE", "X-A:1", "END:X-MINE")).uid == "task-1"


def test_an_override_with_another_uid_is_refused():
    other = "BEGIN:VTODO\r\nUID:task-2\r\nRECURRENCE-ID:20300101T000000Z\r\nEND:VTODO"
    assert refusal(calendar(overrides=other)).precondition == NOT_ICALENDAR


@pytest.mark.parametrize("lines", [["UID:"], ["UID: "], ["SUMMARY:x", "X-NO-UID:1", "UID:"]])
def test_a_vtodo_without_uid_is_refused(lines):
    error = refusal(calendar(*lines))
    assert error.precondition == INVALID
    assert "UID" in error.description


def test_a_vtodo_without_uid_line_is_refused():
    data = b"BEGIN:VCALENDAR\r\nBEGIN:VTODO\r\nSUMMARY:x\r\nEND:VTODO\r\nEND:VCALENDAR\r\n"
    assert refusal(data).precondition == INVALID


@pytest.mark.parametrize("line", ["SUMMARY:", "SUMMARY:   "])
def test_a_vtodo_without_a_title_is_refused(line):
    error = refusal(calendar(line))
    assert error.precondition == INVALID
    assert "SUMMARY" in error.description


def test_a_byte_order_mark_is_no_line():
    assert read_object(b"\xef\xbb\xbf" + calendar()).uid == "task-1"


def test_folded_lines_and_bare_line_feeds_are_read():
    data = calendar("SUMMARY:Buy oat\r\n  milk").replace(b"\r\n", b"\n")
    assert read_object(data).fields["title"] == "Buy oat milk"


def test_a_nul_character_is_refused():
    error = refusal(calendar("X-A:a\x00b"))
    assert error.precondition == NOT_ICALENDAR
    assert "NUL" in error.description


def test_a_uid_longer_than_kept_is_refused():
    assert read_object(calendar("UID:" + "u" * UID_MAX_LENGTH)).uid == "u" * UID_MAX_LENGTH
    error = refusal(calendar("UID:" + "u" * (UID_MAX_LENGTH + 1)))
    assert error.precondition == INVALID
    assert "UID" in error.description


def test_a_parent_longer_than_any_uid_is_no_parent():
    assert read_object(calendar("RELATED-TO:" + "p" * UID_MAX_LENGTH)).parent_uid is not None
    assert read_object(calendar("RELATED-TO:" + "p" * (UID_MAX_LENGTH + 1))).parent_uid is None
