"""``taskservice-worker <ini>``: deliver webhooks in a process of its own.

Like ``pserve`` it takes the ini file first; the settings are validated as at start-up
(``DATABASE_URL`` and ``TASKSERVICE_*`` included) and the ini's logging is set up. Several
workers may run on one PostgreSQL database (they claim with ``SKIP LOCKED``); on SQLite
run one. SIGTERM or SIGINT stops it after the attempt under way is recorded.
Exit status: 0 stopped, 1 bad settings, 2 bad usage.
"""

from __future__ import annotations

import argparse
import signal
import sys
import threading
from collections.abc import Callable, Sequence
from types import FrameType

from plaster.exceptions import PlasterError
from pyramid.paster import get_appsettings, setup_logging
from sqlalchemy.orm import sessionmaker

from ..db.session import make_engine
from ..metrics.definitions import Metrics
from ..settings import Settings, SettingsError, load_settings, with_default_database
from . import deliverer, delivery

PROG = "taskservice-worker"


def _outcome_counter(settings: Settings) -> Callable[[str], None] | None:
    """With metrics on, this process counts its attempts; with PROMETHEUS_MULTIPROC_DIR
    shared with the web processes, their ``/__metrics__`` adds them up (docs/operations.md)."""
    return Metrics().count_delivery if settings.metrics == "prometheus" else None


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
    engine = make_engine(settings.database_url)
    stop = threading.Event()

    def request_stop(signum: int, _frame: FrameType | None) -> None:
        stop.set()

    signal.signal(signal.SIGTERM, request_stop)
    signal.signal(signal.SIGINT, request_stop)
    try:
        store = delivery.Store(sessionmaker(bind=engine), on_outcome=_outcome_counter(settings))
        deliverer.run(store, settings, stop)
    finally:
        engine.dispose()
    return 0


if __name__ == "__main__":
    sys.exit(main())
