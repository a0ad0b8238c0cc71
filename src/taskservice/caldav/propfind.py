"""``PROPFIND`` (RFC 4918 9.1) at depth 0 or 1; ``infinity`` is refused (a 403).

A depth-1 answer is written a response at a time (``xml.streamed_multistatus``) from a
query read in batches, so a collection of any size is listed in bounded memory.
"""

from __future__ import annotations

from collections.abc import Iterator
from xml.etree.ElementTree import Element

from pyramid.request import Request
from pyramid.response import Response

from .answers import multistatus_response
from .collections import Collection, collection_rows
from .errors import dav_error
from .names import object_segment
from .nodes import (
    CollectionNode,
    HomeNode,
    NewCollectionNode,
    Node,
    ObjectNode,
    RootNode,
    home_collections,
)
from .objects import CalendarItem, item_of
from .properties import item_response, listing_columns, node_path, propstats, response
from .xml import dav, parse

DEPTHS = ("0", "1")
INFINITY = "infinity"


def depth(request: Request) -> str:
    """The ``Depth`` header (absent: infinity, RFC 4918 10.2); ``infinity`` is a 403, a
    value that is none of the three a 400."""
    value: str = request.headers.get("Depth", INFINITY).strip().lower()
    if value == INFINITY:
        raise dav_error(403, dav("propfind-finite-depth"),
                        "Depth must be 0 or 1: this server does not list whole trees")
    if value not in DEPTHS:
        raise dav_error(400, None, "Depth is 0, 1 or infinity")
    return value


def asked_properties(body: Element | None) -> tuple[list[str] | None, bool]:
    """What a PROPFIND body asks: (the property names, or None for allprop; names only)."""
    if body is None:
        return None, False
    if body.tag != dav("propfind"):
        raise dav_error(400, None, "A PROPFIND body is a DAV:propfind element")
    if body.find(dav("propname")) is not None:
        return None, True
    prop = body.find(dav("prop"))
    if prop is None:
        return None, False  # allprop (its DAV:include adds nothing we would leave out)
    return [child.tag for child in prop], False


def propfind(request: Request, node: Node) -> Response:
    asked, names_only = asked_properties(parse(request.body))
    level = depth(request)
    if isinstance(node, ObjectNode) and node.resource is None:
        raise dav_error(404, None, "No such calendar object")
    if isinstance(node, NewCollectionNode):
        raise dav_error(404, None, "No such collection")
    responses = _responses(request, node, level, asked, names_only)
    return multistatus_response(request, responses)


def _responses(request: Request, node: Node, level: str, asked: list[str] | None,
               names_only: bool) -> Iterator[Element | str]:
    target: object = item_of(request.dbsession, node.resource.task) if isinstance(
        node, ObjectNode) and node.resource is not None else node
    yield response(node_path(request, node), propstats(request, target, asked, names_only))
    if level == "0":
        return
    if isinstance(node, RootNode | HomeNode):
        for member in (home_collections(request) if isinstance(node, HomeNode) else ()):
            yield response(node_path(request, member),
                           propstats(request, member, asked, names_only))
    elif isinstance(node, CollectionNode):
        href = node_path(request, node)
        for item in collection_items(request, node, asked):
            yield (response(href + object_segment(item.name),
                            propstats(request, item, asked, names_only)) if names_only
                   else item_response(request, href, item, asked))


def collection_items(request: Request, node: CollectionNode, asked: list[str] | None
                     ) -> Iterator[CalendarItem]:
    rows = collection_rows(request.dbsession, request.identity, Collection(node.list_id),
                           columns=listing_columns(asked))
    return (CalendarItem.of(row) for row in rows)
