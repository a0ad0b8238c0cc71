"""Colander schema nodes as OpenAPI 3.0 schema objects.

The same nodes validate requests, so the document says what the service enforces. A
node type with no translation here is an error at start-up rather than a silently vague
document. A custom validator function may carry a ``json_schema`` dict saying what it
enforces; one without is left out (the document is then looser than the service, which
answers 400, never stricter).

Names come from the nodes too: a node built with ``schema_name="TaskCreate"`` is the
component ``TaskCreate`` and a ``$ref`` wherever it is used, a ``OneOf`` is the enum
component of its choices (enums.py), and a node's ``example`` is checked against the
node itself at start-up, so no example in the document is one the service refuses.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import colander

from ..vocabulary import ID_PATTERN
from ..web.schema_types import (
    AnyJson,
    QueryBoolean,
    QueryDateOrDateTime,
    QueryDateTime,
    QueryInteger,
    QueryList,
    StrictBoolean,
    StrictDate,
    StrictDateTime,
    StrictId,
    StrictInteger,
    StrictMapping,
    StrictString,
)
from .components import Schemas, with_siblings
from .enums import enum_ref
from .response_schemas import anchored

NO_NUL = "^[^\\x00]*$"  # StrictString refuses NUL characters
DATE_TIME = {"type": "string", "format": "date-time"}
DATE = {"type": "string", "format": "date"}
# A due_before/due_after bound: OpenAPI 3.0 has no "either format" for one string.
DATE_OR_DATE_TIME = {"type": "string", "pattern": "^[0-9]{4}-[0-9]{2}-[0-9]{2}([Tt ].+)?$"}


def _mapping(node: colander.SchemaNode, schemas: Schemas) -> dict[str, Any]:
    """An object; StrictMapping and ``unknown="raise"`` reject unknown keys."""
    schema: dict[str, Any] = {
        "type": "object",
        "properties": {child.name: node_schema(child, schemas) for child in node.children},
    }
    required = [child.name for child in node.children if child.required]
    if required:
        schema["required"] = required
    if isinstance(node.typ, StrictMapping) or node.typ.unknown == "raise":
        schema["additionalProperties"] = False
    return _nullable(node, schema)


def _nullable(node: colander.SchemaNode, schema: dict[str, Any]) -> dict[str, Any]:
    """``schema``, allowing ``null`` when the node's type accepts it."""
    return {**schema, "nullable": True} if getattr(node.typ, "nullable", False) else schema


def _sequence(node: colander.SchemaNode, schemas: Schemas) -> dict[str, Any]:
    return _nullable(node, {"type": "array", "items": node_schema(node.children[0], schemas)})


def _integer(node: colander.SchemaNode, schemas: Schemas) -> dict[str, Any]:
    return _nullable(node, {"type": "integer"})


def _date_time(node: colander.SchemaNode, schemas: Schemas) -> dict[str, Any]:
    return _nullable(node, dict(DATE_TIME))


def _date(node: colander.SchemaNode, schemas: Schemas) -> dict[str, Any]:
    return _nullable(node, dict(DATE))


def _id(node: colander.SchemaNode, schemas: Schemas) -> dict[str, Any]:
    return _nullable(node, {"type": "string", "pattern": anchored(ID_PATTERN)})


Translation = Callable[[colander.SchemaNode, Schemas], dict[str, Any]]


def _fixed(schema: dict[str, Any]) -> Translation:
    """A type whose schema is the same for every node."""
    return lambda node, schemas: dict(schema)


# Most specific first: the first isinstance match wins.
TYPES: tuple[tuple[type | tuple[type, ...], Translation], ...] = (
    (colander.Mapping, _mapping),
    (QueryList, _sequence),
    (StrictId, _id),
    (colander.Sequence, _sequence),
    (StrictString, _fixed({"type": "string", "pattern": NO_NUL})),
    (colander.String, _fixed({"type": "string"})),
    ((StrictBoolean, QueryBoolean, colander.Boolean), _fixed({"type": "boolean"})),
    ((StrictInteger, QueryInteger, colander.Integer), _integer),
    (colander.Float, _fixed({"type": "number"})),
    (AnyJson, _fixed({"nullable": True, "description": "Any JSON value"})),
    ((StrictDateTime, QueryDateTime, colander.DateTime), _date_time),
    ((StrictDate, colander.Date), _date),
    (QueryDateOrDateTime, _fixed(DATE_OR_DATE_TIME)),
)


def _type_schema(node: colander.SchemaNode, schemas: Schemas) -> dict[str, Any]:
    for kind, translate in TYPES:
        if isinstance(node.typ, kind):
            return translate(node, schemas)
    raise TypeError(f"no OpenAPI translation for Colander type {type(node.typ).__name__} "
                    f"(node {node.name!r}); add one to taskservice.openapi.nodes.TYPES")


def _validators(validator: Any) -> Iterator[Any]:
    """The individual validators of a node, with ``colander.All`` flattened."""
    if validator is None:
        return
    if isinstance(validator, colander.deferred):
        raise ValueError("bind the schema (schema.bind(settings=...)) before describing it")
    if isinstance(validator, colander.All):
        for inner in validator.validators:
            yield from _validators(inner)
        return
    yield validator


def _length(validator: colander.Length, schema: dict[str, Any]) -> dict[str, Any]:
    prefix = "Items" if schema.get("type") == "array" else "Length"
    bounds = {f"min{prefix}": validator.min, f"max{prefix}": validator.max}
    return {key: value for key, value in bounds.items() if value is not None}


def _range(validator: colander.Range, schema: dict[str, Any]) -> dict[str, Any]:
    bounds = {"minimum": validator.min, "maximum": validator.max}
    return {key: value for key, value in bounds.items() if value is not None}


def ecma_pattern(pattern: str) -> str:
    """A Python regex in the ECMA dialect OpenAPI uses: ``\\A``/``\\Z`` become ``^``/``$``."""
    return pattern.replace("\\A", "^").replace("\\Z", "$")


def _validator_schema(validator: Any, schema: dict[str, Any]) -> dict[str, Any]:
    """What one validator adds to the schema of its node."""
    if isinstance(validator, colander.Length):
        return _length(validator, schema)
    if isinstance(validator, colander.Range):
        return _range(validator, schema)
    if isinstance(validator, colander.OneOf):
        return {"enum": list(validator.choices)}  # named by enums.py in node_schema
    if isinstance(validator, colander.Regex):
        return {"pattern": ecma_pattern(validator.match_object.pattern)}
    return dict(getattr(validator, "json_schema", {}))


def _default(node: colander.SchemaNode, schema: dict[str, Any]) -> dict[str, Any]:
    """The value an absent field takes, when it is a plain JSON value the schema allows."""
    default = node.missing
    if default in (colander.required, colander.drop, colander.null):
        return {}
    if isinstance(default, colander.deferred):
        raise ValueError("bind the schema before describing it")
    if default is None and not schema.get("nullable"):
        return {}  # "absent means no filter", not a value a client could send
    return {"default": default}


def _annotations(node: colander.SchemaNode, schema: dict[str, Any]) -> dict[str, Any]:
    """What this use of the node adds to its type: a default and a description."""
    annotations = _default(node, schema)
    if node.description:
        annotations["description"] = str(node.description)
    return annotations


def _example(node: colander.SchemaNode) -> dict[str, Any]:
    """The node's ``example``, once the node itself has accepted it."""
    example = getattr(node, "example", None)
    if example is None:
        return {}
    try:
        node.deserialize(example)
    except colander.Invalid as error:
        raise ValueError(f"the example of {getattr(node, 'schema_name', node.name)!r} fails "
                         f"its own schema: {error.asdict()}") from None
    return {"example": example}


def _core_schema(node: colander.SchemaNode, schemas: Schemas) -> dict[str, Any]:
    """The node's type and what its validators enforce."""
    schema = _type_schema(node, schemas)
    for validator in _validators(node.validator):
        schema.update(_validator_schema(validator, schema))
    return schema


def node_schema(node: colander.SchemaNode, schemas: Schemas) -> dict[str, Any]:
    """The OpenAPI schema object of one bound Colander node; named ones as ``$ref``s.

    A named node's schema is added to ``schemas`` as a component.
    """
    core = _core_schema(node, schemas)
    annotations = _annotations(node, core)
    name = getattr(node, "schema_name", None)
    if name is not None:
        return with_siblings(schemas.add(name, {**core, **_example(node)}), annotations)
    if "enum" in core:  # the component holds the choices (its type is a string anyway)
        reference = enum_ref(core["enum"], f"node {node.name!r}", schemas.enums)
        return with_siblings(reference, annotations)
    return {**core, **annotations, **_example(node)}
