"""A path segment of ``.`` or ``..`` names nothing (contract section 1: a 404, never a 5xx).

Routing matches ``/tasks/5/shares/..`` with ``username = ".."``, and traversal would then
collapse the segment as a file system does, landing on the task itself under the share's
route and view. Every templated path of the OpenAPI document is tried with each dot
segment in each placeholder, raw and percent-encoded, by an owner and anonymously.
"""

from __future__ import annotations

import json
import re

from tests.support.api import assert_error
from tests.support.openapi import operations

PLACEHOLDER = re.compile(r"\{[^}]+\}")
DOT_SEGMENTS = (".", "..", "%2e", "%2e%2e", "%2E%2e")


def dotted_paths(document: dict, task_id: str, list_id: str) -> set[tuple[str, str]]:
    """(method, path) for every templated path, one placeholder a dot segment at a time."""
    real = {"id": task_id, "username": "alice"}
    found = set()
    for template, method, _operation in operations(document):
        names = PLACEHOLDER.findall(template)
        for index in range(len(names)):
            for dots in DOT_SEGMENTS:
                path, seen = template, 0
                for name in names:
                    value = dots if seen == index else real.get(name[1:-1], list_id)
                    path, seen = path.replace(name, value, 1), seen + 1
                found.add((method.upper(), path))
    return found


def test_dot_segments_name_nothing(testapp, alice):
    task = testapp.post_json("/tasks", {"title": "a"}, headers=alice.headers).json
    listed = testapp.post_json("/lists", {"name": "l"}, headers=alice.headers).json
    document = testapp.get("/__api__").json
    paths = dotted_paths(document, task["id"], listed["id"])
    assert len(paths) > 40  # the document's templated paths, each placeholder dotted
    wrong = []
    for method, path in sorted(paths):
        body = {"permission": "view"} if method in ("PUT", "PATCH", "POST") else None
        for headers, status in ((alice.headers, 404), ({}, 401)):
            response = testapp.request(
                path, method=method, headers=headers, status="*",
                body=None if body is None else json.dumps(body).encode(),
                content_type="application/json" if body else None)
            if response.status_int != status:
                wrong.append((method, path, bool(headers), response.status_int))
            else:
                assert_error(response, status)
    assert wrong == []
    # Nothing was changed on the way: the task is as it was, with no share.
    assert testapp.get(f"/tasks/{task['id']}", headers=alice.headers).json == task
    assert testapp.get(f"/tasks/{task['id']}/shares", headers=alice.headers).json["items"] == []
