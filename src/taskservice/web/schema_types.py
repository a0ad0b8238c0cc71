"""Strict Colander types: JSON types are checked, never coerced.

Colander's own types are lenient (``"nope"`` becomes ``True``, ``"12"`` becomes ``12``,
``""`` becomes missing); the contract wants a string where a boolean is expected to be a
400. Query-string types parse the text forms a URL can carry, and nothing else.
"""

from __future__ import annotations

import re
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime
from typing import Any

import colander

from ..dates.zones import EARLIEST_DAY
from ..vocabulary import ID_PATTERN, READ_ONLY_FIELDS

ID = re.compile(ID_PATTERN)  # used with fullmatch: no trailing newline


# Checks of a whole object: given the fields that are valid and the names of those that
# are not, the errors by field name of what no one field shows (two that conflict).
WholeCheck = Callable[[dict[str, Any], frozenset[str]], dict[str, str]]


def _field_error(name: str, reason: str) -> colander.Invalid:
    return colander.Invalid(colander.SchemaNode(colander.String(), name=name), reason)


class StrictMapping(colander.Mapping):
    """A JSON object whose unknown keys are each reported by name.

    ``Mapping(unknown="raise")`` reports them as one error on the whole body that echoes
    the payload back; this names each offending key as its own error instead.
    ``together`` are groups of optional keys sent all or none (a password change's
    current and new password), and ``whole`` checks fields against each other: their
    errors are listed with the others (a Colander validator only runs once the rest is
    valid, and the contract lists every failing field).
    """

    def __init__(self, together: tuple[tuple[str, ...], ...] = (),
                 read_only: frozenset[str] = READ_ONLY_FIELDS,
                 whole: WholeCheck | None = None) -> None:
        super().__init__(unknown="ignore")
        self.together = together
        self.read_only = read_only
        self.whole = whole

    def deserialize(self, node: colander.SchemaNode, cstruct: Any) -> Any:
        if cstruct is colander.null:
            return colander.null
        if not isinstance(cstruct, dict):
            raise colander.Invalid(node, "Must be a JSON object")
        error, result = None, None
        try:
            result = super().deserialize(node, cstruct)
        except colander.Invalid as invalid:
            error = invalid
        problems = [*self._unknown_keys(node, cstruct), *self._incomplete_groups(cstruct),
                    *self._conflicting(node, cstruct, result, error)]
        if problems:
            error = error or colander.Invalid(node)
            for problem in problems:
                error.add(problem)
        if error is not None:  # every failing field at once: unknown ones and invalid ones
            raise error
        return result

    def _unknown_keys(self, node: colander.SchemaNode, cstruct: dict[str, Any]
                 ) -> Iterator[colander.Invalid]:
        known = {child.name for child in node.children}
        for key in (k for k in cstruct if k not in known):
            yield _field_error(str(key), "Read-only field" if key in self.read_only
                               else "Unknown field")

    def _incomplete_groups(self, cstruct: dict[str, Any]) -> Iterator[colander.Invalid]:
        for group in self.together:
            sent = [name for name in group if name in cstruct]
            for name in (name for name in group if sent and name not in cstruct):
                yield _field_error(name, f"Required with {', '.join(sent)}")

    def _conflicting(self, node: colander.SchemaNode, cstruct: dict[str, Any], result: Any,
                   error: colander.Invalid | None) -> Iterator[colander.Invalid]:
        if self.whole is None:
            return
        failed = frozenset(name.partition(".")[0] for name in error.asdict()) if error else (
            frozenset())
        values = result if error is None else _valid_children(node, cstruct)
        for name, reason in self.whole(values, failed).items():
            yield _field_error(name, reason)


def _valid_children(node: colander.SchemaNode, cstruct: dict[str, Any]) -> dict[str, Any]:
    """The fields of ``cstruct`` that are valid on their own, deserialized (error path)."""
    values = {}
    for child in node.children:
        try:
            value = child.deserialize(cstruct.get(child.name, colander.null))
        except colander.Invalid:
            continue
        if value is not colander.drop:
            values[child.name] = value
    return values


def _reject_unstorable(node: colander.SchemaNode, value: str) -> None:
    """Refuse what no database stores: NUL, and lone UTF-16 surrogates (``"\\ud800"``).

    JSON may escape half a surrogate pair, and Python decodes it into a string that has
    no UTF-8 form, so it would only fail when the database driver encodes it.
    """
    if "\x00" in value:
        raise colander.Invalid(node, "Must not contain NUL characters")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise colander.Invalid(
            node, "Must be valid Unicode: a lone UTF-16 surrogate (half a pair) is not"
        ) from None


class ScalarType(colander.SchemaType, ABC):
    """A value checked as it is: a missing one stays missing, a present one is ``check``ed.

    Serialising hands the value back: responses are built by the representations, never
    by Colander.
    """

    def serialize(self, node: colander.SchemaNode, appstruct: Any) -> Any:
        return appstruct

    def deserialize(self, node: colander.SchemaNode, cstruct: Any) -> Any:
        if cstruct is colander.null:
            return colander.null
        return self.check(node, cstruct)

    @abstractmethod
    def check(self, node: colander.SchemaNode, cstruct: Any) -> Any:
        """The value, deserialised; ``colander.Invalid`` when it is not acceptable."""


class StrictString(ScalarType):
    """A JSON string; ``""`` stays ``""``; NUL and lone surrogates are refused."""

    def check(self, node: colander.SchemaNode, cstruct: Any) -> Any:
        if not isinstance(cstruct, str):
            raise colander.Invalid(node, "Must be a string")
        _reject_unstorable(node, cstruct)
        return cstruct


class AnyJson(ScalarType):
    """Any JSON value, handed on as it is: a batch sub-request's body, which the endpoint
    it is sent to validates as it would a direct request's."""

    def check(self, node: colander.SchemaNode, cstruct: Any) -> Any:
        return cstruct


class StrictId(ScalarType):
    """An id as the API writes them, a string of digits, given as its number; or ``null``
    when ``nullable``. The same in a body and in a query string."""

    def __init__(self, nullable: bool = False) -> None:
        self.nullable = nullable

    def check(self, node: colander.SchemaNode, cstruct: Any) -> Any:
        if cstruct is None and self.nullable:
            return None
        if not isinstance(cstruct, str) or not ID.fullmatch(cstruct):
            raise colander.Invalid(
                node, "Must be an id: a string of up to 18 digits, not starting with 0"
            )
        return int(cstruct)


class StrictBoolean(ScalarType):
    """A JSON ``true`` or ``false``."""

    def check(self, node: colander.SchemaNode, cstruct: Any) -> Any:
        if not isinstance(cstruct, bool):
            raise colander.Invalid(node, "Must be true or false")
        return cstruct


class StrictInteger(ScalarType):
    """A JSON whole number (``true`` and ``1.0`` are not); or ``null`` when ``nullable``."""

    def __init__(self, nullable: bool = False) -> None:
        self.nullable = nullable

    def check(self, node: colander.SchemaNode, cstruct: Any) -> Any:
        if cstruct is None and self.nullable:
            return None
        if not isinstance(cstruct, int) or isinstance(cstruct, bool):
            raise colander.Invalid(node, "Must be a whole number")
        return cstruct


def parse_datetime(node: colander.SchemaNode, text: Any) -> datetime:
    """An RFC 3339 date-time with an offset, converted to UTC."""
    if not isinstance(text, str):
        raise colander.Invalid(node, "Must be an RFC 3339 date-time string")
    _reject_unstorable(node, text)
    if not re.match(r"^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}", text):
        raise colander.Invalid(node, "Must be an RFC 3339 date-time such as 2030-01-31T09:00:00Z")
    try:
        value = datetime.fromisoformat(text.upper())
    except ValueError:
        raise colander.Invalid(
            node, "Must be an RFC 3339 date-time such as 2030-01-31T09:00:00Z"
        ) from None
    if value.tzinfo is None:
        raise colander.Invalid(node, "Must include a UTC offset, such as Z or +02:00")
    try:
        return value.astimezone(UTC)
    except OverflowError:
        raise colander.Invalid(node, "Is out of the supported date range") from None


class StrictDateTime(ScalarType):
    """An RFC 3339 date-time string with an offset, or ``null`` when ``nullable``."""

    def __init__(self, nullable: bool = False) -> None:
        self.nullable = nullable

    def check(self, node: colander.SchemaNode, cstruct: Any) -> Any:
        if cstruct is None and self.nullable:
            return None
        return parse_datetime(node, cstruct)


DATE_FORM = re.compile(r"\A[0-9]{4}-[0-9]{2}-[0-9]{2}\Z")


def parse_date(node: colander.SchemaNode, text: Any) -> date:
    """A calendar date ``YYYY-MM-DD`` that exists (``2031-02-30`` does not)."""
    if not isinstance(text, str) or not DATE_FORM.match(text):
        raise colander.Invalid(node, "Must be a date YYYY-MM-DD, such as 2030-01-31")
    try:
        day = date.fromisoformat(text)
    except ValueError:
        raise colander.Invalid(node, f"{text} is not a date of the calendar") from None
    if day < EARLIEST_DAY:
        raise colander.Invalid(node, f"Must be {EARLIEST_DAY.isoformat()} or later")
    return day


class StrictDate(ScalarType):
    """A ``YYYY-MM-DD`` date string, or ``null`` when ``nullable``."""

    def __init__(self, nullable: bool = False) -> None:
        self.nullable = nullable

    def check(self, node: colander.SchemaNode, cstruct: Any) -> Any:
        if cstruct is None and self.nullable:
            return None
        return parse_date(node, cstruct)


class QueryDateOrDateTime(ScalarType):
    """A date (``2030-01-31``) or an RFC 3339 date-time in a query string."""

    def check(self, node: colander.SchemaNode, cstruct: Any) -> Any:
        if isinstance(cstruct, str) and DATE_FORM.match(cstruct):
            return parse_date(node, cstruct)
        return parse_datetime(node, cstruct)


class QueryBoolean(ScalarType):
    """``true`` or ``false`` in a query string."""

    def check(self, node: colander.SchemaNode, cstruct: Any) -> Any:
        if cstruct not in ("true", "false"):
            raise colander.Invalid(node, "Must be true or false")
        return cstruct == "true"


class QueryInteger(ScalarType):
    """A whole number written in decimal digits in a query string."""

    def check(self, node: colander.SchemaNode, cstruct: Any) -> Any:
        if not isinstance(cstruct, str) or not re.fullmatch(r"-?[0-9]{1,9}", cstruct):
            raise colander.Invalid(node, "Must be a whole number")
        return int(cstruct)


class QueryDateTime(ScalarType):
    """An RFC 3339 date-time in a query string (``+`` must be sent as ``%2B``)."""

    def check(self, node: colander.SchemaNode, cstruct: Any) -> Any:
        return parse_datetime(node, cstruct)


class WholeMapping(StrictMapping):
    """A JSON object (or ``null`` when ``nullable``) whose errors are the field's own.

    For a value that is one thing to the client, such as a task's ``recurrence``: what
    is wrong inside it is reported under its name, in one sentence, as the contract's
    "a 400 naming ``recurrence``" asks.
    """

    def __init__(self, nullable: bool = False, read_only: frozenset[str] = frozenset()) -> None:
        super().__init__(read_only=read_only)
        self.nullable = nullable

    def deserialize(self, node: colander.SchemaNode, cstruct: Any) -> Any:
        if cstruct is None and self.nullable:
            return None
        try:
            return super().deserialize(node, cstruct)
        except colander.Invalid as invalid:
            reasons = [f"{name.rpartition('.')[2]}: {reason}" if name != node.name
                       else reason for name, reason in invalid.asdict().items()]
            raise colander.Invalid(node, "; ".join(reasons)) from None


class StrictSequence(colander.Sequence):
    """A JSON array; a string is not a list of characters; ``null`` when ``nullable``."""

    def __init__(self, nullable: bool = False) -> None:
        super().__init__()
        self.nullable = nullable

    def deserialize(self, node: colander.SchemaNode, cstruct: Any) -> Any:
        if cstruct is None and self.nullable:
            return None
        return super().deserialize(node, cstruct)

    def _validate(self, node: colander.SchemaNode, value: Any, accept_scalar: bool) -> list[Any]:
        if not isinstance(value, list):
            raise colander.Invalid(node, "Must be a list")
        return value


class WholeSequence(StrictSequence):
    """A JSON array whose errors are the field's own, each item's prefixed by its place.

    For a list that is one field to the client, such as a task's ``reminders``: "a 400
    naming ``reminders``", whichever item is wrong.
    """

    def deserialize(self, node: colander.SchemaNode, cstruct: Any) -> Any:
        try:
            return super().deserialize(node, cstruct)
        except colander.Invalid as invalid:
            reasons = [reason if name == node.name else f"{_item_label(name)}: {reason}"
                       for name, reason in invalid.asdict().items()]
            raise colander.Invalid(node, "; ".join(reasons)) from None


class UnlessNull:
    """Mixin for a Colander validator: ``null`` (where the type allows it) passes."""

    def __call__(self, node: colander.SchemaNode, value: Any) -> None:
        if value is not None:
            super().__call__(node, value)  # type: ignore[misc]


class NullableRange(UnlessNull, colander.Range):
    """``colander.Range``, letting ``null`` through."""


class NullableLength(UnlessNull, colander.Length):
    """``colander.Length``, letting ``null`` through."""


def _item_label(name: str) -> str:
    """``reminders.0`` -> ``item 1``: an item's place as a person counts."""
    last = name.rpartition(".")[2]
    return f"item {int(last) + 1}" if last.isdigit() else last


class QueryList(colander.Sequence):
    """A repeatable query parameter: ``?tag=a`` and ``?tag=a&tag=b`` both give a list."""

    def _validate(self, node: colander.SchemaNode, value: Any, accept_scalar: bool) -> list[Any]:
        return value if isinstance(value, list) else [value]

    def deserialize(self, node: colander.SchemaNode, cstruct: Any) -> Any:
        """A bad value is reported under the parameter's own name (``tag``, not ``tag.1``)."""
        try:
            return super().deserialize(node, cstruct)
        except colander.Invalid as error:
            messages = [m for child in error.children for m in child.messages()]
            raise colander.Invalid(node, "; ".join(messages or error.messages())) from None
