"""CalDAV (contract section 16) spoken the way a calendar app speaks it, for the black-box
tests of tests/functional/caldav/: an app password per user, the XML bodies of PROPFIND and
REPORT, a ``DAV:multistatus`` read back into plain values, VTODOs built line by line, and a
snapshot of the database to show that a refused request wrote nothing.

Every path comes from ``taskservice.caldav.names`` and every XML name from
``taskservice.caldav.xml``: the tests and the service agree on them by construction, and
everything else (statuses, headers, bodies) is read from the responses as a client would.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any
from urllib.parse import unquote, urlsplit
from xml.etree.ElementTree import Element, fromstring

import webtest
from sqlalchemy import inspect, text
from sqlalchemy.engine import Connection

from taskservice.caldav.names import (
    INBOX,
    collection_path,
    derived_uid,
    object_name,
    object_path,
)
from taskservice.caldav.xml import CALDAV, CALENDARSERVER, DAV, dav
from tests.support.api import Client
from tests.support.token_api import basic, holder
from tests.support.tokens import LIMITED_LIFETIME

XML = "application/xml; charset=utf-8"
ICAL = "text/calendar; charset=utf-8"
VTODO_CONTENT_TYPE = "text/calendar; charset=utf-8; component=VTODO"
NAMESPACES = f'xmlns:d="{DAV}" xmlns:c="{CALDAV}" xmlns:cs="{CALENDARSERVER}"'
CRLF = "\r\n"
PROLOG = '<?xml version="1.0" encoding="utf-8"?>'


# -- who calls ------------------------------------------------------------------------------


def app_password(client: Client, **fields: Any) -> Client:
    """``client``'s user as a calendar app holds them: an app password (a token minted
    through ``POST /users/me/tokens``, all scopes unless ``fields`` say otherwise) sent in
    HTTP Basic (section 15)."""
    token = holder(client, name="calendar app", expires_in=LIMITED_LIFETIME, **fields)
    device = Client(client.testapp, client.username, token.token)
    device.headers = basic(client.username, token.token)
    return device


def dav_request(client: Client, method: str, path: str, body: str | bytes = b"",
                status: int | str = "*", **headers: str) -> webtest.TestResponse:
    """``method`` on ``path`` as ``client``, ``headers`` given with underscores for dashes
    (``If_Match="…"``)."""
    sent = {**client.headers, **{name.replace("_", "-"): v for name, v in headers.items()}}
    raw = body.encode("utf-8") if isinstance(body, str) else body
    return client.testapp.request(path, method=method, body=raw, headers=sent, status=status)


def anonymous(testapp: webtest.TestApp, method: str, path: str,
              **headers: str) -> webtest.TestResponse:
    """``method`` on ``path`` with no credentials at all."""
    return testapp.request(path, method=method, headers=headers, status="*")


# -- request bodies --------------------------------------------------------------------------


def propfind_body(*props: str) -> str:
    """A ``DAV:propfind`` asking for ``props`` (ElementTree names: ``dav("displayname")``);
    none asks ``allprop``."""
    if not props:
        return f'{PROLOG}<d:propfind {NAMESPACES}><d:allprop/></d:propfind>'
    return (f'{PROLOG}<d:propfind {NAMESPACES}><d:prop>'
            + "".join(_empty(name) for name in props) + "</d:prop></d:propfind>")


PROPNAME_BODY = (f'{PROLOG}<d:propfind {NAMESPACES}>'
                 "<d:propname/></d:propfind>")


def _empty(name: str) -> str:
    """``{ns}local`` as an empty element with its own namespace declaration."""
    namespace, local = name[1:].split("}")
    return f'<x:{local} xmlns:x="{namespace}"/>'


def multiget_body(*hrefs: str, data: bool = True) -> str:
    props = "<d:getetag/>" + ("<c:calendar-data/>" if data else "")
    refs = "".join(f"<d:href>{href}</d:href>" for href in hrefs)
    return (f'{PROLOG}<c:calendar-multiget {NAMESPACES}>'
            f"<d:prop>{props}</d:prop>{refs}</c:calendar-multiget>")


def query_body(vtodo_filter: str = "", data: bool = False) -> str:
    """A ``calendar-query`` of VTODOs, ``vtodo_filter`` the XML inside the VTODO comp-filter
    (a ``prop-filter``, a ``time-range``)."""
    props = "<d:getetag/>" + ("<c:calendar-data/>" if data else "")
    return (f'{PROLOG}<c:calendar-query {NAMESPACES}>'
            f'<d:prop>{props}</d:prop><c:filter><c:comp-filter name="VCALENDAR">'
            f'<c:comp-filter name="VTODO">{vtodo_filter}</c:comp-filter>'
            "</c:comp-filter></c:filter></c:calendar-query>")


def sync_body(token: str = "", limit: int | None = None) -> str:
    """A ``DAV:sync-collection`` (RFC 6578, level 1) from ``token`` ("" for an initial
    sync), with ``DAV:limit`` when ``limit`` is given."""
    bound = "" if limit is None else f"<d:limit><d:nresults>{limit}</d:nresults></d:limit>"
    return (f'{PROLOG}<d:sync-collection {NAMESPACES}>'
            f"<d:sync-token>{token}</d:sync-token><d:sync-level>1</d:sync-level>{bound}"
            "<d:prop><d:getetag/></d:prop></d:sync-collection>")


def mkcalendar_body(displayname: str | None = None, components: tuple[str, ...] = ()) -> str:
    """A ``CALDAV:mkcalendar`` setting ``displayname`` and a component set, each if given."""
    props = "" if displayname is None else f"<d:displayname>{displayname}</d:displayname>"
    if components:
        props += ("<c:supported-calendar-component-set>"
                  + "".join(f'<c:comp name="{name}"/>' for name in components)
                  + "</c:supported-calendar-component-set>")
    return (f'{PROLOG}<c:mkcalendar {NAMESPACES}>'
            f"<d:set><d:prop>{props}</d:prop></d:set></c:mkcalendar>")


def proppatch_body(displayname: str) -> str:
    return (f'{PROLOG}<d:propertyupdate {NAMESPACES}>'
            f"<d:set><d:prop><d:displayname>{displayname}</d:displayname></d:prop></d:set>"
            "</d:propertyupdate>")


def propfind(client: Client, path: str, *props: str, depth: str = "0",
             status: int | str = 207) -> webtest.TestResponse:
    return dav_request(client, "PROPFIND", path, propfind_body(*props), status=status,
                       Depth=depth, Content_Type=XML)


def report(client: Client, path: str, body: str, status: int | str = 207,
           depth: str | None = None) -> webtest.TestResponse:
    headers = {"Content_Type": XML} | ({} if depth is None else {"Depth": depth})
    return dav_request(client, "REPORT", path, body, status=status, **headers)


def sync(client: Client, path: str, token: str = "", limit: int | None = None,
         status: int | str = 207) -> webtest.TestResponse:
    """RFC 6578 3.2: the report is defined for ``Depth: 0``."""
    return report(client, path, sync_body(token, limit), status=status, depth="0")


# -- the multistatus read back ---------------------------------------------------------------


@dataclass
class Resource:
    """One ``DAV:response``: its own status (a sync's 404) or its properties, each with the
    status of its propstat."""

    href: str
    status: int | None = None
    props: dict[str, tuple[int, Element]] = field(default_factory=dict)

    def value(self, name: str) -> Element:
        """The property ``name``, which must be reported with a 200."""
        status, element = self.props[name]
        assert status == 200, f"{name} of {self.href} reported with {status}"
        return element

    def text(self, name: str) -> str:
        return self.value(name).text or ""


@dataclass
class Multistatus:
    """A ``DAV:multistatus``: its responses by path (percent-decoded, as the contract
    compares names), and the sync token of a sync report."""

    responses: dict[str, Resource]
    sync_token: str | None


def status_of(line: str) -> int:
    """``HTTP/1.1 404 Not Found`` -> 404."""
    return int(line.split()[1])


def path_of(href: str) -> str:
    """An href as a percent-decoded path (a client may be answered with absolute URLs)."""
    return unquote(urlsplit(href).path)


def multistatus(response: webtest.TestResponse) -> Multistatus:
    """The 207 ``response`` read into a ``Multistatus`` (the test fails on anything else)."""
    assert response.status_int == 207, response.body[:2000]
    assert response.content_type in ("application/xml", "text/xml"), response.content_type
    root = fromstring(response.body)
    assert root.tag == dav("multistatus")
    found: dict[str, Resource] = {}
    for node in root.findall(dav("response")):
        hrefs = node.findall(dav("href"))
        assert len(hrefs) == 1, "one href a response"
        resource = Resource(path_of(hrefs[0].text or ""))
        own = node.find(dav("status"))
        resource.status = None if own is None else status_of(own.text or "")
        for propstat in node.findall(dav("propstat")):
            code = status_of(propstat.findtext(dav("status")) or "")
            found_props = propstat.find(dav("prop"))
            for prop in [] if found_props is None else list(found_props):
                resource.props[prop.tag] = (code, prop)
        assert resource.href not in found, f"{resource.href} reported twice"
        found[resource.href] = resource
    return Multistatus(found, root.findtext(dav("sync-token")))


def children(response: webtest.TestResponse, parent: str) -> set[str]:
    """The paths a ``Depth: 1`` PROPFIND of ``parent`` lists below it."""
    return set(multistatus(response).responses) - {unquote(parent)}


def privileges(resource: Resource) -> set[str]:
    """The privileges of ``DAV:current-user-privilege-set`` (ElementTree names)."""
    return {child.tag for privilege in resource.value(dav("current-user-privilege-set"))
            for child in privilege}


READ_ONLY = {dav("read")}
EDITABLE = {dav("read"), dav("write-content"), dav("bind"), dav("unbind")}


# -- DAV:error -------------------------------------------------------------------------------


def assert_dav_error(response: webtest.TestResponse, status: int,
                     precondition: str | None = None) -> Element:
    """``response`` is ``status`` with a ``DAV:error`` body (section 16: never the JSON
    shape under /dav/) naming ``precondition`` when given, and a description a person can
    act on when there is one."""
    assert response.status_int == status, (response.status, response.body[:2000])
    assert response.content_type in ("application/xml", "text/xml"), response.content_type
    root = fromstring(response.body)
    assert root.tag == dav("error"), response.body[:2000]
    if precondition is not None:
        assert root.find(precondition) is not None, (precondition, response.body[:2000])
    return root


# -- iCalendar -------------------------------------------------------------------------------


def vtodo(uid: str, summary: str = "A task", *lines: str, components: str = "") -> str:
    """A VCALENDAR with one VTODO (``UID``, ``DTSTAMP``, ``SUMMARY`` then ``lines``), and
    ``components`` (a VTIMEZONE, a second VTODO...) after it, CRLF-terminated as RFC 5545
    wants. ``summary`` None leaves ``SUMMARY`` out."""
    body = ["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//taskservice tests//EN",
            "BEGIN:VTODO", f"UID:{uid}", "DTSTAMP:20260101T090000Z"]
    if summary is not None:
        body.append(f"SUMMARY:{summary}")
    body += [*lines, "END:VTODO"]
    text_ = CRLF.join(body) + CRLF + components
    return text_ + "END:VCALENDAR" + CRLF


def component(name: str, *lines: str) -> str:
    """``BEGIN:<name>`` … ``END:<name>`` with ``lines``, to put in ``vtodo(components=)``."""
    return CRLF.join([f"BEGIN:{name}", *lines, f"END:{name}"]) + CRLF


def unfolded(ical: str) -> list[str]:
    """The content lines of ``ical`` with RFC 5545 folding undone."""
    return ical.replace("\r\n ", "").replace("\r\n\t", "").replace("\n ", "").splitlines()


def properties(ical: str, name: str, within: str = "VTODO") -> list[str]:
    """Every ``name`` line (with its parameters) directly inside any ``within`` component
    of ``ical`` (a VALARM's lines are not the VTODO's)."""
    found: list[str] = []
    stack: list[str] = []
    for line in unfolded(ical):
        key, _, value = line.partition(":")
        if key == "BEGIN":
            stack.append(value)
        elif key == "END":
            stack.pop()
        elif stack and stack[-1] == within and key.split(";")[0].upper() == name:
            found.append(line)
    return found


def put(client: Client, path: str, ical: str, status: int | str = "*",
        **headers: str) -> webtest.TestResponse:
    """A client's ``PUT`` of ``ical`` to ``path`` as ``text/calendar``."""
    return dav_request(client, "PUT", path, ical, status=status,
                       **{"Content_Type": ICAL, **headers})


def inbox(client: Client) -> str:
    return collection_path(client.username, INBOX)


def list_collection(client: Client, list_id: str) -> str:
    """Where a list made through the JSON API is, in ``client``'s home."""
    return collection_path(client.username, list_id)


def task_path(client: Client, segment: str, task_id: str) -> str:
    """Where a task made through the JSON API is, in collection ``segment`` of
    ``client``'s home: ``<its derived UID>.ics``."""
    return object_path(client.username, segment, object_name(derived_uid(int(task_id))))


# -- nothing written -------------------------------------------------------------------------


def snapshot(connection: Connection) -> dict[str, list[str]]:
    """Every row of every table as text, but a token's ``last_used_at`` (any authenticated
    request may set it, a refused one too: section 15): "nothing written" is compared
    against it."""
    quote_name = connection.dialect.identifier_preparer.quote
    tables = {}
    for table in sorted(inspect(connection).get_table_names()):
        columns = [quote_name(c["name"]) for c in inspect(connection).get_columns(table)
                   if (table, c["name"]) != ("tokens", "last_used_at")]
        rows = connection.execute(text(f"SELECT {', '.join(columns)} FROM {quote_name(table)}"))
        tables[table] = sorted(repr(tuple(row)) for row in rows)
    return tables



def task_titled(client: Client, title: str) -> dict:
    """The one task ``client`` may view whose title is ``title``, through the JSON API:
    how a test finds what a CalDAV write made."""
    items = client.testapp.get("/tasks", {"q": title, "limit": 100},
                               headers=client.headers, status=200).json["items"]
    [task] = [item for item in items if item["title"] == title]
    return task


def etag_of(client: Client, task_id: str) -> str:
    """The task's ``ETag`` through the JSON API."""
    return str(client.testapp.get(f"/tasks/{task_id}", headers=client.headers,
                                  status=200).headers["ETag"])


def assert_proppatch_refused(response: webtest.TestResponse, path: str) -> None:
    """A ``PROPPATCH`` of ``displayname`` refused with a 403: as the whole request's status
    (a ``DAV:error``), or, as RFC 4918 9.2 allows, in a 207 whose propstat for it is a 403
    (and no property of ``path`` changed)."""
    if response.status_int != 207:
        assert_dav_error(response, 403)
        return
    resource = multistatus(response).responses[path]
    assert resource.props[dav("displayname")][0] == 403
