"""The ``/dav/`` views: one per method, each resolving the path to a node first.

Every method but ``OPTIONS`` needs credentials. The route's context grants ``view`` to
any authenticated caller, so asking for it checks only a token's scope for the method
(``read`` or ``write``, contract section 16): after the path is resolved, so what the
caller may not view is a 404 first. What they may do to the node itself is the JSON
API's ACL, asked in ``nodes`` and ``writes``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import ClassVar

from pyramid.authorization import Allow, Authenticated
from pyramid.config import Configurator
from pyramid.httpexceptions import HTTPForbidden
from pyramid.request import Request
from pyramid.response import Response
from pyramid.security import NO_PERMISSION_REQUIRED

from ..permissions import Permission
from ..traversal import ACL, Resource
from ..web.conditional import not_modified
from . import reports, writes
from .answers import empty_response
from .errors import dav_error
from .names import DAV_ROUTE
from .nodes import Node, ObjectNode, resolve
from .objects import CONTENT_TYPE, item_of
from .propfind import propfind
from .xml import MalformedXML

DAV_CLASSES = "1, 3, calendar-access"
View = Callable[[Request, Node], Response]
METHODS: dict[str, View] = {
    "GET": lambda request, node: get_object(request, node),
    "HEAD": lambda request, node: get_object(request, node),
    "PROPFIND": propfind,
    "REPORT": reports.report,
    "PUT": writes.put,
    "DELETE": writes.delete,
    "MOVE": writes.move,
    "MKCALENDAR": writes.mkcalendar,
    "MKCOL": writes.mkcalendar,
    "PROPPATCH": writes.proppatch,
}
ALLOW = ", ".join(["OPTIONS", *METHODS])


class DavRoot(Resource):
    """The route's context: any authenticated caller may speak WebDAV (their scopes are
    checked for the method); what they reach is decided per node."""

    __acl__: ClassVar[ACL] = [(Allow, Authenticated, Permission.VIEW)]


def dav_root(request: Request) -> DavRoot:
    return DavRoot(request)


def segments(request: Request) -> tuple[str, ...]:
    """The path's segments after ``/dav/``, percent-decoded (Pyramid decodes ``subpath``)."""
    return tuple(segment for segment in request.matchdict["subpath"] if segment)


def dav_view(request: Request) -> Response:
    node = _node(request)
    try:
        return METHODS[request.method](request, node)
    except MalformedXML as error:
        raise dav_error(400, None, str(error)) from None


def _node(request: Request) -> Node:
    """The node the path names, in the contract's order: a 401 for no credentials, a 404
    for what the caller may not view, then a 403 for a token whose scopes do not cover
    the method (``need-privileges``)."""
    if request.identity is None:
        raise HTTPForbidden()  # the forbidden view's 401, offering Basic under /dav/
    try:
        node = resolve(request, segments(request))
    except KeyError:
        raise dav_error(404, None, "Nothing here that you may see") from None
    if isinstance(node, ObjectNode) and node.resource is None and request.method != "PUT":
        raise dav_error(404, None, "No calendar object here that you may see")
    verdict = request.has_permission(Permission.VIEW, request.context)
    if not verdict:
        raise HTTPForbidden(result=verdict)
    return node


def options(request: Request) -> Response:
    """What any ``/dav/`` path supports, without credentials (RFC 4918 10.1)."""
    response = empty_response(200)
    response.headers["DAV"] = DAV_CLASSES
    response.headers["Allow"] = ALLOW
    return response


def get_object(request: Request, node: Node) -> Response:
    """A calendar object as ``text/calendar``; a collection has no body of its own."""
    if not isinstance(node, ObjectNode) or node.resource is None:
        raise dav_error(404 if isinstance(node, ObjectNode) else 405, None,
                        "Only a calendar object (…/<name>.ics) has a body to GET")
    item = item_of(request.dbsession, node.resource.task)
    if not_modified(request, item.task.version):
        response = empty_response(304)
    else:
        response = Response(body=item.text().encode(), content_type=CONTENT_TYPE.split(";")[0],
                            charset="utf-8")
        response.headers["Content-Type"] = CONTENT_TYPE
    response.headers["ETag"] = item.etag
    return response


def unsupported(request: Request) -> Response:
    _node(request)
    raise dav_error(405, None, f"{request.method} is not supported here; use {ALLOW}",
                    headers={"Allow": ALLOW})


def includeme(config: Configurator) -> None:
    config.add_view(options, route_name=DAV_ROUTE, request_method="OPTIONS",
                    permission=NO_PERMISSION_REQUIRED)
    # The views check credentials and scopes themselves, after the 404 (``_node``).
    config.add_view(dav_view, route_name=DAV_ROUTE, request_method=tuple(METHODS),
                    permission=NO_PERMISSION_REQUIRED)
    config.add_view(unsupported, route_name=DAV_ROUTE, permission=NO_PERMISSION_REQUIRED)

