"""The ``/dav/`` paths and the UIDs the service makes: each defined here once.

A task no client named gets a UID made from its id, so it needs no row until a client
sends it (the JSON API's writes pay nothing for CalDAV): a UUID of version 8 (RFC 9562,
"custom") whose last 48 bits are the id, under a fixed prefix no random UUID is likely to
share. Its resource name is ``<uid>.ics``.
"""

from __future__ import annotations

import re
from urllib.parse import quote, unquote, urlsplit

DAV_ROOT = "/dav/"
DAV_ROUTE = "dav"
DISCOVERY_ROUTE = "caldav_discovery"
SERVER_ROOT_ROUTE = "caldav_server_root"
PRINCIPALS = "principals"
CALENDARS = "calendars"
# The collection of the tasks the caller may view that are in no list they may view.
INBOX = "inbox"
OBJECT_SUFFIX = ".ics"

UID_PREFIX = "7a5c3e1d-7a5c-8000-8000-"
DERIVED_UID = re.compile(re.escape(UID_PREFIX) + r"([0-9a-f]{12})")


def principal_path(username: str) -> str:
    return f"{DAV_ROOT}{PRINCIPALS}/{quote(username, safe='')}/"


def home_path(username: str) -> str:
    return f"{DAV_ROOT}{CALENDARS}/{quote(username, safe='')}/"


def collection_path(username: str, segment: str) -> str:
    """The path of the collection ``segment`` (a list's id or MKCALENDAR name, or inbox)."""
    return f"{home_path(username)}{quote(segment, safe='')}/"


def object_path(username: str, segment: str, name: str) -> str:
    return collection_path(username, segment) + object_segment(name)


def object_segment(name: str) -> str:
    """An object's name as its path's last segment (a listing quotes its collection's once)."""
    return quote(name, safe="@+")


def dav_segments(href: str) -> tuple[str, ...] | None:
    """The percent-decoded segments after ``/dav/`` of a URL or path a client sent (a
    multiget's ``DAV:href``, a ``Destination``); None when it names nothing under it."""
    path = unquote(urlsplit(href).path)
    if not path.startswith(DAV_ROOT):
        return None
    return tuple(part for part in path[len(DAV_ROOT):].split("/") if part)


def derived_uid(task_id: int) -> str:
    """The UID of a task no client named."""
    return f"{UID_PREFIX}{task_id:012x}"


def task_id_of(uid: str) -> int | None:
    """The task a derived UID names, None for any other UID."""
    match = DERIVED_UID.fullmatch(uid)
    return None if match is None else int(match.group(1), 16)


def object_name(uid: str) -> str:
    """The resource name of a task no client named: ``<uid>.ics``."""
    return uid + OBJECT_SUFFIX
