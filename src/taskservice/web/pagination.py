"""Keyset pagination: opaque, checksummed cursors and the "after this row" condition.

A cursor holds the sort name and the sort-key values of the last row of a page. The
next page is "rows strictly after those values in the sort order", which an index range
scan answers at the same cost on page 1 and page 10 000, and which never skips or
repeats a row when others are inserted or deleted between pages. The checksum turns an
altered cursor into a 400 instead of a silently different page. It is a BLAKE2b MAC keyed
with a key of the service's (``CURSORS`` in db/service_keys.py): a checksum anyone can
recompute would let a client edit the payload and re-checksum it. Sync tokens are the same
encoding, signed with the same key; the kind each payload names keeps one from passing for
another.

Every paged collection answers through :func:`paginate`: one reading of ``limit`` and
``cursor``, one error for a cursor this service did not issue for that collection, one
rule for "is there a next page" (a page reads one row more than it shows), one ``Link``
header. A collection says only how to read rows after a position: its own query (the task
listing's union of branches), or a :class:`KeysetQuery` over one statement.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Generic, TypeVar
from urllib.parse import urlencode

from pyramid.request import Request
from sqlalchemy import (
    BindParameter,
    ColumnElement,
    Select,
    SQLColumnExpression,
    and_,
    bindparam,
    or_,
)
from sqlalchemy.orm import Session

from ..db.service_keys import CURSORS, service_key
from .errors import error_response
from .services import absolute_url

SIGNATURE_BYTES = 16
INVALID_CURSOR = "Invalid cursor: pass the next_cursor of the previous page, with the same sort"


class CursorError(ValueError):
    """The cursor was not issued by this service for this sort."""


@dataclass(frozen=True)
class Codec:
    """How one sort-key value goes into a cursor (JSON) and comes back out."""

    dump: Callable[[Any], Any]
    load: Callable[[Any], Any]


# What a cursor carries is checked as input is, signed or not: a value the column cannot
# hold is a 400, never a database error.
ID_RANGE = (-(2**63), 2**63 - 1)


def _load_datetime(value: Any) -> datetime:
    if not isinstance(value, str):
        raise ValueError("expected a date-time string")
    parsed = datetime.fromisoformat(value)
    if parsed.tzinfo is None:
        raise ValueError("naive datetime")
    try:
        return parsed.astimezone(UTC)  # as the UTC columns store it
    except OverflowError:
        raise ValueError("date-time out of range") from None


def _load_string(value: Any) -> str:
    if type(value) is not str:
        raise ValueError("expected str")
    value.encode("utf-8")  # a lone surrogate: UnicodeEncodeError, a ValueError
    return value


def integer(minimum: int = ID_RANGE[0], maximum: int = ID_RANGE[1]) -> Codec:
    """Whole numbers from ``minimum`` to ``maximum`` (by default, any 64-bit id)."""

    def load(value: Any) -> int:
        if type(value) is not int or not minimum <= value <= maximum:
            raise ValueError(f"expected an integer from {minimum} to {maximum}")
        return value

    return Codec(dump=int, load=load)


INTEGER = integer()
STRING = Codec(dump=str, load=_load_string)
DATETIME = Codec(dump=lambda v: v.isoformat(), load=_load_datetime)
OPTIONAL_DATETIME = Codec(
    dump=lambda v: None if v is None else v.isoformat(),
    load=lambda v: None if v is None else _load_datetime(v),
)


def _checksum(payload: bytes, key: bytes) -> str:
    return hashlib.blake2b(payload, digest_size=SIGNATURE_BYTES, key=key,
                           person=b"tscursor").hexdigest()


def encode_cursor(kind: str, codecs: Sequence[Codec], values: Sequence[Any], key: bytes) -> str:
    payload = json.dumps(
        [kind, [codec.dump(v) for codec, v in zip(codecs, values, strict=True)]],
        separators=(",", ":"),
    ).encode()
    return base64.urlsafe_b64encode(payload).rstrip(b"=").decode() + "." + _checksum(payload, key)


def decode_cursor(cursor: str, kind: str, codecs: Sequence[Codec], key: bytes) -> list[Any]:
    """The sort-key values a cursor carries; :class:`CursorError` for anything else."""
    encoded, _, checksum = cursor.partition(".")
    try:
        payload = base64.urlsafe_b64decode(encoded + "=" * (-len(encoded) % 4))
        if not hmac.compare_digest(_checksum(payload, key), checksum):
            raise CursorError("checksum mismatch")
        cursor_kind, values = json.loads(payload)
        if cursor_kind != kind:
            raise CursorError("cursor of another sort")
        return [codec.load(v) for codec, v in zip(codecs, values, strict=True)]
    except (binascii.Error, ValueError, TypeError) as error:
        raise CursorError(str(error)) from error


def cursor_for(request: Request, kind: str, codecs: Sequence[Codec],
               values: Sequence[Any]) -> str:
    """The cursor of the page after the one whose last row has sort-key ``values``."""
    return encode_cursor(kind, codecs, values, service_key(request, CURSORS))


def page_after(request: Request, cursor: str | None, kind: str,
               codecs: Sequence[Codec]) -> list[Any] | None:
    """The values a page starts after (None on page 1); a 400 for a cursor of anything else."""
    if cursor is None:
        return None
    try:
        return decode_cursor(cursor, kind, codecs, service_key(request, CURSORS))
    except CursorError:
        raise error_response(400, "querystring", "cursor", INVALID_CURSOR) from None


def after(
    keys: Sequence[tuple[SQLColumnExpression[Any], bool]], values: Sequence[Any]
) -> ColumnElement[bool]:
    """Rows strictly after ``values`` in the order ``keys`` (each ``(column, descending)``).

    The usual expansion of a row comparison, ``k1 > v1 OR (k1 = v1 AND k2 > v2) ...``,
    written out so each key can have its own direction and ``NULL`` values compare equal
    to each other (a level whose value is NULL has nothing strictly after it). It is
    prefixed with the redundant ``k1 >= v1``: an OR is opaque to both planners, a plain
    bound on the leading key lets them start the index scan at the cursor. A value may be
    a bound parameter (so the statement can be built once); ``None`` is a NULL value.
    """
    alternatives: list[ColumnElement[bool]] = []
    equal_so_far: list[ColumnElement[bool]] = []
    for (column, descending), value in zip(keys, values, strict=True):
        if value is not None:
            beyond = column < value if descending else column > value
            alternatives.append(and_(*equal_so_far, beyond))
        equal_so_far.append(column.is_(None) if value is None else column == value)
    (leading, descending), first = keys[0], values[0]
    if first is None:
        return or_(*alternatives)
    return and_(leading <= first if descending else leading >= first, or_(*alternatives))


Row = TypeVar("Row")
Keys = Sequence[tuple[SQLColumnExpression[Any], bool]]
# Up to ``limit`` rows after the sort-key values given (None: from the first row), and the
# values the next page starts after (None on the last page).
Fetch = Callable[[list[Any] | None, int], tuple[Sequence[Row], list[Any] | None]]


@dataclass(frozen=True)
class Keyset:
    """What a collection's cursors are issued for (a cursor of another kind is refused)
    and how they encode its sort-key values."""

    kind: str
    codecs: Sequence[Codec]


def paginate(request: Request, keyset: Keyset, fetch: Fetch[Row],
             to_json: Callable[[Row], dict[str, Any]]) -> dict[str, Any]:
    """The page ``limit`` and ``cursor`` ask for: its items and ``next_cursor``, and the
    ``Link`` header to the next page; a 400 for a cursor not issued for ``keyset``."""
    query = request.validated["querystring"]
    start = page_after(request, query["cursor"], keyset.kind, keyset.codecs)
    rows, last = fetch(start, query["limit"])
    next_cursor = None if last is None else cursor_for(request, keyset.kind, keyset.codecs,
                                                        last)
    link_next_page(request, next_cursor)
    return {"items": [to_json(row) for row in rows], "next_cursor": next_cursor}


def one_page(rows: Sequence[Row], limit: int, values: Callable[[Row], list[Any]]
             ) -> tuple[Sequence[Row], list[Any] | None]:
    """``rows``, read with a limit of ``limit + 1``, as a page and the values to continue
    after: the row past the page says that another one follows."""
    if len(rows) <= limit:
        return rows, None
    rows = rows[:limit]
    return rows, values(rows[-1])


LIMIT: BindParameter[int] = bindparam("limit")


class KeysetQuery(Generic[Row]):
    """A collection that is one statement's rows in the order of ``keys``.

    Its first page and its later ones are built once (``after_<i>`` and ``limit`` bound):
    SQLAlchemy memoizes a statement's cache key, so a page does not rebuild or walk them.
    """

    def __init__(self, statement: Select[Any], keys: Keys,
                 values: Callable[[Row], list[Any]]) -> None:
        order = [column.desc() if descending else column.asc() for column, descending in keys]
        self.first = statement.order_by(*order).limit(LIMIT)
        self.later = self.first.where(after(keys, [bindparam(f"after_{i}")
                                                   for i in range(len(keys))]))
        self.values = values

    def fetch(self, session: Session, params: dict[str, Any] | None = None) -> Fetch[Row]:
        """The collection's :data:`Fetch`, with the statement's own ``params``."""

        def read(start: list[Any] | None, limit: int) -> tuple[Sequence[Row], list[Any] | None]:
            bound = {**(params or {}), "limit": limit + 1}
            if start is not None:
                bound.update({f"after_{i}": value for i, value in enumerate(start)})
            statement = self.first if start is None else self.later
            return one_page(list(session.scalars(statement, bound)), limit, self.values)

        return read


def link_next_page(request: Request, next_cursor: str | None) -> None:
    """The ``Link: <…>; rel="next"`` header of a paginated list, while there is a next page.

    The next page's URL is this one with ``cursor`` replaced, so its filters carry over.
    """
    if next_cursor is None:
        return
    params = [(k, v) for k, v in request.GET.items() if k != "cursor"] + [("cursor", next_cursor)]
    path = request.path_url[len(request.application_url):]  # the path as sent, quoted
    url = absolute_url(request, path)
    request.response.headers["Link"] = f'<{url}?{urlencode(params)}>; rel="next"'
