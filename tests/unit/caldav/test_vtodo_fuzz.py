"""Whatever a client sends, ``read_object`` reads it or refuses it with ``InvalidObject``:
no other exception escapes (each would be a 500), and what it reads can be served again."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from taskservice.caldav.vtodo import ClientObject, InvalidObject, calendar_text, read_object

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
@given(st.integers(min_value=1, max_value=8000), st.sampled_from(["VTODO", "X-DEEP", "VALARM"]))
def test_deep_nesting_is_refused_as_not_icalendar(depth, name):
    nested = "".join(f"BEGIN:{name}\r\n" for _ in range(depth))
    nested += "".join(f"END:{name}\r\n" for _ in range(depth))
    data = f"BEGIN:VCALENDAR\r\n{nested}END:VCALENDAR\r\n".encode()
    read_or_refuse(data)
