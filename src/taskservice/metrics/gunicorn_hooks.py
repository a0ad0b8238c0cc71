"""Gunicorn server hooks for several workers in prometheus_client's multiprocess mode.

    PROMETHEUS_MULTIPROC_DIR=/run/taskservice-metrics \\
        gunicorn -c python:taskservice.metrics.gunicorn_hooks --paste production.ini -w 4

The directory must exist, belong to the service alone, and start empty: ``on_starting``
empties it, since files left by a previous run would be added to this run's counts.
``child_exit`` drops a dead worker's live gauges (its counters keep counting in the total).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from prometheus_client import multiprocess

from .views import MULTIPROCESS_DIR_ENV


def on_starting(server: Any) -> None:
    directory = os.environ.get(MULTIPROCESS_DIR_ENV)
    if directory:
        for stale in Path(directory).glob("*.db"):
            stale.unlink()


def child_exit(server: Any, worker: Any) -> None:
    if MULTIPROCESS_DIR_ENV in os.environ:
        multiprocess.mark_process_dead(worker.pid)  # type: ignore[no-untyped-call]
