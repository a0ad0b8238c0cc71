"""A webhook receiver on 127.0.0.1, and delivering an app's outbox from the test itself.

    with Receiver() as receiver:                 # answers 204 unless told otherwise
        ... POST /webhooks {"url": receiver.url, ...}
        deliver(app)                             # every due event, attempted now
        [delivery] = receiver.deliveries         # headers and body of each POST received
"""

from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from taskservice.webhooks import delivery, runner

# What an app under test needs to deliver to a Receiver: plain http on 127.0.0.1, retries
# without waiting, and a short timeout.
RECEIVER_SETTINGS = {
    "taskservice.webhooks.allow_http": "true",
    "taskservice.webhooks.allow_private": "true",
    "taskservice.webhooks.retry_delays": "0 0",
    "taskservice.webhooks.disable_after": "2",
    "taskservice.webhooks.timeout": "2",
}


@dataclass(frozen=True)
class Received:
    headers: dict[str, str]
    body: bytes

    @property
    def json(self) -> Any:
        return json.loads(self.body)


class Receiver:
    """An HTTP server that records every POST and answers with ``statuses`` in turn
    (the last one for ever after)."""

    def __init__(self, *statuses: int, delay: float = 0.0) -> None:
        self.statuses = list(statuses or (204,))
        self.deliveries: list[Received] = []
        self.delay = delay  # seconds each answer waits
        self.in_flight: dict[str, int] = {}
        self.overlaps: list[str] = []  # ids received while another copy was in flight
        self.lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length", 0))
                event_id = self.headers.get("webhook-id", "")
                with receiver.lock:
                    receiver.deliveries.append(
                        Received(dict(self.headers.items()), self.rfile.read(length)))
                    if receiver.in_flight.get(event_id):
                        receiver.overlaps.append(event_id)
                    receiver.in_flight[event_id] = receiver.in_flight.get(event_id, 0) + 1
                time.sleep(receiver.delay)
                with receiver.lock:
                    receiver.in_flight[event_id] -= 1
                status = receiver.statuses.pop(0) if len(receiver.statuses) > 1 \
                    else receiver.statuses[0]
                self.send_response(status)
                if 300 <= status < 400:
                    self.send_header("Location", "http://127.0.0.1:1/")
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        self.url = f"http://127.0.0.1:{self.port}/hook"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> Receiver:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()

    def ids(self) -> set[str]:
        with self.lock:
            return {d.headers["webhook-id"] for d in self.deliveries}

    def wait_for(self, count: int, timeout: float) -> set[str]:
        """The distinct event ids received, once there are ``count`` (or at the timeout)."""
        deadline = time.monotonic() + timeout
        while len(self.ids()) < count and time.monotonic() < deadline:
            time.sleep(0.05)
        return self.ids()


def deliver(app: Any, rounds: int = 20) -> int:
    """Attempt every due event of ``app``'s outbox, round after round until none is due
    (retries with a zero delay are due at once); how many attempts were made."""
    store = runner.store_of(app.registry)
    total = 0
    for _ in range(rounds):
        attempted = delivery.deliver_due(store, app.registry.app_settings)
        if not attempted:
            return total
        total += attempted
    raise AssertionError(f"still delivering after {rounds} rounds")


def queued(app: Any) -> int:
    """The app's queue depth: events waiting for delivery."""
    with runner.store_of(app.registry).session_factory() as session:
        return delivery.queue_depth(session)


@dataclass
class Hook:
    """A webhook made through the API, with its secret."""

    id: str
    secret: str
    body: dict[str, Any]


def make_hook(client: Any, url: str, events: list[str] | None = None, **fields: Any) -> Hook:
    body = client.testapp.post_json("/webhooks", {"url": url, "events": events or ["*"],
                                                  **fields},
                                    headers=client.headers, status=201).json
    return Hook(body["id"], body["secret"], body)

