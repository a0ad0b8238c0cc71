"""What an operation is called: its operationId, summary and tag.

Client generators name a function after the operationId (``create_task``, ``createTask``)
and document it with the summary, so both must be readable and each must be the
operation's own. They come from the view: its name in camelCase, the first line of its
docstring, and its domain (the package it lives in), unless the view's decorator says
otherwise with ``operation_id=``, ``summary=`` or ``tag=`` (web.services.DocumentedService),
as a view serving two routes must. A view with no summary stops start-up, and so do two
operations with the same id or the same summary, as an undocumented outcome does.
"""

from __future__ import annotations

import inspect
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from cornice import Service

PACKAGE = "taskservice"


@dataclass(frozen=True)
class Names:
    """The names of one operation, as the document and the generated clients show them."""

    operation_id: str
    summary: str
    tag: str


def camel_case(name: str) -> str:
    """``list_tasks`` -> ``listTasks``: the usual form of an operationId."""
    first, *rest = name.split("_")
    return first + "".join(word[:1].upper() + word[1:] for word in rest)


def docstring_summary(view: Any) -> str | None:
    """The first line of the view's docstring, without its full stop."""
    doc = inspect.getdoc(view)
    return doc.splitlines()[0].strip().rstrip(".") if doc else None


def domain(view: Any) -> str:
    """The package a view lives in (``taskservice.tasks.share_views``: ``tasks``)."""
    parts: list[str] = view.__module__.split(".")
    return parts[1] if parts[0] == PACKAGE and len(parts) > 1 else parts[0]


def names_of(service: Service, method: str, view: Any) -> Names:
    """The names of ``method`` on ``service``; a view without a summary stops start-up."""
    given: dict[str, Any] = getattr(service, "documented", {}).get(method, {})
    summary = given.get("summary") or docstring_summary(view)
    if not summary:
        raise LookupError(
            f"{method} {service.path} (view {view.__name__}) has no summary: give the view a "
            "docstring, or its decorator summary=..."
        )
    operation_id = given.get("operation_id") or camel_case(view.__name__)
    return Names(operation_id, summary, given.get("tag") or domain(view))


UNIQUE = {"operation_id": "an operationId", "summary": "a summary"}


def check_unique(operations: Iterable[tuple[str, Names]]) -> None:
    """Stop start-up when two operations share an operationId or a summary."""
    operations = list(operations)
    for field, what in UNIQUE.items():
        counts = Counter(getattr(names, field) for _, names in operations)
        clashes = [where for where, names in operations if counts[getattr(names, field)] > 1]
        if clashes:
            raise ValueError(
                f"these operations share {what}: {', '.join(clashes)}; give each its own "
                "with the view's decorator (operation_id=..., summary=...)"
            )
