"""The installed ``taskservice-admin`` console script, run as a process.

Everything else about the command runs in-process in tests/functional/scripts/.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tests.support.cli import write_ini
from tests.support.constants import ROOT
from tests.support.database import migrated_database
from tests.support.servers import server_environment


@pytest.fixture
def ini(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    """An ini on a migrated SQLite file of this test's own; the ini alone decides.

    The process inherits the environment, so a DATABASE_URL the machine exports must
    not point it elsewhere.
    """
    monkeypatch.delenv("DATABASE_URL", raising=False)
    return str(write_ini(tmp_path / "cli.ini", migrated_database(tmp_path / "cli.sqlite")))


def test_the_console_script_exits_with_mains_status(ini):
    """The installed ``taskservice-admin`` wrapper passes main's return value to exit()."""
    script = Path(sys.executable).with_name("taskservice-admin")
    result = subprocess.run(
        [str(script), ini, "set-admin", "nobody"], capture_output=True, text=True, timeout=60
    )
    assert (result.returncode, result.stdout, result.stderr) == (
        1, "", "taskservice-admin: error: no user named 'nobody'\n"
    )


def test_check_before_pserve_as_a_deploy_script_runs_it(tmp_path):
    """``taskservice-admin production.ini check && pserve production.ini``: the exit status
    of the command, run as a process, is what stops the deploy."""
    fresh = tmp_path / "fresh.sqlite"
    fresh.touch()  # an empty database: not migrated
    command = [sys.executable, "-m", "taskservice.scripts.admin", "production.ini", "check"]
    runs = {}
    for name, url in (("unmigrated", f"sqlite:///{fresh}"),
                      ("migrated", migrated_database(tmp_path / "ok.sqlite"))):
        env = {**server_environment({}), "DATABASE_URL": url}
        runs[name] = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True,
                                    timeout=60)
    assert runs["unmigrated"].returncode == 1 and runs["unmigrated"].stdout == ""
    assert runs["unmigrated"].stderr.startswith("taskservice-admin: error: database schema is at ")
    assert (runs["migrated"].returncode, runs["migrated"].stderr) == (0, "")
    assert runs["migrated"].stdout.startswith("ok: ")
