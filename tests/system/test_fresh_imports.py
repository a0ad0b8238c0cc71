"""Every module of src/taskservice imports first, in an interpreter that has none of them.

An import cycle shows only in the order it is entered: ``import taskservice.sharing``
first fails with "cannot import name ... from partially initialized module" where the
app factory's order succeeds. So each module is imported on its own, by a child process
that forgets every ``taskservice`` module before the next import. What a child keeps
loaded (Pyramid, SQLAlchemy, ...) never imports ``taskservice``, so each import starts
exactly as in a fresh interpreter, without paying for a new one per module; the modules
are shared out between one child per core.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

from tests.support.constants import ROOT
from tests.support.modules import PACKAGE, source_modules

# Run by the child: argv[1:] are the modules; prints {module: error} as JSON.
IMPORT_EACH_FIRST = """
import importlib, json, sys
failures = {}
for name in sys.argv[1:]:
    for loaded in [m for m in sys.modules if m == PACKAGE or m.startswith(PACKAGE + ".")]:
        del sys.modules[loaded]
    try:
        importlib.import_module(name)
    except Exception as error:
        failures[name] = f"{type(error).__name__}: {error}"
print(json.dumps(failures))
""".replace("PACKAGE", repr(PACKAGE))
CHILDREN = os.cpu_count() or 1


def import_each_first(names: list[str]) -> dict[str, str]:
    """What importing each of ``names`` first raises, by module; ``{}`` if nothing."""
    shares = [names[start::CHILDREN] for start in range(CHILDREN) if names[start::CHILDREN]]
    children = [
        subprocess.Popen([sys.executable, "-c", IMPORT_EACH_FIRST, *share], cwd=ROOT,
                         stdout=subprocess.PIPE, text=True)
        for share in shares
    ]
    failures: dict[str, str] = {}
    for child in children:
        output, _ = child.communicate(timeout=120)
        assert child.returncode == 0, f"the importing process failed: {child.args[3:]}"
        failures.update(json.loads(output))
    return failures


def test_every_module_imports_first_in_a_fresh_interpreter():
    names = [module.name for module in source_modules()]
    assert len(names) > 100  # the whole source, not a folder of it
    failures = import_each_first(names)
    assert not failures, "modules that fail to import first:\n" + "\n".join(
        f"  {name}: {error}" for name, error in sorted(failures.items()))


def test_a_module_that_cannot_import_first_is_reported():
    failures = import_each_first(["taskservice.vocabulary", "taskservice.no_such_module"])
    assert list(failures) == ["taskservice.no_such_module"]
    assert failures["taskservice.no_such_module"].startswith("ModuleNotFoundError")
