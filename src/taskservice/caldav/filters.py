"""A ``calendar-query``'s ``CALDAV:filter`` (RFC 4791 9.7) read into a ``TodoFilter``.

Only what a task can be asked is understood: the VTODO component, a ``time-range`` on it,
and ``prop-filter``s on ``COMPLETED`` and ``STATUS`` (contract section 16), and on ``UID``
(how the ``caldav`` library and GNOME Errands find one object). A filter on
another component (VEVENT...) matches nothing, as no such component is kept; a filter the
service cannot evaluate is a 403 ``CALDAV:supported-filter`` rather than a wrong answer.
"""

from __future__ import annotations

from datetime import UTC, datetime
from xml.etree.ElementTree import Element

from .errors import dav_error
from .query import TextMatch, TimeRange, TodoFilter, UnsupportedCollation
from .xml import caldav

# What a filter on these properties asks of a task.
COMPLETED, STATUS, UID = "COMPLETED", "STATUS", "UID"
UTC_FORMAT = "%Y%m%dT%H%M%SZ"


def query_filter(report: Element) -> TodoFilter | None:
    """The report's filter on VTODO; None when no task can match it."""
    calendar = report.find(f"{caldav('filter')}/{caldav('comp-filter')}")
    if calendar is None or calendar.get("name", "").upper() != "VCALENDAR":
        raise dav_error(403, caldav("valid-filter"),
                        "A calendar-query filters a VCALENDAR comp-filter")
    if calendar.find(caldav("is-not-defined")) is not None:
        return None
    components = calendar.findall(caldav("comp-filter"))
    if not components:
        return TodoFilter()
    if len(components) > 1 or components[0].get("name", "").upper() != "VTODO":
        return None  # this server keeps tasks only: no other component matches
    return _todo_filter(components[0])


def _todo_filter(todo: Element) -> TodoFilter | None:
    if todo.find(caldav("is-not-defined")) is not None:
        return None
    if todo.find(caldav("comp-filter")) is not None:
        raise dav_error(403, caldav("supported-filter"),
                        "Filters on a VTODO's components (VALARM) are not supported")
    completed = status_defined = status = uid = None
    for prop in todo.findall(caldav("prop-filter")):
        name = prop.get("name", "").upper()
        defined = prop.find(caldav("is-not-defined")) is None
        if name == COMPLETED and prop.find(caldav("text-match")) is None:
            completed = defined
        elif name == STATUS:
            status_defined, status = defined, _text_match(prop) if defined else None
        elif name == UID and defined and prop.find(caldav("text-match")) is not None:
            uid = _text_match(prop)
        elif name == UID and defined:
            continue  # every task has a UID
        elif name == UID:
            return None
        else:
            raise dav_error(403, caldav("supported-filter"),
                            f"prop-filter on {name or '?'}: only COMPLETED (defined or not), "
                            "STATUS and UID are supported")
    return TodoFilter(completed, status_defined if status is None else None, status,
                      _time_range(todo.find(caldav("time-range"))), uid)


def _text_match(prop: Element) -> TextMatch | None:
    match = prop.find(caldav("text-match"))
    if match is None:
        return None
    try:
        return TextMatch(match.text or "", match.get("negate-condition") == "yes",
                         match.get("collation", "i;ascii-casemap"))
    except UnsupportedCollation as error:
        raise dav_error(403, caldav("supported-collation"), str(error)) from None


def _time_range(node: Element | None) -> TimeRange | None:
    if node is None:
        return None
    start, end = _moment(node.get("start")), _moment(node.get("end"))
    if (start is None and end is None) or (start and end and end <= start):
        raise dav_error(403, caldav("valid-filter"),
                        "A time-range has a start or an end, the end after the start")
    return TimeRange(start, end)


def _moment(text: str | None) -> datetime | None:
    """A time-range bound: a UTC date with time, ``20300110T120000Z`` (RFC 4791 9.9)."""
    if text is None:
        return None
    try:
        return datetime.strptime(text.strip(), UTC_FORMAT).replace(tzinfo=UTC)
    except ValueError:
        raise dav_error(403, caldav("valid-filter"),
                        f"{text!r} is not a UTC time such as 20300110T120000Z") from None
