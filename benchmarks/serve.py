"""Serve the service or the baseline with the server settings of an ini file.

``python -m benchmarks.serve service production.ini 127.0.0.1:8001`` is ``pserve
--server-name=waitress production.ini`` with only ``listen`` replaced: the app, its logging
and every other setting of the ini's waitress (threads, timeouts, limits) come from the ini
as deployed. ``baseline`` serves :mod:`benchmarks.baseline_app` through the same server
settings, so the two differ only in the application.
"""

from __future__ import annotations

import sys

import plaster
import waitress
from pyramid.paster import get_app, setup_logging


def server_settings(ini: str, listen: str) -> dict[str, str]:
    loader = plaster.get_loader(ini, protocols=["wsgi"])
    # production.ini has a section per server (its [server:main] names one), development.ini
    # waitress's alone.
    sections = loader.get_sections()
    settings = dict(loader.get_settings(
        "server:waitress" if "server:waitress" in sections else "server:main"))
    settings.pop("use", None)
    settings.pop("port", None)
    settings.pop("host", None)
    settings["listen"] = listen
    return settings


def load_app(kind: str, ini: str):
    if kind == "baseline":
        from .baseline_app import app

        return app
    setup_logging(ini)
    return get_app(ini)


def main() -> None:
    kind, ini, listen = sys.argv[1:4]
    waitress.serve(load_app(kind, ini), **server_settings(ini, listen))


if __name__ == "__main__":
    main()
