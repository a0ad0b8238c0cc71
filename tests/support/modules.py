"""The modules of the service's source and what each imports of it, read from their AST.

Read from the files, not by importing them: a module that cannot be imported (an import
cycle) must still be listed and its imports still seen. Every import counts, wherever it
stands (inside a function, an ``includeme``, an ``if TYPE_CHECKING:``): a deferred import
hides a cycle at import time but is a dependency all the same.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from pathlib import Path

from tests.support.constants import ROOT

PACKAGE = "taskservice"
SOURCE = ROOT / "src" / PACKAGE


@dataclass(frozen=True)
class Module:
    """One module of the source: its dotted name and its file."""

    name: str
    path: Path

    @property
    def is_package(self) -> bool:
        return self.path.name == "__init__.py"


@dataclass(frozen=True)
class Import:
    """``module`` imports ``target`` (a dotted name inside the package) at ``line``."""

    module: str
    target: str
    line: int


def source_modules(source: Path = SOURCE) -> list[Module]:
    """Every module under ``source`` (a package directory), sorted by name."""
    found = []
    for path in source.rglob("*.py"):
        parts = [source.name, *path.relative_to(source).with_suffix("").parts]
        if parts[-1] == "__init__":
            parts.pop()
        found.append(Module(".".join(parts), path))
    return sorted(found, key=lambda module: module.name)


def _absolute(module: Module, node: ast.ImportFrom) -> str:
    """The dotted name ``from <node.module> import ...`` reads from, made absolute."""
    if not node.level:
        return node.module or ""
    base = module.name.split(".")
    if not module.is_package:
        base.pop()
    base = base[: len(base) - (node.level - 1)]
    return ".".join(base + ([node.module] if node.module else []))


def _targets(module: Module, node: ast.AST) -> list[str]:
    """What an import statement names; ``from taskservice import db`` names ``taskservice.db``."""
    if isinstance(node, ast.Import):
        return [alias.name for alias in node.names]
    if isinstance(node, ast.ImportFrom):
        target = _absolute(module, node)
        if target == PACKAGE:  # a submodule, or a name of the app factory's
            return [_submodule_or_package(alias.name) for alias in node.names]
        return [target]
    return []


def _submodule_or_package(name: str) -> str:
    if (SOURCE / name).is_dir() or (SOURCE / f"{name}.py").is_file():
        return f"{PACKAGE}.{name}"
    return PACKAGE


def imports_of(module: Module) -> list[Import]:
    """Every import of ``module`` that names something of the package."""
    tree = ast.parse(module.path.read_text(), str(module.path))
    return [
        Import(module.name, target, node.lineno)
        for node in ast.walk(tree)
        for target in _targets(module, node)
        if target == PACKAGE or target.startswith(PACKAGE + ".")
    ]


def package_of(name: str) -> str:
    """The first component under the package (``taskservice.tasks.views``: ``tasks``;
    ``taskservice.sharing``: ``sharing``); the package itself for its ``__init__``."""
    parts = name.split(".")
    return parts[1] if len(parts) > 1 else parts[0]
