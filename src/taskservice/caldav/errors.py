"""``DAV:error`` bodies: every error under ``/dav/``, whoever raises it.

A CalDAV view raises :func:`dav_error` with the RFC's precondition element; the web
package's exception views (401, 404, 405, read-only's 503...) render through
:func:`render_dav_errors` too, registered for the ``/dav/`` prefix, so a calendar client
never meets the JSON error shape.
"""

from __future__ import annotations

from pyramid.httpexceptions import HTTPError
from pyramid.request import Request
from pyramid.response import Response

from ..web.errors import error_response
from .xml import XML_MEDIA_TYPE, dav, error_document

# The ``location`` of an error a CalDAV view raised: its ``name`` is the precondition.
PRECONDITION = "precondition"


# The key of an error dict holding the ``DAV:href`` its precondition names.
HREF = "href"


def dav_error(status: int, precondition: str | None, description: str,
              href: str | None = None, headers: dict[str, str] | None = None) -> HTTPError:
    """An error to raise from a CalDAV view: ``precondition`` is the qualified name of the
    RFC's element (``xml.caldav("valid-calendar-data")``), None for none; ``href``, the
    resource it names (the object already holding a UID)."""
    error = error_response(status, PRECONDITION, precondition or "", description, headers)
    if href is not None:
        error.api_errors[0][HREF] = href
    return error


def _precondition(status: int, errors: list[dict[str, str]]) -> str | None:
    """The element the body names: the view's own, else ``need-privileges`` for a 403
    (a token's scope, or a right the ACL does not grant: RFC 3744 7.1.1)."""
    own = next((error["name"] for error in errors
                if error["location"] == PRECONDITION and error["name"]), None)
    if own is not None:
        return own
    return dav("need-privileges") if status == 403 else None


def render_dav_errors(request: Request, status: int, errors: list[dict[str, str]]) -> Response:
    description = "; ".join(error["description"] for error in errors)
    href = next((error[HREF] for error in errors if HREF in error), None)
    body = error_document(_precondition(status, errors),
                          f"{description} (request {request.request_id})", href)
    return Response(status=status, body=body, content_type=XML_MEDIA_TYPE,
                    charset="utf-8")
