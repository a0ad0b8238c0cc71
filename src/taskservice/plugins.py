"""Plugins from the ini: ``taskservice.includes`` and the ``config.declare_setting`` directive.

Like Kinto's ``kinto.includes``, each dotted name of ``taskservice.includes`` is
``config.include``d at the end of the app factory, once every package of the service and
every directive exists, so a plugin adds views, subscribers, heartbeats and settings with
the same directives the service's own packages use (docs/plugins.md).

A plugin's settings are checked as the core's are: it declares each key with
:func:`declare_setting` while it is included; once every plugin is, their values are
converted (environment variables winning, as for the core) into ``registry.plugin_settings``
and any ``taskservice.*`` key nobody declared stops start-up -- a misspelt core key as
much as a plugin's key left behind in the ini after the plugin was removed.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from pyramid.config import Configurator
from pyramid.exceptions import ConfigurationError

from .settings import (
    INCLUDES_KEY,
    OPTIONS_BY_KEY,
    PREFIX,
    Option,
    fail,
    load_plugin_settings,
)


def declared_options(config: Configurator) -> dict[str, Option]:
    """The options the plugins included in ``config`` have declared so far, by key."""
    options: dict[str, Option] = config.registry.declared_options
    return options


def declare_setting(
    config: Configurator, key: str, default: str, convert: Callable[[str, str], Any],
    description: str,
) -> None:
    """The ``config.declare_setting`` directive: a plugin's own ``taskservice.*`` key.

    ``convert(key, text)`` returns the typed value or raises :class:`SettingsError` (the
    converters of taskservice.settings.converters are such functions); ``default`` is the
    text used when neither the ini nor the key's environment variable gives one, and is
    converted too. The value is ``registry.plugin_settings[key]`` once the app is
    configured. A key outside ``taskservice.``, or one already declared, is a programming
    error and stops start-up.
    """
    if not key.startswith(PREFIX) or key == PREFIX:
        raise ConfigurationError(f"setting {key!r}: a plugin's keys start with {PREFIX!r}")
    options = declared_options(config)
    if key in OPTIONS_BY_KEY or key in options:
        raise ConfigurationError(f"setting {key!r} is declared twice")
    options[key] = Option(key, convert, default, description)


def include_plugins(config: Configurator, names: tuple[str, ...]) -> None:
    """``config.include`` each plugin; a name that cannot be imported is a one-line refusal."""
    for name in names:
        try:
            config.include(name)
        except ImportError as error:
            raise fail(INCLUDES_KEY, name, f"cannot import it ({error})") from None


def load_plugins(config: Configurator, raw: Mapping[str, Any]) -> None:
    """Include the plugins ``taskservice.includes`` names, then validate every setting they
    declared and refuse every ``taskservice.*`` key nobody did (:class:`SettingsError`)."""
    include_plugins(config, config.registry.app_settings.includes)
    config.registry.plugin_settings = load_plugin_settings(raw, declared_options(config))


def includeme(config: Configurator) -> None:
    config.registry.declared_options = {}
    config.add_directive("declare_setting", declare_setting)
