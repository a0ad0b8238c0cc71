"""WebDAV's XML: the names this service speaks, untrusted bodies read safely, and the
``DAV:error`` and ``multistatus`` documents it writes.

A WebDAV body is untrusted XML: it is parsed by ``defusedxml`` with DTDs forbidden, so an
entity bomb ("billion laughs") or an external entity is refused before anything is
expanded or fetched (a 400), never a 5xx.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from functools import lru_cache
from itertools import chain
from xml.etree.ElementTree import Element, SubElement, register_namespace, tostring

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import ParseError, fromstring

DAV = "DAV:"
CALDAV = "urn:ietf:params:xml:ns:caldav"
CALENDARSERVER = "http://calendarserver.org/ns/"
PREFIXES = {DAV: "d", CALDAV: "c", CALENDARSERVER: "cs"}
for _namespace, _prefix in PREFIXES.items():
    register_namespace(_prefix, _namespace)

XML_MEDIA_TYPE = "application/xml"
# What XML 1.0 cannot carry, not even as a character reference (its production 2, Char): C0
# controls but TAB, LF and CR; U+FFFE and U+FFFF; lone surrogates. A document holding one
# is not well-formed, so no client text with one may reach a body this service writes.
NOT_XML_CHARACTER = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
XML_DECLARATION = b'<?xml version="1.0" encoding="utf-8"?>\n'


def dav(name: str) -> str:
    """``{DAV:}name``, ElementTree's name of a DAV element."""
    return f"{{{DAV}}}{name}"


def caldav(name: str) -> str:
    return f"{{{CALDAV}}}{name}"


def calendarserver(name: str) -> str:
    return f"{{{CALENDARSERVER}}}{name}"


class MalformedXML(ValueError):
    """A body that is not well-formed XML, or that declares a DTD or an entity."""


def parse(body: bytes) -> Element | None:
    """The root element of ``body``, None for an empty body; ``MalformedXML`` otherwise."""
    if not body.strip():
        return None
    try:
        root: Element = fromstring(body, forbid_dtd=True, forbid_entities=True,
                                   forbid_external=True)
    # LookupError: expat hands an encoding it does not know to Python's codecs, and an
    # ``encoding="bogus"`` (or "rot13", "hex": no text encodings) in the declaration is none.
    except (ParseError, DefusedXmlException, ValueError, LookupError) as error:
        raise MalformedXML(f"The body is not well-formed XML without a DTD: {error}") from None
    return root


def element(name: str, *children: Element, text: str | None = None) -> Element:
    node = Element(name)
    node.extend(children)
    node.text = text
    return node


def child(parent: Element, name: str, text: str | None = None) -> Element:
    node = SubElement(parent, name)
    node.text = text
    return node


def serialized(root: Element) -> bytes:
    return XML_DECLARATION + tostring(root, encoding="unicode").encode()


def error_document(precondition: str | None, description: str, href: str | None = None
                   ) -> bytes:
    """A ``DAV:error`` body (RFC 4918 16): the precondition element, if any (holding the
    ``DAV:href`` it names, as ``no-uid-conflict`` does), then what a person can act on in
    ``DAV:responsedescription``."""
    root = Element(dav("error"))
    if precondition is not None:
        condition = SubElement(root, precondition)
        if href is not None:
            child(condition, dav("href"), href)
    # A description may quote what the client sent (a line of its object): U+FFFD for
    # what XML cannot carry keeps the error document well-formed.
    child(root, dav("responsedescription"), NOT_XML_CHARACTER.sub("\ufffd", description))
    return serialized(root)


# How much of a multistatus is handed to the server at a time: one write per response
# cost the server a lock and a buffer operation each, most of a large listing's time.
CHUNK_BYTES = 16384


def streamed_multistatus(responses: Iterable[Element | str], tail: Iterable[Element] = ()
                         ) -> Iterator[bytes]:
    """A ``DAV:multistatus`` document written a response at a time and handed over in
    chunks, so a collection of any size is answered in bounded memory; ``tail``: elements
    after the responses (a sync report's token)."""
    pending = [XML_DECLARATION, (f'<d:multistatus xmlns:d="{DAV}" xmlns:c="{CALDAV}" '
                                 f'xmlns:cs="{CALENDARSERVER}">').encode()]
    size = 0
    for node in chain(responses, tail):
        fragment = node.encode() if isinstance(node, str) else _fragment(node)
        pending.append(fragment)
        size += len(fragment)
        if size >= CHUNK_BYTES:
            yield b"".join(pending)
            pending, size = [], 0
    pending.append(b"</d:multistatus>")
    yield b"".join(pending)


def _fragment(node: Element) -> bytes:
    """``node`` serialised under the multistatus element's prefixes. Written here rather
    than by ``ElementTree.tostring``, which re-declares every namespace of every fragment
    and cost most of a listing's time; an element in another namespace (a property a
    client asked for that no node has) declares its own."""
    out: list[str] = []
    _write(node, out)
    return "".join(out).encode()


def text_element(tag: str, text: str | None = None) -> str:
    """One element holding only text (or nothing), written as the multistatus writes it:
    for the answers a listing writes by the thousand without building a tree."""
    name, declaration = _qualified(tag)
    if text is None:
        return f"<{name}{declaration}/>"
    return f"<{name}{declaration}>{_escaped(text)}</{name}>"


def _write(node: Element, out: list[str]) -> None:
    name, declaration = _qualified(node.tag)
    attributes = "".join(f' {key}="{_escaped(value, True)}"' for key, value in node.items())
    out.append(f"<{name}{declaration}{attributes}")
    if node.text is None and not len(node):
        out.append("/>")
        return
    out.append(">")
    if node.text is not None:
        out.append(_escaped(node.text))
    for child_node in node:
        _write(child_node, out)
    out.append(f"</{name}>")


def _qualified(tag: str) -> tuple[str, str]:
    """The element's name with its prefix, and the declaration an unknown namespace needs."""
    if not tag.startswith("{"):
        return tag, ""
    namespace, local = tag[1:].split("}", 1)
    prefix = PREFIXES.get(namespace)
    if prefix is not None:
        return f"{prefix}:{local}", ""
    return f"x:{local}", f' xmlns:x="{_escaped(namespace, True)}"'


def _escaped(text: str, attribute: bool = False) -> str:
    """Text as XML character data; a carriage return as a character reference, since an
    XML parser turns a literal CR LF into LF (XML 1.0 2.11) and iCalendar's lines end in
    CR LF. What XML cannot carry (a control character the JSON API let into a title)
    becomes U+FFFD: one task must not make a whole report malformed."""
    if not attribute and len(text) > LONG_TEXT:
        return _escaped_object(text)
    return _escape(text, attribute)


# An object's text (calendar-data) is long, and the same objects are listed at every sync:
# their escaped text is kept, as the objects themselves are (objects.SERVED).
LONG_TEXT = 256


@lru_cache(maxsize=4096)
def _escaped_object(text: str) -> str:
    return _escape(text, False)


def _escape(text: str, attribute: bool) -> str:
    text = NOT_XML_CHARACTER.sub("\ufffd", text)
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    if attribute:
        text = text.replace('"', "&quot;").replace("\n", "&#10;").replace("\t", "&#9;")
    return text.replace("\r", "&#13;")
