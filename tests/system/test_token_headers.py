"""Section 15 through a real ``pserve``: ``Authorization`` headers as only a real client
sends them (two of them, raw latin-1 bytes, NUL bytes), and named tokens minted by
concurrent requests against ``taskservice.tokens.max_per_user``.

Requests are written on raw sockets: ``http.client`` would send neither a NUL byte nor
two headers of one name as they are. Waitress joins repeated headers with ``", "``; the
app must refuse the join, whatever tokens it holds, with a 401 in the error shape.
"""

from __future__ import annotations

import base64
import contextlib
import json
import socket
from collections import Counter
from collections.abc import Iterator

import pytest

from tests.support.constants import FAST_HASHING, PASSWORD
from tests.support.load import ApiUser, concurrently, error_lines, server_database
from tests.support.servers import PserveProcess, http_request

CAP = 3
RACERS = 16
ROUNDS = 4  # a race lost once in a while must still show
SOCKET_TIMEOUT = 10.0


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[PserveProcess]:
    """``pserve production.ini`` (its ``[server:main]``) on a database of its own, fast hashing."""
    workdir = tmp_path_factory.mktemp("token-headers")
    env = {**FAST_HASHING, "TASKSERVICE_TOKENS_MAX_PER_USER": str(CAP)}
    with (server_database(workdir, "ts_tokens") as url,
          PserveProcess(workdir, {"DATABASE_URL": url, **env}) as server):
        yield server


@pytest.fixture(autouse=True)
def no_errors_logged(server: PserveProcess) -> Iterator[None]:
    yield
    assert error_lines(server.output()) == []


@pytest.fixture(scope="module")
def users(server: PserveProcess) -> dict[str, ApiUser]:
    """Alice and bob, registered and logged in once for the module."""
    return {name: ApiUser.register(server.port, name) for name in ("alice", "bob")}


@pytest.fixture
def alice(users: dict[str, ApiUser]) -> ApiUser:
    return users["alice"]


def exchange(port: int, authorizations: list[bytes], path: bytes = b"/users/me"
             ) -> tuple[int, list[tuple[str, str]], bytes]:
    """``GET path`` with one ``Authorization`` line per item, sent as these bytes."""
    lines = [b"GET " + path + b" HTTP/1.1", b"Host: localhost", b"Connection: close"]
    lines += [b"Authorization: " + value for value in authorizations]
    with socket.create_connection(("127.0.0.1", port), timeout=SOCKET_TIMEOUT) as sock:
        sock.sendall(b"\r\n".join(lines) + b"\r\n\r\n")
        chunks = []
        with contextlib.suppress(ConnectionResetError):
            while chunk := sock.recv(65536):
                chunks.append(chunk)
    head, _, body = b"".join(chunks).partition(b"\r\n\r\n")
    status_line, *header_lines = head.decode("latin-1").split("\r\n")
    headers = [tuple(part.strip() for part in line.split(":", 1)) for line in header_lines]
    return int(status_line.split(" ", 2)[1]), headers, body


def assert_refused(answer: tuple[int, list[tuple[str, str]], bytes]) -> None:
    """A 401 in the contract's error shape, offering Bearer."""
    status, headers, body = answer
    assert status == 401, body
    decoded = json.loads(body)
    assert decoded["status"] == "error" and set(decoded) == {"status", "errors", "request_id"}
    challenges = [value for name, value in headers if name.lower() == "www-authenticate"]
    assert challenges == ['Bearer realm="taskservice"']


def bearer(user: ApiUser) -> bytes:
    return user.headers["Authorization"].encode()


def basic(username: str, user: ApiUser) -> bytes:
    token = user.headers["Authorization"].removeprefix("Bearer ")
    return b"Basic " + base64.b64encode(f"{username}:{token}".encode())


def test_each_form_works_alone(server, alice):
    """The forms the next test doubles are valid one at a time."""
    for value in (bearer(alice), basic("alice", alice), basic("ALICE", alice)):
        assert exchange(server.port, [value])[0] == 200


@pytest.mark.parametrize("pair", ["same-bearer", "bearer-then-bogus", "bogus-then-bearer",
                                  "bearer-then-basic", "alice-then-bob"])
def test_two_authorization_headers_are_a_401(server, users, pair):
    alice, bob = users["alice"], users["bob"]
    values = {
        "same-bearer": [bearer(alice), bearer(alice)],
        "bearer-then-bogus": [bearer(alice), b"Bearer bogus"],
        "bogus-then-bearer": [b"Bearer bogus", bearer(alice)],
        "bearer-then-basic": [bearer(alice), basic("alice", alice)],
        "alice-then-bob": [bearer(alice), bearer(bob)],
    }[pair]
    assert_refused(exchange(server.port, values))


@pytest.mark.parametrize("value", [
    b"Bearer \xff\xfe\xfd", b"Basic \xe9\xe9\xe9", b"Bearer caf\xe9",
    b"Basic " + base64.b64encode(b"al\xefce:token"),
    b"Basic " + base64.b64encode(b"alice\x00:x"),
])
def test_raw_bytes_in_the_header_are_a_401(server, alice, value):
    assert_refused(exchange(server.port, [value]))


@pytest.mark.parametrize("value", [b"Bearer abc\x00def", b"\x00"])
def test_a_nul_byte_in_the_header_is_refused_before_the_app(server, alice, value):
    """Waitress answers a raw NUL in a header itself (400, "Invalid header"), as it does an
    oversized header (tests/system/test_hardening.py); a NUL that reaches the app is
    tests/functional/tokens/test_hostile_headers.py's. Never a pass, never a 5xx."""
    for sent in (value, bearer(alice) + value):
        assert exchange(server.port, [sent])[0] == 400


def racer_master(server: PserveProcess, username: str) -> dict[str, str]:
    """A new user's headers with a token that never expires: only the cap can refuse."""
    racer = ApiUser.register(server.port, username)
    status, _, master = racer.request("POST", "/tokens", {
        "username": username, "password": PASSWORD, "expires_in": None})
    assert status == 201, master
    return {"Authorization": f"Bearer {master['token']}"}


@pytest.mark.parametrize("round_", range(ROUNDS))
def test_named_tokens_racing_at_the_cap_never_pass_it(server, round_):
    headers = racer_master(server, f"racer{round_}")
    answers = concurrently(RACERS, lambda index: http_request(
        server.port, "POST", "/users/me/tokens", {"name": f"racer {index}"}, headers))
    assert Counter(status for status, _, _ in answers) == {201: CAP, 400: RACERS - CAP}
    status, _, listing = http_request(server.port, "GET", "/users/me/tokens?limit=100",
                                      headers=headers)
    assert status == 200
    assert len([item for item in listing["items"] if item["name"] is not None]) == CAP
