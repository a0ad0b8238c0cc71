"""``REPORT``: ``calendar-multiget`` and ``calendar-query`` (RFC 4791 7.8, 7.9) and
``sync-collection`` (RFC 6578), each answered a response at a time.

The objects come from the collection's SQL (``collections``, ``query``, ``sync``), which
holds only what the caller may view: nothing else can appear in a report.
"""

from __future__ import annotations

from collections.abc import Iterator
from xml.etree.ElementTree import Element

from pyramid.request import Request
from pyramid.response import Response

from ..db.service_keys import SYNC_TOKENS, service_key
from .answers import multistatus_response
from .collections import Collection
from .errors import dav_error
from .filters import query_filter
from .names import dav_segments, object_path
from .nodes import CollectionNode, Node, ObjectNode, resolve
from .objects import CalendarItem, item_of
from .properties import (
    item_response,
    listing_columns,
    node_path,
    propstats,
    response,
    status_response,
)
from .query import calendar_query
from .sync import InvalidSyncToken, Position, collection_changes, parse_token
from .xml import caldav, dav, element, parse

# A sync-collection's DAV:limit beyond this is answered with this many (a 507 then says
# that more are waiting): a client asking for a million gets them in pages.
MAX_SYNC_RESULTS = 10_000


def report(request: Request, node: Node) -> Response:
    body = parse(request.body)
    if body is None:
        raise dav_error(400, None, "A REPORT needs a body naming the report")
    handler = REPORTS.get(body.tag)
    if handler is None:
        raise dav_error(403, dav("supported-report"),
                        "Supported reports: calendar-multiget, calendar-query, "
                        "sync-collection")
    responses, tail = handler(request, node, body)
    return multistatus_response(request, responses, tail)


def asked(body: Element) -> list[str] | None:
    """The properties a report asks for (``DAV:prop``); None: allprop."""
    prop = body.find(dav("prop"))
    return None if prop is None else [child.tag for child in prop]


def _collection(node: Node) -> CollectionNode:
    if not isinstance(node, CollectionNode):
        raise dav_error(403, None, "This report is asked of a calendar collection")
    return node


# -- calendar-multiget -------------------------------------------------------------------


def multiget(request: Request, node: Node, body: Element
             ) -> tuple[Iterator[Element | str], tuple[Element, ...]]:
    props = asked(body)
    hrefs = [(href.text or "").strip() for href in body.iter(dav("href"))]
    if not hrefs:
        raise dav_error(400, None, "calendar-multiget names its objects in DAV:href")
    return (_multiget_responses(request, hrefs, props), ())


def _multiget_responses(request: Request, hrefs: list[str], props: list[str] | None
                        ) -> Iterator[Element]:
    for href in hrefs:
        target = _object_at(request, href)
        if target is None or target.resource is None:
            yield status_response(href, "404 Not Found")
            continue
        item = item_of(request.dbsession, target.resource.task)
        yield response(href, propstats(request, item, props, False))


def _object_at(request: Request, href: str) -> ObjectNode | None:
    segments = dav_segments(href)
    if segments is None:
        return None
    try:
        target = resolve(request, segments)
    except KeyError:
        return None
    return target if isinstance(target, ObjectNode) else None


# -- calendar-query ----------------------------------------------------------------------


def query(request: Request, node: Node, body: Element
          ) -> tuple[Iterator[Element | str], tuple[Element, ...]]:
    collection = _collection(node)
    todo = query_filter(body)
    found = () if todo is None else calendar_query(
        request.dbsession, request.identity, Collection(collection.list_id), todo)
    props = asked(body)
    href = node_path(request, collection)
    return ((item_response(request, href, CalendarItem.of(row), props) for row in found), ())


# -- sync-collection ---------------------------------------------------------------------


def sync_collection(request: Request, node: Node, body: Element
                    ) -> tuple[Iterator[Element | str], tuple[Element, ...]]:
    collection = _collection(node)
    if (body.findtext(dav("sync-level")) or "1").strip() != "1":
        raise dav_error(403, dav("supported-report"), "Only sync-level 1 is supported")
    key, target = service_key(request, SYNC_TOKENS), Collection(collection.list_id)
    since = _since(request, key, target, body.findtext(dav("sync-token")) or "")
    props = asked(body)
    page = collection_changes(request.dbsession, key, request.identity, target, since,
                              _limit(body), listing_columns(props))
    path = node_path(request, collection)

    def responses() -> Iterator[Element | str]:
        for row in page.upserts:
            yield item_response(request, path, CalendarItem.of(row), props)
        for name in page.removed:
            yield status_response(object_path(collection.username, collection.segment, name),
                                  "404 Not Found")
        if page.truncated:
            yield truncated_response(path)

    return responses(), (element(dav("sync-token"), text=page.token),)


def truncated_response(path: str) -> Element:
    """The request URI's ``507``: more changes wait past ``DAV:limit`` (RFC 6578 3.6)."""
    cut = status_response(path, "507 Insufficient Storage")
    cut.append(element(dav("error"), element(dav("number-of-matches-within-limits"))))
    return cut


def _since(request: Request, key: bytes, target: Collection, text: str) -> Position | None:
    text = text.strip()
    if not text:
        return None
    try:
        return parse_token(request.dbsession, key, request.identity, target, text,
                           request.registry.app_settings.changes_retention)
    except InvalidSyncToken as error:
        raise dav_error(403, dav("valid-sync-token"),
                        f"This sync token cannot be continued ({error}): sync in full "
                        "with an empty token") from None


def _limit(body: Element) -> int:
    text = body.findtext(f"{dav('limit')}/{dav('nresults')}")
    if text is None:
        return MAX_SYNC_RESULTS
    try:
        value = int(text.strip())
    except ValueError:
        raise dav_error(400, None, "DAV:nresults is a positive integer") from None
    if value < 1:
        raise dav_error(400, None, "DAV:nresults is a positive integer")
    return min(value, MAX_SYNC_RESULTS)


REPORTS = {
    caldav("calendar-multiget"): multiget,
    caldav("calendar-query"): query,
    dav("sync-collection"): sync_collection,
}
