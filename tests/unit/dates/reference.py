"""The reference the series tests compare with: a series walked by dateutil itself from its
start, every occurrence read in the zone, with the contract's reading on top."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, time
from itertools import islice
from zoneinfo import ZoneInfo

from dateutil.rrule import rrulestr

from taskservice.dates.series import Series
from taskservice.dates.zones import Moment

# A series ends with this year (dates.series: the last whose times all have an instant).
LAST_YEAR = 9998


def dateutil_walk(series: Series) -> Iterator[Moment]:
    """The series by a plain walk of dateutil from its start: the start, then what
    rrulestr yields from the start's wall-clock time (COUNT and UNTIL left to this walk),
    each read in the zone (fold=0) with the start's fraction of a second and kept if later
    than the last kept; UNTIL inclusive to the second; COUNT counting the start."""
    zone = ZoneInfo(series.zone)
    start = series.start
    timed = isinstance(start, datetime)
    wall = (start.astimezone(zone).replace(tzinfo=None) if isinstance(start, datetime)
            else datetime.combine(start, time()))
    text = ";".join(f"{name}={value}" for name, value in series.rule.parts.items()
                    if name not in ("COUNT", "UNTIL"))
    until = None if series.rule.until is None else at(series.rule.until, zone)

    def walk() -> Iterator[Moment]:
        yield start
        last = at(start, zone)
        for produced in rrulestr(text, dtstart=wall):
            if produced.year > LAST_YEAR:
                return
            moment: Moment = (produced.replace(microsecond=wall.microsecond, tzinfo=zone)
                              .astimezone(UTC) if timed else produced.date())
            if until is not None and at(moment, zone).replace(microsecond=0) > until:
                return
            if at(moment, zone) > last:
                last = at(moment, zone)
                yield moment

    return islice(walk(), series.rule.count)


def walked_next(series: Series, due: Moment, completed_at: datetime) -> tuple[Moment, int] | None:
    """The reference's next due: its first occurrence later than the due and the completion."""
    zone = ZoneInfo(series.zone)
    later_than = max(at(due, zone), completed_at)
    return next(((moment, number) for number, moment in enumerate(dateutil_walk(series))
                 if at(moment, zone) > later_than), None)


def at(moment: Moment, zone: ZoneInfo) -> datetime:
    """A moment's instant: a date's is its 00:00 in the zone (fold=0)."""
    if isinstance(moment, datetime):
        return moment
    return datetime.combine(moment, time(), tzinfo=zone).astimezone(UTC)
