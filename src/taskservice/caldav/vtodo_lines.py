"""An iCalendar object as its content lines (RFC 5545 §3.1), each kept as its client wrote it.

The service rewrites only the properties its tasks map (``vtodo``); every other line of a
client's object is returned byte for byte, folding included, so nothing it wrote is lost
to a round trip through a parser that would re-escape, re-quote or re-fold it. This module
reads the structure only (lines, names, BEGIN/END nesting); values are icalendar's.

The structure is checked here, before icalendar sees the text: lines that are no content
line, unbalanced BEGIN/END and components nested deeper than ``MAX_DEPTH`` are refused with
``MalformedCalendar``, so no parser recurses as deep as a client's text would make it.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field

# VCALENDAR > VTODO > VALARM, VCALENDAR > VTIMEZONE > STANDARD: no real object nests deeper.
MAX_DEPTH = 6
CRLF = "\r\n"
_NAME = re.compile(r"[A-Za-z0-9-]+(?=[;:])")
_BREAK = re.compile(r"\r\n|\n|\r")


class MalformedCalendar(ValueError):
    """Text that is not iCalendar's content lines; str() says what is wrong and where."""


@dataclass
class Line:
    """One content line: ``raw`` as sent (folded lines joined by CRLF, no final break)."""

    raw: str

    @property
    def unfolded(self) -> str:
        return re.sub(r"\r\n[ \t]", "", self.raw)

    @property
    def name(self) -> str:
        """The property's name, upper-cased (RFC 5545 names are case-insensitive)."""
        found = _NAME.match(self.unfolded)
        assert found is not None, "a Line is made from a content line"
        return found.group().upper()

    @property
    def value(self) -> str:
        """The text after the first colon that is outside a quoted parameter value."""
        text = self.unfolded
        quoted = False
        for position, character in enumerate(text):
            if character == '"':
                quoted = not quoted
            elif character == ":" and not quoted:
                return text[position + 1:]
        return ""


@dataclass
class Block:
    """A component: its BEGIN and END lines, and what is between, in order."""

    name: str
    begin: Line
    end: Line
    items: list[Line | Block] = field(default_factory=list)

    def lines(self) -> Iterator[Line]:
        """Its own properties (not its components')."""
        return (item for item in self.items if isinstance(item, Line))

    def blocks(self, name: str | None = None) -> Iterator[Block]:
        """Its components, or those named ``name``."""
        return (item for item in self.items if isinstance(item, Block)
                and (name is None or item.name == name))

    def has(self, name: str) -> bool:
        return any(line.name == name for line in self.lines())

    def text(self) -> str:
        """The component as iCalendar text, CRLF-terminated lines."""
        return CRLF.join(line.raw for line in self.walk()) + CRLF

    def walk(self) -> Iterator[Line]:
        """Every line of it, BEGIN and END included, in order."""
        yield self.begin
        for item in self.items:
            if isinstance(item, Line):
                yield item
            else:
                yield from item.walk()
        yield self.end


def parse(text: str) -> Block:
    """The one component ``text`` holds (a VCALENDAR, or any other), with its lines as sent
    (a byte order mark before it is no line)."""
    stack: list[Block] = []
    root: Block | None = None
    for number, line in _content_lines(text):
        if root is not None:
            raise MalformedCalendar(f"Line {number}: there is text after END:{root.name}; send "
                                    "one object")
        name = line.name
        if name in ("BEGIN", "END"):
            root = _nest(stack, line, number)
        elif not stack:
            raise MalformedCalendar(f"Line {number}: a property outside any component; the "
                                    "object must begin with BEGIN:VCALENDAR")
        else:
            stack[-1].items.append(line)
    if root is None:
        opened = stack[0].name if stack else "VCALENDAR"
        raise MalformedCalendar(f"The object ends before END:{opened}")
    return root


def _nest(stack: list[Block], line: Line, number: int) -> Block | None:
    """BEGIN opens a component, END closes the innermost; the closed root is returned."""
    component = line.value.strip().upper()
    if not _NAME.match(component + ":"):
        raise MalformedCalendar(f"Line {number}: {line.name} needs a component's name")
    if line.name == "BEGIN":
        if len(stack) >= MAX_DEPTH:
            raise MalformedCalendar(f"Line {number}: components are nested more than "
                                    f"{MAX_DEPTH} deep")
        stack.append(Block(component, line, line))
        return None
    if not stack or stack[-1].name != component:
        expected = f"END:{stack[-1].name}" if stack else "BEGIN:VCALENDAR"
        raise MalformedCalendar(f"Line {number}: END:{component} where {expected} was "
                                "expected")
    closed = stack.pop()
    closed.end = line
    if stack:
        stack[-1].items.append(closed)
        return None
    return closed


def _content_lines(text: str) -> Iterator[tuple[int, Line]]:
    """Each content line with the number of its first physical line; folded lines (those
    that begin with a space or a tab) joined; empty lines skipped."""
    physical = _BREAK.split(text.removeprefix("\ufeff"))
    current: list[str] = []
    start = 0
    for number, line in enumerate(physical, 1):
        if line[:1] in (" ", "\t") and current:
            current.append(line)
            continue
        if current:
            yield start, _line(current, start)
        current, start = ([line], number) if line else ([], number)
    if current:
        yield start, _line(current, start)


def _line(physical: list[str], number: int) -> Line:
    line = Line(CRLF.join(physical))
    if _NAME.match(line.unfolded) is None:
        raise MalformedCalendar(f"Line {number} is not a content line (NAME:value or "
                                f"NAME;PARAM=value:value): {physical[0][:40]!r}")
    return line


def fold(text: str) -> str:
    """A content line folded at 75 octets (RFC 5545 §3.1), never inside a character."""
    physical: list[str] = []
    current, size = "", 0
    for character in text:
        width = len(character.encode("utf-8"))
        if size + width > 75:
            physical.append(current)
            current, size = " ", 1
        current += character
        size += width
    physical.append(current)
    return CRLF.join(physical)
