"""The packages of src/taskservice depend on each other in layers, and never in a cycle.

A package is the first component under ``taskservice`` (``sharing.py`` is the package
``sharing``). The layers, lowest first, are in ``LAYERS``: a package may import its own
layer's packages and those of the layers below, never one above, so the plumbing imports
no domain and a domain no consumer; and no two packages import each other, directly or
round a longer loop, whatever their layers. The entry points are above them all: the
app factory (``taskservice/__init__.py``), which includes each package, and the command
lines (``scripts``), which build the app. The graph is read from the AST
(tests/support/modules.py), so a deferred import counts as much as one at the top.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from itertools import pairwise
from pathlib import Path

import pytest

from tests.support.modules import PACKAGE, Import, imports_of, package_of, source_modules

LAYERS = {
    "plumbing": ("settings", "plugins", "vocabulary", "permissions", "traversal", "events", "db",
                 "web", "dates", "positions"),
    "domains": ("accounts", "tasks", "lists", "sharing", "reminders"),
    "consumers": ("changes", "webhooks", "batch", "idempotency", "metrics", "openapi", "ops",
                  "caldav"),
    # What starts the service: the app factory, the command lines, which build it, and
    # the server runner (serving.py), which loads it in each worker.
    "entry points": (PACKAGE, "scripts", "serving"),
}
RANK = {package: rank for rank, packages in enumerate(LAYERS.values()) for package in packages}
LAYER = {package: layer for layer, packages in LAYERS.items() for package in packages}

# package -> imported package -> the imports that make the arrow
Graph = Mapping[str, Mapping[str, list[Import]]]


def package_graph(source: Path | None = None) -> Graph:
    """Every arrow between two packages, with the imports behind it."""
    graph: dict[str, dict[str, list[Import]]] = defaultdict(lambda: defaultdict(list))
    modules = source_modules() if source is None else source_modules(source)
    for module in modules:
        for found in imports_of(module):
            importer, imported = package_of(found.module), package_of(found.target)
            if importer != imported:
                graph[importer][imported].append(found)
    return graph


def cycles(graph: Graph) -> list[list[str]]:
    """The strongly connected components of more than one package (Tarjan), sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found: list[list[str]] = []

    def visit(package: str) -> None:
        index[package] = low[package] = len(index)
        stack.append(package)
        for imported in graph.get(package, {}):
            if imported not in index:
                visit(imported)
                low[package] = min(low[package], low[imported])
            elif imported in stack:
                low[package] = min(low[package], index[imported])
        if low[package] == index[package]:
            component = []
            while True:
                member = stack.pop()
                component.append(member)
                if member == package:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for package in sorted(graph):
        if package not in index:
            visit(package)
    return sorted(found)


def shortest_loop(graph: Graph, start: str) -> list[str]:
    """The shortest way from ``start`` back to itself (breadth first), ``[]`` if none."""
    came_from: dict[str, str] = {}
    frontier = [start]
    while frontier:
        following = []
        for package in frontier:
            for imported in sorted(graph.get(package, {})):
                if imported == start:
                    path = [package]
                    while path[-1] != start:
                        path.append(came_from[path[-1]])
                    return [*reversed(path), start]
                if imported not in came_from:
                    came_from[imported] = package
                    following.append(imported)
        frontier = following
    return []


def describe(graph: Graph, arrows: Iterable[tuple[str, str]]) -> str:
    """One line per arrow, naming each importing module and line."""
    lines = []
    for importer, imported in sorted(arrows):
        where = sorted({f"{found.module}:{found.line}" for found in graph[importer][imported]})
        lines.append(f"  {importer} -> {imported}: {', '.join(where)}")
    return "\n".join(lines)


@pytest.fixture(scope="module")
def graph() -> Graph:
    return package_graph()


def test_every_package_has_a_layer():
    packages = {package_of(module.name) for module in source_modules()}
    assert packages - set(RANK) == set(), "put each new package in one of LAYERS"


def test_no_cycle_between_packages(graph):
    found = cycles(graph)
    loops = sorted({tuple(shortest_loop(graph, package)) for component in found
                    for package in component})
    arrows = {arrow for loop in loops for arrow in pairwise(loop)}
    assert not found, (
        "packages that import each other: " + "; ".join(" ".join(c) for c in found)
        + "\nthe shortest loop through each:\n"
        + "\n".join("  " + " -> ".join(loop) for loop in loops)
        + "\nthe imports on those loops:\n" + describe(graph, arrows)
    )


def test_no_package_imports_a_layer_above_its_own(graph):
    upward = [(importer, imported) for importer, targets in graph.items() for imported in targets
              if RANK.get(imported, 0) > RANK.get(importer, 0)]
    assert not upward, "imports of a higher layer:\n" + "\n".join(
        f"{describe(graph, [arrow])} ({LAYER.get(arrow[0])} -> {LAYER.get(arrow[1])})"
        for arrow in sorted(upward)
    )


# -- the checker itself --------------------------------------------------------------------


def write(root: Path, files: Mapping[str, str]) -> Path:
    """A package named like ours under ``root``, with ``files`` (path -> source)."""
    source = root / PACKAGE
    for name, text in files.items():
        path = source / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return source


def test_the_graph_sees_every_form_of_import(tmp_path):
    source = write(tmp_path, {
        "__init__.py": "from .settings import load\n",
        "settings.py": "",
        "tasks/__init__.py": "def includeme(config):\n    from ..changes import log\n",
        "tasks/views.py": "from .. import sharing\nfrom ..lists.models import TaskList\n",
        "lists/models.py": "import taskservice.db.base\n",
        "changes/log.py": "from taskservice.tasks import models\n",
        "sharing.py": "from typing import TYPE_CHECKING\n"
                      "if TYPE_CHECKING:\n    from .accounts import User\n",
    })
    arrows = {(a, b): [(i.module, i.line) for i in found]
              for a, targets in package_graph(source).items() for b, found in targets.items()}
    assert arrows == {
        (PACKAGE, "settings"): [(PACKAGE, 1)],
        ("tasks", "changes"): [("taskservice.tasks", 2)],
        ("tasks", "sharing"): [("taskservice.tasks.views", 1)],
        ("tasks", "lists"): [("taskservice.tasks.views", 2)],
        ("lists", "db"): [("taskservice.lists.models", 1)],
        ("changes", "tasks"): [("taskservice.changes.log", 1)],
        ("sharing", "accounts"): [("taskservice.sharing", 3)],
    }


def test_cycles_are_found_however_long():
    graph = {"a": {"b": []}, "b": {"c": []}, "c": {"a": []}, "d": {"e": []}, "e": {"d": []},
             "f": {"a": []}}
    assert cycles(graph) == [["a", "b", "c"], ["d", "e"]]
    assert cycles({"a": {"b": []}, "b": {}}) == []
    assert shortest_loop(graph, "a") == ["a", "b", "c", "a"]
    assert shortest_loop(graph, "f") == []
