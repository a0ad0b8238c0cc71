"""GET /docs in a real browser: headless Chromium lists every endpoint and "try it out" works.

Runs a real server (pserve on a copy of development.ini, a freshly migrated SQLite
file) and Debian's Chromium through Playwright, and records every URL the page asks
for: all of them must be on the server itself, so the page works with no internet.
Without ``/usr/bin/chromium`` the test fails under ``CI=true`` and is skipped
elsewhere; ``.ci/api-conformance`` installs it.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.constants import FAST_HASHING, PASSWORD, ROOT
from tests.support.servers import free_port

BIN = Path(sys.executable).parent
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run",
]
TIMEOUT_MS = 20_000


def require_chromium() -> None:
    """A missing browser is a CI failure (never a silent skip), a local skip otherwise."""
    if Path(CHROMIUM).exists():
        return
    message = f"{CHROMIUM} is missing: apt-get install -y chromium (.ci/api-conformance does it)"
    if os.environ.get("CI") == "true":
        pytest.fail(message)
    pytest.skip(message)


def wait_until_up(url: str, process: subprocess.Popen, log: Path, seconds: float = 30) -> None:
    """Until ``url`` answers 200; a server that exits or stays silent fails with its log."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline and process.poll() is None:
        try:
            urllib.request.urlopen(url, timeout=1).close()
            return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"the server did not answer {url}:\n{log.read_text()[-3000:]}")


def server_ini(folder: Path, port: int) -> Path:
    """development.ini's app behind a waitress on ``port`` (whatever that ini's own port)."""
    ini = folder / "live.ini"
    ini.write_text(f"[app:main]\nuse = config:{ROOT / 'development.ini'}#main\n\n"
                   f"[server:main]\nuse = egg:waitress#main\nlisten = 127.0.0.1:{port}\n")
    return ini


@pytest.fixture(scope="module")
def live_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The base URL of pserve on a free port, with its own migrated database."""
    work = tmp_path_factory.mktemp("live")
    port = free_port()
    env = {**os.environ, **FAST_HASHING, "DATABASE_URL": f"sqlite:///{work / 'live.sqlite'}"}
    subprocess.run([BIN / "alembic", "-c", ROOT / "development.ini", "upgrade", "head"],
                   env=env, check=True, capture_output=True)
    log_path = work / "server.log"
    with open(log_path, "wb") as log:
        server = subprocess.Popen([BIN / "pserve", server_ini(work, port)], env=env,
                                  stdout=log, stderr=log, stdin=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    try:
        wait_until_up(base + "/__version__", server, log_path)
        yield base
    finally:
        server.terminate()
        server.wait(timeout=10)


def post_json(url: str, body: dict) -> dict:
    request = urllib.request.Request(url, json.dumps(body).encode(),
                                     {"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.load(response)


def token_for_new_user(base: str) -> str:
    credentials = {"username": "docs_reader", "password": PASSWORD}
    post_json(base + "/users", credentials)
    return post_json(base + "/tokens", credentials)["token"]


def documented_operations(base: str) -> set[tuple[str, str]]:
    with urllib.request.urlopen(base + "/__api__", timeout=10) as response:
        paths = json.load(response)["paths"]
    return {(method.upper(), path) for path, item in paths.items() for method in item}


def screenshot_path() -> Path:
    """Where CI keeps the screenshot: $TASKSERVICE_ARTIFACTS, else the temp directory."""
    folder = Path(os.environ.get("TASKSERVICE_ARTIFACTS")
                  or Path(tempfile.gettempdir()) / "taskservice-artifacts")
    folder.mkdir(parents=True, exist_ok=True)
    return folder / "docs.png"


def listed_operations(page) -> set[tuple[str, str]]:
    """(METHOD, path) of every operation block Swagger UI rendered."""
    return {
        (block.locator(".opblock-summary-method").inner_text().strip().upper(),
         block.locator(".opblock-summary-path").get_attribute("data-path"))
        for block in page.locator(".opblock").all()
    }


def authorize(page, token: str) -> None:
    """Swagger UI's Authorize dialog, as a reader would use it, in the Bearer scheme's form.

    The dialog has one form per security scheme (Bearer, and DRF's "Token <token>").
    """
    page.click("button.authorize")
    bearer = page.locator(".auth-container", has_text="bearerAuth")
    bearer.locator("input").fill(token)
    bearer.locator("button.authorize").click()
    bearer.locator("button.btn-done").click()


# Swagger UI's element id of an operation: its tag and its operationId.
GET_ME = "#operations-accounts-getCurrentUser"


def try_get_me(page) -> str:
    """Runs GET /users/me from the page; the live response's status code."""
    page.click(f"{GET_ME} .opblock-summary")
    page.click(f"{GET_ME} button.execute")
    status = page.locator(f"{GET_ME} .live-responses-table tr.response .response-col_status")
    status.first.wait_for(timeout=TIMEOUT_MS)
    return status.first.inner_text().strip()


def test_docs_page_lists_every_endpoint_and_tries_one_with_a_token(live_server, capsys):
    require_chromium()
    from playwright.sync_api import sync_playwright

    token = token_for_new_user(live_server)
    requested: list[str] = []
    console: list[str] = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 900})
            page.set_default_timeout(TIMEOUT_MS)
            page.on("request", lambda request: requested.append(request.url))
            page.on("console", lambda message: console.append(message.text))
            page.goto(live_server + "/docs", wait_until="networkidle")
            page.wait_for_selector(".opblock")
            listed = listed_operations(page)
            authorize(page, token)
            status = try_get_me(page)
            shot = screenshot_path()
            page.screenshot(path=str(shot), full_page=True)
        finally:
            browser.close()
    with capsys.disabled():
        print(f"\n/docs screenshot: {shot}")
    assert listed == documented_operations(live_server)
    assert status == "200"
    foreign = [url for url in requested if not url.startswith(live_server + "/")]
    assert foreign == [], "the page must work offline"
    # The page works under its own Content-Security-Policy: nothing it does is refused.
    assert [text for text in console if "Content Security Policy" in text] == []
