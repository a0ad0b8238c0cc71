"""vdirsyncer and todoman against ``pserve`` (contract section 16), set up as their users
set them up: vdirsyncer pairs the service (found from its bare address, with an app
password) with a folder of ``.ics`` files, and todoman edits that folder.

Every change made in the folder reaches the JSON API after a ``vdirsyncer sync``, and every
JSON API change reaches the folder. A task changed on both sides is a conflict vdirsyncer
reports (its default ``conflict_resolution`` is none), and the service keeps its version.

Both programs run as subprocesses with a timeout, a home, configuration and state of their
own in the test's directory, ``TZ=UTC``, and no proxy: they talk to 127.0.0.1 only.
"""

from __future__ import annotations

import json
import os
import subprocess
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import icalendar
import pytest

from tests.support.dav_clients import DavAccount, instant
from tests.support.servers import VENV_BIN, PserveProcess

COMMAND_TIMEOUT = 60.0  # seconds, for one vdirsyncer or todo run
PROXY_VARIABLES = {"http_proxy", "https_proxy", "all_proxy", "no_proxy"}
CONFLICT = "One item changed on both sides"
ITEM_TYPES = ("VTODO",)
FROM_SERVER = ("from b",)  # every collection of side b, the service
# Text as people write it: not ASCII, escaped characters (RFC 5545 3.3.11), and a line long
# enough to be folded at 75 octets (3.1) in the middle of a character.
PLUMBER = "Appeler le plombier; café à 8 €, s'il vient"
BOILER = "Ask about the boiler — the Vaillant ecoTEC, not the old one; Dienstag ab 14 Uhr, " * 3


class Desktop:
    """A user's vdirsyncer and todoman, configured in ``root`` for ``account`` on ``port``."""

    def __init__(self, root: Path, port: int, account: DavAccount,
                 item_types: tuple[str, ...] | None = ITEM_TYPES,
                 collections: tuple[str, ...] = FROM_SERVER) -> None:
        self.root = root
        self.calendars = root / "calendars"
        self.calendars.mkdir()
        self.vdirsyncer_config = root / "vdirsyncer.conf"
        self.vdirsyncer_config.write_text(
            vdirsyncer_config(root, port, account, item_types, collections))
        self.todoman_config = root / "todoman-config.py"
        self.todoman_config.write_text(
            f"path = {json.dumps(str(self.calendars / '*'))}\n"
            f"cache_path = {json.dumps(str(root / 'todoman-cache.sqlite3'))}\n"
            'date_format = "%Y-%m-%d"\ntime_format = "%H:%M"\ndefault_due = 0\n')
        home = {"HOME": str(root), "XDG_CONFIG_HOME": str(root / "config"),
                "XDG_CACHE_HOME": str(root / "cache"), "XDG_DATA_HOME": str(root / "data")}
        self.env = {**{key: value for key, value in os.environ.items()
                       if key.lower() not in PROXY_VARIABLES}, **home, "TZ": "UTC"}

    def run(self, command: list[str], stdin: str = "") -> subprocess.CompletedProcess[str]:
        try:
            return subprocess.run(command, cwd=self.root, env=self.env, input=stdin,
                                  capture_output=True, text=True, timeout=COMMAND_TIMEOUT)
        except subprocess.TimeoutExpired as expired:
            pytest.fail(f"{command} did not finish in {COMMAND_TIMEOUT}s: {expired.stderr!r}")

    def vdirsyncer(self, *args: str) -> subprocess.CompletedProcess[str]:
        """A run at debug verbosity: a failure shows every request and answer."""
        return self.run([str(VENV_BIN / "vdirsyncer"), "-v", "debug",
                         "-c", str(self.vdirsyncer_config), *args])

    def synced(self, command: str = "sync") -> None:
        """``vdirsyncer <command>`` succeeded (its log is in the failure if not)."""
        result = self.vdirsyncer(command, *(["--no-list"] if command == "discover" else []))
        assert result.returncode == 0, result.stdout + result.stderr

    def discovered_and_synced(self) -> None:
        self.synced("discover")
        self.synced()

    def todo(self, *args: str, stdin: str = "") -> str:
        result = self.run([str(VENV_BIN / "todo"), "-c", str(self.todoman_config), *args],
                          stdin)
        assert result.returncode == 0, result.stdout + result.stderr
        return result.stdout

    def todos(self) -> list[dict[str, Any]]:
        """``todo list`` in the JSON todoman keeps stable (``--porcelain``), done ones too."""
        return json.loads(self.todo("--porcelain", "list", "--status", "ANY"))

    def todo_titled(self, title: str) -> dict[str, Any]:
        [found] = [todo for todo in self.todos() if todo["summary"] == title]
        return found

    def collections(self) -> set[str]:
        return {path.name for path in self.calendars.iterdir() if path.is_dir()}

    def vtodos(self, collection: str) -> dict[str, icalendar.Component]:
        """The VTODOs of the files vdirsyncer keeps for ``collection``, by summary."""
        files = (self.calendars / collection).glob("*.ics")
        components = [component for path in files
                      for component in icalendar.Calendar.from_ical(path.read_text()).walk("VTODO")]
        return {str(component["SUMMARY"]): component for component in components}


def vdirsyncer_config(root: Path, port: int, account: DavAccount,
                      item_types: tuple[str, ...] | None, collections: tuple[str, ...]
                      ) -> str:
    """A pair of the service and a folder, of ``item_types`` (a ``calendar-query`` for them;
    without, vdirsyncer lists by ``PROPFIND``), the ``collections`` of one side or both.

    ``implicit = "create"`` makes the folders of new collections without a prompt, and no
    ``conflict_resolution``: vdirsyncer's default, a conflict is an error. ``metasync``
    copies each collection's ``displayname`` (todoman's name for the list).
    """
    def quoted(value: str) -> str:
        return json.dumps(value)

    return "\n".join([
        "[general]", f"status_path = {quoted(str(root / 'status'))}", "",
        "[pair tasks]", 'a = "tasks_local"', 'b = "tasks_remote"',
        f"collections = {json.dumps(list(collections))}", 'implicit = "create"',
        'metadata = ["displayname"]', "",
        "[storage tasks_local]", 'type = "filesystem"',
        f"path = {quoted(str(root / 'calendars'))}", 'fileext = ".ics"', "",
        "[storage tasks_remote]", 'type = "caldav"',
        f"url = {quoted(f'http://127.0.0.1:{port}/')}",
        f"username = {quoted(account.username)}", f"password = {quoted(account.app_password)}",
        *([f"item_types = {json.dumps(list(item_types))}"] if item_types else []), "",
    ])


@pytest.fixture
def desktop(tmp_path: Path, server: PserveProcess, account: DavAccount) -> Desktop:
    return Desktop(tmp_path, server.port, account)


def test_discover_and_sync_bring_every_list_down(desktop, account):
    list_id = account.create_list("Chores")
    account.create_task("Post the parcel", list_id)
    account.create_task("Water the plants")
    desktop.discovered_and_synced()
    assert desktop.collections() == {"inbox", list_id}
    assert list(desktop.vtodos(list_id)) == ["Post the parcel"]
    assert {(todo["summary"], todo["list"]) for todo in desktop.todos()} == {
        ("Post the parcel", list_id), ("Water the plants", "inbox")}

    desktop.synced("metasync")
    assert desktop.todo_titled("Post the parcel")["list"] == "Chores"
    account.patch_list(list_id, {"name": "House chores"})
    desktop.synced("metasync")
    assert (desktop.calendars / list_id / "displayname").read_text() == "House chores"


def test_todoman_changes_reach_the_json_api(desktop, account):
    list_id = account.create_list("Home")
    # It stays: vdirsyncer refuses to sync a collection that one side emptied completely
    # (it takes that for a lost folder, not for deletions).
    account.create_task("Bleed the radiators", list_id)
    desktop.discovered_and_synced()

    desktop.todo("new", "-l", list_id, "-d", "2027-01-15 09:30", "--priority", "medium",
                  "-c", "plumbing", PLUMBER)
    desktop.synced()
    task = account.task_titled(PLUMBER)
    assert (task["list"], task["done"], task["priority"], task["tags"]) == (
        list_id, False, "normal", ["plumbing"])
    assert instant(task["due_at"]) == datetime(2027, 1, 15, 9, 30, tzinfo=UTC)

    number = str(desktop.todo_titled(PLUMBER)["id"])
    desktop.todo("edit", number, "--priority", "high", "-c", "boiler", "-c", "plumbing", "-r",
                 stdin=BOILER)
    desktop.synced()
    body, _ = account.task(task["id"])
    assert (body["priority"], sorted(body["tags"]), body["description"]) == (
        "high", ["boiler", "plumbing"], BOILER)
    assert body["version"] == task["version"] + 1

    desktop.todo("done", number)
    desktop.synced()
    body, _ = account.task(task["id"])
    assert (body["done"], body["version"]) == (True, task["version"] + 2)
    assert body["completed_at"] is not None

    desktop.todo("delete", "--yes", number)
    desktop.synced()
    assert account.task_status(task["id"]) == 404

    desktop.todo("new", "-l", "inbox", "Buy stamps")
    desktop.synced()
    assert account.task_titled("Buy stamps")["list"] is None


def test_json_api_changes_reach_the_folder(desktop, account):
    list_id = account.create_list("Kitchen")
    task = account.create_task("Defrost the freezer", list_id)
    account.create_task("Descale the kettle", list_id)  # stays, as "Bleed the radiators"
    desktop.discovered_and_synced()
    assert desktop.todo_titled("Defrost the freezer")["completed"] is False

    account.patch_task(task["id"], {"title": "Defrost the freezer tonight", "done": True})
    desktop.synced()
    vtodos = desktop.vtodos(list_id)
    assert sorted(vtodos) == ["Defrost the freezer tonight", "Descale the kettle"]
    assert str(vtodos["Defrost the freezer tonight"]["STATUS"]) == "COMPLETED"
    assert desktop.todo_titled("Defrost the freezer tonight")["completed"] is True

    account.delete_task(task["id"])
    desktop.synced()
    assert list(desktop.vtodos(list_id)) == ["Descale the kettle"]
    assert [todo["summary"] for todo in desktop.todos()] == ["Descale the kettle"]


def test_a_json_api_task_edited_in_todoman(desktop, account):
    """The object the service wrote, changed by todoman and sent back whole."""
    list_id = account.create_list("Shed")
    task = account.create_task("Oil the hinges", list_id)
    desktop.discovered_and_synced()
    desktop.todo("edit", str(desktop.todo_titled("Oil the hinges")["id"]), "--priority", "low",
                 "-c", "tools")
    desktop.synced()
    body, _ = account.task(task["id"])
    assert (body["title"], body["priority"], body["tags"], body["version"]) == (
        "Oil the hinges", "low", ["tools"], task["version"] + 1)

def test_a_change_on_both_sides_is_a_conflict_and_the_service_keeps_its_own(desktop, account):
    list_id = account.create_list("Garage")
    task = account.create_task("Fix the bike", list_id)
    desktop.discovered_and_synced()

    desktop.todo("edit", str(desktop.todo_titled("Fix the bike")["id"]), "--priority", "low")
    changed = account.patch_task(task["id"], {"title": "Fix the bike's brakes"})
    result = desktop.vdirsyncer("sync")
    assert result.returncode != 0
    assert CONFLICT in result.stderr, result.stderr

    body, _ = account.task(task["id"])
    assert (body["title"], body["priority"], body["version"]) == (
        "Fix the bike's brakes", "normal", changed["version"])
    vtodos = desktop.vtodos(list_id)  # the folder keeps the local edit, for the user to merge
    assert list(vtodos) == ["Fix the bike"]
    assert int(vtodos["Fix the bike"]["PRIORITY"]) == 9


def test_without_item_types_vdirsyncer_lists_by_propfind(tmp_path, server, account):
    """Many configurations leave ``item_types`` out: vdirsyncer then lists a collection with
    a ``Depth: 1`` ``PROPFIND`` (and its content types) instead of a ``calendar-query``."""
    desktop = Desktop(tmp_path, server.port, account, item_types=None)
    list_id = account.create_list("Attic")
    task = account.create_task("Sort the boxes", list_id)
    desktop.discovered_and_synced()
    assert list(desktop.vtodos(list_id)) == ["Sort the boxes"]

    desktop.todo("done", str(desktop.todo_titled("Sort the boxes")["id"]))
    desktop.synced()
    assert account.task(task["id"])[0]["done"] is True
    account.patch_task(task["id"], {"title": "Sort the boxes again", "done": False})
    desktop.synced()
    assert desktop.todo_titled("Sort the boxes again")["completed"] is False


def test_a_folder_made_locally_becomes_a_list(tmp_path, server, account):
    """With ``collections = ["from a", "from b"]`` a folder of the user's becomes a
    collection on the service: vdirsyncer creates it with an extended ``MKCOL`` (RFC 5689,
    resourcetype calendar), then uploads its tasks."""
    desktop = Desktop(tmp_path, server.port, account, collections=("from a", "from b"))
    (desktop.calendars / "groceries").mkdir()
    desktop.todo("new", "-l", "groceries", "Buy lentils")
    desktop.discovered_and_synced()
    made = account.list_named("groceries")
    assert account.task_titled("Buy lentils")["list"] == made["id"]
