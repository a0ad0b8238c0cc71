"""Reading an OpenAPI document as a client generator does."""

from __future__ import annotations

from collections.abc import Iterator

METHODS = ("get", "put", "post", "delete", "patch", "head", "options", "trace")


def operations(document: dict) -> Iterator[tuple[str, str, dict]]:
    """(path, method, operation) of every operation."""
    for path, item in document["paths"].items():
        for method, operation in item.items():
            if method in METHODS:
                yield path, method, operation
