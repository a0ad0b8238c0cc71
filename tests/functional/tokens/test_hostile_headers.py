"""Hostile ``Authorization`` headers are a 401 in the contract's error shape, never a 5xx
(issue 29's "done when", section 1's "no input is ever a 5xx").

The header reaches the app as WSGI hands it over: a ``str`` of latin-1 characters (and in
process, any character). Two ``Authorization`` headers reach it joined by ``", "``, as
waitress joins repeated headers (WebTest keeps only the last of two, so the join is sent
as one); tests/system/test_token_headers.py sends two through a real server.
"""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.support.api import assert_error
from tests.support.token_api import BEARER_CHALLENGE, encode_basic

HUGE = 100_000


def b64(raw: bytes) -> str:
    return encode_basic(raw)


def hostile_headers(token: str, other: str) -> list[str]:
    """Malformed, oversized, mis-encoded and ambiguous forms around ``token`` (alice's)
    and ``other`` (bob's valid token)."""
    raw = token.encode()
    return [
        # Basic that is not base64(<username>:<token>)
        "Basic", "Basic ", "Basic !!!not base64!!!", "Basic " + b64(b"alice")[:-1],
        "Basic " + b64(b"alice"), "Basic " + b64(b":" + raw), "Basic " + b64(b"alice:"),
        "Basic " + b64(b":"),
        "Basic " + b64(b"alice:" + raw)[1:], "Basic " + b64(b"alice:" + raw) + "!",
        # someone else's valid token, or one's own made a little different
        "Basic " + b64(b"alice:" + other.encode()), "Basic " + b64(b"alice:" + raw + b" "),
        "Basic " + b64(b"alice:" + raw[:-1]), "Basic " + b64(b"alice::" + raw),
        # huge
        "Bearer " + "a" * HUGE, "Bearer " + token + "a" * HUGE, "Token " + "a" * HUGE,
        "Basic " + b64(b"alice:" + b"a" * HUGE), "Basic " + b64(b"a" * HUGE + b":" + raw),
        "Basic " + "A" * HUGE, "x" * HUGE, "Bearer " + " " * HUGE + "x",
        # non-ASCII, latin-1 and beyond, raw and inside the base64
        "Bearer ÿþ", "Bearer " + token + "é", "Basic " + "é" * 10, "Bearér " + token,
        "Basic " + b64("alicé:".encode("latin-1") + raw), "Basic " + b64(b"alice:\xff\xfe"),
        "Basic " + b64("ålice:".encode() + raw), "Bearer 日本語", "Basic 日本語",
        # NUL bytes
        "Bearer \x00", "Bearer " + token + "\x00", "Bearer \x00" + token,
        "Basic " + b64(b"alice\x00:" + raw), "Basic " + b64(b"alice:" + raw + b"\x00"),
        "Basic " + b64(b"alice:" + raw) + "\x00", "\x00" * 64,
        # Bearer with spaces or commas, and two headers as a server joins them
        "Bearer a b", "Bearer " + token + " " + token, "Bearer " + token + ",",
        "Bearer ," + token, "Bearer " + token + "," + token,
        f"Bearer {token}, Bearer {token}", f"Bearer {token}, Bearer {other}",
        f"Bearer {token}, Basic {b64(b'alice:' + raw)}",
        f"Basic {b64(b'alice:' + raw)}, Bearer {token}",
        # other schemes, and nothing
        "Digest username=\"alice\"", "Negotiate " + token, "Bearer", "Bearer ", "", " ",
        "Bearer\t", token,
    ]


def get(testapp, value: str, path: str = "/users/me"):
    """GET ``path`` with ``value`` as the Authorization header, whatever characters it has."""
    return testapp.get(path, extra_environ={"HTTP_AUTHORIZATION": value}, status="*")


def assert_refused(response) -> None:
    assert_error(response, 401)
    assert response.headers.getall("WWW-Authenticate") == [BEARER_CHALLENGE]


def test_each_hostile_header_is_a_401(testapp, alice, bob):
    failures = []
    for value in hostile_headers(alice.token, bob.token):
        response = get(testapp, value)
        if response.status_int != 401:
            failures.append((value[:80], response.status_int))
            continue
        assert_refused(response)
    assert failures == []


@pytest.mark.parametrize("around", ["\x00", "\xa0", "\x85", "\x0b", "\x1c", ",", ";", "é",
                                    "x"])
@pytest.mark.parametrize("side", ["before", "after"])
def test_a_valid_token_with_anything_around_it_is_a_401(testapp, alice, around, side):
    """Only spaces (and tabs) separate the scheme from the token or end the field (RFC
    9110's OWS); a token with any other character before or after it -- no-break space,
    NEL, vertical tab, a separator control, all of which arrive in a latin-1 header -- is
    not the token."""
    token = around + alice.token if side == "before" else alice.token + around
    assert_refused(get(testapp, f"Bearer {token}"))


@pytest.mark.parametrize("path", ["/tasks", "/users/me/tokens", "/lists", "/webhooks",
                                  "/changes"])
def test_hostile_headers_on_other_endpoints_are_401s(testapp, alice, bob, path):
    for value in hostile_headers(alice.token, bob.token)[::7]:
        assert_refused(get(testapp, value, path))


latin1 = st.text(st.characters(min_codepoint=0, max_codepoint=255), max_size=200)
SCHEMES = st.sampled_from(["Bearer", "bearer", "Token", "Basic", "basic", "BASIC", "Digest"])
garbage = st.one_of(
    latin1,
    st.builds(lambda scheme, rest: f"{scheme} {rest}", SCHEMES, latin1),
    st.builds(lambda raw: "Basic " + b64(raw), st.binary(max_size=300)),
    st.builds(lambda user, token: "Basic " + b64(user + b":" + token),
              st.binary(max_size=60), st.binary(max_size=120)),
    st.builds(lambda user, token: "Basic " + b64(f"{user}:{token}".encode("utf-8",
                                                                          "surrogatepass")),
              st.text(max_size=40), st.text(max_size=80)),
)


@settings(max_examples=300, deadline=None, derandomize=True, database=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(value=garbage)
def test_any_garbage_header_is_a_401(testapp, alice, value):
    assert_refused(get(testapp, value))


@settings(max_examples=100, deadline=None, derandomize=True, database=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(value=garbage)
def test_garbage_never_breaks_an_endpoint_that_needs_no_credentials(testapp, value):
    response = get(testapp, value, "/__lbheartbeat__")
    assert response.status_int < 500, response.body

