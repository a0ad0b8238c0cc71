"""``sync-collection`` (RFC 6578) from the change log of section 8, and its tokens.

A collection's changes are read from the log by its indexes, never from the collection,
so a sync costs what its changes cost (contract section 16, as ``GET /changes``):

- a list: the task rows that name it (``changes.list_id``: a task created, changed or
  deleted in it, or moved out of it, ``ix_changes_list_seq``);
- the inbox: the rows of the viewer's own tasks (``owner_id``), those addressed to them
  (``user_id``: shares given or taken, tombstones, moves in a tree), the rows of the tasks
  shared with them or seen through a task above (``task_id``), and, derived, the tasks they
  see for themselves in a list they gained or lost (they enter or leave the inbox), and
  those below a task whose share they gained or lost; an admin's inbox reads every task
  row of the range.

Each candidate task comes once, at its latest position (ties by id). One the collection
holds now is an upsert; any other a removed name, except, for the inbox, a task that is in
a list the viewer may view now and whose log shows it neither moving between lists nor
entering or leaving a list of the viewer's in the range (it was never in the inbox).
A removed name may be one the client never had (created and moved out since its token):
RFC 6578 clients ignore those. The name of a task deleted since is read from
``calendar_tombstones``, filled as the deletion is announced.

A token is a URI carrying, signed with the service's sync key (as ``changes/tokens.py``
signs ``GET /changes`` tokens, through ``web.pagination``): the user, the collection, the
position (and, for a page cut by ``DAV:limit``, the last task id at that position), and
when it was issued, rounded down to a period so that a collection's ``DAV:sync-token`` and
``CS:getctag`` stay the same while nothing in it changes. A token of another user or
collection, altered, past the log's last position, of another admin role, or older than
the retention (the purge may have taken rows it needs) is :class:`InvalidSyncToken`.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from pyramid.config import Configurator
from sqlalchemy import (
    BindParameter,
    Boolean,
    ColumnElement,
    Row,
    Select,
    and_,
    bindparam,
    delete,
    func,
    insert,
    literal,
    literal_column,
    or_,
    select,
    true,
    union_all,
)
from sqlalchemy.orm import Session

from ..accounts.security import Identity
from ..changes.feed import last_position
from ..changes.models import CHANGES
from ..db import base
from ..events import ChangeLogPurging, ResourcesDeleting
from ..tasks.access import VIEWER, holds_share, in_member_list, inherited_tasks, sees_task
from ..tasks.models import TASKS, Task, TaskAncestor, TaskShare
from ..web.pagination import DATETIME, INTEGER, STRING, CursorError, decode_cursor, encode_cursor
from ..web.pagination import integer as integer_codec
from .collections import (
    COLUMNS,
    Collection,
    Members,
    collection_rows,
    in_collection,
    members,
    rows_statement,
)
from .models import CalendarObject, CalendarTombstone
from .names import derived_uid, object_name

C = CHANGES.c
TOKEN_PREFIX = "urn:x-taskservice:sync:"
TOKEN_KIND = "caldav-sync"
NO_TASK = -1  # a token's task id when every change at its position was reported
BOOLEAN = integer_codec(0, 1)
TOKEN_CODECS = (INTEGER, STRING, INTEGER, INTEGER, BOOLEAN, BOOLEAN, DATETIME)
# A token's issue time is rounded down to this, at most a tenth of the retention.
TOKEN_PERIOD = timedelta(hours=1)

SINCE: BindParameter[int] = bindparam("since")
UNTIL: BindParameter[int] = bindparam("until")
AFTER_ID: BindParameter[int] = bindparam("after_id")
LIMIT: BindParameter[int] = bindparam("limit")
LIST: BindParameter[int] = bindparam("list")
# Inline literals, as the feed's: a tuple would be an expanding parameter, rendered anew on
# every request.
TASK: ColumnElement[str] = literal_column("'task'")
LIST_KIND: ColumnElement[str] = literal_column("'list'")
SHARE_ACTIONS: tuple[ColumnElement[str], ...] = tuple(
    literal_column(f"'{action}'") for action in ("shared", "unshared"))
LIST_EVENTS = (*SHARE_ACTIONS, literal_column("'deleted'"))
UPDATED: ColumnElement[str] = literal_column("'updated'")
FLAGS: dict[int, ColumnElement[int]] = {flag: literal_column(str(flag)) for flag in (0, 1)}


class InvalidSyncToken(ValueError):
    """A token this collection cannot continue from: the client must sync in full
    (``403`` with ``DAV:valid-sync-token``)."""


@dataclass(frozen=True)
class Position:
    """Where a client's copy of a collection stands: a log position and, when a page
    stopped among tasks at that position, the last task id reported there."""

    seq: int
    after_id: int = NO_TASK
    # An initial sync cut by a limit: ``after_id`` is the last task it listed, ``seq`` the
    # position of the collection when it began.
    listing: bool = False


@dataclass(frozen=True)
class SyncPage:
    """One answer to ``sync-collection``: rows as :func:`collections.collection_rows`
    gives them, the names of the resources gone, the token to continue from, and whether
    ``limit`` cut it (more changes wait: the ``507``)."""

    upserts: Iterable[Row[Any]]  # read as consumed, for an initial sync: iterate once
    removed: list[str]
    token: str
    truncated: bool


# -- tokens ---------------------------------------------------------------------------


def sync_token(key: bytes, viewer: Identity, collection: Collection, position: Position,
               now: datetime | None = None) -> str:
    """The token of ``collection`` at ``position`` for ``viewer`` (``key``: the service's
    ``SYNC_TOKENS`` key)."""
    issued = _period_start(now or base.utcnow())
    values = [viewer.user_id, collection.key, position.seq, position.after_id,
              int(position.listing), int(viewer.is_admin), issued]
    return TOKEN_PREFIX + encode_cursor(TOKEN_KIND, TOKEN_CODECS, values, key)


def _period_start(moment: datetime) -> datetime:
    seconds = TOKEN_PERIOD.total_seconds()
    return datetime.fromtimestamp(moment.timestamp() // seconds * seconds, tz=moment.tzinfo)


def parse_token(session: Session, key: bytes, viewer: Identity, collection: Collection,
                text: str, retention: int) -> Position:
    """The position ``text`` holds, if this collection issued it to ``viewer`` and it can
    still be continued (``retention``: ``taskservice.changes.retention``, seconds)."""
    if not text.startswith(TOKEN_PREFIX):
        raise InvalidSyncToken("not a sync token of this service")
    try:
        user_id, key_, seq, after_id, listing, admin, issued = decode_cursor(
            text[len(TOKEN_PREFIX):], TOKEN_KIND, TOKEN_CODECS, key)
    except CursorError as error:
        raise InvalidSyncToken("altered or not issued here") from error
    if user_id != viewer.user_id or key_ != collection.key:
        raise InvalidSyncToken("issued for another collection")
    if bool(admin) != viewer.is_admin:
        raise InvalidSyncToken("issued before the admin role changed")
    if issued < base.utcnow() - timedelta(seconds=retention):
        raise InvalidSyncToken("older than the change log keeps")
    if seq < 0 or seq > last_position(session):
        raise InvalidSyncToken("beyond the change log")
    return Position(seq, after_id, bool(listing))


# -- which rows of the log concern a collection ----------------------------------------


def _in_range(seq: Any) -> ColumnElement[bool]:
    """From the token's position (inclusive: a cut page continues there) to ``until``."""
    return and_(seq >= SINCE, seq <= UNTIL)


def _rows_of(condition: ColumnElement[bool], moved: int = 0) -> Select[Any]:
    """The task rows of the range that meet ``condition``, each a candidate."""
    return (select(C.object_id.label("task_id"), C.seq.label("seq"),
                   FLAGS[moved].label("moved"))
            .where(condition, C.kind == TASK, _in_range(C.seq)))


def _joined_rows(tasks: Any) -> Select[Any]:
    """The history rows of the tasks ``tasks`` (a subquery of ``task_id``)."""
    return (select(C.task_id.label("task_id"), C.seq.label("seq"), FLAGS[0].label("moved"))
            .join_from(tasks, CHANGES, C.task_id == tasks.c.task_id).where(_in_range(C.seq)))


def _lists_gained_or_lost() -> list[Select[Any]]:
    """Each list the viewer gained, lost or saw deleted in the range, with the position:
    the tasks they see for themselves there enter or leave the inbox then."""
    events = [select(C.object_id.label("list_id"), C.seq.label("seq"))
              .where(who == VIEWER, C.kind == LIST_KIND, C.action.in_(LIST_EVENTS),
                     _in_range(C.seq)).subquery()
              for who in (C.user_id, C.owner_id)]
    seen = sees_task(VIEWER, owner=Task.owner_id, task=Task.id)
    return [select(Task.id.label("task_id"), event.c.seq, FLAGS[1].label("moved"))
            .join_from(event, Task, Task.list_id == event.c.list_id).where(seen)
            for event in events]


def _below_shares() -> Select[Any]:
    """The tasks below a task whose share to the viewer was given or taken in the range."""
    return (select(TaskAncestor.task_id.label("task_id"), C.seq.label("seq"),
                   FLAGS[1].label("moved"))
            .join_from(CHANGES, TaskAncestor, TaskAncestor.ancestor_id == C.object_id)
            .where(C.user_id == VIEWER, C.kind == TASK, C.action.in_(SHARE_ACTIONS),
                   _in_range(C.seq)))


def _inbox_candidates() -> list[Select[Any]]:
    shared = select(TaskShare.task_id.label("task_id")).where(holds_share(VIEWER)).subquery()
    inherited = inherited_tasks(VIEWER).subquery()
    return [
        _rows_of(C.owner_id == VIEWER),
        _rows_of(C.user_id == VIEWER, moved=1),
        _joined_rows(shared),
        _joined_rows(inherited),
        *_lists_gained_or_lost(),
        _below_shares(),
    ]


def _candidates_statement(branches: list[Select[Any]]) -> Select[Any]:
    """Each candidate once, at its latest position, from the token's on, by (position,
    id); ``moved``: whether a row of it may have taken it into or out of the inbox."""
    rows = union_all(*branches).subquery()
    position = func.max(rows.c.seq)
    after = or_(position > SINCE,
                and_(position == SINCE, AFTER_ID != NO_TASK, rows.c.task_id > AFTER_ID))
    return (select(rows.c.task_id, position.label("seq"), func.max(rows.c.moved).label("moved"))
            .group_by(rows.c.task_id).having(after)
            .order_by(position, rows.c.task_id).limit(LIMIT))


# A list's task rows: created, changed or deleted in it, or moved out of it.
LIST_CANDIDATES = _candidates_statement([_rows_of(C.list_id == LIST)])
INBOX_CANDIDATES = _candidates_statement(_inbox_candidates())
# An admin may view every task: any task row of the range.
ADMIN_INBOX_CANDIDATES = _candidates_statement([_rows_of(true())])


def _last_seq(*conditions: ColumnElement[bool]) -> Select[Any]:
    return select(func.max(C.seq)).where(*conditions, C.seq <= UNTIL)


def _inbox_positions() -> list[Select[Any]]:
    """The latest position of each kind of row the inbox's candidates come from."""
    shared = select(TaskShare.task_id).where(holds_share(VIEWER))
    return [_last_seq(C.owner_id == VIEWER), _last_seq(C.user_id == VIEWER),
            _last_seq(C.task_id.in_(shared)), _last_seq(C.task_id.in_(inherited_tasks(VIEWER)))]


def _collection_position(session: Session, viewer: Identity, collection: Collection,
                         until: int) -> int:
    """The latest position of a row about ``collection`` up to ``until`` (0: none)."""
    params = {"viewer": viewer.user_id, "until": until, "list": collection.list_id}
    if collection.list_id is not None:
        statements = [_last_seq(C.list_id == LIST)]
    elif viewer.is_admin:
        return until
    else:
        statements = _inbox_positions()
    found = [session.execute(statement, params).scalar() for statement in statements]
    return max((seq for seq in found if seq is not None), default=0)


def current_token(session: Session, key: bytes, viewer: Identity,
                  collection: Collection) -> str:
    """``DAV:sync-token`` (and ``CS:getctag``) of ``collection``: it changes with every
    change of anything in it, and only then (or when a token period begins)."""
    seq = _collection_position(session, viewer, collection, last_position(session))
    return sync_token(key, viewer, collection, Position(seq))


# -- a sync -------------------------------------------------------------------------------


def collection_changes(session: Session, key: bytes, viewer: Identity, collection: Collection,
                       since: Position | None, limit: int | None = None,
                       columns: tuple[Any, ...] = COLUMNS) -> SyncPage:
    """What changed in ``collection`` since ``since`` (None: an initial sync, everything
    it holds and no removal), ``limit`` responses at most (one at least), as rows of
    ``columns`` (``collections.COLUMNS`` or ``ETAG_COLUMNS``)."""
    limit = None if limit is None else max(limit, 1)
    until = last_position(session)
    found = members(session, viewer, collection)
    if since is None:
        since = Position(_collection_position(session, viewer, collection, until), 0, True)
    if since.listing:
        return _listing(session, key, viewer, collection, found, since, limit, columns)
    statement = (LIST_CANDIDATES if collection.list_id is not None
                 else ADMIN_INBOX_CANDIDATES if viewer.is_admin else INBOX_CANDIDATES)
    params = {"viewer": viewer.user_id, "list": collection.list_id, "since": since.seq,
              "after_id": since.after_id, "until": until,
              "limit": (until if limit is None else limit) + 1}
    candidates = session.execute(statement, params).all() if found.branches else []
    truncated = limit is not None and len(candidates) > limit
    candidates = candidates[:limit] if truncated else candidates
    now = in_collection(session, found, [row.task_id for row in candidates], columns)
    gone = [row for row in candidates if row.task_id not in now]
    if collection.list_id is None:
        gone = _left_the_inbox(session, viewer, gone, since.seq, until)
    if truncated:
        position = Position(candidates[-1].seq, candidates[-1].task_id)
    else:
        seq = _collection_position(session, viewer, collection, until)
        position = Position(max(since.seq, seq))
    return SyncPage([now[row.task_id] for row in candidates if row.task_id in now],
                    _names(session, [row.task_id for row in gone]),
                    sync_token(key, viewer, collection, position), truncated)


def _listing(session: Session, key: bytes, viewer: Identity, collection: Collection,
             found: Members, since: Position, limit: int | None,
             columns: tuple[Any, ...]) -> SyncPage:
    """An initial sync, or its continuation: what the collection holds, by id, never a
    removal. Uncut, its rows are read page by page as they are consumed; cut by ``limit``,
    its token continues the listing, and the changes after the position the listing began
    at come after it (a task changed meanwhile may then be sent twice: harmless)."""
    if limit is None:
        rows = collection_rows(session, viewer, collection, Task.id > since.after_id,
                               columns=columns)
        return SyncPage(rows, [], sync_token(key, viewer, collection, Position(since.seq)),
                        False)
    page = session.execute(rows_statement(found, Task.id > since.after_id,
                                          limit=limit + 1, columns=columns)).all()
    if len(page) <= limit:
        return SyncPage(page, [], sync_token(key, viewer, collection, Position(since.seq)),
                        False)
    page = page[:limit]
    position = Position(since.seq, page[-1].id, True)
    return SyncPage(page, [], sync_token(key, viewer, collection, position), True)


# Whether a task's rows in the range record it moving between lists (an update's history
# says which fields changed; a creation lists them all), for the inbox's removals.
LIST_MOVES = (select(C.task_id, C.detail)
              .where(C.task_id.in_(bindparam("ids", expanding=True)), C.kind == TASK,
                     C.action == UPDATED, C.seq > SINCE, C.seq <= UNTIL))
IN_VIEWED_LIST = (select(Task.id)
                  .where(Task.id.in_(bindparam("ids", expanding=True)),
                         Task.list_id.is_not(None),
                         or_(bindparam("admin", type_=Boolean),
                             in_member_list(VIEWER, Task.list_id))))


def _left_the_inbox(session: Session, viewer: Identity, gone: list[Row[Any]], since: int,
                    until: int) -> list[Row[Any]]:
    """Of the candidates no longer in the inbox, those it may have held in the range: not
    a task now in a list the viewer may view that stayed in its lists all along."""
    settled = [row.task_id for row in gone if not row.moved]
    if not settled:
        return gone
    params = {"ids": settled, "viewer": viewer.user_id, "admin": viewer.is_admin,
              "since": since, "until": until}
    in_lists = set(session.execute(IN_VIEWED_LIST, params).scalars())
    moved = {task_id for task_id, detail in session.execute(LIST_MOVES, params)
             if "list" in ((detail or {}).get("changes") or {})}
    return [row for row in gone if row.moved or row.task_id not in in_lists - moved]


def _names(session: Session, task_ids: list[int]) -> list[str]:
    """The resource names of ``task_ids``: a client's (kept past a deletion), or derived."""
    if not task_ids:
        return []
    named: dict[int, str] = {}
    for table in (CalendarObject, CalendarTombstone):  # its object first, if it exists
        for task_id, name in session.execute(select(table.task_id, table.name)
                                             .where(table.task_id.in_(task_ids))):
            named.setdefault(task_id, name)
    return [named.get(task_id) or object_name(derived_uid(task_id)) for task_id in task_ids]


# -- tombstones -------------------------------------------------------------------------------


def keep_names(event: ResourcesDeleting) -> None:
    """The names clients gave the doomed tasks, kept for the syncs that report them gone."""
    session = event.request.dbsession
    doomed = select(TASKS.c.id).where(event.condition)
    session.execute(delete(CalendarTombstone).where(CalendarTombstone.task_id.in_(doomed)))
    session.execute(insert(CalendarTombstone).from_select(
        ["task_id", "name", "deleted_at"],
        select(CalendarObject.task_id, CalendarObject.name,
               literal(base.utcnow(), CalendarTombstone.deleted_at.type))
        .where(CalendarObject.task_id.in_(doomed))))


def purge_tombstones(session: Session, cutoff: datetime) -> int:
    """Delete the names of tasks deleted before ``cutoff`` (``purge-changes``'s cutoff:
    a token old enough to need them is refused already)."""
    result = session.execute(delete(CalendarTombstone)
                             .where(CalendarTombstone.deleted_at < cutoff))
    return int(getattr(result, "rowcount", 0))


def purge_with_the_log(event: ChangeLogPurging) -> None:
    purge_tombstones(event.session, event.cutoff)


def includeme(config: Configurator) -> None:
    config.add_subscriber(keep_names, ResourcesDeleting, kind="task")
    config.add_subscriber(purge_with_the_log, ChangeLogPurging)

