"""taskservice: a task-management REST service built the Pyramid way.

``main`` is the PasteDeploy app factory named by the ini files. It validates every
setting first (a bad value stops start-up with one line), then includes each package in
order: the tree and the shared plumbing, the database, then each domain; each package's
``includeme`` says what it adds. Last come the plugins named by ``taskservice.includes``
(taskservice.plugins, docs/plugins.md), whose own settings are then validated too.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from pyramid.config import Configurator
from pyramid.router import Router

from .plugins import declared_options, include_plugins, load_plugins
from .settings import (
    Option,
    Settings,
    SettingsError,
    default_settings,
    load_settings,
    with_default_database,
)
from .traversal import root_factory

# Framework settings this service depends on for correctness; an ini may still override.
FRAMEWORK_DEFAULTS = {
    "tm.annotate_user": "false",  # would look the user up at the start of every transaction
    # A read or a 4xx/5xx response writes nothing: see db.session.commit_veto.
    "tm.commit_veto": "taskservice.db.session.commit_veto",
    "tm.activate_hook": "taskservice.web.endpoints.needs_transaction",
    "retry.attempts": "3",
    "handle_exceptions": "false",  # web.exception_views owns them, not Cornice
}


# The service's own packages, in the order they are included; each one's includeme says
# what it adds. The optional ones could be left out (tests/functional/plugins/ builds
# the app without them): nothing else needs them to be there.
OPTIONAL_PACKAGES = (".metrics", ".batch", ".idempotency", ".webhooks", ".caldav")
# Pyramid tries routes in the order they were added: the operator endpoints come first, as
# a load balancer asks for one every few seconds and it would otherwise be tried last.
PACKAGES = (".events", ".traversal", ".web", ".db", ".ops", ".metrics", ".accounts", ".tasks",
            ".lists", ".reminders", ".changes", ".batch", ".idempotency", ".webhooks",
            ".caldav", ".openapi")


def make_config(global_config: dict[str, Any], **raw: Any) -> Configurator:
    """The configured, not yet committed Configurator (tests add views to it)."""
    return build_config(global_config, raw, PACKAGES)


def build_config(
    global_config: dict[str, Any], raw: dict[str, Any], packages: tuple[str, ...]
) -> Configurator:
    """:func:`make_config` with ``packages`` (in order) as the service's own: the core
    settings are validated, the packages included, then the plugins of
    ``taskservice.includes``, whose settings are validated last (taskservice.plugins)."""
    raw = with_default_database(raw, global_config.get("here", "."))
    for key, value in FRAMEWORK_DEFAULTS.items():
        raw.setdefault(key, value)
    config = core_config(raw, load_settings(raw), packages)
    load_plugins(config, raw)
    return config


def core_config(raw: dict[str, Any], app_settings: Settings,
                packages: tuple[str, ...]) -> Configurator:
    """A Configurator with ``packages`` included, before any plugin is."""
    config = Configurator(settings=raw, root_factory=root_factory)
    config.registry.app_settings = app_settings
    config.include("cornice")
    config.include(".plugins")
    for package in packages:
        config.include(package)
    return config


def declared_plugin_options(includes: tuple[str, ...]) -> dict[str, Option]:
    """The options the plugins ``includes`` declare, by key, without building the app.

    For ``taskservice-admin check`` and ``settings``, which must answer when the app would
    not start: the plugins are included in a configuration of every package at its default
    settings, on an in-memory database that is never connected to, and never committed.
    A plugin that cannot be included raises as at start-up.
    """
    settings = replace(default_settings("sqlite://"), includes=includes)
    config = core_config({}, settings, PACKAGES)
    include_plugins(config, includes)
    return declared_options(config)


def main(global_config: dict[str, Any], **settings: Any) -> Router:
    """Build the WSGI application; exits with a one-line message on a bad setting."""
    try:
        config = make_config(global_config, **settings)
    except SettingsError as error:
        raise SystemExit(f"taskservice: {error}") from None
    return config.make_wsgi_app()
