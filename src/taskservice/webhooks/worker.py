"""``taskservice-worker <ini>``: deliver webhooks (and fire reminders) in a process of its own.

Like ``pserve`` it takes the ini file first; the settings are validated as at start-up
(``DATABASE_URL`` and ``TASKSERVICE_*`` included) and the ini's logging is set up. It then
builds the application, never serving it: each delivery round is the app's
``DeliveryRound``, heard by the same subscribers (and plugins) as in a web process. Several
workers may run on one PostgreSQL database (they claim with ``SKIP LOCKED``); on SQLite
run one. SIGTERM or SIGINT stops it after the attempt under way is recorded.
Exit status: 0 stopped, 1 bad settings, 2 bad usage.
"""

from __future__ import annotations

import argparse
import signal
import sys
import threading
from collections.abc import Sequence
from types import FrameType

from plaster.exceptions import PlasterError
from pyramid.paster import bootstrap, get_appsettings, setup_logging
from pyramid.registry import Registry

from ..db.interfaces import IDatabaseEngine
from ..settings import Settings, SettingsError, load_settings, with_default_database
from . import deliverer, runner

PROG = "taskservice-worker"


def application_registry(ini: str) -> Registry:
    """The registry of the app ``ini`` builds, with no delivery thread of its own.

    With metrics on, this process counts what it does; with PROMETHEUS_MULTIPROC_DIR shared
    with the web processes, their ``/__metrics__`` adds it up (docs/operations.md).
    """
    env = bootstrap(ini)
    env["closer"]()
    registry: Registry = env["registry"]
    runner.stop(registry)  # an ini whose delivery is "thread": this process is the deliverer
    return registry


def load(ini: str) -> Settings:
    """The settings of ``ini``'s ``[app:main]``, read as the app factory reads them."""
    raw = get_appsettings(ini)
    return load_settings(with_default_database(raw, str(raw.global_conf.get("here", "."))))


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog=PROG, description="Deliver webhook events.")
    parser.add_argument("ini", help="the ini file, as for pserve")
    options = parser.parse_args(argv)
    try:
        setup_logging(options.ini)
        settings = load(options.ini)
    except (PlasterError, SettingsError, OSError) as error:
        print(f"{PROG}: {error}", file=sys.stderr)
        return 1
    registry = application_registry(options.ini)
    stop = threading.Event()

    def request_stop(signum: int, _frame: FrameType | None) -> None:
        stop.set()

    signal.signal(signal.SIGTERM, request_stop)
    signal.signal(signal.SIGINT, request_stop)
    try:
        deliverer.run(runner.store_of(registry), settings, stop)
    finally:
        registry.getUtility(IDatabaseEngine).dispose()
    return 0


if __name__ == "__main__":
    sys.exit(main())
