"""IANA time zones: which names exist, and a day or a wall-clock time of one as an instant.

A wall-clock time is a naive datetime read in a zone. One that a DST change skips (02:30
in Europe/Paris on the last Sunday of March) is read with the offset before the gap, and
one that happens twice (02:30 on the last Sunday of October) is the first of the two: both
are ``fold=0`` in Python's terms, which is what RFC 5545 §3.3.5 asks for the gap.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from functools import cache
from importlib import resources
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

# A timed value is an aware datetime in UTC; an all-day value is a date.
Moment = datetime | date

# Every name the IANA database spells, as the tzdata package lists them (a dependency, so
# the list is the same on every machine); read once. Not available_timezones(): it walks
# the system's zone folders, where it also finds files that are no zone ("localtime").
ZONE_NAMES: frozenset[str] = frozenset(
    resources.files("tzdata").joinpath("zones").read_text(encoding="utf-8").split())


# The first day whose 00:00 is an instant in every zone: 0001-01-01 east of Greenwich
# (where even local mean time is ahead of UTC) began before year 1 of UTC.
EARLIEST_DAY = date(1, 1, 2)


def is_zone(name: str) -> bool:
    """Whether ``name`` is an IANA zone, spelled exactly ("europe/paris" is not)."""
    return name in ZONE_NAMES


@cache
def zone(name: str) -> ZoneInfo:
    """The zone named ``name``; a name not in ZONE_NAMES is refused, even where the file
    system would find it case-insensitively or through a relative path."""
    if not is_zone(name):
        raise ZoneInfoNotFoundError(f"No time zone is named {name!r}")
    return ZoneInfo(name)


def from_wall_clock(wall: datetime, zone_name: str) -> datetime:
    """The instant (aware, UTC) of the naive wall-clock time ``wall`` in the zone (fold=0)."""
    return wall.replace(tzinfo=zone(zone_name), fold=0).astimezone(UTC)


def to_wall_clock(instant: datetime, zone_name: str) -> datetime:
    """The naive wall-clock time that the aware ``instant`` shows in the zone."""
    return instant.astimezone(zone(zone_name)).replace(tzinfo=None, fold=0)


def start_of_day(day: date, zone_name: str) -> datetime:
    """00:00 of ``day`` in the zone, as an aware UTC datetime (a skipped midnight: fold=0)."""
    return from_wall_clock(datetime.combine(day, time()), zone_name)


def local_date(instant: datetime, zone_name: str) -> date:
    """The date that the aware ``instant`` falls on in the zone."""
    return instant.astimezone(zone(zone_name)).date()


def instant(moment: Moment, zone_name: str) -> datetime:
    """A timed moment as it is, an all-day one as the start of its day in the zone: how an
    all-day due is sorted, filtered and compared with a time."""
    if isinstance(moment, datetime):
        return moment
    return start_of_day(moment, zone_name)
