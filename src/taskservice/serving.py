"""``use = egg:taskservice#granian``: a PasteDeploy server runner for granian's WSGI interface.

granian (an HTTP server compiled from Rust, with a WSGI interface) ships no PasteDeploy
runner of its own, and ops choose the server in ``production.ini``'s ``[server:*]``
sections, not in code: this is that runner, so ``pserve production.ini
--server-name=granian`` serves the ini's application as waitress and gunicorn do.

granian's workers are processes that each load their application. Each loads the ini's
``[app:main]`` itself, with the variables ``pserve`` was given (``http_port=...``), and
sets up the ini's logging again over the defaults granian gives a worker: so every
worker opens its own database connections instead of inheriting the parent's, and logs
as under waitress. The application ``pserve`` loaded in the parent serves nothing, and
its webhook delivery thread (``delivery = thread``) is stopped before the workers start:
each worker runs its own, and a second loop in the parent would only compete with them
for the database (on SQLite, for its one writer).

Several workers count rate limits and password failures apart unless their counters
are shared (``taskservice.ratelimit.storage`` on Redis): with ``memory://`` each worker
would give a password guesser its own budget, so the runner refuses to start them.

Settings: ``host`` and ``port`` as for waitress; ``workers``, ``blocking_threads`` (each
worker's threads running the application), ``backlog``, ``backpressure``,
``runtime_threads``, ``workers_kill_timeout`` (integers) and ``respawn_failed_workers``,
``log_access`` (booleans) are granian's own, under their names in its Python API.
"""

from __future__ import annotations

import ctypes
import os
import signal
import sys
from functools import partial
from typing import Any

from granian.constants import Interfaces
from granian.server import Server
from pyramid.exceptions import ConfigurationError
from pyramid.paster import get_app, setup_logging
from pyramid.settings import asbool

from .webhooks.runner import stop as stop_delivery

INTEGERS = frozenset({"workers", "blocking_threads", "backlog", "backpressure",
                      "runtime_threads", "workers_kill_timeout"})
FLAGS = frozenset({"respawn_failed_workers", "log_access"})
# What PasteDeploy adds to the variables it hands a runner; the rest came from pserve.
PASTE_VARIABLES = ("__file__", "here")
# prctl(2)'s option that sets the signal a process gets when its parent ends.
PR_SET_PDEATHSIG = 1
# The rate-limit storage that lives in one process (settings' STORAGE_PATTERN).
PROCESS_STORAGE = "memory://"


def serve_granian(app: Any, global_conf: dict[str, str], host: str = "127.0.0.1",
                  port: str = "8000", **settings: str) -> None:
    """Serve the ini's application under granian until it is stopped (``paste.server_runner``)."""
    unknown = set(settings) - INTEGERS - FLAGS
    if unknown:
        raise ValueError(f"unknown granian setting(s): {', '.join(sorted(unknown))}")
    options: dict[str, Any] = {name: int(value) for name, value in settings.items()
                               if name in INTEGERS}
    options.update((name, asbool(value)) for name, value in settings.items() if name in FLAGS)
    refuse_unshared_counters(app, options.get("workers", 1))
    stop_delivery(app.registry)  # the parent's application serves nothing
    ini = global_conf["__file__"]
    variables = {k: v for k, v in global_conf.items() if k not in PASTE_VARIABLES}
    server = Server(ini, address=host, port=int(port), interface=Interfaces.WSGI, **options)
    server.serve(target_loader=partial(worker_app, ini, variables, os.getpid()),
                 wrap_loader=False)


def worker_app(ini: str, variables: dict[str, str], server: int) -> Any:
    """In a granian worker: the ini's logging, then its application, as ``pserve`` loads it."""
    end_with(server)
    setup_logging(ini, global_conf=variables)
    return get_app(ini, options=variables)


def end_with(server: int) -> None:
    """This worker is killed when the process ``server`` ends, however it ends (Linux's
    parent-death signal; granian starts and restarts workers from its main thread, which
    lives as long as that process).

    A server stopped with SIGKILL has no time to stop its workers: they would be left
    serving, orphans holding the port and their database connections.
    """
    if sys.platform != "linux":
        return
    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
    if os.getppid() != server:  # it ended before the signal was asked for
        os._exit(1)


def refuse_unshared_counters(app: Any, workers: int) -> None:
    """Stop before serving when ``workers`` processes would each keep their own counters.

    An exception, not ``SystemExit``: pserve takes that for a normal stop and exits 0.
    """
    storage = app.registry.app_settings.ratelimit_storage
    if workers > 1 and storage.startswith(PROCESS_STORAGE):
        raise ConfigurationError(
            f"{workers} granian workers with taskservice.ratelimit.storage = "
            f"{storage} would each count rate limits and password failures apart; "
            "set it to a redis:// URL shared by the workers, or run one worker")
