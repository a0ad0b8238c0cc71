"""An object's content lines (``caldav.vtodo_lines``): kept as sent, folding included, and
a structure that is no iCalendar refused with where it goes wrong."""

from __future__ import annotations

import pytest

from taskservice.caldav.vtodo_lines import MalformedCalendar, fold, parse

TEXT = ("BEGIN:VCALENDAR\r\nBEGIN:VTODO\r\nX-LONG;X-P=\"a:b\":one\r\n two\r\n"
        "SUMMARY:x\r\nEND:VTODO\r\nEND:VCALENDAR\r\n")


def test_lines_are_kept_as_sent_and_read_unfolded():
    root = parse(TEXT)
    assert root.text() == TEXT
    line = next(next(root.blocks("VTODO")).lines())
    assert (line.name, line.value, line.unfolded) == ("X-LONG", "onetwo",
                                                      'X-LONG;X-P="a:b":onetwo')


def test_bare_line_feeds_are_read_and_written_as_crlf():
    assert parse(TEXT.replace("\r\n", "\n")).text() == TEXT


@pytest.mark.parametrize(("text", "where"), [
    ("BEGIN:VCALENDAR\r\nnot a line\r\nEND:VCALENDAR\r\n", "Line 2"),
    ("BEGIN:VCALENDAR\r\nBEGIN:VTODO\r\nEND:VCALENDAR\r\n", "Line 3"),
    ("SUMMARY:x\r\n", "Line 1"),
    ("BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\nBEGIN:VCALENDAR\r\n", "Line 3"),
    ("BEGIN:VCALENDAR\r\n", "ends before END:VCALENDAR"),
    ("", "ends before END:VCALENDAR"),
])
def test_a_structure_that_is_no_icalendar_says_where(text, where):
    with pytest.raises(MalformedCalendar, match=where):
        parse(text)


@pytest.mark.parametrize("text", ["a" * 200, "é" * 100, "x" + "😀" * 40])
def test_fold_keeps_lines_within_75_octets_and_characters_whole(text):
    folded = fold(f"SUMMARY:{text}")
    physical = folded.split("\r\n")
    assert all(len(line.encode()) <= 75 for line in physical)
    assert len(physical) > 1
    assert "".join(line[1:] if n else line for n, line in enumerate(physical)) == (
        f"SUMMARY:{text}")
