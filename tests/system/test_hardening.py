"""Limits waitress enforces, against a real ``pserve``: headers, URLs, slow clients.

Oversized headers and URLs, stalled and trickling connections are checked on raw
sockets, since no WSGI test client goes through waitress. The headers the app itself
adds are in tests/functional/web/test_hardening.py.
"""

from __future__ import annotations

import configparser
import contextlib
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.constants import ROOT
from tests.support.load import concurrently, ini_with, start_server
from tests.support.servers import WAITRESS, PserveProcess, migrate

# The test server closes idle connections fast so that the test stays short.
TEST_CHANNEL_TIMEOUT = 2
SLOW_CLIENTS = 24  # three times waitress's 8 threads
TRICKLE_SECONDS = 3.0
SOCKET_TIMEOUT = 10.0


# -- limits enforced by waitress, against a real server -------------------------------------


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[PserveProcess]:
    """production.ini's waitress with a short channel timeout, checked every second."""
    workdir = tmp_path_factory.mktemp("hardening")
    url = f"sqlite:///{workdir / 'hardening.sqlite'}"
    migrate(url)
    ini = ini_with(workdir, channel_timeout=TEST_CHANNEL_TIMEOUT, cleanup_interval=1)
    server = start_server(workdir, url, ini=ini, options=WAITRESS)
    try:
        yield server
    finally:
        server.stop()


def raw_exchange(port: int, request: bytes) -> bytes:
    """Send ``request`` on a fresh connection; whatever the server answered before closing."""
    with socket.create_connection(("127.0.0.1", port), timeout=SOCKET_TIMEOUT) as sock:
        # The server may refuse before reading it all; its answer is still there.
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):
            sock.sendall(request)
        chunks = []
        with contextlib.suppress(ConnectionResetError):
            while chunk := sock.recv(65536):
                chunks.append(chunk)
    return b"".join(chunks)


def status_of(answer: bytes) -> int:
    assert answer.startswith(b"HTTP/1."), answer[:200]
    return int(answer.split(b" ", 2)[1])


def assert_alive(server: PserveProcess) -> None:
    assert server.process.poll() is None
    assert server.request("GET", "/__version__")[0] == 200


def production_server_option(name: str) -> str:
    parser = configparser.RawConfigParser()
    parser.read(ROOT / "production.ini")
    return parser.get("server:waitress", name)


def test_production_ini_limits_requests_and_idle_connections():
    assert int(production_server_option("max_request_header_size")) <= 65536
    assert int(production_server_option("max_request_body_size")) <= 4 * 1024 * 1024
    assert int(production_server_option("channel_timeout")) <= 60


def test_oversized_header_is_refused_by_the_server(server):
    big = b"x" * 70_000  # over production.ini's 64 KiB
    answer = raw_exchange(server.port, b"GET /__version__ HTTP/1.1\r\nHost: localhost\r\n"
                                       b"X-Padding: " + big + b"\r\nConnection: close\r\n\r\n")
    assert 400 <= status_of(answer) < 500
    assert_alive(server)


def test_a_100_kb_url_is_refused_by_the_server(server):
    answer = raw_exchange(server.port, b"GET /tasks?q=" + b"a" * 100_000
                          + b" HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
    assert 400 <= status_of(answer) < 500
    assert_alive(server)


@pytest.fixture
def slow_clients(server: PserveProcess) -> Iterator[list[socket.socket]]:
    """Connections that each began a request and trickle a header byte now and then."""
    sockets = []
    try:
        for _ in range(SLOW_CLIENTS):
            sock = socket.create_connection(("127.0.0.1", server.port), timeout=SOCKET_TIMEOUT)
            sock.sendall(b"GET /__version__ HTTP/1.1\r\nHost: localhost\r\nX-Slow: ")
            sockets.append(sock)
        yield sockets
    finally:
        for sock in sockets:
            sock.close()


def trickle(sockets: list[socket.socket], stop: threading.Event) -> None:
    while not stop.wait(0.2):
        for sock in sockets:
            with contextlib.suppress(OSError):  # closed by the server: that is allowed too
                sock.send(b"a")


def test_slow_clients_cannot_hold_every_thread(server, slow_clients):
    stop = threading.Event()
    trickler = threading.Thread(target=trickle, args=(slow_clients, stop))
    trickler.start()
    try:
        deadline = time.monotonic() + TRICKLE_SECONDS
        while time.monotonic() < deadline:
            # More ordinary clients than threads, while every slow client is mid-request.
            answers = concurrently(8, lambda _: server.request("GET", "/__version__"))
            assert [status for status, _, _ in answers] == [200] * 8
            time.sleep(0.5)
    finally:
        stop.set()
        trickler.join(timeout=SOCKET_TIMEOUT)


def test_a_stalled_connection_is_closed_by_the_server(server):
    """A client that stops mid-request is dropped after channel_timeout, freeing its slot."""
    with socket.create_connection(("127.0.0.1", server.port), timeout=SOCKET_TIMEOUT) as sock:
        sock.sendall(b"GET /__version__ HTTP/1.1\r\nHost: local")
        started = time.monotonic()
        try:
            leftover = sock.recv(65536)
        except ConnectionResetError:
            leftover = b""
        waited = time.monotonic() - started
    assert leftover == b"" or status_of(leftover) >= 400  # closed, not answered 200
    assert waited < SOCKET_TIMEOUT  # recv returned because the server closed it
    print(f"\nstalled connection closed after {waited:.1f}s "
          f"(channel_timeout={TEST_CHANNEL_TIMEOUT})")
    assert_alive(server)


def test_production_ini_is_the_base_of_the_test_server(tmp_path: Path):
    """The limits tested above are production.ini's, only the timeouts are shortened."""
    ini = configparser.RawConfigParser()
    ini.read(ini_with(tmp_path, channel_timeout=TEST_CHANNEL_TIMEOUT, cleanup_interval=1))
    for option in ("max_request_header_size", "max_request_body_size", "threads"):
        assert ini.get("server:waitress", option) == production_server_option(option)
