"""``request.client_address``: the one place that decides who the client is.

The per-address rate limit, the password throttle and the access log count and name
clients by it. It is the direct peer (``REMOTE_ADDR``) unless that peer is one of
``taskservice.trusted_proxies``; then it is the right-most address of
``X-Forwarded-For`` that is not itself a trusted proxy. Each proxy appends the address it
was connected from, so what lies left of that is the client's to write: believing it
from anyone (as WebOb's ``request.client_addr`` does, which this service never uses)
let a client send a new address with each request and escape every per-address limit.

The rule holds under any server (waitress, gunicorn, granian): the peer is whatever the
server puts in ``REMOTE_ADDR``. The ini files turn waitress's own proxy handling off so
that this setting alone decides. ``Forwarded`` (RFC 7239) is not read: a proxy that
appends ``X-Forwarded-For`` passes a client's own ``Forwarded`` header on untouched.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from functools import lru_cache
from ipaddress import IPv4Address, IPv4Network, IPv6Address, IPv6Network, ip_address
from typing import Any

from pyramid.config import Configurator
from pyramid.request import Request

Address = IPv4Address | IPv6Address
Network = IPv4Network | IPv6Network
FORWARDED_FOR = "HTTP_X_FORWARDED_FOR"
# When the server names no peer (a Unix socket, a test's bare environ).
UNKNOWN = "unknown"


@lru_cache(maxsize=4096)
def parse_address(text: str) -> Address | None:
    """An address as a server or proxy writes it: bare, quoted, or with a port
    (``192.0.2.1:4711``, ``[2001:db8::1]:4711``); ``None`` for anything else.

    An IPv4 address in IPv6 form (``::ffff:192.0.2.1``, from a dual-stack socket) is the
    IPv4 address, so that one client has one spelling. Kept per text: the same peers and
    proxies come back request after request, and ``ip_address`` is the slow part of
    naming the client in every access-log line.
    """
    text = text.strip().strip('"')
    if text.startswith("["):
        text, bracket, _ = text[1:].partition("]")
        if not bracket:
            return None
    elif text.count(":") == 1:
        text = text.partition(":")[0]
    try:
        address = ip_address(text)
    except ValueError:
        return None
    if isinstance(address, IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped
    return address


def _trusted(address: Address, proxies: Sequence[Network]) -> bool:
    return any(address in network for network in proxies)


def forwarded_client(environ: Mapping[str, Any], proxies: Sequence[Network]) -> str:
    """The client's address for a WSGI ``environ``, believing only ``proxies``."""
    peer = str(environ.get("REMOTE_ADDR") or "")
    address = parse_address(peer)
    if address is None:
        return peer or UNKNOWN
    if not _trusted(address, proxies):
        return str(address)
    for hop in reversed(str(environ.get(FORWARDED_FOR, "")).split(",")):
        forwarded = parse_address(hop)
        if forwarded is None:  # no proxy writes this: the last trusted one's word stands
            break
        address = forwarded
        if not _trusted(address, proxies):
            break
    return str(address)


def client_address(request: Request) -> str:
    """``request.client_address`` (reified): see the module's docstring."""
    return forwarded_client(request.environ, request.registry.app_settings.trusted_proxies)


def includeme(config: Configurator) -> None:
    config.add_request_method(client_address, "client_address", reify=True)
