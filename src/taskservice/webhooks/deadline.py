"""One deadline for a whole attempt: every socket operation waits at most until it.

httpx's and httpcore's timeouts bound each operation, not their sum: a receiver that sends
its answer one byte a second never trips a 3-second read timeout, and keeps the attempt
(and its claim on the event) alive as long as it likes. This httpcore network backend is
given the attempt's deadline, a ``time.monotonic()`` value, and before each connect, TLS
handshake, send and receive sets the socket's timeout to what is left of it, or raises
httpcore's timeout when nothing is left. A socket timeout bounds one call as a whole (a
``recv``, a ``send``, a TLS handshake), so the connection is closed by the deadline
whatever the receiver does, and nothing is sent after it.
"""

from __future__ import annotations

import select
import socket
import ssl
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import Any

import httpcore

Failure = type[Exception]


def _left(deadline: float, timeout: float | None, expired: Failure) -> float:
    """Seconds until ``deadline`` (or ``timeout``, if sooner); ``expired`` when none."""
    left = deadline - time.monotonic()
    if left <= 0:
        raise expired("the attempt's deadline has passed")
    return left if timeout is None else min(left, timeout)


@contextmanager
def _mapped(expired: Failure, failed: Failure) -> Iterator[None]:
    """Socket errors as httpcore's (as its own backend maps them)."""
    try:
        yield
    except TimeoutError as error:
        raise expired(str(error) or "timed out") from error
    except OSError as error:
        raise failed(str(error)) from error


class DeadlineStream(httpcore.NetworkStream):
    """A TCP (or TLS) socket whose every operation ends by ``deadline``."""

    def __init__(self, sock: socket.socket, deadline: float) -> None:
        self.sock = sock
        self.deadline = deadline

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        with _mapped(httpcore.ReadTimeout, httpcore.ReadError):
            self.sock.settimeout(_left(self.deadline, timeout, httpcore.ReadTimeout))
            return self.sock.recv(max_bytes)

    def write(self, buffer: bytes, timeout: float | None = None) -> None:
        view = memoryview(buffer)
        with _mapped(httpcore.WriteTimeout, httpcore.WriteError):
            while view:
                self.sock.settimeout(_left(self.deadline, timeout, httpcore.WriteTimeout))
                view = view[self.sock.send(view):]

    def close(self) -> None:
        self.sock.close()

    def start_tls(self, ssl_context: ssl.SSLContext, server_hostname: str | None = None,
                  timeout: float | None = None) -> DeadlineStream:
        with _mapped(httpcore.ConnectTimeout, httpcore.ConnectError):
            try:
                self.sock.settimeout(_left(self.deadline, timeout, httpcore.ConnectTimeout))
                tls = ssl_context.wrap_socket(self.sock, server_hostname=server_hostname)
            except BaseException:
                self.sock.close()
                raise
        return DeadlineStream(tls, self.deadline)

    def get_extra_info(self, info: str) -> Any:
        if info == "ssl_object":  # httpcore asks it for the negotiated ALPN protocol
            return self.sock if isinstance(self.sock, ssl.SSLSocket) else None
        if info == "socket":
            return self.sock
        if info == "client_addr":
            return self.sock.getsockname()
        if info == "server_addr":
            return self.sock.getpeername()
        if info == "is_readable":  # a pooled connection closed by the other end
            return bool(select.select([self.sock], [], [], 0)[0])
        return None


class DeadlineBackend(httpcore.NetworkBackend):
    """Connections whose every operation, the connect included, ends by ``deadline``."""

    def __init__(self, deadline: float) -> None:
        self.deadline = deadline

    def connect_tcp(self, host: str, port: int, timeout: float | None = None,
                    local_address: str | None = None,
                    socket_options: Iterable[Any] | None = None) -> DeadlineStream:
        source = None if local_address is None else (local_address, 0)
        with _mapped(httpcore.ConnectTimeout, httpcore.ConnectError):
            left = _left(self.deadline, timeout, httpcore.ConnectTimeout)
            sock = socket.create_connection((host, port), left, source_address=source)
            for option in socket_options or ():
                sock.setsockopt(*option)
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        return DeadlineStream(sock, self.deadline)
