"""An ini file for ``taskservice-admin``, as an operator would write one."""

from __future__ import annotations

from pathlib import Path

from tests.support.constants import TEST_SETTINGS


def write_ini(path: Path, url: str, **extra: str) -> Path:
    """``[app:main]`` on ``url`` with cheap hashing and ``extra`` settings, at ``path``.

    The command bootstraps from this file exactly as from production.ini, so what the
    tests exercise is the real start-up, not a shortcut around it.
    """
    settings = {"sqlalchemy.url": url, **TEST_SETTINGS, **extra}
    lines = ["[app:main]", "use = egg:taskservice"] + [f"{k} = {v}" for k, v in settings.items()]
    path.write_text("\n".join(lines) + "\n")
    return path
