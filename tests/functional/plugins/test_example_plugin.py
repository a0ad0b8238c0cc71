"""The extension points, proved from outside the package by tests/plugins/example_plugin.py.

The plugin is loaded as an operator would load one, through ``taskservice.includes``;
each test shows one thing a plugin can rely on: its settings (validated, overridable by
the environment, shown and checked by ``taskservice-admin``), its subscriber, its
heartbeat, its endpoint and that endpoint's OpenAPI description.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
import webtest
from pyramid.exceptions import ConfigurationError

from taskservice import OPTIONAL_PACKAGES, PACKAGES, make_config
from taskservice.scripts.admin import main as admin
from taskservice.settings.converters import boolean
from tests.plugins import example_plugin
from tests.support.api import assert_error
from tests.support.cli import ini_on
from tests.support.constants import PASSWORD, TEST_SETTINGS
from tests.support.database import migrated_database

PLUGIN = "tests.plugins.example_plugin"
GREETING_ENV = "TASKSERVICE_EXAMPLE_GREETING"


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """The ini alone decides, unless a test sets a variable itself."""
    monkeypatch.delenv(GREETING_ENV, raising=False)


@pytest.fixture
def plugged(make_app: Callable[..., Any]) -> Callable[..., webtest.TestApp]:
    """A client of an app with the example plugin included, and extra settings."""

    def build(**overrides: str) -> webtest.TestApp:
        return webtest.TestApp(make_app(taskservice__includes=PLUGIN, **overrides))

    return build


def test_the_endpoint_answers_with_the_settings_value(plugged):
    testapp = plugged(taskservice__example__greeting="  good morning ")
    assert testapp.get("/example/greeting").json == {"greeting": "good morning",
                                                      "tone": "plain"}


def test_the_setting_has_its_declared_default(plugged):
    assert plugged().get("/example/greeting").json["greeting"] == "hello"


def test_a_second_setting_of_the_plugin_decides_a_declared_status(plugged):
    response = plugged().get("/example/greeting", {"tone": "loud"}, status=403)
    assert_error(response, 403, ("querystring", "tone"))
    loud = plugged(taskservice__example__loud="yes")
    assert loud.get("/example/greeting", {"tone": "loud"}).json["greeting"] == "HELLO"


@pytest.mark.parametrize("value", ["", "x" * 61, "tab\there"])
def test_a_bad_value_of_the_plugins_setting_refuses_start_up_in_one_line(make_app, value):
    with pytest.raises(SystemExit) as refused:
        make_app(taskservice__includes=PLUGIN, taskservice__example__greeting=value)
    message = str(refused.value)
    assert message.startswith("taskservice: invalid setting taskservice.example.greeting = ")
    assert "\n" not in message and "printable text of 1 to 60" in message


def test_the_environment_overrides_the_plugins_setting(plugged, monkeypatch):
    monkeypatch.setenv(GREETING_ENV, "from the environment")
    testapp = plugged(taskservice__example__greeting="from the ini")
    assert testapp.get("/example/greeting").json["greeting"] == "from the environment"


def test_a_plugins_key_without_the_plugin_is_refused(make_app):
    with pytest.raises(SystemExit, match="unknown setting") as refused:
        make_app(taskservice__example__greeting="hi")
    assert "taskservice.example.greeting" in str(refused.value)


def test_a_misspelt_core_key_is_still_refused_after_the_plugins_are_included(make_app):
    with pytest.raises(SystemExit) as refused:
        make_app(taskservice__includes=PLUGIN, taskservice__readonyl="true")
    message = str(refused.value)
    assert "taskservice.readonyl" in message and "unknown setting" in message
    assert "taskservice.readonly" in message and "taskservice.example.greeting" in message


def test_a_plugin_that_does_not_import_refuses_start_up_in_one_line(make_app):
    with pytest.raises(SystemExit) as refused:
        make_app(taskservice__includes="tests.plugins.no_such_plugin")
    message = str(refused.value)
    assert message.startswith("taskservice: invalid setting taskservice.includes = "
                              "'tests.plugins.no_such_plugin': cannot import it")
    assert "\n" not in message


def test_the_subscriber_hears_the_services_changes(make_app):
    app = make_app(taskservice__includes=PLUGIN)
    testapp = webtest.TestApp(app, extra_environ={"HTTP_HOST": "example.com"})
    testapp.post_json("/users", {"username": "plugged", "password": PASSWORD}, status=201)
    token = testapp.post_json("/tokens", {"username": "plugged", "password": PASSWORD},
                              status=201).json["token"]
    headers = {"Authorization": f"Bearer {token}"}
    task = testapp.post_json("/tasks", {"title": "t"}, headers=headers, status=201).json
    testapp.get(f"/tasks/{task['id']}", headers=headers)  # a read tells of nothing
    testapp.post_json("/batch", {"requests": [
        {"method": "PATCH", "path": f"/tasks/{task['id']}", "body": {"done": True}},
        {"method": "POST", "path": "/lists", "body": {"name": "l"}},
    ]}, headers=headers, status=200)
    testapp.delete(f"/tasks/{task['id']}", headers=headers, status=204)
    assert app.registry.example_events == {
        "user.created": 1, "task.created": 1, "task.updated": 1, "list.created": 1,
        "task.deleted": 1}


def test_the_heartbeat_includes_the_plugins_check_and_fails_with_it(make_app):
    app = make_app(taskservice__includes=PLUGIN)
    testapp = webtest.TestApp(app)
    assert testapp.get("/__heartbeat__").json == {"database": "ok", "example": "ok"}
    app.registry.example_dependency.up = False
    response = testapp.get("/__heartbeat__", status=503)
    [error] = assert_error(response, 503, ("request", "example"))
    assert error["description"].startswith("example unavailable")
    assert response.headers["Retry-After"] == "5"


def test_a_heartbeat_that_raises_is_a_failure_too(make_app, monkeypatch):
    app = make_app(taskservice__includes=PLUGIN)

    def broken(self):
        raise ConnectionError("no route to the mail server")

    monkeypatch.setattr(example_plugin.Dependency, "answers", broken)
    response = webtest.TestApp(app).get("/__heartbeat__", status=503)
    assert_error(response, 503, ("request", "example"))


def test_the_openapi_document_describes_the_plugins_endpoint(plugged):
    document = plugged().get("/__api__").json
    operation = document["paths"]["/example/greeting"]["get"]
    assert operation["operationId"] == "getGreeting"
    assert {"200", "400", "403"} <= set(operation["responses"])
    assert operation["responses"]["200"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/ExampleGreeting"}
    [tone] = operation["parameters"]
    assert tone["schema"]["allOf"] == [{"$ref": "#/components/schemas/ExampleTone"}]
    schemas = document["components"]["schemas"]
    assert schemas["ExampleTone"]["enum"] == ["plain", "loud"]
    assert schemas["ExampleGreeting"]["required"] == ["greeting", "tone"]


def test_without_the_plugin_the_document_has_none_of_it(testapp):
    document = testapp.get("/__api__").json
    assert "/example/greeting" not in document["paths"]
    assert "ExampleTone" not in document["components"]["schemas"]


def test_admin_settings_shows_the_plugins_settings(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("TASKSERVICE_EXAMPLE_LOUD", "true")
    ini = ini_on(tmp_path, migrated_database(tmp_path / "db.sqlite"),
                 **{"taskservice.includes": PLUGIN, "taskservice.example.greeting": "hi"})
    assert admin([ini, "settings"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert "taskservice.example.greeting = hi (ini)" in lines
    assert "taskservice.example.loud = true (env)" in lines


def test_admin_check_refuses_a_bad_value_of_the_plugins_setting(tmp_path, capsys):
    ini = ini_on(tmp_path, migrated_database(tmp_path / "db.sqlite"),
                 **{"taskservice.includes": PLUGIN, "taskservice.example.loud": "maybe",
                    "taskservice.token_ttl": "soon"})
    assert admin([ini, "check"]) == 1
    errors = capsys.readouterr().err.splitlines()
    assert len(errors) == 2
    assert "taskservice.token_ttl" in errors[0]
    assert "invalid setting taskservice.example.loud = 'maybe'" in errors[1]


def test_admin_check_passes_with_the_plugin(tmp_path, capsys):
    ini = ini_on(tmp_path, migrated_database(tmp_path / "db.sqlite"),
                 **{"taskservice.includes": PLUGIN, "taskservice.example.greeting": "hi"})
    assert admin([ini, "check"]) == 0


def test_admin_check_names_a_plugin_that_does_not_import(tmp_path, capsys):
    ini = ini_on(tmp_path, migrated_database(tmp_path / "db.sqlite"),
                 **{"taskservice.includes": "tests.plugins.no_such_plugin"})
    assert admin([ini, "check"]) == 1
    [error] = capsys.readouterr().err.splitlines()
    assert "taskservice.includes = 'tests.plugins.no_such_plugin': cannot import it" in error


# -- the optional packages ---------------------------------------------------------------------


def test_the_app_serves_tasks_without_its_optional_packages(make_app, alice):
    """Metrics, batch, idempotency and webhooks are includes like a plugin's: none is needed."""
    core = tuple(package for package in PACKAGES if package not in OPTIONAL_PACKAGES)
    assert len(core) == len(PACKAGES) - len(OPTIONAL_PACKAGES)
    testapp = webtest.TestApp(make_app(packages=core, taskservice__metrics="prometheus"),
                              extra_environ={"HTTP_HOST": "example.com"})
    headers = alice.headers
    task = testapp.post_json("/tasks", {"title": "core only"}, headers=headers, status=201).json
    url = f"/tasks/{task['id']}"
    assert testapp.get(url, headers=headers).json["title"] == "core only"
    testapp.patch_json(url, {"title": "still core"}, headers={**headers, "If-Match": '"1"'})
    assert testapp.get("/tasks", headers=headers).json["items"][0]["title"] == "still core"
    testapp.delete(url, headers=headers, status=204)
    for absent in ("/batch", "/webhooks", "/__metrics__"):
        testapp.get(absent, headers=headers, status=404)
    assert "/batch" not in testapp.get("/__api__").json["paths"]


def test_the_app_factory_includes_the_optional_packages(make_app):
    services = make_app(taskservice__metrics="prometheus").registry.cornice_services
    assert {"/batch", "/webhooks", "/__metrics__"} <= set(services)


# -- the directives refuse what would be ambiguous -------------------------------------------


@pytest.mark.parametrize("key", ["taskservice.readonly", "example.greeting", "taskservice."])
def test_a_plugin_cannot_declare_a_core_key_nor_one_outside_the_prefix(database_url, key):
    config = make_config({}, **{"sqlalchemy.url": database_url, **TEST_SETTINGS})
    with pytest.raises(ConfigurationError, match=re.escape(repr(key))):
        config.declare_setting(key, "", boolean, "a clash")


def test_a_key_or_a_heartbeat_cannot_be_added_twice(database_url):
    config = make_config({}, **{"sqlalchemy.url": database_url, **TEST_SETTINGS})
    config.declare_setting("taskservice.twice.flag", "false", boolean, "once")
    with pytest.raises(ConfigurationError, match="declared twice"):
        config.declare_setting("taskservice.twice.flag", "false", boolean, "twice")
    with pytest.raises(ConfigurationError, match="added twice"):
        config.add_heartbeat("database", lambda request: True)
