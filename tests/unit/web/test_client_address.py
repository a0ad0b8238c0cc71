"""The client's address: the peer, unless a trusted proxy says whom it forwarded for."""

from __future__ import annotations

from ipaddress import ip_network

import pytest

from taskservice.web.client_address import forwarded_client, parse_address

PROXIES = (ip_network("10.0.0.0/8"), ip_network("192.0.2.1"), ip_network("2001:db8::/64"))


def client(peer: str | None, forwarded_for: str | None = None, proxies=PROXIES) -> str:
    environ = {}
    if peer is not None:
        environ["REMOTE_ADDR"] = peer
    if forwarded_for is not None:
        environ["HTTP_X_FORWARDED_FOR"] = forwarded_for
    return forwarded_client(environ, proxies)


@pytest.mark.parametrize("forwarded_for", ["203.0.113.9", "203.0.113.9, 10.1.1.1", "garbage"])
def test_no_trusted_proxies_means_the_peer_whatever_the_header_says(forwarded_for):
    assert client("198.51.100.4", forwarded_for, proxies=()) == "198.51.100.4"


def test_an_untrusted_peer_is_the_client_whatever_the_header_says():
    assert client("198.51.100.4", "203.0.113.9") == "198.51.100.4"
    assert client("198.51.100.4", "10.0.0.1") == "198.51.100.4"


def test_a_trusted_peer_forwards_for_the_right_most_address_that_is_not_a_proxy():
    assert client("192.0.2.1", "203.0.113.9") == "203.0.113.9"
    # The client wrote the left part itself; proxies appended the rest.
    assert client("192.0.2.1", "1.1.1.1, 203.0.113.9, 10.0.0.7") == "203.0.113.9"
    assert client("10.2.3.4", "1.1.1.1,203.0.113.9,10.0.0.7,192.0.2.1") == "203.0.113.9"


def test_a_chain_of_proxies_alone_is_its_furthest_proxy():
    assert client("192.0.2.1", "10.0.0.7, 10.0.0.8") == "10.0.0.7"


@pytest.mark.parametrize("forwarded_for", ["", " ", "unknown", "1.1.1.1, _hidden",
                                           "203.0.113.9, nonsense"])
def test_a_hop_no_proxy_would_write_stops_at_the_nearest_trusted_address(forwarded_for):
    assert client("192.0.2.1", forwarded_for) == "192.0.2.1"


def test_a_hop_after_trusted_ones_that_is_garbage_leaves_the_last_trusted_proxy():
    assert client("192.0.2.1", "garbage, 10.0.0.7") == "10.0.0.7"


def test_a_trusted_peer_without_the_header_is_the_client():
    assert client("10.0.0.1") == "10.0.0.1"


def test_ipv6_proxies_and_ports_and_brackets():
    assert client("2001:db8::1", '"[2001:db8:cafe::17]:4711", [2001:db8::2]') == (
        "2001:db8:cafe::17")
    assert client("2001:db8::1", "[2600::1]:4711") == "2600::1"
    assert client("2001:db8::1", "203.0.113.9:80") == "203.0.113.9"


def test_an_ipv4_mapped_peer_is_the_ipv4_address():
    assert client("::ffff:192.0.2.1", "203.0.113.9") == "203.0.113.9"
    assert client("::ffff:198.51.100.4") == "198.51.100.4"


def test_a_peer_that_is_no_address_is_kept_and_never_trusted():
    assert client("localhost", "203.0.113.9") == "localhost"
    assert client("", "203.0.113.9") == "unknown"
    assert client(None, "203.0.113.9") == "unknown"


@pytest.mark.parametrize(("text", "expected"), [
    ("192.0.2.1", "192.0.2.1"), (" 192.0.2.1 ", "192.0.2.1"), ("192.0.2.1:80", "192.0.2.1"),
    ("2001:db8::1", "2001:db8::1"), ("[2001:db8::1]", "2001:db8::1"),
    ("2001:0db8:0000::0001", "2001:db8::1"), ('"[::1]:80"', "::1"),
    ("::ffff:10.0.0.1", "10.0.0.1"),
])
def test_parse_address_spellings(text, expected):
    assert str(parse_address(text)) == expected


@pytest.mark.parametrize("text", ["", "unknown", "_hidden", "999.1.1.1", "1.2.3", "[::1",
                                  "example.com:80"])
def test_parse_address_refuses_what_is_no_address(text):
    assert parse_address(text) is None
