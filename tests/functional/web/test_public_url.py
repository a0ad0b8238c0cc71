"""Absolute URLs the service writes (``Location``, ``Link``) and ``taskservice.public_url``.

The ``Host`` header is the client's to choose: behind a proxy that passes any host on, a
URL built from it points wherever the client likes (a poisoned cache, a reset link to the
attacker's site). With ``taskservice.public_url`` set, every absolute URL starts with it,
whatever the request's host; left empty (the default) the request's host is used, as
before. The setting's validation at start-up is in tests/unit/test_settings.py.
"""

from __future__ import annotations

from typing import Any

import pytest
import webtest

from tests.support.api import Client
from tests.support.constants import PASSWORD

PUBLIC = "https://tasks.example.com"
EVIL_HOST = "evil.example.net"


def app_for(make_app: Any, **settings: str) -> webtest.TestApp:
    return webtest.TestApp(make_app(**settings), extra_environ={"HTTP_HOST": EVIL_HOST})


def login(app: webtest.TestApp, username: str) -> Client:
    credentials = {"username": username, "password": PASSWORD}
    app.post_json("/users", credentials, status=201)
    token = app.post_json("/tokens", credentials, status=201).json["token"]
    return Client(app, username, token)


def generated_urls(app: webtest.TestApp, username: str = "carol") -> list[str]:
    """Every kind of absolute URL the service writes, each from a request to EVIL_HOST."""
    register = app.post_json("/users", {"username": username, "password": PASSWORD}, status=201)
    token = app.post_json("/tokens", {"username": username, "password": PASSWORD}).json["token"]
    auth = {"Authorization": f"Bearer {token}"}
    task = app.post_json("/tasks", {"title": "a"}, headers=auth, status=201)
    app.post_json("/tasks", {"title": "b"}, headers=auth, status=201)
    task_id = task.json["id"]
    app.patch_json(f"/tasks/{task_id}", {"done": True}, headers=auth, status=200)
    a_list = app.post_json("/lists", {"name": "l"}, headers=auth, status=201)
    app.post_json("/lists", {"name": "m"}, headers=auth, status=201)
    batch = app.post_json("/batch", {"requests": [
        {"method": "POST", "path": "/tasks", "body": {"title": "c"}},
        {"method": "GET", "path": "/tasks?limit=1"}]}, headers=auth, status=200)
    sub_headers = [item["headers"] for item in batch.json["responses"]]
    return [
        register.headers["Location"], task.headers["Location"], a_list.headers["Location"],
        app.get("/tasks?limit=1&done=false", headers=auth).headers["Link"],
        app.get("/lists?limit=1", headers=auth).headers["Link"],
        app.get(f"/tasks/{task_id}/history?limit=1", headers=auth).headers["Link"],
        sub_headers[0]["Location"], sub_headers[1]["Link"],
    ]


def url_of(value: str) -> str:
    """The URL of a ``Location`` value or of a ``Link: <url>; rel="next"`` value."""
    return value[1:value.index(">")] if value.startswith("<") else value


def test_without_a_public_url_urls_use_the_requests_host(make_app):
    """The default keeps the behaviour of a service reached directly: the host asked for."""
    for value in generated_urls(app_for(make_app)):
        assert url_of(value).startswith(f"http://{EVIL_HOST}/"), value


def test_a_public_url_is_the_start_of_every_generated_url(make_app):
    for value in generated_urls(app_for(make_app, taskservice__public_url=PUBLIC)):
        assert url_of(value).startswith(f"{PUBLIC}/"), value
        assert EVIL_HOST not in value


def test_a_public_url_keeps_the_page_links_query(make_app):
    app = app_for(make_app, taskservice__public_url=PUBLIC)
    carol = login(app, "carol")
    for title in ("ä b one", "ä b two"):
        app.post_json("/tasks", {"title": title}, headers=carol.headers, status=201)
    link = app.get("/tasks", {"limit": 1, "q": "ä b"}, headers=carol.headers).headers["Link"]
    url = url_of(link)
    assert url.startswith(f"{PUBLIC}/tasks?limit=1&q=%C3%A4+b&cursor=")
    assert app.get(url.removeprefix(PUBLIC), headers=carol.headers).json["items"]


@pytest.mark.parametrize("public_url", ["https://example.com/api", "https://example.com/api/",
                                        "http://example.com:8080/"])
def test_a_public_url_may_carry_a_port_and_a_path(make_app, public_url):
    app = app_for(make_app, taskservice__public_url=public_url)
    location = app.post_json("/users", {"username": "dave", "password": PASSWORD},
                             status=201).headers["Location"]
    assert location == public_url.rstrip("/") + "/users/dave"
