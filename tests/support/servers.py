"""Real server processes for tests: ``pserve`` on a free port, a private PostgreSQL cluster.

Everything here is bounded in time and cleans up after itself: a server that does not
become ready within its timeout is killed and its stderr is shown in the failure.

    with PserveProcess(tmp_path, env={"TASKSERVICE_READONLY": "true"}) as server:
        status, headers, body = server.request("GET", "/__heartbeat__")
"""

from __future__ import annotations

import glob
import http.client
import json
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import Any

import pytest

from tests.support.constants import ROOT

VENV_BIN = ROOT / ".venv" / "bin"
START_TIMEOUT = 30.0
STOP_TIMEOUT = 10.0
REQUEST_TIMEOUT = 10.0
# production.ini's [server:<name>] sections ([server:main] names one of them).
SERVER_SECTIONS = ("waitress", "gunicorn", "granian")


def server_section(name: str) -> tuple[str, ...]:
    """pserve's options that run production.ini's [server:<name>], whichever main names."""
    return (f"--server-name={name}",)


# For the tests of waitress's own limits.
WAITRESS = server_section("waitress")


def free_port() -> int:
    """A TCP port nobody listens on right now (the OS picks it)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def http_request(port: int, method: str, path: str, body: Any = None,
                 headers: dict | None = None, source: str | None = None
                 ) -> tuple[int, http.client.HTTPMessage, Any]:
    """One HTTP request to 127.0.0.1:``port``: (status, headers, decoded JSON or None).

    The headers are the response's own message, looked up whatever their case as HTTP's
    names are: servers spell them differently (waitress "Etag", granian all lower case).
    ``source`` is the local address to connect from (any 127.x.y.z on Linux), so a test
    can be a client address of its own.
    """
    connection = http.client.HTTPConnection(
        "127.0.0.1", port, timeout=REQUEST_TIMEOUT,
        source_address=(source, 0) if source else None,
    )
    headers = dict(headers or {})
    payload = None
    if body is not None:
        payload = json.dumps(body).encode("utf-8")
        headers["Content-Type"] = "application/json"
    try:
        connection.request(method, path, body=payload, headers=headers)
        response = connection.getresponse()
        raw = response.read()
        is_json = "json" in response.getheader("Content-Type", "")
        decoded = json.loads(raw) if raw and is_json else None
        return response.status, response.headers, decoded
    finally:
        connection.close()


def stop_process(process: subprocess.Popen) -> None:
    """Terminate, then kill if it does not exit in time; never leaves it running."""
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=STOP_TIMEOUT)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=STOP_TIMEOUT)


def migrate(database_url: str, ini: str = "production.ini") -> None:
    """``alembic -c <ini> upgrade head`` against ``database_url``, as an operator runs it."""
    result = subprocess.run(
        [str(VENV_BIN / "alembic"), "-c", ini, "upgrade", "head"], cwd=ROOT,
        env={**os.environ, "DATABASE_URL": database_url}, capture_output=True, text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr


def pserve_command(ini: str, port: int, *options: str, variables: tuple[str, ...] = ()
                   ) -> list[str]:
    """``pserve`` with ``options`` before the ini and ``variables`` (``name=value``) after."""
    return [str(VENV_BIN / "pserve"), *options, ini, f"http_port={port}", *variables]


def server_environment(env: dict[str, str]) -> dict[str, str]:
    """The test's environment without any TASKSERVICE_* of its own, plus ``env``."""
    base = {k: v for k, v in os.environ.items()
            if not k.startswith("TASKSERVICE_") and k != "DATABASE_URL"}
    return {**base, **env}


class PserveProcess:
    """``pserve <ini> http_port=<free port>`` with ``env``; a context manager.

    Its stdout and stderr go to one log, or with ``stderr_apart`` stderr (where the ini's
    logging writes) to ``stderr_path`` alone. ``options`` go to pserve (``-q``).
    """

    def __init__(self, workdir: Path, env: dict[str, str], ini: str = "production.ini",
                 name: str = "server", stderr_apart: bool = False,
                 options: tuple[str, ...] = (), variables: tuple[str, ...] = ()) -> None:
        self.port = free_port()
        self.env = server_environment(env)
        self.ini = ini
        self.options = options
        self.variables = variables
        self.log_path = workdir / f"{name}-{self.port}.log"
        self.stderr_path = workdir / f"{name}-{self.port}.stderr" if stderr_apart else None
        self.process: subprocess.Popen | None = None

    def __enter__(self) -> PserveProcess:
        self.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    def start(self) -> None:
        with ExitStack() as files:
            log = files.enter_context(open(self.log_path, "wb"))
            stderr = (files.enter_context(open(self.stderr_path, "wb"))
                      if self.stderr_path else subprocess.STDOUT)
            self.process = subprocess.Popen(
                self.command(), cwd=ROOT, env=self.env,
                stdout=log, stderr=stderr, stdin=subprocess.DEVNULL,
            )
        try:
            self.wait_until_listening()
        except BaseException:
            self.stop()
            raise

    def command(self) -> list[str]:
        return pserve_command(self.ini, self.port, *self.options, variables=self.variables)

    def wait_until_listening(self, timeout: float = START_TIMEOUT) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                pytest.fail(f"pserve exited with {self.process.returncode}:\n{self.output()}")
            try:
                self.request("GET", "/__version__")
                return
            except OSError:
                time.sleep(0.1)
        pytest.fail(f"pserve did not answer on port {self.port} within {timeout}s:\n"
                    f"{self.output()}")

    def stop(self) -> None:
        if self.process is not None:
            stop_process(self.process)

    def output(self) -> str:
        paths = (self.log_path, self.stderr_path)
        return "".join(p.read_text(errors="replace") for p in paths if p and p.exists())

    def request(self, method: str, path: str, body: Any = None, headers: dict | None = None,
                source: str | None = None) -> tuple[int, http.client.HTTPMessage, Any]:
        return http_request(self.port, method, path, body, headers, source)


class GunicornProcess(PserveProcess):
    """``gunicorn --paste <ini>`` instead of pserve: the server docs/operations.md names for
    several workers (``options`` go to gunicorn: ``-w 2``)."""

    def command(self) -> list[str]:
        return [str(VENV_BIN / "gunicorn"), "--paste", self.ini,
                "-b", f"127.0.0.1:{self.port}", *self.options]


class WorkerProcess:
    """``taskservice-worker <ini>`` (the console script) with ``env``; a context manager.

    It delivers webhooks and fires reminders, as a deployment's worker does. ``kill``
    is a ``kill -9``: nothing of the process's own runs after it, which is what the tests
    of "a worker dies mid-transaction" need; ``stop`` is the graceful SIGTERM.
    """

    def __init__(self, workdir: Path, env: dict[str, str], ini: str = "production.ini",
                 name: str = "worker") -> None:
        self.env = server_environment(env)
        self.ini = ini
        self.log_path = workdir / f"{name}.log"
        self.process: subprocess.Popen | None = None

    def __enter__(self) -> WorkerProcess:
        self.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    def started(self) -> WorkerProcess:
        """This worker, started (for a list of workers a fixture stops)."""
        self.start()
        return self

    def start(self) -> None:
        with open(self.log_path, "ab") as log:
            self.process = subprocess.Popen(
                [str(VENV_BIN / "taskservice-worker"), self.ini], cwd=ROOT, env=self.env,
                stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)

    def stop(self) -> int | None:
        """SIGTERM (SIGKILL if it outstays STOP_TIMEOUT); its exit status, if it ran."""
        if self.process is None:
            return None
        stop_process(self.process)
        return self.process.returncode

    def kill(self) -> None:
        """``kill -9``, and wait until it is gone."""
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait(timeout=STOP_TIMEOUT)

    def output(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""


def run_pserve_to_exit(env: dict[str, str], ini: str = "production.ini",
                       timeout: float = START_TIMEOUT, options: tuple[str, ...] = (),
                       variables: tuple[str, ...] = ()) -> subprocess.CompletedProcess:
    """Run ``pserve`` that is expected to stop by itself (a bad setting), bounded in time."""
    try:
        return subprocess.run(
            pserve_command(ini, free_port(), *options, variables=variables), cwd=ROOT,
            env=server_environment(env),
            capture_output=True, text=True, timeout=timeout, stdin=subprocess.DEVNULL,
        )
    except subprocess.TimeoutExpired as expired:  # subprocess.run has killed it
        pytest.fail(f"pserve kept running with {env}: {expired.stderr!r}")


# -- a private PostgreSQL cluster -----------------------------------------------------------


def postgres_bin() -> Path:
    """The newest installed PostgreSQL server binaries; a clear failure when there are none."""
    candidates = sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"),
                        key=lambda p: int(Path(p).parent.parent.name))
    if not candidates:
        pytest.fail("PostgreSQL server binaries (initdb, pg_ctl) not found under "
                    "/usr/lib/postgresql/*/bin: install the postgresql package")
    return Path(candidates[-1]).parent


class PrivatePostgres:
    """A throw-away cluster in its own directory on a free port, trust auth, user postgres.

    Run as the ``postgres`` OS user when the tests run as root (initdb refuses root).
    """

    OS_USER = "postgres"

    def __init__(self) -> None:
        self.bin = postgres_bin()
        self.port = free_port()
        # Not under pytest's tmp_path: its parents are private to the user running pytest.
        self.dir = Path(tempfile.mkdtemp(prefix="taskservice-pg-"))
        self.data = self.dir / "data"
        self.log = self.dir / "server.log"

    @property
    def url(self) -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/postgres?connect_timeout=3"

    def _run(self, *args: str, timeout: float = 60) -> None:
        command = [str(self.bin / args[0]), *args[1:]]
        if os.geteuid() == 0:
            command = ["runuser", "-u", self.OS_USER, "--", *command]
        result = subprocess.run(command, capture_output=True, text=True, timeout=timeout,
                                stdin=subprocess.DEVNULL)
        assert result.returncode == 0, (command, result.stdout, result.stderr, self.server_log())

    def server_log(self) -> str:
        return self.log.read_text(errors="replace") if self.log.exists() else ""

    def init(self) -> None:
        if os.geteuid() == 0:
            shutil.chown(self.dir, user=self.OS_USER)
        self._run("initdb", "-D", str(self.data), "-U", "postgres", "--auth=trust",
                  "--no-sync", "-E", "UTF8")

    def start(self) -> None:
        options = f"-p {self.port} -k {self.dir} -c listen_addresses=127.0.0.1 -c fsync=off"
        self._run("pg_ctl", "-D", str(self.data), "-l", str(self.log), "-o", options,
                  "-w", "-t", "30", "start")

    def stop(self) -> None:
        self._run("pg_ctl", "-D", str(self.data), "-m", "fast", "-w", "-t", "30", "stop")

    def is_running(self) -> bool:
        return (self.data / "postmaster.pid").exists()

    def destroy(self) -> None:
        """Stop the cluster if it runs and delete its files."""
        try:
            if self.is_running():
                self.stop()
        finally:
            shutil.rmtree(self.dir, ignore_errors=True)


@contextmanager
def private_cluster() -> Iterator[PrivatePostgres]:
    """A started private PostgreSQL cluster, stopped and deleted whatever happens.

    Fails (never skips) when the PostgreSQL server binaries are missing.
    """
    cluster = PrivatePostgres()
    try:
        cluster.init()
        cluster.start()
        yield cluster
    finally:
        cluster.destroy()
