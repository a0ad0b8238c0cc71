"""Reading an OpenAPI document as a client generator does: operations, $refs, examples."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from openapi_schema_validator import OAS30Validator

METHODS = ("get", "put", "post", "delete", "patch", "head", "options", "trace")


def operations(document: dict) -> Iterator[tuple[str, str, dict]]:
    """(path, method, operation) of every operation."""
    for path, item in document["paths"].items():
        for method, operation in item.items():
            if method in METHODS:
                yield path, method, operation


def resolve(document: dict, node: dict) -> dict:
    """``node``, or what its ``$ref`` points to (a local reference)."""
    while "$ref" in node:
        target: Any = document
        for part in node["$ref"].removeprefix("#/").split("/"):
            target = target[part]
        node = target
    return node


def walk(node: Any, where: tuple[str, ...] = ()) -> Iterator[tuple[tuple[str, ...], Any]]:
    """Every (path of keys, value) below ``node``, ``node`` included."""
    yield where, node
    if isinstance(node, dict):
        for key, value in node.items():
            yield from walk(value, (*where, key))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from walk(value, (*where, str(index)))


def refs(node: Any) -> set[str]:
    """The component names ``node`` refers to, anywhere inside it."""
    return {value.rsplit("/", 1)[1] for where, value in walk(node)
            if where and where[-1] == "$ref"}


def validate_example(document: dict, schema: dict, example: Any) -> None:
    """Raises unless ``example`` is valid for ``schema`` (whose $refs point into ``document``)."""
    root = {**schema, "components": document["components"]}
    OAS30Validator(root).validate(example)
