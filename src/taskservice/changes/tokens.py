"""Sync tokens: where a client's copy stands, opaque and signed.

A token is a cursor of ``web.pagination`` (the same encoding, defined once there) whose
checksum is keyed with the service's ``sync_tokens`` key (db/service_keys.py): an altered
or forged one is a 400, so a client cannot re-date a token past the retention. It carries:

- the user it was issued to (another user's token is a 400) and whether they were an
  admin then, and when the sync began (``issued_at``): a token older than the retention,
  or issued before the caller's admin role changed, is a 410;
- its phase: ``kept`` (a finished sync: ``since`` is the position the copy is at),
  ``changes`` (an incremental sync paging through ``(since, until]``), or ``lists`` /
  ``tasks`` (a full sync paging through what the caller may view, ``until`` being the
  position its first page fixed);
- where the next page starts (``after``), in the phase's own terms.

``issued_at`` is the time the sync's first page fixed ``until``, carried by every page:
so a token's age never understates how old its position is, and ``purge-changes`` (which
keeps a margin for transactions still open when their rows were numbered) never removes
a row that a token young enough to be accepted still needs.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from ..web.pagination import DATETIME, INTEGER, Codec, CursorError, decode_cursor, encode_cursor
from ..web.pagination import integer as integer_codec
from .feed import FIRST, Position

TOKEN_KIND = "sync"
KEPT, CHANGES, LISTS, TASKS = "kept", "changes", "lists", "tasks"
PHASES = (KEPT, CHANGES, LISTS, TASKS)
KINDS = ("list", "task")


def _choice(*allowed: str) -> Codec:
    def load(value: Any) -> str:
        if value not in allowed:
            raise ValueError(f"expected one of {allowed}")
        return str(value)

    return Codec(dump=str, load=load)


def _any_list(value: Any) -> list[Any] | None:
    if value is not None and type(value) is not list:
        raise ValueError("expected a list")
    return value


BOOLEAN = integer_codec(0, 1)
RAW = Codec(dump=lambda value: value, load=_any_list)
TOKEN_CODECS = (INTEGER, DATETIME, BOOLEAN, INTEGER, INTEGER, _choice(*PHASES), RAW)
# Where the next page starts, by phase: a position of the log, or a (created_at, id) key.
AFTER_CODECS: dict[str, tuple[Codec, ...]] = {
    CHANGES: (INTEGER, _choice(*KINDS), INTEGER),
    LISTS: (DATETIME, INTEGER),
    TASKS: (DATETIME, INTEGER),
}


@dataclass(frozen=True)
class SyncToken:
    user_id: int
    issued_at: datetime
    is_admin: bool
    phase: str
    since: int = 0
    until: int = 0
    after: tuple[Any, ...] | None = None

    def next(self, phase: str, after: tuple[Any, ...] | None) -> SyncToken:
        """The token of the page after this one (the same sync: same ``until``, same age)."""
        return replace(self, phase=phase, after=after)

    def kept(self) -> SyncToken:
        """The token of a finished sync: the copy is at ``until``."""
        return replace(self, phase=KEPT, since=self.until, until=0, after=None)

    @property
    def position(self) -> Position:
        """Where a page of an incremental sync starts."""
        if self.after is None:
            return FIRST
        seq, kind, object_id = self.after
        return Position(seq, kind, object_id)

    def encode(self, key: bytes) -> str:
        after = None
        if self.after is not None:
            codecs = AFTER_CODECS[self.phase]
            after = [codec.dump(value) for codec, value in zip(codecs, self.after, strict=True)]
        values = [self.user_id, self.issued_at, int(self.is_admin), self.since, self.until,
                  self.phase, after]
        return encode_cursor(TOKEN_KIND, TOKEN_CODECS, values, key)


def decode_token(text: str, key: bytes) -> SyncToken:
    """The token ``text`` encodes; :class:`CursorError` for anything this service did not sign."""
    user_id, issued_at, is_admin, since, until, phase, after = decode_cursor(
        text, TOKEN_KIND, TOKEN_CODECS, key)
    loaded = None
    if after is not None:
        codecs = AFTER_CODECS.get(phase)
        if codecs is None:
            raise CursorError(f"a {phase} token has no page position")
        try:
            loaded = tuple(codec.load(value) for codec, value in zip(codecs, after, strict=True))
        except (ValueError, TypeError) as error:
            raise CursorError(str(error)) from error
    elif phase in (CHANGES, LISTS):
        raise CursorError(f"a {phase} token needs a page position")
    if since > until and phase == CHANGES:
        raise CursorError("a sync cannot end before it starts")
    return SyncToken(user_id, issued_at, bool(is_admin), phase, since, until, loaded)
