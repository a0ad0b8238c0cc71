"""The service in-process, for .ci/client-check: no server, no port, no browser.

``python clients/harness.py document OUT`` writes ``GET /__api__`` of an app built by
``taskservice.main`` to OUT: the document is built at start-up, so it needs no migrated
database. ``python clients/harness.py roundtrip WORKDIR`` runs clients/python/roundtrip.py
with the client generated on the path, against the app on a fresh SQLite database
migrated in WORKDIR, through httpx's WSGI transport: the generated models then parse real
answers, not only the document's idea of them. Both use the test suite's cheap hashing.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import httpx

from taskservice import main
from tests.support.constants import TEST_SETTINGS
from tests.support.database import migrated_database

BASE_URL = "http://client-check.invalid"


def transport(database_url: str) -> httpx.WSGITransport:
    """httpx talking to the app, built on ``database_url``, in this process."""
    return httpx.WSGITransport(app=main({}, **{"sqlalchemy.url": database_url, **TEST_SETTINGS}))


def document(out: Path) -> None:
    url = f"sqlite:///{out.parent / 'document.sqlite'}"  # never opened: nothing is served
    with httpx.Client(transport=transport(url), base_url=BASE_URL) as client:
        answer = client.get("/__api__")
    answer.raise_for_status()
    out.write_text(json.dumps(answer.json(), indent=1))


def roundtrip(workdir: Path) -> None:
    from roundtrip import roundtrip  # clients/python, with the generated client on the path

    url = migrated_database(workdir / "roundtrip.sqlite")
    httpx_args: dict[str, Any] = {"transport": transport(url)}
    task = roundtrip(BASE_URL, httpx_args)
    print(f"python round trip: task {task.id} at version {task.version}, 412 handled")


COMMANDS = {"document": document, "roundtrip": roundtrip}

if __name__ == "__main__":
    command, path = sys.argv[1:]
    COMMANDS[command](Path(path))
