"""``/.well-known/caldav`` (RFC 6764 5): where a client that knows only the host starts.

A permanent redirect that keeps the method (308): a 302 turns a client's PROPFIND into a
GET, and the discovery fails. No credentials are needed to learn where the service is. A
``PROPFIND`` of the server's root is sent there too: clients given only the server's
address (the ``caldav`` library, Thunderbird) ask the root before the well-known URL.
"""

from __future__ import annotations

from pyramid.httpexceptions import HTTPPermanentRedirect
from pyramid.request import Request

from .names import DAV_ROOT


def well_known(request: Request) -> HTTPPermanentRedirect:
    return HTTPPermanentRedirect(location=request.application_url + DAV_ROOT)
