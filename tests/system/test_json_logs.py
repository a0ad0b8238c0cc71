"""``pserve production.ini`` with ``TASKSERVICE_LOG_FORMAT=json``: stderr is JSON lines.

production.ini's ``[loggers]``/``[handlers]`` still route the lines (INFO for taskservice,
WARN for the rest, to stderr); only their format changes. ``pserve -q`` keeps its banner
(a print, not a log line) out of stderr.
"""

from __future__ import annotations

import json

from tests.support.constants import FAST_HASHING, PASSWORD
from tests.support.servers import PserveProcess, migrate

ACCESS_FIELDS = {"time", "level", "logger", "message", "request_id",
                 "method", "path", "status", "duration_ms", "user"}


def test_every_stderr_line_is_json_with_request_ids(tmp_path):
    url = f"sqlite:///{tmp_path / 'logs.sqlite'}"
    migrate(url)
    env = {"DATABASE_URL": url, "TASKSERVICE_LOG_FORMAT": "json", **FAST_HASHING}
    # -q: pserve's own "Starting server" banner is a print to stderr, not a log line.
    server = PserveProcess(tmp_path, env, stderr_apart=True, options=("-q",))
    with server:
        user = {"username": "logger1", "password": PASSWORD}
        assert server.request("POST", "/users", user, {"X-Request-Id": "sys-1"})[0] == 201
        _, _, body = server.request("POST", "/tokens", user, {"X-Request-Id": "sys-2"})
        auth = {"Authorization": f"Bearer {body['token']}", "X-Request-Id": "sys-3"}
        assert server.request("GET", "/tasks/999", headers=auth)[0] == 404
        assert server.request("GET", "/%ff", headers={"X-Request-Id": "sys-4"})[0] == 401
    text = server.stderr_path.read_text()
    records = [json.loads(line) for line in text.splitlines()]  # each line, or the test fails
    access = {r["request_id"]: r for r in records if r["logger"] == "taskservice.access"}
    assert set(access) >= {"sys-1", "sys-2", "sys-3", "sys-4"}
    assert all(set(record) >= ACCESS_FIELDS for record in access.values())
    assert (access["sys-3"]["method"], access["sys-3"]["path"], access["sys-3"]["status"],
            access["sys-3"]["user"]) == ("GET", "/tasks/999", 404, "logger1")
    assert access["sys-4"]["path"] == "/%FF"
