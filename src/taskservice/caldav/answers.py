"""The answers every method builds: a multistatus written as it goes, and an empty one.

An empty answer names no media type (WebOb would say ``text/html``, which a client may
try to read); a multistatus is ``application/xml`` (RFC 4918 8.2).
"""

from __future__ import annotations

from collections.abc import Iterable
from xml.etree.ElementTree import Element

from pyramid.response import Response

from .xml import XML_MEDIA_TYPE, streamed_multistatus


def empty_response(status: int) -> Response:
    response = Response(status=status)
    del response.content_type
    return response


def multistatus_response(responses: Iterable[Element], tail: Iterable[Element] = ()
                         ) -> Response:
    """A 207 whose ``DAV:response`` elements are written one at a time."""
    response = Response(status=207, content_type=XML_MEDIA_TYPE, charset="utf-8")
    response.app_iter = streamed_multistatus(responses, tail)
    return response
