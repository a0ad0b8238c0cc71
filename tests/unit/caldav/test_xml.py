"""The multistatus writer: what it writes parses back to the same tree, CR LF included."""

from __future__ import annotations

from xml.etree.ElementTree import Element, SubElement, fromstring

import pytest

from taskservice.caldav.xml import MalformedXML, caldav, dav, parse, streamed_multistatus

APPLE = "http://apple.com/ns/ical/"


def written(*nodes: Element) -> Element:
    return fromstring(b"".join(streamed_multistatus(nodes)))


def test_a_response_parses_back_with_its_names_attributes_and_text():
    response = Element(dav("response"))
    SubElement(response, dav("href")).text = "/dav/calendars/a&b/<x>.ics"
    comp = SubElement(SubElement(response, caldav("supported-calendar-component-set")),
                      caldav("comp"))
    comp.set("name", 'V"TODO')
    SubElement(response, f"{{{APPLE}}}calendar-color")
    [back] = written(response)
    assert back.findtext(dav("href")) == "/dav/calendars/a&b/<x>.ics"
    assert back.find(f"{caldav('supported-calendar-component-set')}/{caldav('comp')}"
                     ).get("name") == 'V"TODO'
    assert back.find(f"{{{APPLE}}}calendar-color") is not None


def test_calendar_data_keeps_its_carriage_returns():
    """An XML parser turns a literal CR LF into LF: iCalendar's line ends must survive."""
    data = Element(caldav("calendar-data"))
    data.text = "BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n"
    [back] = written(data)
    assert back.text == "BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n"


@pytest.mark.parametrize("body", [
    b'<?xml version="1.0"?><!DOCTYPE d [<!ENTITY a "x">]><d:propfind xmlns:d="DAV:"/>',
    b"<d:propfind xmlns:d='DAV:'><d:prop>",
    b'<?xml version="1.0" encoding="bogus"?><a/>',
])
def test_a_body_with_a_dtd_or_malformed_is_refused(body):
    with pytest.raises(MalformedXML):
        parse(body)
