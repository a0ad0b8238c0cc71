"""The WebDAV and CalDAV properties each kind of node reports (PROPFIND, and a REPORT's
``DAV:prop``): one table per kind, so ``allprop``, ``propname`` and ``prop`` read the same
facts, and a property a node does not have is a ``404`` propstat."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from email.utils import format_datetime
from typing import Any
from xml.etree.ElementTree import Element

from pyramid.request import Request

from ..db.service_keys import SYNC_TOKENS, service_key
from ..permissions import Permission, Scope
from .collections import COLUMNS, ETAG_COLUMNS, Collection
from .names import (
    CALENDARS,
    DAV_ROOT,
    collection_path,
    home_path,
    object_path,
    object_segment,
    principal_path,
)
from .nodes import (
    CollectionNode,
    HomeNode,
    ObjectNode,
    PrincipalNode,
    RootNode,
    task_resource,
)
from .objects import CONTENT_TYPE, CalendarItem
from .sync import current_token
from .xml import caldav, calendarserver, child, dav, element, text_element

# A property's value for a node (each table's nodes are of one kind: see ``table_of``).
Property = Callable[[Request, Any], Element | None]
REPORTS = (caldav("calendar-multiget"), caldav("calendar-query"), dav("sync-collection"))


def href(path: str) -> Element:
    return element(dav("href"), text=path)


def _principal_of(request: Request) -> Element:
    return href(principal_path(request.identity.username))


def _privileges(names: Iterable[str]) -> Element:
    node = Element(dav("current-user-privilege-set"))
    for name in names:
        child(child(node, dav("privilege")), dav(name))
    return node


def resourcetype(*kinds: str) -> Element:
    return element(dav("resourcetype"), *(Element(kind) for kind in kinds))


def _writes(request: Request) -> bool:
    """The caller's token may write at all (a read-only app password sees only ``read``)."""
    return Scope.WRITE in request.identity.scopes


def _collection_privileges(request: Request, node: CollectionNode) -> Element:
    names = ["read"]
    if _writes(request) and (node.resource is None
                             or request.has_permission(Permission.ADD_TASK, node.resource)):
        names += ["write-content", "bind", "unbind"]
    return _privileges(names)


def _object_privileges(request: Request, node: CalendarItem) -> Element:
    resource = task_resource(request, node.task.id)
    editable = (_writes(request) and resource is not None
                and request.has_permission(Permission.EDIT, resource))
    return _privileges(["read", "write-content"] if editable else ["read"])


def collection_owner(node: CollectionNode) -> Element:
    owner = node.resource.list.owner.username if node.resource is not None else node.username
    return element(dav("owner"), href(principal_path(owner)))


def displayname(text: str) -> Element:
    return element(dav("displayname"), text=text)


ROOT_PROPERTIES: dict[str, Property] = {
    dav("resourcetype"): lambda request, node: resourcetype(dav("collection")),
    dav("current-user-principal"): lambda request, node: element(
        dav("current-user-principal"), _principal_of(request)),
    dav("principal-collection-set"): lambda request, node: element(
        dav("principal-collection-set"), href(f"{DAV_ROOT}principals/")),
}

PRINCIPAL_PROPERTIES: dict[str, Property] = {
    dav("resourcetype"): lambda request, node: resourcetype(dav("collection"), dav("principal")),
    dav("displayname"): lambda request, node: displayname(request.identity.username),
    dav("current-user-principal"): ROOT_PROPERTIES[dav("current-user-principal")],
    dav("principal-URL"): lambda request, node: element(dav("principal-URL"),
                                                         _principal_of(request)),
    caldav("calendar-home-set"): lambda request, node: element(
        caldav("calendar-home-set"), href(home_path(request.identity.username))),
    caldav("calendar-user-address-set"): lambda request, node: element(
        caldav("calendar-user-address-set"), href(principal_path(request.identity.username))),
}

HOME_PROPERTIES: dict[str, Property] = {
    dav("resourcetype"): ROOT_PROPERTIES[dav("resourcetype")],
    dav("displayname"): lambda request, node: displayname(CALENDARS),
    dav("current-user-principal"): ROOT_PROPERTIES[dav("current-user-principal")],
    dav("owner"): lambda request, node: element(dav("owner"), _principal_of(request)),
    dav("current-user-privilege-set"): lambda request, node: _privileges(["read"]),
}


def _sync_token(request: Request, node: CollectionNode) -> str:
    """The collection's ``DAV:sync-token`` (and ``CS:getctag``)."""
    return current_token(request.dbsession, service_key(request, SYNC_TOKENS),
                         request.identity, Collection(node.list_id))


def _supported_components() -> Element:
    components = Element(caldav("supported-calendar-component-set"))
    child(components, caldav("comp")).set("name", "VTODO")
    return components


def _supported_reports() -> Element:
    reports = Element(dav("supported-report-set"))
    for name in REPORTS:
        child(child(child(reports, dav("supported-report")), dav("report")), name)
    return reports


COLLECTION_PROPERTIES: dict[str, Property] = {
    dav("resourcetype"): lambda request, node: resourcetype(dav("collection"),
                                                            caldav("calendar")),
    dav("displayname"): lambda request, node: displayname(collection_name(node)),
    caldav("supported-calendar-component-set"): lambda request, node: _supported_components(),
    caldav("supported-calendar-data"): lambda request, node: element(
        caldav("supported-calendar-data"), _calendar_data_type()),
    dav("sync-token"): lambda request, node: element(dav("sync-token"),
                                                     text=_sync_token(request, node)),
    calendarserver("getctag"): lambda request, node: element(calendarserver("getctag"),
                                                             text=_sync_token(request, node)),
    dav("supported-report-set"): lambda request, node: _supported_reports(),
    dav("current-user-privilege-set"): _collection_privileges,
    dav("owner"): lambda request, node: collection_owner(node),
    dav("current-user-principal"): ROOT_PROPERTIES[dav("current-user-principal")],
}


def _calendar_data_type() -> Element:
    data = Element(caldav("calendar-data"))
    data.set("content-type", "text/calendar")
    data.set("version", "2.0")
    return data


def collection_name(node: CollectionNode) -> str:
    return "Inbox" if node.resource is None else node.resource.list.name


# The properties of an object whose value is text, by how each is read from it. A listing
# asking only for these (and resourcetype) writes each answer as text, not as a tree.
OBJECT_TEXT: dict[str, Callable[[CalendarItem], str]] = {
    dav("getetag"): lambda item: item.etag,
    dav("getcontenttype"): lambda item: CONTENT_TYPE,
    dav("getlastmodified"): lambda item: format_datetime(item.task.updated_at, usegmt=True),
    caldav("calendar-data"): lambda item: item.text(),
}


def _text_property(name: str, value: Callable[[CalendarItem], str]) -> Property:
    return lambda request, item: element(name, text=value(item))


OBJECT_PROPERTIES: dict[str, Property] = {
    dav("resourcetype"): lambda request, item: resourcetype(),
    **{name: _text_property(name, value) for name, value in OBJECT_TEXT.items()},
    dav("current-user-privilege-set"): _object_privileges,
}
# What allprop leaves out: the whole object (RFC 4791 9.6: only when asked for), and what
# costs a query per object (its own privileges, which a depth-1 listing would ask of each).
NOT_IN_ALLPROP = frozenset({caldav("calendar-data"), dav("current-user-privilege-set")})
OBJECT_ALLPROP = tuple(name for name in OBJECT_PROPERTIES if name not in NOT_IN_ALLPROP)
TEXT_WRITTEN = frozenset({*OBJECT_TEXT, dav("resourcetype")})
# What can be answered from a row of ``collections.ETAG_COLUMNS`` (no task field).
FROM_ETAG_ROWS = frozenset({dav("getetag"), dav("getcontenttype"), dav("getlastmodified"),
                            dav("resourcetype")})


def listing_columns(asked: list[str] | None) -> tuple[Any, ...]:
    """The columns a listing of objects reads for the properties ``asked`` (None:
    allprop): ``ETAG_COLUMNS`` when none needs a field of the task."""
    wanted = OBJECT_ALLPROP if asked is None else asked
    return ETAG_COLUMNS if FROM_ETAG_ROWS.issuperset(wanted) else COLUMNS


def item_response(request: Request, collection_href: str, item: CalendarItem,
                  asked: list[str] | None) -> Element | str:
    """An object's ``DAV:response`` in a listing (``collection_href``: its collection's
    path): written as text when every property asked is one of ``TEXT_WRITTEN``."""
    href = collection_href + object_segment(item.name)
    wanted = OBJECT_ALLPROP if asked is None else asked
    if not TEXT_WRITTEN.issuperset(wanted):
        return response(href, propstats(request, item, asked, False))
    props = "".join(text_element(name, OBJECT_TEXT[name](item) if name in OBJECT_TEXT
                                 else None) for name in wanted)
    return (f"{RESPONSE_OPEN}{text_element(dav('href'), href)}{PROPSTAT_OPEN}{props}"
            f"{PROPSTAT_CLOSE}")


RESPONSE_OPEN = "<d:response>"
PROPSTAT_OPEN = "<d:propstat><d:prop>"
PROPSTAT_CLOSE = ("</d:prop>" + text_element(dav("status"), "HTTP/1.1 200 OK")
                  + "</d:propstat></d:response>")


def table_of(node: object) -> dict[str, Property]:
    if isinstance(node, RootNode):
        return ROOT_PROPERTIES
    if isinstance(node, PrincipalNode):
        return PRINCIPAL_PROPERTIES
    if isinstance(node, HomeNode):
        return HOME_PROPERTIES
    if isinstance(node, CollectionNode):
        return COLLECTION_PROPERTIES
    return OBJECT_PROPERTIES


def node_path(request: Request, node: object) -> str:
    if isinstance(node, RootNode):
        return DAV_ROOT
    if isinstance(node, PrincipalNode):
        return principal_path(node.username)
    if isinstance(node, HomeNode):
        return home_path(node.username)
    if isinstance(node, CollectionNode):
        return collection_path(node.username, node.segment)
    if isinstance(node, ObjectNode):
        return object_path(node.collection.username, node.collection.segment, node.name)
    raise TypeError(node)


def propstats(request: Request, node: object, asked: list[str] | None, names_only: bool
              ) -> Iterator[Element]:
    """The ``DAV:propstat`` elements of ``node``: ``asked`` None is allprop."""
    table = table_of(node)
    wanted = [name for name in table if name not in NOT_IN_ALLPROP] if asked is None else asked
    found: list[Element] = []
    missing: list[Element] = []
    for name in wanted:
        value = None if name not in table else (
            Element(name) if names_only else table[name](request, node))
        (found if value is not None else missing).append(value if value is not None
                                                         else Element(name))
    for status, props in (("200 OK", found), ("404 Not Found", missing)):
        if props:
            yield element(dav("propstat"), element(dav("prop"), *props),
                          element(dav("status"), text=f"HTTP/1.1 {status}"))


def response(path: str, stats: Iterable[Element]) -> Element:
    return element(dav("response"), href(path), *stats)


def status_response(path: str, status: str) -> Element:
    return element(dav("response"), href(path), element(dav("status"), text=f"HTTP/1.1 {status}"))
