"""dates.zones: names spelled as the IANA database spells them, and a day or a wall-clock
time of a zone as an instant (a time a DST change skips read with the offset before it)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfoNotFoundError

import pytest

from taskservice.dates.zones import (
    ZONE_NAMES,
    from_wall_clock,
    instant,
    is_zone,
    local_date,
    start_of_day,
    to_wall_clock,
    zone,
)


@pytest.mark.parametrize(("name", "known"), [
    ("Europe/Paris", True), ("America/New_York", True), ("UTC", True), ("Asia/Tokyo", True),
    ("europe/paris", False), ("EUROPE/PARIS", False), ("Europe/Pariss", False), ("", False),
    ("../etc/passwd", False), ("Europe/../UTC", False), ("Paris", False),
])
def test_a_zone_is_known_by_its_exact_iana_spelling(name, known):
    assert is_zone(name) is known
    assert (name in ZONE_NAMES) is known


@pytest.mark.parametrize("name", ["europe/paris", "../etc/passwd", "Nowhere/Else"])
def test_zone_refuses_a_name_the_database_does_not_spell(name):
    with pytest.raises(ZoneInfoNotFoundError, match="No time zone"):
        zone(name)


def test_zone_is_the_zone_named_and_the_same_each_time():
    assert str(zone("Europe/Paris")) == "Europe/Paris"
    assert zone("Europe/Paris") is zone("Europe/Paris")


@pytest.mark.parametrize(("day", "name", "expected"), [
    (date(2027, 1, 15), "Europe/Paris", datetime(2027, 1, 14, 23, tzinfo=UTC)),
    (date(2027, 7, 15), "Europe/Paris", datetime(2027, 7, 14, 22, tzinfo=UTC)),
    (date(2027, 7, 15), "America/New_York", datetime(2027, 7, 15, 4, tzinfo=UTC)),
    (date(2027, 7, 15), "UTC", datetime(2027, 7, 15, tzinfo=UTC)),
    # Santiago skips its midnight on 2027-09-05 (00:00 -04 becomes 01:00 -03): the offset
    # before the gap reads it, RFC 5545 §3.3.5.
    (date(2027, 9, 5), "America/Santiago", datetime(2027, 9, 5, 4, tzinfo=UTC)),
])
def test_start_of_day_is_midnight_in_the_zone(day, name, expected):
    assert start_of_day(day, name) == expected
    assert start_of_day(day, name).tzinfo is UTC
    assert instant(day, name) == expected


@pytest.mark.parametrize(("wall", "expected"), [
    (datetime(2027, 1, 10, 9), datetime(2027, 1, 10, 8, tzinfo=UTC)),
    (datetime(2027, 7, 10, 9), datetime(2027, 7, 10, 7, tzinfo=UTC)),
    # skipped by the spring change: the offset before the gap (+01:00), i.e. 03:30 CEST
    (datetime(2027, 3, 28, 2, 30), datetime(2027, 3, 28, 1, 30, tzinfo=UTC)),
    # twice by the autumn change: the first (+02:00)
    (datetime(2027, 10, 31, 2, 30), datetime(2027, 10, 31, 0, 30, tzinfo=UTC)),
])
def test_a_wall_clock_time_of_paris_as_an_instant(wall, expected):
    assert from_wall_clock(wall, "Europe/Paris") == expected


def test_an_instant_as_the_wall_clock_time_and_date_of_a_zone():
    late = datetime(2027, 1, 10, 23, 30, tzinfo=UTC)
    assert to_wall_clock(late, "Asia/Tokyo") == datetime(2027, 1, 11, 8, 30)
    assert local_date(late, "Asia/Tokyo") == date(2027, 1, 11)
    assert local_date(late, "America/New_York") == date(2027, 1, 10)
    # the second 02:30 of the autumn change is shown as 02:30 too
    assert to_wall_clock(datetime(2027, 10, 31, 1, 30, tzinfo=UTC), "Europe/Paris") == (
        datetime(2027, 10, 31, 2, 30))


def test_instant_leaves_a_time_as_it_is():
    moment = datetime(2027, 1, 10, 23, 30, 15, 250, tzinfo=UTC)
    assert instant(moment, "Asia/Tokyo") is moment
