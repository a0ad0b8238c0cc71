"""A time in a zone a client defined (``caldav.vtodo_zones``): read from its VTIMEZONE as
the zone database reads it, in bounded time whatever the rules say, and never kept for
another object."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from icalendar import Timezone

from taskservice.caldav.vtodo import INVALID, NOT_ICALENDAR, InvalidObject, read_object
from taskservice.caldav.vtodo_lines import parse
from taskservice.caldav.vtodo_zones import ZoneError, zone_instant
from taskservice.dates.zones import from_wall_clock

from .test_vtodo_read import OUTLOOK_ZONE
from .vtodo_support import calendar

EASTERN = "\r\n".join([
    "BEGIN:VTIMEZONE", "TZID:Eastern Standard Time",
    "BEGIN:STANDARD", "DTSTART:16010101T020000", "TZOFFSETFROM:-0400", "TZOFFSETTO:-0500",
    "RRULE:FREQ=YEARLY;BYDAY=1SU;BYMONTH=11", "END:STANDARD",
    "BEGIN:DAYLIGHT", "DTSTART:16010101T020000", "TZOFFSETFROM:-0500", "TZOFFSETTO:-0400",
    "RRULE:FREQ=YEARLY;BYDAY=2SU;BYMONTH=3", "END:DAYLIGHT",
    "END:VTIMEZONE",
])
# Apple's spelling of "the second Sunday of March": a week of days and a weekday.
EASTERN_BY_MONTHDAY = EASTERN.replace("BYDAY=2SU;BYMONTH=3",
                                      "BYMONTH=3;BYMONTHDAY=8,9,10,11,12,13,14;BYDAY=SU")
NOONS = st.dates(min_value=date(2008, 1, 1), max_value=date(2037, 12, 31)).map(
    lambda day: datetime.combine(day, datetime.min.time()) + timedelta(hours=12))


@settings(max_examples=200, deadline=None)
@given(NOONS)
def test_outlook_s_rules_give_the_zone_database_s_times(noon):
    assert zone_instant(parse(OUTLOOK_ZONE), noon) == from_wall_clock(noon, "Europe/Berlin")
    for zone in (EASTERN, EASTERN_BY_MONTHDAY):
        assert zone_instant(parse(zone), noon) == from_wall_clock(noon, "America/New_York")


@pytest.mark.parametrize("name", ["Europe/Paris", "America/Sao_Paulo", "Australia/Sydney",
                                  "Asia/Tehran"])
def test_a_zone_written_with_rdates_gives_the_zone_database_s_times(name):
    written = Timezone.from_tzid(name, first_date=date(1990, 1, 1), last_date=date(2030, 1, 1))
    zone = parse(written.to_ical().decode())
    for day in range(0, 365 * 38, 13):
        noon = datetime(1991, 1, 1, 12) + timedelta(days=day)
        assert zone_instant(zone, noon) == from_wall_clock(noon, name), noon


def test_a_zone_sent_by_one_object_is_not_another_s():
    """icalendar would keep the first definition of a TZID for the process."""
    shifted = OUTLOOK_ZONE.replace("TZOFFSETTO:+0100", "TZOFFSETTO:+0500")
    due = "DUE;TZID=W. Europe Standard Time:20300115T090000"
    first = read_object(calendar(due, extra=shifted)).fields["due_at"]
    second = read_object(calendar(due, extra=OUTLOOK_ZONE)).fields["due_at"]
    assert (first, second) == ("2030-01-15T04:00:00Z", "2030-01-15T08:00:00Z")


@pytest.mark.parametrize(("rule", "message"), [
    ("FREQ=SECONDLY", "HOURLY"),
    ("FREQ=DAILY", "yearly"),
    ("FREQ=YEARLY;BYDAY=-1SU", "yearly"),
    ("FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU;COUNT=5", "yearly"),
    ("FREQ=YEARLY;BYMONTH=10;BYHOUR=1,2,3", "yearly"),
    ("FREQ=YEARLY;BYMONTH=10;BYDAY=XX", "day"),
])
def test_a_zone_rule_no_zone_has_is_refused_naming_the_due(rule, message):
    zone = OUTLOOK_ZONE.replace("RRULE:FREQ=YEARLY;BYDAY=-1SU;BYMONTH=10", f"RRULE:{rule}")
    with pytest.raises(InvalidObject) as raised:
        read_object(calendar("DUE;TZID=W. Europe Standard Time:20300115T090000", extra=zone))
    assert raised.value.precondition == INVALID
    assert "DUE" in raised.value.description and message in raised.value.description


@pytest.mark.parametrize("rule", ["FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=30",
                                  "FREQ=YEARLY;BYMONTH=2,4,6,9,11;BYMONTHDAY=31;BYDAY=5MO",
                                  "FREQ=YEARLY;INTERVAL=7;BYMONTH=2;BYMONTHDAY=29;BYDAY=6SU"])
def test_a_rule_that_gives_nothing_is_followed_400_years_at_most(rule):
    zone = parse(OUTLOOK_ZONE.replace("DTSTART:16010101T030000", "DTSTART:00010101T030000")
                 .replace("RRULE:FREQ=YEARLY;BYDAY=-1SU;BYMONTH=10", f"RRULE:{rule}"))
    # The DAYLIGHT part's rule alone decides: a summer offset all year round.
    assert zone_instant(zone, datetime(9999, 1, 1)) == datetime(9998, 12, 31, 22, tzinfo=UTC)


def test_more_rules_than_a_zone_has_are_refused():
    parts = OUTLOOK_ZONE.split("BEGIN:STANDARD")[1].split("END:STANDARD")[0]
    many = OUTLOOK_ZONE.replace("END:VTIMEZONE", f"BEGIN:STANDARD{parts}END:STANDARD\r\n" * 10
                                + "END:VTIMEZONE")
    with pytest.raises(ZoneError, match="more than 10"):
        zone_instant(parse(many), datetime(2030, 1, 1))


@pytest.mark.parametrize(("line", "replacement"), [
    ("TZOFFSETTO:+0100", "TZOFFSETTO:one hour"),
    ("TZOFFSETTO:+0100", "TZOFFSETTO:+2500"),
    ("DTSTART:16010101T030000", "DTSTART:16011301T030000"),
    ("DTSTART:16010101T030000", "X-NO-START:1"),
])
def test_a_zone_that_is_no_zone_is_refused(line, replacement):
    zone = parse(OUTLOOK_ZONE.replace(line, replacement))
    with pytest.raises(ZoneError):
        zone_instant(zone, datetime(2030, 1, 1))


def test_before_its_first_onset_a_zone_has_the_offset_before_its_earliest_part():
    # DAYLIGHT starts first (02:00, from +0100): before it, +0100 even in June.
    zone = parse(OUTLOOK_ZONE.replace("16010101", "20200101"))
    assert zone_instant(zone, datetime(2010, 6, 1, 12)) == datetime(2010, 6, 1, 11, tzinfo=UTC)


@pytest.mark.parametrize("where", [["BEGIN:VALARM", "TRIGGER:PT0S", OUTLOOK_ZONE, "END:VALARM"],
                                   [OUTLOOK_ZONE]])
def test_a_vtimezone_inside_the_vtodo_is_refused(where):
    """icalendar would read it, and keep it for the process, when it parses the VTODO."""
    with pytest.raises(InvalidObject) as raised:
        read_object(calendar("DUE;TZID=W. Europe Standard Time:20300115T090000", *where))
    assert raised.value.precondition == NOT_ICALENDAR
    assert "VTIMEZONE" in raised.value.description
