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
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from taskservice.webhooks import deliverer, delivery, runner

# What an app under test needs to deliver to a Receiver: plain http on 127.0.0.1, retries
# without waiting, and a short timeout.
RECEIVER_SETTINGS = {
    "taskservice.webhooks.allow_http": "true",
    "taskservice.webhooks.allow_private": "true",
    "taskservice.webhooks.retry_delays": "0 0",
    "taskservice.webhooks.disable_after": "2",
    "taskservice.webhooks.timeout": "2",
}
# The same as keyword arguments of the ``make_app`` fixture (dots as double underscores).
RECEIVER_OVERRIDES = {key.replace(".", "__"): value for key, value in RECEIVER_SETTINGS.items()}


def setting_variable(key: str) -> str:
    """The environment variable overriding ini ``key`` (contract section 6)."""
    return "TASKSERVICE_" + key.removeprefix("taskservice.").upper().replace(".", "_")


# The same as the environment of a server or worker process started from an unchanged ini.
RECEIVER_ENVIRONMENT = {setting_variable(key): value for key, value in RECEIVER_SETTINGS.items()}


@dataclass(frozen=True)
class Received:
    headers: dict[str, str]
    body: bytes
    # When the request arrived (``time.time()``): a test compares it with a moment the
    # service was given, such as a reminder's ``scheduled_for``.
    at: float = field(default_factory=time.time)

    @property
    def json(self) -> Any:
        return json.loads(self.body)


class Receiver:
    """An HTTP server that records every POST and answers with ``statuses`` in turn
    (the last one for ever after).

    Each answer waits ``delay`` seconds first (less when ``gate`` is set meanwhile), and
    with ``trickle`` its status line and headers are written one byte every ``trickle``
    seconds: ``cut`` lists the ids whose sender closed the connection before the end.
    ``intervals`` holds each request's (``webhook-id``, start, end): ``overlaps`` names the
    ids received while another copy was in flight. Receivers given one ``journal`` list
    write ``("arrived" | "answered", name, webhook-id)`` to it in the order things happen;
    a receiver with ``opens`` sets that event when a request arrives.
    """

    def __init__(self, *statuses: int, delay: float = 0.0, trickle: float | None = None,
                 gate: threading.Event | None = None, opens: threading.Event | None = None,
                 journal: list[tuple[str, str, str]] | None = None,
                 name: str = "receiver") -> None:
        self.statuses = list(statuses or (204,))
        self.deliveries: list[Received] = []
        self.delay = delay  # seconds each answer waits
        self.trickle = trickle
        self.gate = gate or threading.Event()
        self.opens = opens
        self.journal = [] if journal is None else journal
        self.name = name
        self.intervals: list[tuple[str, float, float]] = []
        self.cut: list[str] = []
        self.busy = 0  # requests being handled
        self.lock = threading.Condition()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                started = time.monotonic()
                length = int(self.headers.get("Content-Length", 0))
                event_id = self.headers.get("webhook-id", "")
                with receiver.lock:
                    receiver.busy += 1
                    receiver.deliveries.append(
                        Received(dict(self.headers.items()), self.rfile.read(length)))
                    receiver.journal.append(("arrived", receiver.name, event_id))
                try:
                    if receiver.opens is not None:
                        receiver.opens.set()
                    receiver.gate.wait(receiver.delay)
                    with receiver.lock:
                        receiver.intervals.append((event_id, started, time.monotonic()))
                        receiver.journal.append(("answered", receiver.name, event_id))
                    receiver.answer(self, event_id)
                finally:
                    with receiver.lock:
                        receiver.busy -= 1
                        receiver.lock.notify_all()

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        self.url = f"http://127.0.0.1:{self.port}/hook"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def answer(self, handler: BaseHTTPRequestHandler, event_id: str) -> None:
        status = self.statuses.pop(0) if len(self.statuses) > 1 else self.statuses[0]
        if self.trickle is None:
            handler.send_response(status)
            if 300 <= status < 400:
                handler.send_header("Location", "http://127.0.0.1:1/")
            handler.send_header("Content-Length", "0")
            handler.end_headers()
            return
        handler.close_connection = True
        head = f"HTTP/1.1 {status} OK\r\nX-Slowly: {'.' * 40}\r\nContent-Length: 0\r\n\r\n"
        try:
            for byte in head.encode():
                handler.wfile.write(bytes([byte]))
                time.sleep(self.trickle)
        except OSError:  # BrokenPipeError, ConnectionResetError: the sender hung up
            with self.lock:
                self.cut.append(event_id)

    @property
    def overlaps(self) -> list[str]:
        """The ids of requests that arrived while another request of that id was in flight."""
        with self.lock:
            intervals = sorted(self.intervals, key=lambda interval: interval[1])
        open_until: dict[str, float] = {}
        found = []
        for event_id, start, end in intervals:
            if start < open_until.get(event_id, start):
                found.append(event_id)
            open_until[event_id] = max(end, open_until.get(event_id, end))
        return found

    def wait_idle(self, timeout: float) -> None:
        """Until no request is being handled (or the timeout)."""
        with self.lock:
            self.lock.wait_for(lambda: self.busy == 0, timeout)

    def __enter__(self) -> Receiver:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.gate.set()
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
        attempted = deliverer.deliver_due(store, app.registry.app_settings)
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

