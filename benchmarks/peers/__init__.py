"""The peers issue 31 measures the service against, and how each is served.

Each peer is served the way its users serve it, on the one core the benchmark pins the
server to: the bare WSGI baseline (:mod:`benchmarks.baseline_app`) and the Django REST
Framework app (:mod:`benchmarks.peers.drf_app`) under gunicorn's sync workers, the FastAPI
app (:mod:`benchmarks.peers.fastapi_app`) under uvicorn. Each reads the benchmark's seeded
SQLite database, named by ``$BENCH_SQLITE``. The benchmark script starts a peer with
``PEERS[name].command(port)`` and ``PEERS[name].env(sqlite_path)``.
"""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass
from importlib.metadata import version

# gunicorn's documented starting point for sync workers, (2 x cores) + 1, for the one
# pinned core: one worker per request in flight, so a worker waiting on SQLite (a write
# waits for the write lock) leaves another to use the core. The same count for every
# gunicorn sync peer, so they differ only by their framework.
GUNICORN_SYNC_WORKERS = 2 * 1 + 1


class _Versions(dict[str, str]):
    """``{distribution}`` in a description: that distribution's installed version."""

    def __missing__(self, distribution: str) -> str:
        return version(distribution)


@dataclass(frozen=True)
class Peer:
    name: str
    # With ``{distribution}`` fields for the installed versions, e.g. ``{fastapi}``.
    summary: str
    server: str  # the server's module, run as ``python -m``
    arguments: tuple[str, ...]  # after the module; ``{port}`` is the port to listen on

    @property
    def description(self) -> str:
        """What runs, with versions: "FastAPI 0.165.0 + SQLAlchemy 2.1.0 under ..."."""
        return self.summary.format_map(_Versions())

    def command(self, port: int) -> list[str]:
        return [sys.executable, "-m", self.server,
                *(argument.format(port=port) for argument in self.arguments)]

    def env(self, sqlite_path: str) -> dict[str, str]:
        return dict(os.environ, BENCH_SQLITE=sqlite_path)


def gunicorn_sync(name: str, summary: str, target: str) -> Peer:
    return Peer(name, summary + " under gunicorn {gunicorn} (sync workers)", "gunicorn",
                (target, "-b", "127.0.0.1:{port}", "-k", "sync",
                 "-w", str(GUNICORN_SYNC_WORKERS)))


PEERS: dict[str, Peer] = {peer.name: peer for peer in (
    gunicorn_sync("bare WSGI", "the bare WSGI baseline over sqlite3",
                  "benchmarks.baseline_app:app"),
    # FastAPI's documentation serves an app with `fastapi run`, i.e. uvicorn with one
    # worker process (more only with --workers, one per core), and installs it as
    # fastapi[standard], which brings uvicorn[standard]: uvloop and httptools. The access
    # log is off, as the other servers measured write none by default.
    Peer("FastAPI", "FastAPI {fastapi} + SQLAlchemy {sqlalchemy} under uvicorn {uvicorn}",
         "uvicorn", ("benchmarks.peers.fastapi_app:app", "--host", "127.0.0.1",
                     "--port", "{port}", "--workers", "1", "--no-access-log")),
    gunicorn_sync("DRF", "Django REST Framework {djangorestframework} (Django {django})",
                  "benchmarks.peers.drf_app:application"),
)}
