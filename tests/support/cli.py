"""An ini file for ``taskservice-admin``, as an operator would write one."""

from __future__ import annotations

from pathlib import Path

from tests.support.constants import ROOT, TEST_SETTINGS


def write_ini(path: Path, url: str, **extra: str) -> Path:
    """``[app:main]`` on ``url`` with cheap hashing and ``extra`` settings, at ``path``.

    The command bootstraps from this file exactly as from production.ini, so what the
    tests exercise is the real start-up, not a shortcut around it.
    """
    settings = {"sqlalchemy.url": url, **TEST_SETTINGS, **extra}
    lines = ["[app:main]", "use = egg:taskservice"] + [f"{k} = {v}" for k, v in settings.items()]
    path.write_text("\n".join(lines) + "\n")
    return path


def ini_on(tmp_path: Path, url: str, **extra: str) -> str:
    """An ini like production.ini's: the app's settings and where the migrations are."""
    path = write_ini(tmp_path / "check.ini", url, **extra)
    with path.open("a") as ini:
        ini.write(f"\n[alembic]\nscript_location = {ROOT / 'alembic'}\n")
    return str(path)
