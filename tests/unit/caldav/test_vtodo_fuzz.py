"""Whatever a client sends, ``read_object`` reads it or refuses it with ``InvalidObject``:
no other exception escapes (each would be a 500), and what it reads can be served again."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from taskservice.caldav.vtodo import (
    MAX_OBJECT_SIZE,
    NOT_ICALENDAR,
    ClientObject,
    InvalidObject,
    calendar_text,
    read_object,
)
from taskservice.caldav.vtodo_lines import MAX_DEPTH
from taskservice.web.representation import timestamp

from .vtodo_support import FakeTask, calendar

# Property names and values a VTODO may carry, valid or not, for the soup below.
NAMES = st.sampled_from([
    "SUMMARY", "DESCRIPTION", "STATUS", "COMPLETED", "PERCENT-COMPLETE", "PRIORITY", "DUE",
    "DTSTART", "RRULE", "CATEGORIES", "RELATED-TO", "UID", "RECURRENCE-ID", "TRIGGER",
    "SEQUENCE", "DTSTAMP", "X-APPLE-SORT-ORDER", "LOCATION", "DURATION", "EXDATE", "RDATE",
])
PARAMETERS = st.sampled_from([
    "", ";VALUE=DATE", ";VALUE=DATE-TIME", ";TZID=Europe/Paris", ";TZID=Nowhere/Land",
    ";TZID=W. Europe Standard Time", ';TZID="a:b"', ";RELATED=END", ";RELTYPE=CHILD",
    ";VALUE=DURATION", ";X-A=1", ";", ";=", ';X="',
])
VALUES = st.one_of(st.sampled_from([
    "20300115T090000", "20300115T090000Z", "20300115", "-PT15M", "P1W", "PT0S", "x", "",
    "FREQ=DAILY;COUNT=3", "FREQ=SECONDLY", "FREQ=WEEKLY;BYMONTHDAY=1", "COMPLETED",
    "CANCELLED", "100", "5", "-1", "99999999999999999999", "a,b,,c", "00010101T000000Z",
    "99991231T235959Z", "99991231", "00010101",
]), st.text(max_size=30))
LINE = st.builds(lambda name, params, value: f"{name}{params}:{value}", NAMES, PARAMETERS,
                 VALUES)
ALARM = st.lists(LINE, max_size=4).map(lambda lines: ["BEGIN:VALARM", *lines, "END:VALARM"])
ITEMS = st.lists(st.one_of(LINE.map(lambda line: [line]), ALARM), max_size=15).map(
    lambda groups: [line for group in groups for line in group])


def read_or_refuse(data: bytes) -> ClientObject | None:
    try:
        return read_object(data)
    except InvalidObject as error:
        assert error.precondition.startswith("{urn:ietf:params:xml:ns:caldav}")
        assert error.description
        return None


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=300))
def test_random_bytes_are_read_or_refused(data):
    read_or_refuse(data)


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])
@given(st.text(alphabet=st.sampled_from("BEGINDV:CALTOZ\r\n ;=\"Z0-"), max_size=200))
def test_text_made_of_icalendar_s_characters_is_read_or_refused(text):
    read_or_refuse(text.encode())


@settings(max_examples=500, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(ITEMS)
def test_a_soup_of_properties_is_read_or_refused_and_what_is_read_can_be_served(lines):
    data = calendar(*lines)
    read = read_or_refuse(data)
    if read is not None:
        assert read.text == data.decode()
        # A stale object is rewritten from a task, whatever else it holds.
        text = calendar_text(FakeTask(), read.uid, read.text, False, None)
        assert read_or_refuse(text.encode()) is not None


@settings(max_examples=100, deadline=None)
@given(st.integers(min_value=1, max_value=2000), st.sampled_from(["VTODO", "X-DEEP", "VALARM"]))
def test_deep_nesting_is_refused_as_not_icalendar(depth, name):
    """Within 64 KiB, as deep as 2,000 components: refused before any parser recurses."""
    nested = "".join(f"BEGIN:{name}\r\n" for _ in range(depth))
    nested += "".join(f"END:{name}\r\n" for _ in range(depth))
    data = f"BEGIN:VCALENDAR\r\n{nested}END:VCALENDAR\r\n".encode()
    assert len(data) <= MAX_OBJECT_SIZE
    if depth >= MAX_DEPTH:
        with pytest.raises(InvalidObject) as raised:
            read_object(data)
        assert raised.value.precondition == NOT_ICALENDAR
        assert "nested" in raised.value.description
    else:
        read_or_refuse(data)


ZONES = st.sampled_from(["UTC", "Europe/Paris", "Pacific/Kiritimati", "America/St_Johns",
                         "Etc/GMT+12", "Australia/Lord_Howe"])
MOMENTS = st.datetimes(min_value=datetime(1, 1, 2), max_value=datetime(9999, 12, 31),
                       timezones=st.just(UTC))
# iCalendar's TEXT has no carriage return of its own: "\r\n" and "\r" are read back as "\n".
TEXT = st.text(st.characters(blacklist_categories=["Cs"], blacklist_characters="\x00\r"),
               max_size=60)


@st.composite
def tasks(draw: st.DrawFn) -> FakeTask:
    due = draw(st.none() | MOMENTS)
    all_day = due is not None and draw(st.booleans())
    reminders = draw(st.lists(st.one_of(
        st.builds(lambda offset: {"offset": offset}, st.integers(-31_622_400, 31_622_400)),
        MOMENTS.map(lambda moment: {"at": timestamp(moment.replace(microsecond=0))}),
    ), max_size=3, unique_by=str)) if due is not None else []
    return FakeTask(
        title=draw(TEXT.filter(str.strip)), description=draw(TEXT),
        done=draw(st.booleans()), priority=draw(st.integers(0, 3)),
        due_at=due, due_date=due.date() if all_day and due is not None else None,
        time_zone=draw(ZONES), reminders=reminders,
        tags=draw(st.lists(TEXT.filter(lambda tag: 0 < len(tag) <= 50), max_size=4,
                           unique=True)),
        recurrence_rule=draw(st.none() | st.just("FREQ=DAILY;COUNT=9")) if due else None,
        recurrence_from=draw(st.sampled_from(["due", "completion"])),
        recurrence_index=draw(st.integers(0, 20)),
    )


@settings(max_examples=300, deadline=None)
@given(tasks())
def test_any_task_is_served_as_an_object_that_reads_back_as_it(task):
    read = read_object(calendar_text(task, "uid-1", None, False, None).encode())
    assert read.fields["title"] == task.title
    assert read.fields["description"] == task.description
    assert read.fields["tags"] == task.tags
    assert read.fields["reminders"] == _distinct(task.reminders)


def _distinct(reminders):
    """Reminders as a reader sees them: two at one moment are one (an absolute one at its
    due and an offset of 0, say, stay two: they are different reminders)."""
    return [reminder for n, reminder in enumerate(reminders) if reminder not in reminders[:n]]


@settings(max_examples=300, deadline=None)
@given(tasks(), tasks(), st.sampled_from([None, "mother"]), st.sampled_from([None, "father"]))
def test_an_object_rewritten_for_a_changed_task_reads_back_as_the_task(before, after, was, now):
    stored = calendar_text(before, "uid-1", None, False, was)
    read = read_object(calendar_text(after, "uid-1", stored, False, now).encode(),
                       zone=after.time_zone)
    expected = read_object(calendar_text(after, "uid-1", None, False, now).encode(),
                           zone=after.time_zone)
    assert read.fields == expected.fields
    assert (read.parent_uid, read.completed_at) == (expected.parent_uid, expected.completed_at)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                  HealthCheck.filter_too_much])
@given(ITEMS, tasks())
def test_a_client_s_object_rewritten_for_a_task_reads_back_as_the_task(lines, task):
    """Whatever else a client's object holds, the mapped properties served say the task
    (its zone aside: a DUE kept as sent in UTC or Outlook's zone leaves it unsaid)."""
    read = read_or_refuse(calendar(*lines))
    if read is None:
        return
    text = calendar_text(task, read.uid, read.text, False, None)
    served = read_object(text.encode(), zone=task.time_zone).fields
    expected = read_object(calendar_text(task, read.uid, None, False, None).encode(),
                           zone=task.time_zone).fields
    served.pop("time_zone", None)
    expected.pop("time_zone", None)
    assert served == expected
