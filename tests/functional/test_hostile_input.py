"""Hostile input at every endpoint of the app's own OpenAPI document (contract section 1).

Whatever a client sends -- bytes that are not UTF-8, JSON that no parser should trust,
numbers past every integer type, a parameter repeated a thousand times, headers of latin-1
garbage, ids of every length and sign -- the answer is never a 5xx, every 4xx is the
contract's error shape, and a request answered with a 4xx changed nothing in the database
(every row of every table is compared before and after it). One more promise of section 1 is
checked, since no status check would catch its breach: a body that is not JSON (zero bytes
included) or not ``application/json`` is never accepted; and so are those of section 12 that
hold whatever else a body carries (both dues with values, an impossible date, a zone that is
not an IANA name or ``null``, a recurrence sent with ``start`` or ``from: null``), and those
of section 13 (``position`` is read-only, an id is never a number; a listing takes ``parent``
only as ``none`` or an id, and ``sort=position`` but never ``-position``). The endpoints are
read from ``GET /__api__`` of the test app, so an endpoint added to the API (``POST
/tasks/{id}/move``) is attacked here without a change to this file; section 12's fields,
whose schema says only "a string", are offered dates, zone names and rules by name
(``NAMED``), and section 13's ``parent`` and ``after`` the ids of real tasks, as strings and
as numbers (``TASK_ID_NAMES``).

Each test makes one part of the request hostile (path segments, query string, headers or
body; the last test all of them at once) and keeps the rest plausible, so that the hostile
part gets past authentication and traversal to the code that must cope with it. Most
requests carry the token of a real user (the owner of real tasks, one of them with a
subtask that has one of its own; a user one of them is shared with; an admin), some none.
What successful requests leave behind (tasks created, users deleted, tokens revoked) carries
over to later examples: the database check is per request, and a caller logged out or
deleted by an earlier example is registered anew.
Cursors the app issued are forged anew around a hostile value, signed with the service's
key (read from the database, see pagination.py), so that the value inside reaches the
database.

Budget and reproducibility:

- ``TASKSERVICE_FUZZ_EXAMPLES`` examples per test (default 400: well under a minute for the
  module on SQLite, shrinking included); ``make fuzz`` runs 3000. The module prints how many
  examples ran and which (method, path) endpoints they reached.
- Derandomized by default: every run draws the same inputs, so a red build is red for
  whoever reruns it, and a green one cannot turn red on an unrelated change by a lucky
  draw. ``TASKSERVICE_FUZZ_SEED=<integer>`` draws other inputs, reproducibly; ``make fuzz``
  picks a new seed each run and the summary prints it.
- Hypothesis's example database is off: it would replay at the next run what an earlier one
  found on that machine, so two checkouts would no longer run the same inputs; the seed
  already replays a run.
"""

from __future__ import annotations

import base64
import json
import logging
import os
import re
import traceback
import uuid
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta, timezone
from typing import Any, TypeVar
from urllib.parse import parse_qs, quote
from zoneinfo import available_timezones

import pytest
import webtest
from hypothesis import HealthCheck, given, note, seed, settings
from hypothesis import strategies as st
from sqlalchemy import inspect, select, text
from sqlalchemy.engine import Connection

import taskservice
from taskservice.accounts.models import User
from taskservice.db.service_keys import CURSORS, read_service_key
from taskservice.tasks.models import Task
from taskservice.web.pagination import Codec, encode_cursor
from tests.support.api import Client, assert_error, create_task
from tests.support.constants import PASSWORD
from tests.support.openapi import METHODS, resolve

pytestmark = pytest.mark.fuzz

EXAMPLES = int(os.environ.get("TASKSERVICE_FUZZ_EXAMPLES", "400"))
SEED = os.environ.get("TASKSERVICE_FUZZ_SEED") or None

WRITE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
JSON = "application/json"
# Stands for the caller's real token in generated headers; replaced when the request is sent.
TOKEN = "<token>"
ROLES = ("owner", "sharee", "admin")
KNOWN = 4  # real values offered for each path parameter
CALLERS = st.sampled_from((*ROLES, None))  # None: anonymous, a quarter of the requests


# -- the endpoints, from the app's own OpenAPI document ----------------------------------------


@dataclass(frozen=True, eq=False)
class Endpoint:
    """One (method, path template) of the document, and the inputs it says it takes."""

    method: str
    template: str
    path_params: tuple[str, ...]
    query_params: tuple[tuple[str, dict], ...]  # (name, JSON schema)
    body: dict | None  # the JSON schema of the request body, if it takes one

    def __str__(self) -> str:
        return f"{self.method} {self.template}"


def _inline(document: dict, node: Any, depth: int = 0) -> Any:
    """``node`` with every local ``$ref`` in it replaced by what it names."""
    if depth > 20:  # a recursive schema: anything will do below this depth
        return {}
    if isinstance(node, list):
        return [_inline(document, item, depth + 1) for item in node]
    if not isinstance(node, dict):
        return node
    return {k: _inline(document, v, depth + 1) for k, v in resolve(document, node).items()}


def _body_schema(document: dict, operation: dict) -> dict | None:
    body = operation.get("requestBody")
    if body is None:
        return None
    content = resolve(document, body).get("content", {})
    media = content.get(JSON) or next(iter(content.values()), {})
    return _inline(document, media.get("schema", {}))


def read_endpoints(document: dict) -> list[Endpoint]:
    """Every operation of an OpenAPI 3 document."""
    found = []
    for template, item in document["paths"].items():
        for method in (m for m in METHODS if m in item):
            operation = item[method]
            parameters = [
                resolve(document, p)
                for p in item.get("parameters", []) + operation.get("parameters", [])
            ]
            query = tuple(
                (p["name"], _inline(document, p.get("schema", {})))
                for p in parameters if p["in"] == "query"
            )
            found.append(Endpoint(
                method=method.upper(), template=template,
                path_params=tuple(re.findall(r"\{([^}]+)\}", template)),
                query_params=query, body=_body_schema(document, operation),
            ))
    return found


# -- JSON that no parser should trust ----------------------------------------------------------


class Raw(str):
    r"""JSON text sent as it is: what ``json.dumps`` never writes (``1e400``, ``"\\ud800"``)."""


class Pairs(tuple):
    """A JSON object written from its (key, value) pairs, so that a key may come twice."""


def to_json(value: Any, ascii_only: bool = True) -> str:
    """``value`` as JSON text; ``ascii_only=False`` leaves lone surrogates as raw characters."""
    if isinstance(value, Raw):
        return value
    if isinstance(value, dict):
        value = Pairs(value.items())
    if isinstance(value, Pairs):
        members = (f"{to_json(str(k), ascii_only)}:{to_json(v, ascii_only)}" for k, v in value)
        return "{" + ",".join(members) + "}"
    if isinstance(value, list):
        return "[" + ",".join(to_json(item, ascii_only) for item in value) + "]"
    return json.dumps(value, ensure_ascii=ascii_only)  # NaN and Infinity as bare literals


Chunk = TypeVar("Chunk", str, bytes)


def _spliced(value: Chunk, junk: Chunk, at: int) -> Chunk:
    at %= len(value) + 1
    return value[:at] + junk + value[at:]


def nested(opener: str, depth: int) -> Raw:
    closer = {"[": "]", '{"a":': "}"}[opener]
    return Raw(opener * depth + "0" + closer * depth)


def encode(value: str) -> str:
    """Percent-encoded UTF-8; a lone surrogate becomes its CESU bytes (``%ED%A0%80``)."""
    return quote(value.encode("utf-8", "surrogatepass"), safe="")


BIG_NUMBERS = (
    0, -1, 2**31 - 1, 2**31, 2**32, 2**53 + 1, 2**63 - 1, 2**63, 2**64, -(2**63) - 1,
    10**18 - 1, 10**18, 10**19, 10**30,
)
RAW_LITERALS = (
    "1e400", "-1e400", "1e-400", "NaN", "Infinity", "-Infinity", "-0", "1E+2", "1" * 4301,
    '"\\ud800"', '"\\udfff"', '"a\\ud800b"', '"\\udc00\\ud800"', '"\\u0000"', '"\\ud83d\\ude00"',
    "01", "tru", "'x'", "undefined", "0x10",
)
LONE_SURROGATES = ("\ud800", "\udbff", "\udc00", "\udfff", "\udc00\ud800")
HOSTILE_CHARS = st.one_of(
    st.characters(), st.characters(categories=["Cs"]),
    st.sampled_from("\x00\t\n\ufeff\u202e\uffff\U0010ffff\u0130%&=+#?/"),
)
# Just past the documented maximum lengths (32, 50, 200, 1024, 10 000 characters).
LONG_TEXT = st.builds(
    str.__mul__, st.sampled_from(["x", "é", "\ud800", "9", "%"]),
    st.sampled_from([33, 51, 201, 1025, 10_001]),
)
HOSTILE_TEXT = st.one_of(st.text(HOSTILE_CHARS, max_size=40), LONG_TEXT)
SCALARS = st.one_of(
    st.none(), st.booleans(), st.integers(), st.sampled_from(BIG_NUMBERS), st.floats(),
    HOSTILE_TEXT, st.sampled_from(RAW_LITERALS).map(Raw),
)
DEEP = st.builds(nested, st.sampled_from(["[", '{"a":']), st.integers(1, 100_000))
JSON_VALUES = st.one_of(
    st.recursive(
        SCALARS,
        lambda kids: st.lists(kids, max_size=4) | st.dictionaries(HOSTILE_TEXT, kids, max_size=4),
        max_leaves=12,
    ),
    DEEP,
)
OFFSETS = st.integers(-(24 * 60 - 1), 24 * 60 - 1).map(lambda m: timezone(timedelta(minutes=m)))
# Years 1 to 9999, any offset: the edges overflow when converted to UTC.
VALID_DATE_TIMES = st.datetimes(timezones=st.just(UTC) | OFFSETS).map(datetime.isoformat)
DATE_TIMES = st.one_of(
    VALID_DATE_TIMES,
    st.datetimes().map(datetime.isoformat),  # no offset: a 400
    st.sampled_from([
        "9999-12-31T23:59:59-23:59", "0001-01-01T00:00:00+23:59", "2030-02-30T00:00:00Z",
        "2030-01-31t09:00:00z", "2030-01-31 09:00:00Z", "2030-01-31T24:00:00Z", "2030-01-31",
    ]),
)
# Section 12's values: their schema says only "a string", but what checks them wants dates
# of the calendar, IANA zone names and RFC 5545 rules, so these are offered by name.
DATES = st.one_of(
    st.dates().map(date.isoformat),
    st.sampled_from([
        "2031-02-30", "2029-02-29", "2030-13-01", "2030-00-10", "0000-01-01", "0001-01-01",
        "9999-12-31", "2030-1-5", "20300105", "2030-01-05T00:00:00Z", "+2030-01-05",
        "2030-01-05\x00", "\u0662\u0660\u0663\u0660-01-05",
    ]),
)
# The names of the IANA database: the files of a system's zoneinfo directory that are not
# zones (localtime, posixrules, posix/..., right/...) are no names of it.
IANA_ZONES = frozenset(name for name in available_timezones()
                       if name not in {"localtime", "posixrules"}
                       and not name.startswith(("posix/", "right/")))
ZONE_NAMES = st.one_of(
    st.sampled_from(sorted(IANA_ZONES)),
    st.sampled_from([
        "europe/paris", "UTC ", "Europe/Pariss", "localtime", "posixrules", "posix/Europe/Paris",
        "right/UTC", "../../../etc/passwd", "/usr/share/zoneinfo/UTC", "Europe/Paris\x00",
        "Europe//Paris", "+02:00", "Etc/GMT+15", "", "\ud800",
    ]),
)
RULE_PARTS = (
    "FREQ=HOURLY", "FREQ=DAILY", "FREQ=WEEKLY", "FREQ=MONTHLY", "FREQ=YEARLY", "FREQ=SECONDLY",
    "INTERVAL=2", "INTERVAL=0", "INTERVAL=4294967296", "INTERVAL=99999999999999999999",
    "COUNT=1", "COUNT=0", "COUNT=9223372036854775808", "UNTIL=20301231",
    "UNTIL=20301231T000000Z", "UNTIL=99991231T235959Z", "UNTIL=00010101", "UNTIL=20300230",
    "BYDAY=-1FR", "BYDAY=53MO", "BYDAY=MO,TU,WE,TH,FR,SA,SU", "BYMONTHDAY=31",
    "BYMONTHDAY=-31", "BYYEARDAY=366", "BYWEEKNO=-53", "BYMONTH=2", "BYMONTHDAY=29",
    "BYSETPOS=-366", "BYHOUR=23", "BYMINUTE=59", "BYSECOND=60", "WKST=SU", "X-FOO=1", "",
)
RULES = st.one_of(
    st.lists(st.sampled_from(RULE_PARTS), min_size=1, max_size=5).map(";".join),
    st.sampled_from([
        # A search that ends nowhere: every fourth year from an even one that is no leap
        # year, and far-off bounds; each must be answered, not computed for ever.
        "FREQ=YEARLY;INTERVAL=4;BYMONTH=2;BYMONTHDAY=29",
        "FREQ=YEARLY;INTERVAL=400;BYMONTH=2;BYMONTHDAY=29",
        "FREQ=DAILY;BYMONTH=2;BYMONTHDAY=30", "FREQ=SECONDLY;UNTIL=99991231T235959Z",
        "FREQ=MINUTELY;COUNT=100000000", "FREQ=HOURLY;BYSETPOS=-1;BYHOUR=1,2",
        "FREQ=YEARLY;BYWEEKNO=53;BYDAY=1MO", "RRULE:FREQ=DAILY", "FREQ=DAILY;" * 60,
    ]),
)
RECURRENCES = st.fixed_dictionaries(
    {"rule": RULES},
    optional={"from": st.sampled_from(["due", "completion", None, "Due", ""]),
              "start": st.one_of(DATES, VALID_DATE_TIMES, st.none())},
)


# -- plausible values: they get past type checks to the code behind them ----------------------


def _plausible_text(schema: dict, pool: list[str]) -> st.SearchStrategy[str]:
    if schema.get("format") == "date-time":
        return VALID_DATE_TIMES | DATE_TIMES
    low = schema.get("minLength", 0)
    high = max(low, min(schema.get("maxLength", 60), 60))
    valid = st.text(st.characters(codec="utf-8", exclude_characters="\x00"), min_size=low,
                    max_size=high)
    return st.one_of(
        valid,
        # The right type, and one thing no database can store in it: a lone surrogate.
        st.builds(_spliced, valid, st.sampled_from(LONE_SURROGATES), st.integers(0, 60)),
        st.text(HOSTILE_CHARS, min_size=low, max_size=high),
        st.sampled_from(pool),
    )


def _plausible_object(schema: dict, pool: list[str]) -> st.SearchStrategy[dict]:
    fields = {name: plausible_named(name, s, pool)
              for name, s in schema.get("properties", {}).items()}
    required = set(schema.get("required", ()))
    return st.fixed_dictionaries(
        {k: v for k, v in fields.items() if k in required},
        optional={k: v for k, v in fields.items() if k not in required},
    )


NAMED: dict[str, st.SearchStrategy[Any]] = {
    "due_date": DATES, "due_before": DATES | DATE_TIMES, "due_after": DATES | DATE_TIMES,
    "time_zone": ZONE_NAMES, "rule": RULES, "recurrence": RECURRENCES,
    # section 13: the sort a listing takes one way only, in spellings of its own
    "sort": st.sampled_from(["position", "-position", "+position", "Position", "position "]),
}
# Section 13's fields and parameters that name a task: a string id, or ``none`` in a query.
TASK_ID_NAMES = frozenset({"parent", "after"})
NOT_IDS = ("none", "None", "NONE", "null", "", " 1", "1 ", "01", "-1", "0", "+1", "1.0", "1e3",
           "0x1", "9" * 19, "9" * 30, "none,1")


def task_ids(pool: list[str]) -> st.SearchStrategy[Any]:
    """The ids of real tasks (every all-digit value of ``pool``: the others are a password
    and usernames) as strings and as numbers, and values that are no task's id."""
    real = st.sampled_from([value for value in pool if value.isdecimal()] or ["1"])
    return st.one_of(real, real.map(int), st.sampled_from(NOT_IDS))


def plausible_named(name: str, schema: dict, pool: list[str]) -> st.SearchStrategy[Any]:
    """Values for the field or parameter ``name``: those of its schema, and those of
    ``NAMED`` (or real task ids, for ``TASK_ID_NAMES``) when its name is there."""
    documented = plausible(schema, pool)
    if name in TASK_ID_NAMES:
        documented = task_ids(pool) | documented
    return NAMED[name] | documented if name in NAMED else documented


def plausible(schema: dict, pool: list[str]) -> st.SearchStrategy[Any]:
    """Values of the type ``schema`` documents, often valid ones."""
    if "enum" in schema:
        return st.sampled_from(schema["enum"])
    choices = schema.get("anyOf") or schema.get("oneOf")
    if choices:
        return st.one_of([plausible(choice, pool) for choice in choices])
    kind = schema.get("type")
    if kind == "string":
        strategy = _plausible_text(schema, pool)
    elif kind == "boolean":
        strategy = st.booleans()
    elif kind == "integer":
        strategy = st.integers(schema.get("minimum"), schema.get("maximum"))
    elif kind == "number":
        strategy = st.floats(allow_nan=False, allow_infinity=False)
    elif kind == "array":
        items = plausible(schema.get("items", {}), pool)
        strategy = st.lists(items, max_size=min(schema.get("maxItems", 5), 5))
    elif kind == "object":
        strategy = _plausible_object(schema, pool)
    else:
        strategy = JSON_VALUES
    return st.none() | strategy if schema.get("nullable") else strategy


# -- hostile bodies ----------------------------------------------------------------------------


READ_ONLY_FIELDS = ("id", "owner", "created_at", "updated_at", "completed_at", "version",
                    "position")
OVERSIZED = b"[" + b"0," * 600_000 + b"0]"  # past the default 1 MiB max_body_bytes: a 413
RAW_BODIES = (
    b"", b"\xff", b"\xef\xbb\xbf{}", b"\x00", b"{", b'{"a":1,}', b"null", b"[]", b'""', b"0",
    b'{"title": "caf\xe9"}', b'{"title": "\xed\xa0\x80"}', b'{"title": "\xc0\xaf"}',
    '{"title": "x"}'.encode("utf-16"), b"\x1f\x8b\x08\x00", OVERSIZED,
)
HEADER_CHARS = st.one_of(
    st.just("\t"), st.characters(min_codepoint=0x20, max_codepoint=0x7E),
    st.characters(min_codepoint=0x80, max_codepoint=0xFF),  # latin-1: what WSGI can carry
)
HEADER_TEXT = st.text(HEADER_CHARS, max_size=60)
CONTENT_TYPES = st.one_of(
    st.just(JSON),
    st.sampled_from([
        None, "", "text/plain", "application/x-www-form-urlencoded",
        "multipart/form-data; boundary=x", "application/json; charset=latin-1",
        "application/json; charset=utf-16", "APPLICATION/JSON", "application/json;",
        "application/merge-patch+json", "application/jsonx", "*/*", "application/json, text/plain",
    ]),
    HEADER_TEXT,
)


def _field(name: str, schema: dict, pool: list[str]) -> st.SearchStrategy[Any]:
    return st.one_of(plausible_named(name, schema, pool), JSON_VALUES)


def _merged(known: dict, extra: dict) -> dict:
    return {**extra, **known}


def hostile_documents(schema: dict, pool: list[str]) -> st.SearchStrategy[Any]:
    """Objects with wrong types in any field, unknown and read-only fields, duplicate keys."""
    fields = schema.get("properties", {})
    known = st.fixed_dictionaries({}, optional={k: _field(k, s, pool)
                                                for k, s in fields.items()})
    names = st.sampled_from((*READ_ONLY_FIELDS, "", "__proto__")) | HOSTILE_TEXT
    extra = st.dictionaries(names, JSON_VALUES, max_size=2)
    pairs = st.sampled_from(sorted(fields) or ["title"]).flatmap(
        lambda name: st.tuples(st.just(name), _field(name, fields.get(name, {}), pool))
    )
    duplicated = st.lists(pairs, min_size=2, max_size=6).map(Pairs)
    return st.one_of(st.builds(_merged, known, extra), duplicated, JSON_VALUES)


def _encoded(document: Any, ascii_only: bool) -> bytes:
    return to_json(document, ascii_only).encode("utf-8", "surrogatepass")


def hostile_bodies(schema: dict, pool: list[str]) -> st.SearchStrategy[tuple[str | None, bytes]]:
    """(Content-Type, body): broken JSON, broken UTF-8, and bodies of other media types."""
    encoded = st.builds(_encoded, hostile_documents(schema, pool), st.booleans())
    payloads = st.one_of(
        encoded,
        st.builds(_spliced, encoded, st.binary(min_size=1, max_size=4), st.integers(0, 2**16)),
        st.binary(max_size=64),
        st.sampled_from(RAW_BODIES),
    )
    return st.one_of(
        st.tuples(st.just(JSON), payloads),
        st.tuples(CONTENT_TYPES, payloads),
        st.just((JSON, b"")),  # the body a client forgot: contract section 1 names it
    )


def plausible_bodies(schema: dict, pool: list[str]) -> st.SearchStrategy[tuple[str, bytes]]:
    return plausible(schema, pool).map(lambda document: (JSON, _encoded(document, True)))


# -- hostile query strings ---------------------------------------------------------------------


QUERY_JUNK = (
    "%ff", "%ED%A0%80", "%ed%b2%80=1", "q=%ff", "q=%ED%A0%80", "tag=%C0%AF", "%FF%FE=%FF",
    "%", "%zz=%zz", "=", "==", "&&", "a", "a=b=c", ";", "+", "q=%00", "limit=%2B1",
)
REPEATS = st.integers(0, 1000) | st.sampled_from([21, 1000])  # just past the limit, and far
UNKNOWN_PARAMS = ("x", "page", "offset", "LIMIT", "tags", "tag[]", "q ", "")
# Pass-through codec: a cursor may then carry any JSON value where a sort key belongs.
ANY_VALUE = Codec(dump=lambda value: value, load=lambda value: value)
CURSOR_VALUES = st.one_of(
    st.none(), st.booleans(), st.integers(), st.sampled_from(BIG_NUMBERS), st.floats(),
    st.text(HOSTILE_CHARS, max_size=20), DATE_TIMES, DATES,
)


def _param(name: str, value: Any) -> str:
    if isinstance(value, list):
        return "&".join(_param(name, item) for item in value)
    return f"{encode(name)}={encode(value if isinstance(value, str) else to_json(value))}"


def _repeated(name: str, value: str, count: int, distinct: bool) -> str:
    return "&".join(_param(name, f"{value}{i}" if distinct else value) for i in range(count))


@dataclass(frozen=True)
class IssuedCursor:
    """A cursor the app handed out, taken apart: where a forged one starts."""

    query: str  # the query string of the page that carried it
    kind: str
    values: tuple[Any, ...]
    key: bytes  # the service's, which signs cursors

    @classmethod
    def parse(cls, query: str, cursor: str, key: bytes) -> IssuedCursor:
        encoded = cursor.partition(".")[0]
        kind, values = json.loads(base64.urlsafe_b64decode(encoded + "=" * (-len(encoded) % 4)))
        return cls(query, kind, tuple(values), key)

    def forged(self, at: int, value: Any, kind: str | None) -> str:
        """The same page asked for with one value (and maybe the kind) of its cursor replaced."""
        values = list(self.values)
        if values:
            values[at % len(values)] = value
        cursor = encode_cursor(kind or self.kind, [ANY_VALUE] * len(values), values, self.key)
        return f"{self.query}&{_param('cursor', cursor)}"


def _hostile_like(value: Any) -> st.SearchStrategy[Any]:
    """Hostile values of the JSON type of ``value``: what a cursor's type checks let through."""
    if isinstance(value, bool):
        return st.booleans()
    if isinstance(value, int):
        return st.sampled_from(BIG_NUMBERS) | st.integers()
    if isinstance(value, str):
        spliced = st.builds(_spliced, st.just(value), st.sampled_from(LONE_SURROGATES),
                            st.integers(0, 40))
        return st.one_of(spliced, DATE_TIMES, st.text(HOSTILE_CHARS, max_size=20))
    return CURSOR_VALUES


MOSTLY = st.sampled_from([True, True, True, False])  # three times in four


@st.composite
def forged_cursors(draw: st.DrawFn, issued: list[IssuedCursor]) -> str:
    """An issued cursor with one value replaced, mostly by one of the same type."""
    cursor = draw(st.sampled_from(issued))
    at = draw(st.integers(0, max(len(cursor.values) - 1, 0)))
    original = cursor.values[at] if cursor.values else None
    value = draw(_hostile_like(original) if draw(MOSTLY) else CURSOR_VALUES)
    kind = None if draw(MOSTLY) else draw(st.sampled_from(sorted({c.kind for c in issued})))
    return cursor.forged(at, value, kind)


def hostile_queries(
    endpoint: Endpoint, names: list[str], issued: list[IssuedCursor], pool: list[str]
) -> st.SearchStrategy[str]:
    """Unknown, repeated (0 to 1000 times), huge and undecodable parameters, forged cursors."""
    any_name = st.sampled_from(sorted({*names, *UNKNOWN_PARAMS}))
    short = st.one_of(
        st.text(HOSTILE_CHARS, max_size=10), st.sampled_from(BIG_NUMBERS).map(str),
        st.sampled_from(RAW_LITERALS), st.sampled_from(pool),
    )
    values = st.one_of(short, LONG_TEXT, DATE_TIMES, DATES)
    documented = [
        st.tuples(st.just(name), plausible_named(name, schema, pool))
        .map(lambda pair: _param(*pair))
        for name, schema in endpoint.query_params
    ]
    # The parameters the document says repeat (``tag``) are repeated half the time.
    repeatable = [st.just(name) for name, s in endpoint.query_params if s.get("type") == "array"]
    repeated_name = st.one_of(any_name, *repeatable)
    pieces = st.one_of(
        st.builds(_param, any_name, values),
        # Short values only: a thousand 10 kB values would only test the machine's memory.
        st.builds(_repeated, repeated_name, short, REPEATS, st.booleans()),
        st.sampled_from(QUERY_JUNK),
        *documented,
    )
    queries = st.lists(pieces, max_size=5).map(lambda parts: "&".join(p for p in parts if p))
    if repeatable:  # on its own too, so that nothing else in the query is refused first
        plain = st.sampled_from(["a", "home"]) | short
        queries |= st.builds(_repeated, st.one_of(repeatable), plain, REPEATS, st.booleans())
    return queries | forged_cursors(issued) if issued else queries


# -- hostile headers ---------------------------------------------------------------------------


ETAG_JUNK = (
    '"1"', 'W/"1"', "*", '"*"', "1", '""', '"', ",", ", ,", '"1", W/"2"', '"-1"', '"1e400"',
    '"99999999999999999999999999999"', "\xff\xfe", '"\xe9"',
)
ETAGS = st.one_of(
    HEADER_TEXT,
    st.sampled_from(ETAG_JUNK),
    st.lists(st.sampled_from(ETAG_JUNK) | HEADER_TEXT, max_size=50).map(", ".join),
    st.builds(
        str.__mul__, st.sampled_from([",", '"1",', " ", "\xff"]), st.sampled_from([1000, 100_000])
    ),
)
CREDENTIALS = st.one_of(
    st.just(TOKEN),
    st.builds(str.__add__, st.just(TOKEN), HEADER_TEXT),
    HEADER_TEXT,
    st.sampled_from(["x" * 513, TOKEN * 2, "", " ", "\xff" * 32, TOKEN.upper()]),
)
AUTHORIZATION = st.one_of(
    HEADER_TEXT,
    st.builds(
        "{}{}{}".format,
        st.sampled_from(["Bearer", "bearer", "BEARER", "Token", "Basic", "Digest", "", "\xe9"]),
        st.sampled_from([" ", "  ", "\t", "", ","]),
        CREDENTIALS,
    ),
)
HOSTILE_HEADERS = st.fixed_dictionaries({}, optional={
    "If-Match": ETAGS, "If-None-Match": ETAGS, "Authorization": AUTHORIZATION,
    "X-Request-Id": HEADER_TEXT | st.just("x" * 129),
})


# -- hostile path segments ---------------------------------------------------------------------


SEGMENTS = (
    *(str(n) for n in BIG_NUMBERS), "9" * 30, "1" * 1000, "01", "+1", "1.5", "1e3", "0x1",
    "%201", "1%20", "abc", "me", "", "%00", "%ff", "%ED%A0%80", "%C0%AF", "%2F", "%2e%2e", "..",
    "%", "%zz", "%25", "1%0A",
    # Arabic-Indic "12", a fullwidth "1", a fullwidth "alice", a dotted capital I.
    *(encode(s) for s in ("\u0661\u0662", "\uff11", "\uff41\uff4c\uff49\uff43\uff45",
                          "AL\u0130CE", "a" * 33)),
)
HOSTILE_SEGMENTS = st.one_of(
    st.sampled_from(SEGMENTS),
    st.integers(-(10**40), 10**40).map(str),
    HOSTILE_TEXT.map(encode),
)


def _filled(template: str, names: tuple[str, ...], values: tuple[str, ...]) -> str:
    for name, value in zip(names, values, strict=True):
        template = template.replace("{" + name + "}", value, 1)
    return template


def paths(
    endpoint: Endpoint, known: dict[str, list[str]], hostile: bool
) -> st.SearchStrategy[str]:
    """The endpoint's path, each parameter a real value or (when ``hostile``) junk."""

    def segment(name: str) -> st.SearchStrategy[str]:
        real = st.sampled_from(known.get(name) or ["1"]).map(encode)
        return st.one_of(real, HOSTILE_SEGMENTS) if hostile else real

    names = endpoint.path_params
    values = st.tuples(*(segment(name) for name in names))
    return values.map(lambda chosen: _filled(endpoint.template, names, chosen))


# -- the request, and what its answer must be --------------------------------------------------


def _cut(value: str | bytes, size: int = 300) -> str:
    shown = repr(value[:size])
    return shown if len(value) <= size else f"{shown}... ({len(value)} in all)"


@dataclass(frozen=True)
class HostileRequest:
    """One request as drawn; ``<token>`` in a header becomes the caller's token when sent."""

    endpoint: Endpoint
    caller: str | None
    path: str
    query: str = ""
    headers: tuple[tuple[str, str], ...] = ()
    body: bytes | None = None

    @property
    def url(self) -> str:
        return f"{self.path}?{self.query}" if self.query else self.path

    def __str__(self) -> str:
        lines = [f"{self.endpoint.method} {_cut(self.url)} as {self.caller or 'anonymous'}"]
        lines += [f"  {name}: {_cut(value)}" for name, value in self.headers]
        if self.body is not None:
            lines.append(f"  body: {_cut(self.body)}")
        return "\n".join(lines)


def _no_constant(name: str) -> None:
    raise ValueError(f"{name} is not JSON")


def _is_json_text(body: bytes) -> bool:
    """``body`` is a JSON text (RFC 8259); nesting too deep to tell counts as one."""
    try:
        json.loads(body.decode("utf-8-sig"), parse_constant=_no_constant)
    except RecursionError:
        return True
    except ValueError:  # zero bytes, not UTF-8, bad syntax, NaN or Infinity
        return False
    return True


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    if len({key for key, _ in pairs}) != len(pairs):
        raise ValueError("a key comes twice")
    return dict(pairs)


def _object(body: bytes) -> dict[str, Any] | None:
    """``body`` as a JSON object none of whose keys comes twice (which one a server reads
    is its choice), else None."""
    try:
        value = json.loads(body.decode("utf-8-sig"), object_pairs_hook=_unique_keys,
                           parse_constant=_no_constant)
    except (ValueError, RecursionError):
        return None
    return value if isinstance(value, dict) else None


def _is_date(value: Any) -> bool:
    if not isinstance(value, str) or not re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", value):
        return False
    try:
        date.fromisoformat(value)
    except ValueError:
        return False
    return True


def dates_refusal(document: dict[str, Any], fields: set[str]) -> str | None:
    """Why section 12 refuses ``document`` (sent where ``fields`` are documented), if it does."""
    given = {name: value for name, value in document.items() if name in fields}
    if given.get("due_at") is not None and given.get("due_date") is not None:
        return "both dues with values is a 400 naming due_date"
    if given.get("due_date") is not None and not _is_date(given["due_date"]):
        return "a due_date that is no date of the calendar is a 400"
    if "time_zone" in given and given["time_zone"] not in IANA_ZONES:
        return "a time_zone that is not an IANA name, or null, is a 400"
    recurrence = given.get("recurrence")
    if isinstance(recurrence, dict) and "start" in recurrence:
        return "sending a recurrence's start is a 400"
    if isinstance(recurrence, dict) and "from" in recurrence and recurrence["from"] is None:
        return "a recurrence's from: null is a 400"
    return None


ID_FIELDS = ("parent", "after", "list")


def tasks_refusal(document: dict[str, Any], fields: set[str]) -> str | None:
    """Why section 13 refuses ``document`` (sent where ``fields`` are documented), if it does:
    a task's body (one that documents ``parent``: creating, changing or moving a task)."""
    if "parent" not in fields:
        return None
    if "position" in document:
        return "position is read-only"
    for name in ID_FIELDS:
        value = document.get(name)
        if name in fields and value is not None and not isinstance(value, str):
            return f"{name} must be an id's string or null (an id sent as a number is a 400)"
    return None


def _query_values(query: str) -> dict[str, list[str]] | None:
    """The query string's values by name as WebOb reads them (``;`` separates too), or None
    when it is not UTF-8 (a 400 anyway)."""
    try:
        return parse_qs(query.replace(";", "&"), keep_blank_values=True, errors="strict")
    except UnicodeDecodeError:
        return None


def query_refusal(request: HostileRequest) -> str | None:
    """Why section 13 refuses the query string of ``request``, if it does."""
    documented = {name for name, _ in request.endpoint.query_params}
    values = _query_values(request.query) if "parent" in documented else None
    if not values:
        return None
    if any(value != "none" and not re.fullmatch("[0-9]+", value)
           for value in values.get("parent", ())):
        return "parent= is none or an id"
    if "-position" in values.get("sort", ()):
        return "sort takes position but not -position"
    return None


def refusal(request: HostileRequest) -> str | None:
    """Why the contract refuses ``request`` whatever else it holds, if it does: its query
    string, or its body."""
    refused = query_refusal(request)
    if refused is not None:
        return refused
    if request.endpoint.body is None or request.body is None:
        return None
    content_type = dict(request.headers).get("Content-Type") or ""
    if content_type.split(";")[0].strip().lower() != JSON:
        return "a body that is not application/json is a 415" if request.body else None
    if not _is_json_text(request.body):
        return "malformed JSON is a 400, and zero bytes are no JSON text"
    document = _object(request.body)
    if document is None:
        return None
    fields = set(request.endpoint.body.get("properties", {}))
    return dates_refusal(document, fields) or tasks_refusal(document, fields)


APP_SOURCE = os.path.dirname(taskservice.__file__)


def last_lines(error: BaseException, frames: int = 3) -> str:
    """The innermost frames of the app's own code, the innermost of all, and the exception."""
    stack = traceback.extract_tb(error.__traceback__)
    tail = [f for f in stack if f.filename.startswith(APP_SOURCE)][-frames:]
    tail += [f for f in stack[-1:] if f not in tail]
    lines = [f"  {os.path.relpath(f.filename)}:{f.lineno} in {f.name}: {f.line}" for f in tail]
    return "\n".join([*lines, f"{type(error).__name__}: {error}"])


class TracebackCatcher(logging.Handler):
    """Keeps what the app logs with a traceback, to show the end of the one behind a 500."""

    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.errors: list[BaseException] = []

    def emit(self, record: logging.LogRecord) -> None:
        if record.exc_info and record.exc_info[1] is not None:
            self.errors.append(record.exc_info[1])

    @property
    def latest(self) -> BaseException | None:
        return self.errors[-1] if self.errors else None

    def describe(self) -> str:
        return last_lines(self.latest) if self.latest else "(no traceback was logged)"


def changes(before: dict[str, list[str]], after: dict[str, list[str]]) -> str:
    lines = []
    for table in before:
        added = sorted(set(after[table]) - set(before[table]))[:5]
        removed = sorted(set(before[table]) - set(after[table]))[:5]
        lines += [f"  {table} + {row}" for row in added] + [f"  {table} - {row}" for row in removed]
    return "\n".join(lines)


@dataclass
class Stats:
    """What one test sent: examples run (shrinking included), per endpoint and status class."""

    aimed_at: set[str] = field(default_factory=set)  # the endpoints it draws from
    endpoints: Counter[str] = field(default_factory=Counter)
    statuses: Counter[str] = field(default_factory=Counter)

    def record(self, endpoint: Endpoint, status: int) -> None:
        self.endpoints[str(endpoint)] += 1
        self.statuses[f"{status // 100}xx"] += 1


STATS: dict[str, Stats] = {}


def _cycled(values: list[str], fallback: str) -> list[str]:
    values = values or [fallback]
    return [values[i % len(values)] for i in range(KNOWN)]


def fresh_name() -> str:
    return f"fuzz{uuid.uuid4().hex[:12]}"


class Target:
    """The test app, its callers and every table it writes, as one thing to attack."""

    def __init__(self, testapp: webtest.TestApp, register: Callable[..., Client],
                 connection: Connection, owner: Client, stats: Stats) -> None:
        self.testapp = testapp
        self.stats = stats
        self.register = register
        self.connection = connection
        self.callers = {"owner": owner, "sharee": register(fresh_name()),
                        "admin": register(fresh_name(), admin=True)}
        self.endpoints = read_endpoints(testapp.get("/__api__", status=200).json)
        self.templated = [e for e in self.endpoints if e.path_params] or self.endpoints
        self.with_body = [e for e in self.endpoints if e.body is not None] or self.endpoints
        self.with_query = [e for e in self.endpoints if e.query_params] or self.endpoints
        self.query_names = sorted({name for e in self.endpoints for name, _ in e.query_params})
        quote_name = connection.dialect.identifier_preparer.quote
        self.tables = {name: text(f"SELECT {self._compared(connection, name)} "
                                  f"FROM {quote_name(name)}")
                       for name in sorted(inspect(connection).get_table_names())}
        self.tracebacks = TracebackCatcher()
        self.stale = False
        self._arrange()
        self.issued = {str(e): self._issued_cursors(e) for e in self.endpoints}

    @staticmethod
    def _compared(connection: Connection, table: str) -> str:
        """The columns "changed nothing" is about: all but a token's ``last_used_at``, which
        any authenticated request may set, a refused one too (contract section 15: only a
        request that fails authentication does not count)."""
        quote_name = connection.dialect.identifier_preparer.quote
        columns = [column["name"] for column in inspect(connection).get_columns(table)]
        return ", ".join(quote_name(name) for name in columns
                         if (table, name) != ("tokens", "last_used_at"))

    def _arrange(self) -> None:
        """Real rows to aim at: the owner's tasks, one shared with the sharee (with a
        subtask, and a subtask of that), one of the sharee's."""
        owner, sharee = self.callers["owner"], self.callers["sharee"]
        shared = create_task(owner, title="shared", tags=["home", "work"])
        create_task(owner, title="private", due_at="2030-01-31T09:00:00Z")
        create_task(sharee, title="someone else's")
        step = create_task(owner, title="a step of the shared one", parent=shared["id"])
        create_task(owner, title="a step of the step", parent=step["id"])
        self.testapp.put_json(
            f"/tasks/{shared['id']}/shares/{sharee.username}", {"permission": "view"},
            headers=owner.headers, status=201,
        )

    def _issued_cursors(self, endpoint: Endpoint) -> list[IssuedCursor]:
        """The cursors a list hands the admin: one page of one row per value of its enums."""
        params = dict(endpoint.query_params)
        if endpoint.method != "GET" or endpoint.path_params or "cursor" not in params:
            return []
        queries = ["limit=1"] + [
            f"limit=1&{_param(name, value)}" for name, schema in params.items()
            for value in schema.get("enum", ())
        ]
        issued = []
        for query in queries:
            page = self.testapp.get(f"{endpoint.template}?{query}",
                                    headers=self.callers["admin"].headers, status="*")
            cursor = page.json.get("next_cursor") if page.status_int == 200 else None
            if cursor:
                key = read_service_key(self.connection, CURSORS)
                issued.append(IssuedCursor.parse(query, cursor, key))
        return issued

    # -- strategies that depend on the current rows

    def _task_ids(self) -> list[str]:
        ids = self.connection.execute(select(Task.id).order_by(Task.id)).scalars()
        return [str(i) for i in ids]

    def known_values(self) -> dict[str, list[str]]:
        """Real values for path parameters, by name, oldest rows (the arranged ones) first.

        Always ``KNOWN`` of each, repeated if need be: what Hypothesis draws must not depend
        on how many rows earlier examples left, or it cannot replay and shrink an example.
        """
        names = list(self.connection.execute(select(User.username).order_by(User.id)).scalars())
        names = _cycled(names, "nobody")
        return {"id": _cycled(self._task_ids(), "1"), "username": [*names, *map(str.upper, names)]}

    def draw(self, data: st.DataObject, hostile: set[str],
             among: st.SearchStrategy[Endpoint]) -> HostileRequest:
        """A request to an endpoint of ``among`` whose parts named in ``hostile`` are hostile."""
        self._revive()
        endpoint = data.draw(among, label="endpoint")
        known = self.known_values()
        pool = [PASSWORD, *known["username"], *known["id"]]
        caller = data.draw(CALLERS, label="caller")
        headers = {"Authorization": f"Bearer {TOKEN}"} if caller else {}
        if "headers" in hostile:
            headers.update(data.draw(HOSTILE_HEADERS, label="headers"))
        query = ""
        if "query" in hostile:
            query = data.draw(
                hostile_queries(endpoint, self.query_names, self.issued[str(endpoint)], pool),
                label="query",
            )
        content_type, body = None, None
        if "body" in hostile:
            content_type, body = data.draw(hostile_bodies(endpoint.body or {}, pool), label="body")
        elif endpoint.body is not None:
            content_type, body = data.draw(plausible_bodies(endpoint.body, pool), label="body")
        if content_type is not None:
            headers["Content-Type"] = content_type
        return HostileRequest(
            endpoint=endpoint, caller=caller, headers=tuple(headers.items()), query=query,
            path=data.draw(paths(endpoint, known, "path" in hostile), label="path"), body=body,
        )

    # -- state carried over from earlier examples

    def _revive(self) -> None:
        """After a request that wrote: callers it logged out or deleted are registered anew."""
        if not self.stale:
            return
        self.stale = False
        for role, client in self.callers.items():
            if self.testapp.get("/users/me", headers=client.headers, status="*").status_int != 200:
                self.callers[role] = self.register(fresh_name(), admin=role == "admin")
        if not self._task_ids():
            create_task(self.callers["owner"])

    # -- one request, and the three promises of contract section 1

    def snapshot(self) -> dict[str, list[str]]:
        """Every row of every table, as text: "changed nothing" is checked against it."""
        return {name: sorted(repr(tuple(row)) for row in self.connection.execute(query))
                for name, query in self.tables.items()}

    def send(self, request: HostileRequest) -> webtest.TestResponse:
        token = self.callers[request.caller].token if request.caller else ""
        headers = {name: value.replace(TOKEN, token) for name, value in request.headers}
        body = {} if request.body is None else {"body": request.body}
        self.tracebacks.errors.clear()
        try:
            return self.testapp.request(request.url, method=request.endpoint.method,
                                        headers=headers, status="*", **body)
        except Exception as error:  # out of the WSGI app: a server answers that with a 500
            self.stats.record(request.endpoint, 500)
            raise AssertionError(f"the app raised instead of answering:\n{last_lines(error)}") \
                from error

    def assert_survives(self, data: st.DataObject, hostile: set[str], among: list[Endpoint],
               favoured: list[Endpoint] | None = None) -> None:
        """One example: a request to one of ``among`` (or, half the time, of ``favoured``)."""
        self.stats.aimed_at.update(map(str, among))
        endpoints = st.sampled_from(among)
        if favoured:
            endpoints = st.sampled_from(favoured) | endpoints
        self.check(self.draw(data, hostile, endpoints))

    def check(self, request: HostileRequest) -> None:
        """Send ``request``; its answer must keep the promises in the module docstring."""
        note(str(request))
        before = self.snapshot()
        response = self.send(request)
        status = response.status_int
        self.stats.record(request.endpoint, status)
        if status >= 500:
            # Chained to the exception the app logged: Hypothesis then reports each root cause
            # as a failure of its own, and pytest shows its whole traceback.
            message = f"{response.status} {_cut(response.body)}\nlogged:\n"
            raise AssertionError(message + self.tracebacks.describe()) from self.tracebacks.latest
        if status >= 400:
            assert_error(response, status)
            after = self.snapshot()
            assert after == before, f"a {status} changed the database:\n{changes(before, after)}"
            return
        reason = refusal(request)
        assert reason is None, f"{response.status} accepted it, but {reason}"
        if status < 300 and request.endpoint.method in WRITE_METHODS:
            self.stale = True


# -- fixtures ----------------------------------------------------------------------------------


def report_lines() -> Iterator[str]:
    seeded = "derandomized" if SEED is None else f"TASKSERVICE_FUZZ_SEED={SEED}"
    yield f"hostile input: TASKSERVICE_FUZZ_EXAMPLES={EXAMPLES} per test, {seeded}"
    reached: set[str] = set()
    documented: set[str] = set()
    for test, stats in STATS.items():
        reached |= set(stats.endpoints)
        documented |= stats.aimed_at
        statuses = ", ".join(f"{k} {v}" for k, v in sorted(stats.statuses.items()))
        yield (f"  {test}: {stats.endpoints.total()} examples, {len(stats.endpoints)} of "
               f"{len(stats.aimed_at)} endpoints; {statuses}")
    total = sum(stats.endpoints.total() for stats in STATS.values())
    yield (f"  in all: {total} examples (shrinking included), {len(reached)} of "
           f"{len(documented)} (method, path) endpoints of GET /__api__ reached")
    for missed in sorted(documented - reached):
        yield f"  never reached: {missed}"


@pytest.fixture(scope="module", autouse=True)
def fuzz_report(request: pytest.FixtureRequest) -> Iterator[None]:
    """After the module: the figures a person can quote (examples run, endpoints reached)."""
    STATS.clear()
    yield
    if STATS:
        write_report(request, report_lines())


def write_report(request: pytest.FixtureRequest, lines: Iterable[str]) -> None:
    """``lines`` on the terminal, after a blank one, whatever capture is on (a fuzz
    module's figures, when it has run)."""
    reporter = request.config.pluginmanager.get_plugin("terminalreporter")
    capture = request.config.pluginmanager.get_plugin("capturemanager")
    if reporter is None or capture is None:
        return
    with capture.global_and_fixture_disabled():
        reporter.write_line("")
        for line in lines:
            reporter.write_line(line)


@pytest.fixture
def target(request: pytest.FixtureRequest, testapp: webtest.TestApp,
           register: Callable[..., Client], connection: Connection,
           alice: Client) -> Iterator[Target]:
    """The app under attack; the tracebacks it logs are kept for the failure messages."""
    stats = STATS.setdefault(request.node.name, Stats())
    target = Target(testapp, register, connection, alice, stats)
    logger = logging.getLogger("taskservice")
    logger.addHandler(target.tracebacks)
    yield target
    logger.removeHandler(target.tracebacks)


# -- the tests ---------------------------------------------------------------------------------


def fuzz(test: Callable[..., None], examples: int = EXAMPLES) -> Callable[..., None]:
    """``test`` as a Hypothesis test drawing from ``data``, on the module's budget and seed
    (``examples``: another module's default budget, which the same variable overrides)."""
    test = given(data=st.data())(test)
    if SEED is not None:
        test = seed(int(SEED))(test)
    return settings(
        max_examples=examples,
        deadline=None,  # a request's time depends on the machine and the database, not the input
        derandomize=SEED is None,
        database=None,
        suppress_health_check=[
            HealthCheck.function_scoped_fixture,  # the app and its rows carry over on purpose
            HealthCheck.too_slow,  # each example is a request and two snapshots of the database
            HealthCheck.data_too_large,  # a parameter repeated a thousand times is the point
        ],
    )(test)


@fuzz
def test_hostile_path_segments(target: Target, data: st.DataObject) -> None:
    """Ids of every length and sign, and junk, in every templated path: a 404, never a 500."""
    target.assert_survives(data, {"path"}, target.templated)


@fuzz
def test_hostile_query_strings(target: Target, data: st.DataObject) -> None:
    """Unknown, repeated, huge, undecodable parameters and forged cursors; half of them go to
    the endpoints that document a query string."""
    target.assert_survives(data, {"query"}, target.endpoints, favoured=target.with_query)


@fuzz
def test_hostile_headers(target: Target, data: st.DataObject) -> None:
    """If-Match, If-None-Match, Authorization and X-Request-Id garbage, latin-1 bytes included."""
    target.assert_survives(data, {"headers"}, target.endpoints)


@fuzz
def test_hostile_bodies(target: Target, data: st.DataObject) -> None:
    """Bodies no parser should trust; half of them go to the endpoints that take a body."""
    target.assert_survives(data, {"body"}, target.endpoints, favoured=target.with_body)


@fuzz
def test_everything_hostile_at_once(target: Target, data: st.DataObject) -> None:
    """Every part hostile together: whichever error wins must still be a well-formed 4xx."""
    target.assert_survives(data, {"path", "query", "headers", "body"}, target.endpoints)
