"""Hostile input under ``/dav/`` (contract sections 1, 15 and 16; issue 30: "the hostile-input
layer covers /dav/"): what tests/functional/test_hostile_input.py does for every JSON endpoint,
done for WebDAV and CalDAV.

Hypothesis builds requests from every method the server takes (read from its views) and junk
ones, paths under ``/dav/`` (the real root, principal, home, inbox, list collections and
objects, names derived from the UIDs of the caller's and other users' tasks; percent-encoded
garbage, overlong and dot segments, other users' names, unicode), headers (``Depth``,
``Destination``, ``If-Match``/``If-None-Match``, ``Content-Type``, ``Authorization`` garbage)
and bodies: XML soup for PROPFIND, PROPPATCH, REPORT, MKCALENDAR and MKCOL (well-formed trees
from a grammar of DAV and CALDAV names, with random nesting, attributes and text; the bodies a
client sends with hostile values in them; malformed XML, DTDs, entities, lying encodings) and
iCalendar soup for PUT (a grammar of VCALENDAR, VTODO, VEVENT, VALARM and VTIMEZONE lines with
random properties, parameters and values, folding, bad dates, durations, RRULEs and TZIDs,
bytes that are not UTF-8). Whatever is sent:

- the answer is never a 5xx (nothing under ``/dav/`` is, for what a client sends);
- every answer of 400 or more has a ``DAV:error`` body (a HEAD's has no body at all), and
  a 401 offers Basic (``Basic realm="taskservice"`` among its challenges);
- an answer of 400 or more changed nothing in the database (every row of every table, as
  ``tests.support.caldav.snapshot`` reads them, compared with the arranged rows every example
  starts from);
- a ``207`` is a well-formed ``DAV:multistatus``.

Each test makes one part of the request hostile and keeps the rest plausible, so the hostile
part gets past authentication and path resolution to the code that must cope with it; the
last one makes every part hostile at once. Most requests carry Alice's credentials (an app
password in Basic; her bearer token; an app password of the ``read`` scope only; one limited
to her list), some none. Every example starts from the same arranged rows: it runs inside a
SAVEPOINT rolled back after it, so a PUT, DELETE, MOVE or MKCALENDAR that succeeded leaves
nothing for the next example, and an example replays (and shrinks) alone.

Budget and reproducibility are those of test_hostile_input.py (its ``fuzz``):
``TASKSERVICE_FUZZ_EXAMPLES`` examples per test (here 150 by default: the module runs in well
under a minute on SQLite), derandomized unless ``TASKSERVICE_FUZZ_SEED`` is set, no example
database; ``make fuzz`` runs both modules with a large budget. The module prints how many
examples ran, by method and by status.
"""

from __future__ import annotations

import base64
import logging
import os
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import TypeVar
from xml.etree.ElementTree import Element, SubElement, fromstring, tostring

import pytest
import transaction
import webtest
from hypothesis import note
from hypothesis import strategies as st
from sqlalchemy.engine import Connection

from taskservice.caldav import views
from taskservice.caldav.names import (
    INBOX,
    collection_path,
    derived_uid,
    home_path,
    object_name,
    object_path,
    principal_path,
)
from taskservice.caldav.xml import CALDAV, CALENDARSERVER, DAV, caldav, dav
from tests.functional.caldav.test_dav_errors import challenges
from tests.functional.caldav.test_dav_hostile import BILLION_LAUGHS, DEEP, EXTERNAL_ENTITY
from tests.functional.test_hostile_input import (
    ETAGS,
    HEADER_TEXT,
    HOSTILE_TEXT,
    LONG_TEXT,
    RULES,
    SEGMENTS,
    ZONE_NAMES,
    TracebackCatcher,
    _cut,
    encode,
    fuzz,
    last_lines,
    write_report,
)
from tests.support.api import Client, create_task
from tests.support.caldav import (
    ICAL,
    PROLOG,
    PROPNAME_BODY,
    VTODO_CONTENT_TYPE,
    XML,
    app_password,
    assert_dav_error,
    component,
    dav_request,
    mkcalendar_body,
    multiget_body,
    propfind_body,
    proppatch_body,
    put,
    query_body,
    snapshot,
    sync,
    sync_body,
    vtodo,
)
from tests.support.lists import create_list
from tests.support.token_api import BASIC_CHALLENGE

pytestmark = pytest.mark.fuzz

EXAMPLES = int(os.environ.get("TASKSERVICE_FUZZ_EXAMPLES", "150"))

# Every method the server takes, read from its views: one added there is fuzzed here too.
DAV_METHODS = ("OPTIONS", *views.METHODS)
JUNK_METHODS = ("COPY", "LOCK", "UNLOCK", "ACL", "SEARCH", "POST", "PATCH", "TRACE",
                "propfind", "Get", "X-FUZZ")
XML_METHODS = ("PROPFIND", "PROPPATCH", "REPORT", "MKCALENDAR", "MKCOL")
METHODS = st.sampled_from(DAV_METHODS) | st.sampled_from(JUNK_METHODS)
# Who calls: Alice through each way a client holds her, or nobody.
CALLERS = st.sampled_from(("basic", "bearer", "read only", "list only", None))
# Who sends a hostile body: a caller who may write, so the body is what is judged.
WRITERS = st.sampled_from(("basic", "bearer"))


# -- the tree under attack -----------------------------------------------------------------


@dataclass
class Scene:
    """The rows every example starts from, and what a client could name of them."""

    users: tuple[str, ...]  # Alice's name, then Bob's
    list_id: str  # Alice's list
    collections: list[str] = field(default_factory=list)  # paths of real collections
    objects: list[str] = field(default_factory=list)  # paths of real objects and new names
    others: list[str] = field(default_factory=list)  # paths Alice may not see
    segments: list[str] = field(default_factory=list)  # real path segments, percent-encoded
    uids: list[str] = field(default_factory=list)
    uid_at: dict[str, str] = field(default_factory=dict)  # each object's UID (new: a fresh one)
    tokens: list[str] = field(default_factory=list)  # sync tokens the server issued

    @property
    def paths(self) -> list[str]:
        return ["/dav/", *self.collections, *self.objects, *self.others]

    def aimed(self) -> dict[str, list[str]]:
        """The paths each method mostly acts on, so that a hostile header or body meets the
        code behind them rather than a 404 or a 405; the rest go anywhere."""
        mine = [path for path in self.collections if "/calendars/" in path]
        fresh = [collection_path(self.users[0], name) for name in ("fresh calendar", "x" * 300)]
        return {"PUT": self.objects, "GET": self.objects, "HEAD": self.objects,
                "DELETE": self.objects + mine, "MOVE": self.objects, "REPORT": mine,
                "PROPPATCH": mine, "MKCALENDAR": [*fresh, *mine], "MKCOL": [*fresh, *mine]}


def arrange(alice: Client, bob: Client, dav_alice: Client) -> Scene:
    """Alice's list with a task (and a subtask), a recurring task of hers in no list, a
    collection and an object a client made over CalDAV; Bob's list and task, one task of his
    shared with her (read-only, in her inbox)."""
    name, other = alice.username, bob.username
    listed = create_list(alice, name="Fuzzed")["id"]
    scene = Scene(users=(name, other), list_id=listed)
    parent = create_task(alice, title="listed", list=listed, tags=["a", "b"],
                         due_at="2030-01-31T09:00:00Z")
    child = create_task(alice, title="step", list=listed, parent=parent["id"])
    # Controls the JSON API lets into a title, which no XML body may carry raw.
    loose = create_task(alice, title="loose\x01\x1f", recurrence={"rule": "FREQ=WEEKLY"},
                        due_date="2030-02-01")
    bobs_list = create_list(bob, name="Bob's")["id"]
    bobs = create_task(bob, title="bob's", list=bobs_list)
    shared = create_task(bob, title="shared")
    bob.testapp.put_json(f"/tasks/{shared['id']}/shares/{name}", {"permission": "view"},
                         headers=bob.headers, status=201)
    made = collection_path(name, "made by dav")
    dav_request(dav_alice, "MKCALENDAR", made, mkcalendar_body("By DAV"), status=201,
                Content_Type=XML)
    client_object = made + "client%40x+y%20z.ics"
    put(dav_alice, client_object, vtodo("client-uid", "from a client"), status=201)
    lists = {listed: [parent, child], INBOX: [loose, shared]}
    for segment, tasks in lists.items():
        scene.collections.append(collection_path(name, segment))
        for task in tasks:
            uid = derived_uid(int(task["id"]))
            scene.uid_at[object_path(name, segment, object_name(uid))] = uid
        scene.uid_at[object_path(name, segment, "new@x+y z.ics")] = FRESH_UID
    scene.collections += [principal_path(name), home_path(name), made]
    scene.uid_at |= {client_object: "client-uid", made + "new.ics": FRESH_UID}
    scene.objects = list(scene.uid_at)
    scene.others += [principal_path(other), home_path(other), collection_path(other, INBOX),
                     collection_path(name, bobs_list),
                     object_path(name, listed, object_name(derived_uid(int(bobs["id"])))),
                     object_path(other, bobs_list, object_name(derived_uid(int(bobs["id"]))))]
    scene.segments = ["principals", "calendars", name, name.upper(), other, INBOX, listed,
                      bobs_list, encode("made by dav"), "client%40x+y%20z.ics",
                      *(object_name(derived_uid(int(t["id"]))) for t in (parent, loose, bobs))]
    scene.uids = ["client-uid", *(derived_uid(int(t["id"])) for t in (parent, child, bobs))]
    for path in scene.collections[:2]:
        answer = sync(dav_alice, path)
        scene.tokens.append(fromstring(answer.body).findtext(dav("sync-token")) or "")
    return scene


# A UID no task has, and where a body says "the UID of the object at the request's path".
FRESH_UID = "fresh-uid"
OWN_UID = "<own-uid>"


# -- paths -----------------------------------------------------------------------------------


HOSTILE_SEGMENTS = st.one_of(
    st.sampled_from(SEGMENTS),
    st.sampled_from((".", "..", "%2e", "%2E%2E", "...", "%2e%2e%2f", "a" * 300, "x" * 5000 + ".ics",
                     ".ics", "%00.ics", "%FF.ics", "inbox%00", "INBOX", "inbox.ics")),
    HOSTILE_TEXT.map(encode),
    LONG_TEXT.map(encode),
)


def _joined(segments: list[str], slash: bool) -> str:
    return "/dav/" + "/".join(segments) + ("/" if slash and segments else "")


def _replaced(path: str, at: int, junk: str) -> str:
    """``path`` with its segment ``at`` (after ``/dav/``) replaced by ``junk``."""
    segments = path.removeprefix("/dav/").rstrip("/").split("/")
    segments[at % len(segments)] = junk
    return _joined(segments, path.endswith("/"))


def _appended(path: str, junk: str, slash: bool) -> str:
    return path.rstrip("/") + "/" + junk + ("/" if slash else "")


def hostile_paths(scene: Scene) -> st.SearchStrategy[str]:
    """Real paths with one segment replaced by a hostile one (so the junk reaches each level
    of the tree: the user, the collection, the object) or one appended; segments of both
    kinds in any order."""
    segment = st.sampled_from(scene.segments) | HOSTILE_SEGMENTS
    real = st.sampled_from(scene.paths)
    return st.one_of(
        st.builds(_replaced, real, st.integers(0, 3), HOSTILE_SEGMENTS),
        st.builds(_appended, real, HOSTILE_SEGMENTS, st.booleans()),
        st.builds(_joined, st.lists(segment, max_size=6), st.booleans()),
        real,
    )


# Text a UTF-8 body can carry (a lone surrogate cannot: it makes the body a 400 or a 403 before
# any value is read), and the separators iCalendar and XML give a meaning to. The iCalendar
# soup draws from it, CONTROLS now and then, and its bytes that are not UTF-8 from CHARSETS.
TEXT = st.text(st.characters(codec="utf-8", exclude_categories=("Cc",))
               | st.sampled_from("\t;:,\\\"=<&é\u202e"),
               max_size=40)
SOME_TEXT = TEXT | HOSTILE_TEXT
CONTROLS = st.sampled_from(("a\x00b", "\x01", "\x1b[31m", "\x7f", "\x0b\x0c", "a\rb", "\n"))
# Just past the lengths that matter (a title's 200, a UID's 255...), in characters of UTF-8.
LONG_UTF8 = st.builds(str.__mul__, st.sampled_from(["x", "é", "9", "%"]),
                      st.sampled_from([33, 51, 201, 256, 1025, 10_001]))


# -- XML soup ----------------------------------------------------------------------------------


NAMES = {
    DAV: ("propfind", "prop", "allprop", "propname", "include", "propertyupdate", "set",
          "remove", "displayname", "resourcetype", "getetag", "getcontenttype",
          "getlastmodified", "sync-token", "sync-collection", "sync-level", "limit",
          "nresults", "href", "current-user-principal", "current-user-privilege-set",
          "owner", "principal-URL", "supported-report-set", "collection", "error",
          "multistatus", "lockdiscovery", "mkcol"),
    CALDAV: ("calendar-query", "calendar-multiget", "calendar-data", "filter", "comp-filter",
             "prop-filter", "param-filter", "text-match", "time-range", "is-not-defined",
             "mkcalendar", "calendar-home-set", "supported-calendar-component-set", "comp",
             "calendar-timezone", "expand", "limit-recurrence-set", "free-busy-query",
             "calendar-description", "calendar"),
    CALENDARSERVER: ("getctag",),
    "urn:x-fuzz": ("propfind", "unknown"),
    "": ("propfind", "prop", "x"),
}
QUALIFIED = [f"{{{ns}}}{local}" for ns, names in NAMES.items() if ns for local in names]
TAGS = st.sampled_from([*QUALIFIED, *NAMES[""]])
# The root each method reads, so that most trees get past the first check.
ROOTS = {
    "PROPFIND": (dav("propfind"),), "PROPPATCH": (dav("propertyupdate"),),
    "MKCALENDAR": (caldav("mkcalendar"),), "MKCOL": (dav("mkcol"),),
    "REPORT": (caldav("calendar-query"), caldav("calendar-multiget"), dav("sync-collection"),
               caldav("free-busy-query")),
}
ICAL_DATES = ("20300101T090000Z", "20300101T090000", "20300101", "20300230T090000Z",
              "20301301", "2030-01-01", "99991231T235959Z", "00010101T000000Z", "00000101",
              "20300101T250000Z", "20300101T090000+0100", "20300101T090000ZZ", "1", "")
DURATIONS = ("PT15M", "-PT15M", "P1D", "-P1W", "P", "PT", "P1Y", "PT99999999999999H",
             "-P0D", "P1DT", "PT1.5H", "P1W2D", "-P106751991167300D")
NUMBERS = ("0", "1", "-1", "10000", "10001", "99999999999999999999", "1e3", " 2 ", "0x10")
ATTRIBUTE_NAMES = st.sampled_from(("name", "start", "end", "collation", "negate-condition",
                                   "test", "match-type", "content-type", "version",
                                   "{DAV:}name", "{http://www.w3.org/XML/1998/namespace}lang"))


@dataclass(frozen=True)
class Tree:
    """An XML element, immutable so that Hypothesis can show and replay it."""

    tag: str
    attributes: tuple[tuple[str, str], ...] = ()
    text: str | None = None
    children: tuple[Tree, ...] = ()

    def element(self, parent: Element | None = None) -> Element:
        node = Element(self.tag) if parent is None else SubElement(parent, self.tag)
        node.attrib.update(self.attributes)
        node.text = self.text
        for kid in self.children:
            kid.element(node)
        return node


T = TypeVar("T")


def weighted(*choices: tuple[int, st.SearchStrategy[T]]) -> st.SearchStrategy[T]:
    """One of the strategies, each as often as its weight says: most of a soup must still
    reach the code behind the first check, the rest of it need not."""
    return st.sampled_from([s for weight, s in choices for _ in range(weight)]).flatmap(
        lambda strategy: strategy)


def _utf8(text: str) -> bytes:
    """``text`` as UTF-8; a lone surrogate in it goes out as its CESU bytes."""
    return text.encode("utf-8", "surrogatepass")


def xml_bytes(root: Element) -> bytes:
    """``root`` as a document; a lone surrogate in it goes out as its CESU bytes."""
    return _utf8(PROLOG + tostring(root, encoding="unicode"))


def xml_texts(scene: Scene) -> st.SearchStrategy[str]:
    """What goes between tags or in attributes: real hrefs and sync tokens, altered ones,
    component and property names, dates, numbers, collations, junk."""
    tokens = st.sampled_from(scene.tokens)
    return st.one_of(
        st.sampled_from(scene.paths), tokens, tokens.map(lambda t: t[:-1] + "0"),
        tokens.map(lambda t: t + "x"),
        st.sampled_from(("VCALENDAR", "VTODO", "VEVENT", "VALARM", "COMPLETED", "STATUS",
                         "NEEDS-ACTION", "CANCELLED", "i;ascii-casemap", "i;octet",
                         "i;unicode-casemap", "yes", "no", "anyof", "allof", "1", "2",
                         "infinite", "http://example.com/dav/", "data:,x")),
        st.sampled_from(ICAL_DATES), st.sampled_from(NUMBERS), SOME_TEXT,
    )


def xml_trees(scene: Scene, roots: st.SearchStrategy[str] = TAGS) -> st.SearchStrategy[Tree]:
    texts = xml_texts(scene)
    attributes = st.lists(st.tuples(ATTRIBUTE_NAMES, texts), max_size=3).map(tuple)
    leaves = st.builds(Tree, TAGS, attributes, st.none() | texts)
    kids = st.recursive(leaves, lambda inner: st.builds(
        Tree, TAGS, attributes, st.none() | texts, st.lists(inner, max_size=4).map(tuple)),
        max_leaves=12)
    return st.builds(Tree, roots, attributes, st.none() | texts,
                     st.lists(kids, max_size=4).map(tuple))


def _inner(tree: Tree) -> str:
    return "".join(tostring(kid.element(), encoding="unicode") for kid in tree.children)


def client_bodies(scene: Scene) -> st.SearchStrategy[str]:
    """The bodies of tests.support.caldav, as clients send them, with hostile values in."""
    texts = xml_texts(scene)
    hrefs = st.lists(st.sampled_from(scene.paths) | texts, max_size=5)
    # What a sync asks first: every object's calendar-data (a title with controls included).
    everything = st.sampled_from((multiget_body(*scene.objects), query_body(data=True)))
    return st.one_of(
        everything, everything, everything,
        st.just(PROPNAME_BODY),
        st.lists(st.sampled_from(QUALIFIED), max_size=6).map(lambda tags: propfind_body(*tags)),
        st.builds(lambda refs, data: multiget_body(*refs, data=data), hrefs, st.booleans()),
        st.builds(query_body, xml_trees(scene).map(_inner), st.booleans()),
        st.builds(sync_body, texts | st.just(""), st.none() | st.integers(-2, 10**12)),
        st.builds(mkcalendar_body, st.none() | texts,
                  st.lists(st.sampled_from(("VTODO", "VEVENT", "vtodo", "")), max_size=3)
                  .map(tuple)),
        st.builds(proppatch_body, texts),
        st.builds(mkcalendar_body, st.none() | texts).map(extended_mkcol),
    )


def extended_mkcol(mkcalendar: str) -> str:
    """The extended MKCOL (RFC 5689) vdirsyncer sends, made from a MKCALENDAR body."""
    return mkcalendar.replace("c:mkcalendar", "d:mkcol").replace(
        "<d:prop>", "<d:prop><d:resourcetype><d:collection/><c:calendar/></d:resourcetype>")


ENCODINGS = ("utf-16", "latin-1", "bogus", "utf-7", "ascii", "UTF-32", "ebcdic-cp-us", "")
MALFORMED_PREFIXES = (
    b"\xef\xbb\xbf", b"\xff\xfe", b"<!DOCTYPE d:propfind>", b"<?pi x?>", b"<!-- c -->",
    b'<!DOCTYPE x SYSTEM "http://evil.example/x.dtd">', b'<?xml version="1.1"?>',
    b"<!ENTITY x 'y'>", b"<a/>",
)
RAW_XML = (
    b"", b" ", b"<", b"<a/><b/>", b"\x00", b"\xff", b"<d:propfind xmlns:d=''/>",
    b"<d:propfind/>", b"<![CDATA[x]]>", b'<a xmlns="DAV:"><![CDATA[<b/>]]></a>',
    BILLION_LAUGHS.encode(), EXTERNAL_ENTITY.encode(), DEEP.encode(),
    propfind_body(dav("displayname")).encode("utf-16"),
)


def _declared(encoding: str, document: bytes) -> bytes:
    """``document`` (UTF-8) under a declaration that names another encoding."""
    return f'<?xml version="1.0" encoding="{encoding}"?>'.encode() + document[len(PROLOG):]


def _spliced(document: bytes, junk: bytes, at: int) -> bytes:
    at %= len(document) + 1
    return document[:at] + junk + document[at:]


def xml_bodies(scene: Scene, method: str) -> st.SearchStrategy[bytes]:
    """Well-formed trees (mostly rooted where ``method`` expects), the bodies clients send,
    and malformed, truncated, DTD-bearing or mis-encoded XML."""
    roots = st.sampled_from(ROOTS[method]) | TAGS if method in ROOTS else TAGS
    well_formed = st.one_of(
        xml_trees(scene, roots).map(lambda tree: xml_bytes(tree.element())),
        client_bodies(scene).map(_utf8),
    )
    return weighted(
        (4, well_formed),
        (1, st.builds(_spliced, well_formed, st.binary(min_size=1, max_size=4),
                      st.integers(0, 2**16))),
        (1, st.builds(lambda doc, at: doc[:at], well_formed, st.integers(0, 200))),
        (1, st.builds(_declared, st.sampled_from(ENCODINGS), well_formed)),
        (1, st.builds(bytes.__add__, st.sampled_from(MALFORMED_PREFIXES), well_formed)),
        (1, st.sampled_from(RAW_XML)),
        (1, st.binary(max_size=64)),
    )


# -- iCalendar soup ------------------------------------------------------------------------------


PROPERTY_NAMES = ("UID", "SUMMARY", "DESCRIPTION", "DUE", "DTSTART", "DURATION", "COMPLETED",
                  "STATUS", "PERCENT-COMPLETE", "PRIORITY", "CATEGORIES", "RRULE", "EXDATE",
                  "RDATE", "RELATED-TO", "TRIGGER", "ACTION", "RECURRENCE-ID", "SEQUENCE",
                  "DTSTAMP", "CREATED", "LAST-MODIFIED", "TZID", "TZOFFSETFROM",
                  "TZOFFSETTO", "CLASS", "GEO", "ATTACH", "LOCATION", "URL", "VERSION",
                  "PRODID", "X-APPLE-SORT-ORDER", "X-", "", "due", "BEGIN", "END")
COMPONENTS = ("VTODO", "VEVENT", "VALARM", "VTIMEZONE", "STANDARD", "DAYLIGHT", "VJOURNAL",
              "VCALENDAR", "X-COMP", "vtodo", "")
PARAMETERS = st.one_of(
    ZONE_NAMES.map(lambda zone: f"TZID={zone}"),
    st.sampled_from(("VALUE=DATE", "VALUE=DATE-TIME", "VALUE=PERIOD", "VALUE=DURATION",
                     "VALUE=TEXT", "VALUE=", "RELATED=END", "RELATED=START", "RELATED=x",
                     "RELTYPE=PARENT", "RELTYPE=CHILD", "RELTYPE=SIBLING", "RELTYPE=",
                     'X-Q="a;b:c,d"', 'X-Q="unterminated', "CN=", "=x", "X", ";",
                     "TZID=W. Europe Standard Time", "TZID=\"Europe/Paris\"")),
    TEXT,
)
PRIORITIES = ("0", "1", "5", "9", "10", "-1", "99999999999999999999", "high", "1.5")


def valid_lines(scene: Scene) -> list[str]:
    """Lines a task may hold: a VTODO carries up to six of them and up to two of soup, so
    that many get past the first check to the code that maps the rest."""
    relations = [f"RELATED-TO{reltype}:{uid}" for uid in [*scene.uids, "p" * 256]
                 for reltype in ("", ";RELTYPE=PARENT", ";RELTYPE=CHILD")]
    return [
        *relations, "DESCRIPTION:a\\nb", "DUE:20300101T090000Z", "DUE;VALUE=DATE:20300101",
        "DUE;TZID=Europe/Paris:20300101T090000", "PRIORITY:1", "PRIORITY:5", "STATUS:COMPLETED",
        "STATUS:CANCELLED", "STATUS:IN-PROCESS", "COMPLETED:20250101T000000Z",
        "PERCENT-COMPLETE:100", "CATEGORIES:a,b", "CATEGORIES:a", "RRULE:FREQ=DAILY;COUNT=3",
        "DTSTART:20300101T080000Z", "SEQUENCE:3", "X-APPLE-SORT-ORDER:1", "LOCATION:x",
        "CLASS:PRIVATE", "URL:http://example.com/", "LAST-MODIFIED:20260101T000000Z",
        "RECURRENCE-ID:20300102T090000Z",
    ]


VALID_COMPONENTS = (
    component("VALARM", "ACTION:DISPLAY", "TRIGGER;RELATED=END:-PT15M", "DESCRIPTION:x"),
    component("VALARM", "ACTION:DISPLAY", "TRIGGER;VALUE=DATE-TIME:20300101T080000Z"),
    component("VTIMEZONE", "TZID:Europe/Paris", "BEGIN:STANDARD", "DTSTART:19701025T030000",
              "TZOFFSETFROM:+0200", "TZOFFSETTO:+0100", "RRULE:FREQ=YEARLY;BYDAY=-1SU;BYMONTH=10",
              "END:STANDARD"),
)


def ical_values(scene: Scene) -> st.SearchStrategy[str]:
    return st.one_of(
        st.sampled_from(ICAL_DATES), st.sampled_from(DURATIONS), RULES,
        st.sampled_from(PRIORITIES), st.sampled_from(scene.uids),
        st.sampled_from(("COMPLETED", "NEEDS-ACTION", "IN-PROCESS", "CANCELLED", "DISPLAY",
                         "a\\,b,c", "x" * 201, ",".join(f"c{n}" for n in range(21)),
                         "\\n\\N\\;\\\\", "mailto:x@example.com", "+0100", "-2400",
                         "20300101T090000Z/PT1H", "37.3;-122.0")),
        TEXT, LONG_UTF8, CONTROLS,
    )


def ical_lines(scene: Scene) -> st.SearchStrategy[str]:
    name = st.sampled_from(PROPERTY_NAMES) | TEXT
    parameters = st.lists(PARAMETERS, max_size=3).map(lambda ps: "".join(";" + p for p in ps))
    return st.builds("{}{}:{}".format, name, parameters, ical_values(scene))


def ical_components(scene: Scene) -> st.SearchStrategy[str]:
    """Components of any name, nested, sometimes closed under another name."""
    lines = st.lists(ical_lines(scene), max_size=6)
    names = st.sampled_from(COMPONENTS)
    leaf = st.builds(lambda n, ls: component(n, *ls), names, lines)
    return st.one_of(
        leaf,
        st.builds(_nested, names, lines, st.lists(leaf, max_size=3)),
        st.builds(_mismatched, names, names, lines),
    )


def _nested(name: str, lines: list[str], kids: list[str]) -> str:
    return component(name, *lines, *(kid.rstrip("\r\n") for kid in kids))


def _mismatched(begin: str, end: str, lines: list[str]) -> str:
    return component(begin, *lines).replace(f"END:{begin}\r\n", f"END:{end}\r\n")


def _folded(text: str, at: list[int], fold: str) -> str:
    """``text`` with a line break and ``fold`` (a space, a tab; or nothing) at ``at``."""
    for position in sorted({a % (len(text) + 1) for a in at}, reverse=True):
        text = text[:position] + "\r\n" + fold + text[position:]
    return text


def _ending(text: str, ending: str) -> str:
    return text.replace("\r\n", ending)


def ical_documents(scene: Scene) -> st.SearchStrategy[str]:
    """One VTODO with random lines and components beside it (the shape a task comes in, so
    the values reach the code that maps them), or components of any shape on their own."""
    lines = st.builds(list.__add__, st.lists(st.sampled_from(valid_lines(scene)), max_size=6),
                      st.lists(ical_lines(scene), max_size=2))
    components = st.lists(st.sampled_from(VALID_COMPONENTS) | ical_components(scene),
                          max_size=3).map("".join)
    summary = st.sampled_from(("fuzzed", "x", "", "t" * 201, None)) | st.just("fuzzed") \
        | st.just("fuzzed") | TEXT
    uid = st.sampled_from((OWN_UID, OWN_UID, OWN_UID)) | st.sampled_from(scene.uids) \
        | st.sampled_from(("", "u" * 300, FRESH_UID)) | TEXT
    a_todo = st.builds(lambda u, s, ls, cs: vtodo(u, s, *ls, components=cs),
                       uid, summary, lines, components)
    return st.one_of(a_todo, a_todo, components,
                     components.map(lambda cs: component("VCALENDAR", cs.rstrip("\r\n"))))


# Mostly UTF-8 (the bytes then reach the iCalendar parser), sometimes not.
CHARSETS = ("utf-8", "utf-8", "utf-8", "utf-8", "latin-1", "utf-16")


def _encoded(text: str, charset: str) -> bytes:
    """``text`` in ``charset``: a lone surrogate as its CESU bytes in UTF, "?" in latin-1."""
    return text.encode(charset, "surrogatepass" if charset.startswith("utf") else "replace")


def ical_bodies(scene: Scene) -> st.SearchStrategy[bytes]:
    """iCalendar soup, folded anywhere, with other line endings, not UTF-8, spliced bytes."""
    text = st.one_of(
        ical_documents(scene),
        st.builds(_folded, ical_documents(scene), st.lists(st.integers(0, 2**16), max_size=4),
                  st.sampled_from((" ", "\t", ""))),
        st.builds(_ending, ical_documents(scene), st.sampled_from(("\n", "\r", "\n\r", ""))),
    )
    encoded = st.builds(_encoded, text, st.sampled_from(CHARSETS))
    return weighted(
        (6, encoded),
        (1, st.builds(_spliced, encoded, st.binary(min_size=1, max_size=4),
                      st.integers(0, 2**16))),
        (1, st.binary(max_size=64)),
    )


# -- headers -----------------------------------------------------------------------------------


DEPTHS = st.sampled_from(("0", "1", "infinity", "Infinity", " 1 ", "2", "-1", "", "0, 1",
                          "01", "1.0", "\xb9")) | HEADER_TEXT
XML_TYPES = st.sampled_from((XML, "text/xml", "application/xml", "text/xml; charset=latin-1"))
CONTENT_TYPES = st.one_of(
    XML_TYPES,
    st.sampled_from((ICAL, VTODO_CONTENT_TYPE, "text/calendar", "TEXT/CALENDAR",
                     "text/calendar; charset=latin-1", "text/calendar; charset=bogus",
                     "text/calendar; component=VEVENT", "application/json", "",
                     "multipart/form-data; boundary=x", "text/calendar;;;")),
    HEADER_TEXT,
)
HOSTS = ("", "http://example.com", "https://example.com:443", "http://evil.example",
         "//evil.example", "http://example.com:99999", "file://", "http://[::1")
OTHER_HEADERS = st.fixed_dictionaries({}, optional={
    "Overwrite": st.sampled_from(("T", "F", "t", "")) | HEADER_TEXT,
    "Prefer": st.sampled_from(("return=minimal", "return=representation")) | HEADER_TEXT,
    "Brief": st.sampled_from(("t", "f")) | HEADER_TEXT,
    "If": st.sampled_from(("(<urn:x> [\"1\"])", "(Not <DAV:no-lock>)")) | HEADER_TEXT,
    "Accept": st.sampled_from(("application/json", "text/calendar", "*/*")) | HEADER_TEXT,
})


def _basic(credentials: bytes) -> str:
    return "Basic " + base64.b64encode(credentials).decode("ascii")


def authorizations(scene: Scene, secrets: list[str]) -> st.SearchStrategy[str]:
    """Basic garbage: real names with wrong or other callers' secrets, no colon, not base64,
    not UTF-8; and bearer tokens mangled."""
    user = st.sampled_from(scene.users) | st.sampled_from(("", "ALICE", "alice ", "\xe9"))
    secret = st.sampled_from(secrets) | st.sampled_from(("", "x", "x" * 1000)) | HEADER_TEXT
    pairs = st.builds(lambda u, s, sep: f"{u}{sep}{s}".encode("latin-1"), user, secret,
                      st.sampled_from((":", "", "::", ": ")))
    return st.one_of(
        st.builds(_basic, pairs),
        st.builds(_basic, st.binary(max_size=40)),
        st.builds("{}{}".format, st.sampled_from(("Basic ", "basic ", "BASIC  ", "Basic", "Basic\t",
                                                  "Bearer ", "Digest ")),
                  HEADER_TEXT | st.sampled_from(secrets) | st.just("!!not base64!!")),
        HEADER_TEXT,
    )


def destinations(scene: Scene) -> st.SearchStrategy[str]:
    """Real paths (objects, collections, other homes) under this host and others, junk."""
    path = st.sampled_from(scene.paths) | hostile_paths(scene) | HOSTILE_TEXT.map(encode)
    new_names = st.builds(_replaced, st.sampled_from(scene.objects), st.just(3),
                          st.sampled_from(("x" * 252 + ".ics", "y" * 256 + ".ics", "a%00.ics")))
    return st.builds(str.__add__, st.sampled_from(HOSTS), path | new_names) | HEADER_TEXT


def hostile_headers(scene: Scene, secrets: list[str]) -> st.SearchStrategy[dict[str, str]]:
    """The DAV headers, any of them hostile; Authorization one time in four only, so that
    most requests get past authentication to what the others do."""
    etags = ETAGS | st.sampled_from(('"1"', '"2"', '"3"', "*"))
    dav_headers = st.fixed_dictionaries({}, optional={
        "Depth": DEPTHS, "Destination": destinations(scene), "If-Match": etags,
        "If-None-Match": etags, "Content-Type": CONTENT_TYPES,
    })
    authorization = st.sampled_from((False, False, False, True)).flatmap(
        lambda hostile: st.builds(lambda value: {"Authorization": value},
                                  authorizations(scene, secrets)) if hostile else st.just({}))
    return st.builds(lambda *parts: {k: v for part in parts for k, v in part.items()},
                     OTHER_HEADERS, dav_headers, authorization)


# -- one request, and what its answer must be ------------------------------------------------------


@dataclass(frozen=True)
class DavRequest:
    """One request as drawn: ``caller`` names Alice's credentials, sent unless the drawn
    headers carry an ``Authorization`` of their own."""

    method: str
    path: str
    caller: str | None
    headers: tuple[tuple[str, str], ...] = ()
    body: bytes = b""

    def __str__(self) -> str:
        lines = [f"{self.method} {self.path!r} as {self.caller or 'anonymous'}"]
        lines += [f"  {name}: {value!r}" for name, value in self.headers]
        lines.append(f"  body: {_cut(self.body)}")
        return "\n".join(lines)


@dataclass
class Stats:
    """What one test sent: examples run (shrinking included), by method and status."""

    methods: Counter[str] = field(default_factory=Counter)
    statuses: Counter[str] = field(default_factory=Counter)

    def record(self, method: str, status: int) -> None:
        self.methods[method] += 1
        self.statuses[str(status)] += 1


STATS: dict[str, Stats] = {}


class DavTarget:
    """The app, Alice's ways in, the arranged rows, and the promises each answer keeps."""

    def __init__(self, testapp: webtest.TestApp, connection: Connection, alice: Client,
                 bob: Client, stats: Stats) -> None:
        self.testapp = testapp
        self.connection = connection
        self.stats = stats
        basic = app_password(alice)
        self.credentials = {
            "basic": basic.headers, "bearer": alice.headers,
            "read only": app_password(alice, scopes=["read"]).headers,
        }
        self.scene = arrange(alice, bob, basic)
        self.credentials["list only"] = app_password(alice, lists=[self.scene.list_id]).headers
        secrets = [alice.token, basic.token, bob.token]
        self.hostile_headers = hostile_headers(self.scene, secrets)
        self.hostile_paths = hostile_paths(self.scene)
        self.anywhere = st.sampled_from(self.scene.paths)
        self.aimed = {method: st.sampled_from(paths) | self.anywhere
                      for method, paths in self.scene.aimed().items()}
        self.bodies = self._bodies()
        self.before = snapshot(connection)
        self.tracebacks = TracebackCatcher()

    # -- drawing

    def _bodies(self) -> dict[tuple[str, bool], st.SearchStrategy[bytes]]:
        """The bodies each (method, hostile) draws from: built once, as Hypothesis wants."""
        scene = self.scene
        ical = ical_bodies(scene)
        bodies = {("PUT", True): ical,
                  ("PUT", False): ical_documents(scene).map(_utf8)}
        for method in XML_METHODS:
            bodies[method, True] = xml_bodies(scene, method)
            bodies[method, False] = client_bodies(scene).map(_utf8)
        bodies["", True] = st.just(b"") | xml_bodies(scene, "") | ical
        bodies["", False] = st.just(b"")
        return bodies

    def body(self, data: st.DataObject, method: str, hostile: bool) -> bytes:
        """A body for ``method``: soup when ``hostile``, else one a client would send."""
        known = method if method == "PUT" or method in XML_METHODS else ""
        return data.draw(self.bodies[known, hostile], label="body")

    def plausible_headers(self, data: st.DataObject, method: str) -> dict[str, str]:
        headers = {"Content-Type": ICAL if method == "PUT" else XML}
        if method in ("PROPFIND", "REPORT"):
            headers["Depth"] = data.draw(st.sampled_from(("0", "1")), label="depth")
        if method == "MOVE":
            headers["Destination"] = data.draw(st.sampled_from(self.scene.objects),
                                               label="destination")
        return headers

    def draw(self, data: st.DataObject, hostile: set[str],
             methods: st.SearchStrategy[str] = METHODS,
             paths: st.SearchStrategy[str] | None = None) -> DavRequest:
        method = data.draw(methods, label="method")
        caller = data.draw(WRITERS if hostile == {"body"} else CALLERS, label="caller")
        if "path" in hostile:
            path = data.draw(self.hostile_paths, label="path")
        else:
            path = data.draw(paths if paths is not None else self.aimed.get(method, self.anywhere),
                         label="path")
        headers = self.plausible_headers(data, method)
        if "headers" in hostile:
            headers.update(data.draw(self.hostile_headers, label="headers"))
        body = self.body(data, method, "body" in hostile)
        own = self.scene.uid_at.get(path, FRESH_UID)
        return DavRequest(method, path, caller, tuple(headers.items()),
                          body.replace(OWN_UID.encode(), own.encode()))

    # -- sending and checking

    def send(self, request: DavRequest) -> webtest.TestResponse:
        own = self.credentials[request.caller] if request.caller else {}
        headers = {**own, **dict(request.headers)}
        self.tracebacks.errors.clear()
        try:
            return self.testapp.request(request.path, method=request.method, headers=headers,
                                        body=request.body, status="*")
        except Exception as error:  # out of the WSGI app: a server answers that with a 500
            self.stats.record(request.method, 500)
            raise AssertionError(f"the app raised instead of answering:\n{last_lines(error)}"
                                 ) from error

    def assert_survives(self, request: DavRequest) -> None:
        """Send ``request`` in a SAVEPOINT rolled back afterwards; its answer must keep the
        promises of the module docstring."""
        note(str(request))
        savepoint = self.connection.begin_nested()
        try:
            response = self.send(request)
            # A streamed 207 reads after pyramid_tm committed, in a transaction the thread
            # would end at its next request: ended here, before the SAVEPOINT under it goes.
            transaction.abort()
            self.stats.record(request.method, response.status_int)
            self.judge(request, response)
        finally:
            savepoint.rollback()

    def judge(self, request: DavRequest, response: webtest.TestResponse) -> None:
        status = response.status_int
        if status >= 500:
            message = f"{response.status} {_cut(response.body)}\nlogged:\n"
            raise AssertionError(message + self.tracebacks.describe()) from self.tracebacks.latest
        if status >= 400:
            if request.method != "HEAD":
                assert_dav_error(response, status)
            if status == 401:
                assert BASIC_CHALLENGE in challenges(response)
            after = snapshot(self.connection)
            assert after == self.before, f"a {status} changed the database"
        elif status == 207:
            root = fromstring(response.body)
            assert root.tag == dav("multistatus"), _cut(response.body)


# -- fixtures ----------------------------------------------------------------------------------


@pytest.fixture(scope="module", autouse=True)
def fuzz_report(request: pytest.FixtureRequest) -> Iterator[None]:
    """After the module: the figures a person can quote (examples run, by method, status)."""
    STATS.clear()
    yield
    if STATS:
        write_report(request, report_lines())


def report_lines() -> Iterator[str]:
    seeded = os.environ.get("TASKSERVICE_FUZZ_SEED") or "derandomized"
    yield f"hostile /dav/ input: {EXAMPLES} examples per test, seed {seeded}"
    for test, stats in STATS.items():
        statuses = ", ".join(f"{k} {v}" for k, v in sorted(stats.statuses.items()))
        methods = ", ".join(f"{k} {v}" for k, v in sorted(stats.methods.items()))
        yield f"  {test}: {stats.methods.total()} examples; {statuses}"
        yield f"    {methods}"


@pytest.fixture
def target(request: pytest.FixtureRequest, testapp: webtest.TestApp, connection: Connection,
           alice: Client, bob: Client) -> Iterator[DavTarget]:
    """The app under attack; the tracebacks it logs are kept for the failure messages."""
    target = DavTarget(testapp, connection, alice, bob,
                       STATS.setdefault(request.node.name, Stats()))
    logger = logging.getLogger("taskservice")
    logger.addHandler(target.tracebacks)
    yield target
    logger.removeHandler(target.tracebacks)


def dav_fuzz(test: Callable[..., None]) -> Callable[..., None]:
    return fuzz(test, examples=EXAMPLES)


# -- the tests ---------------------------------------------------------------------------------


@dav_fuzz
def test_hostile_dav_paths(target: DavTarget, data: st.DataObject) -> None:
    """Garbage, dot, overlong and unicode segments, other users' names, real names out of
    place: a 404 (or another 4xx), never a 500."""
    target.assert_survives(target.draw(data, {"path"}))


@dav_fuzz
def test_hostile_dav_headers(target: DavTarget, data: st.DataObject) -> None:
    """Depth, Destination, If-Match, If-None-Match, Content-Type and Authorization garbage."""
    target.assert_survives(target.draw(data, {"headers"}, methods=st.sampled_from(DAV_METHODS)))


@dav_fuzz
def test_xml_soup(target: DavTarget, data: st.DataObject) -> None:
    """XML of every shape to the methods that read it, at real paths."""
    target.assert_survives(target.draw(data, {"body"}, methods=st.sampled_from(XML_METHODS)))


@dav_fuzz
def test_icalendar_soup(target: DavTarget, data: st.DataObject) -> None:
    """iCalendar of every shape PUT to real objects and new names in real collections."""
    objects = st.sampled_from(target.scene.objects)
    target.assert_survives(target.draw(data, {"body"}, methods=st.just("PUT"), paths=objects))


@dav_fuzz
def test_everything_hostile_at_once(target: DavTarget, data: st.DataObject) -> None:
    """Every part hostile together: whichever error wins must still be a DAV:error 4xx."""
    target.assert_survives(target.draw(data, {"path", "headers", "body"}))
