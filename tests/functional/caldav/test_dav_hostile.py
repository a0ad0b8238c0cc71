"""Hostile CalDAV input (contract section 16, issue 30's "done when"): malformed XML, entity
bombs, external entities, iCalendar of 10 000 properties or past 64 KiB, bad TZIDs, rules the
JSON API refuses, VEVENTs, two VTODOs... Each is a 4xx with a ``DAV:error`` body (naming the
precondition where the contract names one), never a 5xx, and writes nothing: every row of
every table is the same before and after."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from taskservice.caldav.names import collection_path
from taskservice.caldav.xml import caldav, dav
from tests.support.api import create_task
from tests.support.caldav import (
    ICAL,
    NAMESPACES,
    PROLOG,
    XML,
    assert_dav_error,
    component,
    dav_request,
    snapshot,
    task_path,
    vtodo,
)
from tests.support.lists import create_list

KIB = 1024
# Either precondition of section 16 for data a task cannot be made of.
INVALID = (caldav("valid-calendar-data"), caldav("valid-calendar-object-resource"))

BILLION_LAUGHS = (
    '<?xml version="1.0"?><!DOCTYPE d:propfind [<!ENTITY a "ha">'
    + "".join(f'<!ENTITY {chr(98 + n)} "{("&" + chr(97 + n) + ";") * 10}">' for n in range(9))
    + ']><d:propfind xmlns:d="DAV:"><d:prop><d:displayname>&j;</d:displayname></d:prop>'
    "</d:propfind>")
EXTERNAL_ENTITY = (
    '<?xml version="1.0"?><!DOCTYPE d:propfind [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
    '<d:propfind xmlns:d="DAV:"><d:prop><d:displayname>&x;</d:displayname></d:prop>'
    "</d:propfind>")
DEEP = PROLOG + '<d:propfind xmlns:d="DAV:">' + "<d:prop>" * 50000 + "</d:prop>" * 50000 \
    + "</d:propfind>"


@dataclass(frozen=True)
class Hostile:
    """One request a client might send: what it is, and the precondition(s) it must name
    (None: any ``DAV:error`` 4xx)."""

    method: str
    where: str  # "list", "task" or "object" (a new name in the list)
    body: str | bytes
    content_type: str = ICAL
    status: int | None = None
    preconditions: tuple[str, ...] = ()
    headers: tuple[tuple[str, str], ...] = ()


def todo(*lines: str, summary: str | None = "hostile", components: str = "") -> str:
    return vtodo("hostile-uid", summary, *lines, components=components)


def x_properties(count: int, width: int) -> tuple[str, ...]:
    return tuple(f"X-PAD-{n}:{'x' * width}" for n in range(count))


OUTLOOK_ZONE = "W. Europe Standard Time"
CASES = {
    "malformed propfind": Hostile("PROPFIND", "list", "<d:propfind xmlns:d='DAV:'><d:prop>",
                                  XML, 400),
    "billion laughs propfind": Hostile("PROPFIND", "list", BILLION_LAUGHS, XML, 400),
    "billion laughs report": Hostile("REPORT", "list", BILLION_LAUGHS.replace(
        "d:propfind", "d:sync-collection"), XML, 400),
    "external entity": Hostile("PROPFIND", "list", EXTERNAL_ENTITY, XML, 400),
    "deep nesting": Hostile("PROPFIND", "list", DEEP, XML),
    "malformed report": Hostile("REPORT", "list", "<c:calendar-query", XML, 400),
    "unknown report": Hostile("REPORT", "list", f"{PROLOG}<d:unknown-report {NAMESPACES}/>",
                              XML),
    "malformed proppatch": Hostile("PROPPATCH", "list", "<d:propertyupdate>", XML, 400),
    "malformed mkcalendar": Hostile("MKCALENDAR", "new list", "<c:mkcalendar", XML, 400),
    "bad depth": Hostile("PROPFIND", "list", "", XML, 400, headers=(("Depth", "banana"),)),
    "not icalendar": Hostile("PUT", "object", "hello, world", ICAL, 403, INVALID),
    "not utf-8": Hostile("PUT", "object", todo().encode().replace(b"hostile", b"\xff\xfe"),
                         ICAL, 403, INVALID),
    "vevent": Hostile("PUT", "object", todo().replace("VTODO", "VEVENT"), ICAL, 403,
                      (caldav("supported-calendar-component"),)),
    "vevent beside the vtodo": Hostile(
        "PUT", "object", todo(components=component("VEVENT", "UID:e", "DTSTAMP:20260101T000000Z",
                                                   "DTSTART:20300101T090000Z")),
        ICAL, 403, (caldav("supported-calendar-component"), *INVALID)),
    "two vtodos": Hostile("PUT", "object", todo(components=component(
        "VTODO", "UID:other-uid", "DTSTAMP:20260101T000000Z", "SUMMARY:second")), ICAL, 403,
        INVALID),
    "no summary": Hostile("PUT", "object", todo(summary=None), ICAL, 403, INVALID),
    "empty summary": Hostile("PUT", "object", todo(summary=""), ICAL, 403, INVALID),
    "title of 201": Hostile("PUT", "object", todo(summary="t" * 201), ICAL, 403, INVALID),
    "21 categories": Hostile("PUT", "object", todo("CATEGORIES:" + ",".join(
        f"c{n}" for n in range(21))), ICAL, 403, INVALID),
    "category of 51": Hostile("PUT", "object", todo("CATEGORIES:" + "c" * 51), ICAL, 403,
                              INVALID),
    "rrule secondly": Hostile("PUT", "object", todo("DUE:20300101T090000Z",
                                                    "RRULE:FREQ=SECONDLY"), ICAL, 403, INVALID),
    "rrule with no occurrence": Hostile("PUT", "object", todo(
        "DUE;VALUE=DATE:20300101", "RRULE:FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=30"), ICAL, 403,
        INVALID),
    "rrule without a due": Hostile("PUT", "object", todo("RRULE:FREQ=DAILY"), ICAL, 403,
                                   INVALID),
    "rrule of garbage": Hostile("PUT", "object", todo("DUE:20300101T090000Z",
                                                      "RRULE:FREQ=DAILY;BYDAY=XX"), ICAL, 403,
                                INVALID),
    "unknown tzid and no vtimezone": Hostile(
        "PUT", "object", todo("DUE;TZID=Nowhere/Atlantis:20300101T090000"), ICAL, 403,
        INVALID),
    "outlook tzid and no vtimezone": Hostile(
        "PUT", "object", todo(f"DUE;TZID={OUTLOOK_ZONE}:20300101T090000"), ICAL, 403,
        INVALID),
    "impossible date": Hostile("PUT", "object", todo("DUE:20300230T090000Z"), ICAL, 403,
                               INVALID),
    "10 000 properties": Hostile("PUT", "object", todo(*x_properties(10000, 1)), ICAL, 403,
                                 (caldav("max-resource-size"),)),
    "kept properties past 64 KiB": Hostile(
        "PUT", "object", todo(*x_properties(1, 64 * KIB + 1)), ICAL, 403,
        (caldav("max-resource-size"),)),
    "json body": Hostile("PUT", "object", '{"title": "json"}', "application/json", 403,
                         (caldav("supported-calendar-data"),)),
    "uid of 10 000": Hostile("PUT", "object", vtodo("u" * 10000, "long uid"), ICAL, 403,
                             INVALID),
    "vtodo in a vtodo": Hostile("PUT", "object", todo(
        "BEGIN:VTODO", "UID:inner", "SUMMARY:inner", "END:VTODO"), ICAL, 403, INVALID),
    "unterminated": Hostile("PUT", "object", todo().replace("END:VCALENDAR\r\n", ""), ICAL,
                            403, INVALID),
}


@pytest.fixture
def target(alice, dav_alice):
    """A list with a task in it, and the paths each case aims at."""
    shared = create_list(alice, name="Target")["id"]
    task = create_task(alice, title="target", list=shared)
    collection = collection_path("alice", shared)
    return {"list": collection, "task": task_path(alice, shared, task["id"]),
            "object": collection + "hostile.ics",
            "new list": collection_path("alice", "new-list")}


@pytest.mark.parametrize("name", sorted(CASES))
def test_hostile_input_is_a_4xx_dav_error_that_writes_nothing(connection, dav_alice, target,
                                                              name):
    case = CASES[name]
    before = snapshot(connection)
    response = dav_request(dav_alice, case.method, target[case.where], case.body,
                           Content_Type=case.content_type,
                           **{k.replace("-", "_"): v for k, v in case.headers})
    assert 400 <= response.status_int < 500, (response.status, response.body[:1000])
    if case.status is not None:
        assert response.status_int == case.status, response.body[:1000]
    error = assert_dav_error(response, response.status_int)
    if case.preconditions:
        assert any(error.find(p) is not None for p in case.preconditions), response.body
    assert error.findtext(dav("responsedescription")), "a description a person can act on"
    assert b"root:" not in response.body
    assert snapshot(connection) == before


def test_a_put_over_a_task_with_hostile_data_leaves_it_as_it_was(connection, alice,
                                                                   dav_alice, target):
    """No partial write: an update refused for one value changes no other."""
    before = snapshot(connection)
    bad = todo("CATEGORIES:" + ",".join(f"c{n}" for n in range(21))).replace(
        "SUMMARY:hostile", "SUMMARY:renamed")
    response = dav_request(dav_alice, "PUT", target["task"], bad, Content_Type=ICAL)
    assert_dav_error(response, 403)
    assert snapshot(connection) == before


def test_an_outlook_tzid_is_read_through_its_vtimezone(alice, dav_alice, target):
    """Not hostile, the control of the two TZID cases above: with its VTIMEZONE the same
    due is read (as 09:00 at +01:00 in winter) and kept as sent."""
    zone = component("VTIMEZONE", f"TZID:{OUTLOOK_ZONE}",
                     "BEGIN:STANDARD", "DTSTART:16010101T030000", "TZOFFSETFROM:+0200",
                     "TZOFFSETTO:+0100", "RRULE:FREQ=YEARLY;BYDAY=-1SU;BYMONTH=10",
                     "END:STANDARD", "BEGIN:DAYLIGHT", "DTSTART:16010101T020000",
                     "TZOFFSETFROM:+0100", "TZOFFSETTO:+0200",
                     "RRULE:FREQ=YEARLY;BYDAY=-1SU;BYMONTH=3", "END:DAYLIGHT")
    ical = todo(f"DUE;TZID={OUTLOOK_ZONE}:20300101T090000", components=zone)
    dav_request(dav_alice, "PUT", target["object"], ical, Content_Type=ICAL, status=201)
    task = alice.testapp.get("/tasks", {"q": "hostile"}, headers=alice.headers
                             ).json["items"][0]
    assert task["due_at"] in ("2030-01-01T08:00:00Z", "2030-01-01T08:00:00+00:00")
    assert dav_request(dav_alice, "GET", target["object"], status=200).text == ical
