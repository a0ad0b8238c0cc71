"""CalDAV (contract section 16): the same tasks, served to calendar and task apps.

The same tree, ACL and writes as the JSON API, spoken as WebDAV. A CalDAV write is the
JSON API's write (``tasks.views``), so it is versioned, logged, seen by the change feed,
webhooks and read-only mode like any other; this package only translates.

- discovery.py: ``/.well-known/caldav`` (RFC 6764), a permanent redirect to ``/dav/``.
- names.py: the paths (principal, home, collections, objects) and UIDs.
- nodes.py: what a ``/dav/`` path names, and what the caller may do there (the ACL).
- models.py: the object a client sent for a task, and the names ``MKCALENDAR`` chose.
- vtodo.py: a task as a VTODO, and a VTODO as a task's fields (the contract's table).
- xml.py: WebDAV's XML, read safely; errors.py: ``DAV:error`` bodies.
- propfind.py, reports.py, writes.py: the methods.
- query.py: ``calendar-query`` filters as SQL; sync.py: ``sync-collection`` from the
  change log (section 8).

With ``taskservice.caldav = off`` none of it is included: ``/dav/`` and
``/.well-known/caldav`` are 404s.
"""

from __future__ import annotations

from pyramid.config import Configurator
from pyramid.security import NO_PERMISSION_REQUIRED

from ..permissions import CONTENT, NO_SCOPE
from .discovery import well_known
from .errors import render_dav_errors
from .names import DAV_ROOT, DAV_ROUTE, DISCOVERY_ROUTE, SERVER_ROOT_ROUTE
from .views import dav_root


def includeme(config: Configurator) -> None:
    if not config.registry.app_settings.caldav:
        return
    config.add_route(DISCOVERY_ROUTE, "/.well-known/caldav{slash:/?}")
    config.declare_scopes(DISCOVERY_ROUTE, NO_SCOPE)
    config.add_route(DAV_ROUTE, "/dav/*subpath", factory=dav_root)
    # Reads (GET, HEAD, OPTIONS, PROPFIND, REPORT) need ``read``, the rest ``write``.
    config.declare_scopes(DAV_ROUTE, CONTENT)
    config.add_view(well_known, route_name=DISCOVERY_ROUTE, permission=NO_PERMISSION_REQUIRED)
    # A client given only the server's address asks its root first (RFC 6764 5).
    config.add_route(SERVER_ROOT_ROUTE, "/", request_method="PROPFIND")
    config.declare_scopes(SERVER_ROOT_ROUTE, NO_SCOPE)
    config.add_view(well_known, route_name=SERVER_ROOT_ROUTE, permission=NO_PERMISSION_REQUIRED)
    config.add_error_body(DAV_ROOT, render_dav_errors)
    config.include(".views")
    config.include(".sync")
