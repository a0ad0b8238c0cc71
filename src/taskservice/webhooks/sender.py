"""The one way a delivery leaves the service: an HTTP POST that cannot be turned inwards.

A webhook URL is chosen by a user, so without care it is a way to make the service call
its own network (server-side request forgery). Every attempt therefore:

- accepts ``https://`` only (``http://`` too with ``taskservice.webhooks.allow_http``);
- resolves the host itself and refuses it when any address is loopback, private,
  link-local, multicast, reserved, unspecified or IPv4-mapped (unless
  ``taskservice.webhooks.allow_private``);
- connects to that checked address, sending the original ``Host`` and TLS server name
  (certificates are verified against the name): a DNS answer that changes between the
  check and the connection (rebinding) cannot redirect it;
- follows no redirect (a 3xx is a failure), reads at most ``MAX_RESPONSE_BYTES`` of the
  answer, ignores proxy variables, and gives up at the attempt's deadline,
  ``taskservice.webhooks.timeout`` after its claim: the whole attempt, however slowly the
  receiver connects or answers (deadline.py).

``check_url`` is the same check at creation, where a host that does not resolve is
accepted (it is checked again at every attempt).
"""

from __future__ import annotations

import contextlib
import ipaddress
import socket
import ssl
import time
from dataclasses import dataclass
from functools import cache
from urllib.parse import SplitResult, urlsplit, urlunsplit

import certifi
import httpcore

from ..settings import Settings
from .deadline import DeadlineBackend

MAX_RESPONSE_BYTES = 64 * 1024
# What an attempt may fail with besides a timeout: the connection, the receiver's HTTP, or
# a URL the HTTP client cannot send (a host name it cannot encode).
FAILURES = (httpcore.NetworkError, httpcore.ProtocolError, httpcore.UnsupportedProtocol,
            httpcore.ConnectionNotAvailable, UnicodeError)
IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


class Refused(ValueError):
    """The URL or its address may not be called; the message says why, for a person."""


class Unresolved(Refused):
    """The host does not resolve (now): refused at an attempt, accepted at creation."""


@dataclass(frozen=True)
class Answer:
    """What an attempt got: the receiver's status, or why there was none."""

    status: int | None
    error: str | None
    duration_ms: int

    @property
    def succeeded(self) -> bool:
        return self.error is None and self.status is not None and 200 <= self.status < 300


def parse(url: str, settings: Settings) -> SplitResult:
    """``url`` split, if its scheme and form may be called at all."""
    schemes = ("https", "http") if settings.webhooks_allow_http else ("https",)
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018  (raises for a port out of range)
    except ValueError:
        raise Refused("The URL is malformed or its port is not a valid port number") from None
    if parts.scheme not in schemes:
        raise Refused("The URL must start with " + " or ".join(f"{s}://" for s in schemes))
    if not parts.hostname or parts.username is not None or parts.fragment:
        raise Refused("The URL must name a host, with no credentials and no #fragment")
    return parts


def why_refused(address: IPAddress) -> str | None:
    """Why ``address`` is not a public one, or None when it is."""
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return "an IPv4-mapped address"
    for kind in ("loopback", "private", "link_local", "multicast", "reserved", "unspecified"):
        if getattr(address, f"is_{kind}"):
            return f"a {kind.replace('_', '-')} address"
    if not address.is_global:
        return "not a public address"
    return None


def resolve(host: str, port: int) -> list[IPAddress]:
    """Every address ``host`` resolves to (``socket.gaierror`` when it does not)."""
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return [ipaddress.ip_address(str(info[4][0]).split("%")[0]) for info in infos]


def checked_address(parts: SplitResult, settings: Settings) -> IPAddress:
    """The address to connect to; ``Refused`` when any address of the host is not public."""
    host, port = parts.hostname or "", _port(parts)
    try:
        addresses = resolve(host, port)
    except (OSError, UnicodeError, ValueError) as error:  # gaierror, bad IDNA, a NUL...
        raise Unresolved(f"The host {host} does not resolve ({error})") from None
    # The message names neither the address nor its kind: a user must not learn through
    # it what an internal name resolves to (a DNS oracle).
    if not settings.webhooks_allow_private and any(map(why_refused, addresses)):
        raise Refused(f"The host {host} is or resolves to a non-public address")
    return addresses[0]


def check_url(url: str, settings: Settings) -> None:
    """At creation: ``Refused`` for a URL that could never be delivered to."""
    parts = parse(url, settings)
    with contextlib.suppress(Unresolved):
        checked_address(parts, settings)


def _port(parts: SplitResult) -> int:
    return parts.port or (443 if parts.scheme == "https" else 80)


def post(url: str, headers: dict[str, str], body: bytes, settings: Settings,
         deadline: float | None = None) -> Answer:
    """POST ``body`` to ``url`` as the module docstring says, giving up at ``deadline`` (a
    ``time.monotonic()`` value; by default the timeout from now); never raises."""
    started = time.monotonic()
    if deadline is None:
        deadline = started + settings.webhooks_timeout
    try:
        parts = parse(url, settings)
        address = checked_address(parts, settings)
        status = _send(parts, address, headers, body, deadline)
        error = None if 200 <= status < 300 else _status_error(status)
    except Refused as refused:
        status, error = None, str(refused)
    except httpcore.TimeoutException:
        status, error = None, f"No answer within {settings.webhooks_timeout:g} seconds"
    except FAILURES as failure:
        status, error = None, f"{type(failure).__name__}: {failure}"[:500]
    return Answer(status, error, round((time.monotonic() - started) * 1000))


def _status_error(status: int) -> str:
    if 300 <= status < 400:
        return f"The receiver answered {status}, a redirect, which is not followed"
    return f"The receiver answered {status}, not a 2xx"


@cache
def _tls_context() -> ssl.SSLContext:
    """The TLS settings of every attempt, built once: loading the CA bundle costs more than
    a delivery to a nearby receiver."""
    return ssl.create_default_context(cafile=certifi.where())


def _send(parts: SplitResult, address: IPAddress, headers: dict[str, str], body: bytes,
          deadline: float) -> int:
    host = f"[{address}]" if address.version == 6 else str(address)
    target = urlunsplit((parts.scheme, f"{host}:{_port(parts)}", parts.path or "/",
                         parts.query, ""))
    netloc_host = parts.netloc.rpartition("@")[2]
    extensions = {"sni_hostname": parts.hostname} if parts.scheme == "https" else {}
    # A pool per attempt: a pooled connection is keyed by address, and must never carry
    # one host's TLS session to another host on the same address.
    with httpcore.ConnectionPool(ssl_context=_tls_context(),
                                 network_backend=DeadlineBackend(deadline)) as pool, \
            pool.stream("POST", target, content=body, extensions=extensions,
                        headers=[*headers.items(), ("Host", netloc_host)]) as response:
        received = 0
        for chunk in response.iter_stream():
            received += len(chunk)
            if received >= MAX_RESPONSE_BYTES:
                break
        return response.status
