"""The answers every method builds: a multistatus written as it goes, and an empty one.

An empty answer names no media type (WebOb would say ``text/html``, which a client may
try to read); a multistatus is ``application/xml`` (RFC 4918 8.2).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from xml.etree.ElementTree import Element

from pyramid.request import Request
from pyramid.response import Response

from .xml import XML_MEDIA_TYPE, streamed_multistatus


def empty_response(status: int) -> Response:
    response = Response(status=status)
    del response.content_type
    return response


def multistatus_response(request: Request, responses: Iterable[Element | str],
                         tail: Iterable[Element] = ()) -> Response:
    """A 207 whose ``DAV:response`` elements are made and written one at a time."""
    response = Response(status=207, content_type=XML_MEDIA_TYPE, charset="utf-8")
    response.app_iter = _closing_its_reads(request, streamed_multistatus(responses, tail))
    return response


def _closing_its_reads(request: Request, chunks: Iterator[bytes]) -> Iterator[bytes]:
    """``chunks``, then the transaction their reads began ended.

    The body is written after pyramid_tm has committed the request's transaction (the
    server iterates it once the view returned), so the queries it makes begin another:
    it is ended as soon as the body is, rather than left open on the connection (idle in
    a transaction, on PostgreSQL) until the thread's next request."""
    try:
        yield from chunks
    finally:
        request.tm.abort()
