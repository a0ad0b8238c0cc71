"""What a ``/dav/`` path names, and what the caller may do there.

The path is resolved against the same tree the JSON API's views stand on: a collection
is a list's ``ListResource``, an object a task's ``TaskResource``, so every permission
asked here is the JSON API's ACL (``request.has_permission``), a list-limited token's
reach and scopes included. What the caller may not view is a ``KeyError`` (a 404), never
a hint that it exists.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import TypeVar

from pyramid.request import Request
from sqlalchemy import bindparam, select

from ..accounts.models import User
from ..lists.listing import ListSort, fetch_list_page
from ..lists.resources import LIST_ID, ListCollection, ListResource
from ..permissions import InsufficientScope, Permission
from ..tasks.resources import TaskCollection, TaskResource
from ..vocabulary import WRITE_METHODS
from .models import CalendarCollection, CalendarObject
from .names import CALENDARS, INBOX, OBJECT_SUFFIX, PRINCIPALS, task_id_of


@dataclass(frozen=True)
class RootNode:
    """``/dav/``: where a client learns its principal."""


@dataclass(frozen=True)
class PrincipalNode:
    username: str


@dataclass(frozen=True)
class HomeNode:
    username: str


@dataclass(frozen=True)
class CollectionNode:
    """A list (``resource``), or the caller's inbox (``resource`` None)."""

    username: str
    segment: str
    resource: ListResource | None

    @property
    def list_id(self) -> int | None:
        return None if self.resource is None else self.resource.list.id


@dataclass(frozen=True)
class ObjectNode:
    """A resource name in a collection, and the task there (None: nothing yet, a PUT may
    create it)."""

    collection: CollectionNode
    name: str
    resource: TaskResource | None


# The methods that make a collection (an extended MKCOL is vdirsyncer's MKCALENDAR).
MAKING_METHODS = frozenset({"MKCALENDAR", "MKCOL"})


@dataclass(frozen=True)
class NewCollectionNode:
    """A segment of the home that names no collection: where a MKCALENDAR makes one."""

    username: str
    segment: str


Node = RootNode | PrincipalNode | HomeNode | CollectionNode | NewCollectionNode | ObjectNode

# The caller's own row, locked by every write in their calendar home: see ``_lock_home``.
# FOR NO KEY UPDATE, so a task's or list's insert (FOR KEY SHARE of its owner) never waits.
HOME_LOCK = (select(User.id).where(User.id == bindparam("id"))
             .with_for_update(key_share=True))
NAMED_LIST = select(CalendarCollection.list_id).where(CalendarCollection.name == bindparam("name"))
NAMED_OBJECTS = (select(CalendarObject.task_id)
                 .where(CalendarObject.name == bindparam("name"))
                 .order_by(CalendarObject.task_id))


def resolve(request: Request, segments: tuple[str, ...]) -> Node:
    """The node ``segments`` (percent-decoded) name; ``KeyError`` for none the caller sees.
    A NUL (``%00``) names nothing: no name holds one, and PostgreSQL refuses it in text."""
    if any("\x00" in segment for segment in segments):
        raise KeyError(segments)
    if not segments:
        return RootNode()
    kind, *rest = segments
    if not rest or not _is_caller(request, rest[0]):
        raise KeyError(segments)
    username = request.identity.username
    if kind == PRINCIPALS and len(rest) == 1:
        return PrincipalNode(username)
    if kind != CALENDARS or len(rest) > 3:
        raise KeyError(segments)
    if len(rest) == 1:
        return HomeNode(username)
    _lock_home(request)
    if len(rest) == 2:
        return _collection_or_new(request, username, rest[1])
    collection = collection_node(request, username, rest[1])
    return object_node(request, collection, rest[2])


def _lock_home(request: Request) -> None:
    """Serialise the writes in the caller's home before anything in it is looked up.

    A new object's name and a new collection's segment are unique within the home, but
    nothing in the database can say so (a name is per collection, a collection is a list
    the caller may view, which may be another user's): two PUTs of one new name, or two
    MKCALENDARs of one segment, would each find it free and both make it. Taken first, this
    lock makes the second find what the first made (each statement sees what is committed
    on PostgreSQL; SQLite runs one write at a time anyway).
    """
    if request.method in WRITE_METHODS:
        request.dbsession.execute(HOME_LOCK, {"id": request.identity.user_id})


def sees(request: Request, resource: object) -> bool:
    """The caller may view ``resource``, whatever their token's scopes say of the method
    (a missing scope is a 403 asked later, never a 404)."""
    verdict = request.has_permission(Permission.VIEW, resource)
    return bool(verdict) or (isinstance(verdict, InsufficientScope) and bool(verdict.visible))


def _is_caller(request: Request, username: str) -> bool:
    """Another user's principal and home are a 404: usernames compare case-insensitively."""
    caller: str = request.identity.username
    return username.casefold() == caller.casefold()


def _collection_or_new(request: Request, username: str, segment: str
                       ) -> CollectionNode | NewCollectionNode:
    try:
        return collection_node(request, username, segment)
    except KeyError:
        if request.method not in MAKING_METHODS or segment == INBOX:
            raise
        return NewCollectionNode(username, segment)


def collection_node(request: Request, username: str, segment: str) -> CollectionNode:
    if segment == INBOX:
        if request.identity.lists is not None:
            raise KeyError(segment)  # a list-limited token reaches no task outside lists
        return CollectionNode(username, segment, None)
    for list_id in _list_ids(request, segment):
        resource = list_resource(request, list_id)
        if resource is not None and sees(request, resource):
            return CollectionNode(username, segment, resource)
    raise KeyError(segment)


def _list_ids(request: Request, segment: str) -> list[int]:
    """The lists a segment may name: those MKCALENDAR gave that name, then its id (an id
    as the JSON API spells it: past 18 digits, no 64-bit column holds it)."""
    named = list(request.dbsession.execute(NAMED_LIST, {"name": segment}).scalars())
    return [*named, int(segment)] if LIST_ID.fullmatch(segment) else named


Found = TypeVar("Found", ListResource, TaskResource)


def _found(lookup: Callable[..., Found], row_id: int, request: Request) -> Found | None:
    """``lookup``'s resource, locked for a write as the JSON API's traversal locks it."""
    try:
        return lookup(row_id, lock=request.method in WRITE_METHODS)
    except KeyError:
        return None


def list_resource(request: Request, list_id: int) -> ListResource | None:
    return _found(ListCollection(request, "lists", request.root).resource, list_id, request)


def object_node(request: Request, collection: CollectionNode, name: str) -> ObjectNode:
    """The task named ``name`` in ``collection`` that the caller may view, if any."""
    for task_id in _task_ids(request, name):
        resource = task_resource(request, task_id)
        if resource is not None and in_collection(request, collection, resource):
            return ObjectNode(collection, name, resource)
    return ObjectNode(collection, name, None)


def _task_ids(request: Request, name: str) -> list[int]:
    named = list(request.dbsession.execute(NAMED_OBJECTS, {"name": name}).scalars())
    derived = task_id_of(name.removesuffix(OBJECT_SUFFIX)) if name.endswith(OBJECT_SUFFIX) else None
    return named if derived is None else [*named, derived]


def task_resource(request: Request, task_id: int) -> TaskResource | None:
    return _found(TaskCollection(request, "tasks", request.root).resource, task_id, request)


def in_collection(request: Request, collection: CollectionNode, resource: TaskResource) -> bool:
    """The caller sees the task, in this collection: its list's, or the inbox when it is
    in no list they may view."""
    if not sees(request, resource):
        return False
    list_id = resource.task.list_id
    if collection.resource is not None:
        return list_id == collection.list_id
    if list_id is None:
        return True
    shown = list_resource(request, list_id)
    return shown is None or not sees(request, shown)


# The lists a home shows, a page at a time (bounded memory however many a user has).
HOME_PAGE = 200
LIST_SORT = ListSort("created_at")
SEGMENTS = select(CalendarCollection.list_id, CalendarCollection.name).where(
    CalendarCollection.list_id.in_(bindparam("ids", expanding=True)))


SEGMENT = select(CalendarCollection.name).where(CalendarCollection.list_id == bindparam("id"))


def segment_of(request: Request, list_id: int | None) -> str:
    """The segment of the collection holding a task of the list ``list_id`` (None: the
    inbox): the name its MKCALENDAR chose, else its id."""
    if list_id is None:
        return INBOX
    name: str | None = request.dbsession.execute(SEGMENT, {"id": list_id}).scalar()
    return str(list_id) if name is None else name


def home_collections(request: Request) -> Iterator[CollectionNode]:
    """The collections of the caller's home: ``inbox/`` (not for a list-limited token),
    then each list they may view, at the segment its client chose or its id."""
    username = request.identity.username
    if request.identity.lists is None:
        yield CollectionNode(username, INBOX, None)
    after = None
    while True:
        rows, after = fetch_list_page(request.dbsession, request.identity, LIST_SORT,
                                      HOME_PAGE, after)
        named = request.dbsession.execute(SEGMENTS, {"ids": [row[0].id for row in rows]})
        segments = {list_id: name for list_id, name in named}
        for row in rows:
            resource = ListResource(request, row[0], ListCollection(request, "lists",
                                                                    request.root))
            yield CollectionNode(username, segments.get(row[0].id, str(row[0].id)), resource)
        if after is None:
            return
