"""Every operator-facing setting, read, converted and validated in one place.

The ini file (or ``DATABASE_URL`` / ``TASKSERVICE_*`` environment variables, which win)
is read once, at start-up. A bad value raises :class:`SettingsError` with a single line
naming the key, the value and what is allowed, so a typo stops the service before it
serves anything instead of surfacing at the first request. The rest of the application
only ever sees the typed :class:`Settings` object.

Each key is declared once, in options.py (``OPTIONS`` and :class:`Settings`); its value
converters are converters.py's; this module reads them: ini, environment, defaults. A
plugin declares its own keys the same way, as ``Option``s (taskservice.plugins), read by
:func:`load_plugin_settings` once every plugin is included.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any

from .converters import RateLimit, SettingsError, database_url, fail
from .options import (
    DATABASE_URL_ENV,
    DATABASE_URL_KEY,
    INCLUDES_KEY,
    NO_OPTIONS,
    OPTIONS,
    OPTIONS_BY_KEY,
    PREFIX,
    Option,
    Settings,
    env_name,
)

__all__ = [
    "DATABASE_URL_ENV",
    "DATABASE_URL_KEY",
    "INCLUDES_KEY",
    "NO_OPTIONS",
    "OPTIONS",
    "OPTIONS_BY_KEY",
    "PREFIX",
    "Option",
    "RateLimit",
    "Settings",
    "SettingsError",
    "default_database_url",
    "default_settings",
    "effective_raw_settings",
    "env_name",
    "fail",
    "load_plugin_settings",
    "load_settings",
    "refuse_unclaimed",
    "settings_problems",
    "with_default_database",
]


def default_database_url(here: str) -> str:
    """An SQLite file beside the ini (``here`` is the ini's directory)."""
    return f"sqlite:///{here}/taskservice.sqlite"


def default_settings(database_url: str) -> Settings:
    """Every setting at its default, on ``database_url``."""
    return load_settings({DATABASE_URL_KEY: database_url}, {})


def with_default_database(raw: Mapping[str, Any], here: str) -> dict[str, Any]:
    """``raw`` with :func:`default_database_url` when it names no database: what every
    reader of an ini (the app factory, the worker, ``check``) starts from."""
    return {DATABASE_URL_KEY: default_database_url(here), **raw}


def effective_raw_settings(
    raw: Mapping[str, Any], environ: Mapping[str, str] | None = None,
    declared: Mapping[str, Option] = NO_OPTIONS,
) -> dict[str, Any]:
    """The ini settings with the environment overrides applied (the environment wins), for
    the core keys and the ``declared`` ones (a plugin's)."""
    environ = os.environ if environ is None else environ
    merged = dict(raw)
    for key in (DATABASE_URL_KEY, *OPTIONS_BY_KEY, *declared):
        name = env_name(key)
        if name in environ:
            merged[key] = environ[name]
    return merged


def settings_problems(
    raw: Mapping[str, Any], environ: Mapping[str, str] | None = None,
    declared: Mapping[str, Option] = NO_OPTIONS,
) -> list[str]:
    """Every line start-up could refuse ``raw`` with, not only the first.

    Each option, the core's and the ``declared`` ones, is converted on its own (a bad one
    then stands back at its default), and what is left -- unclaimed keys, the database
    URL, the checks across keys -- is the first refusal of :func:`refuse_unclaimed` and
    :func:`load_settings`, if any.
    """
    merged = effective_raw_settings(raw, environ, declared)
    problems = []
    for option in (*OPTIONS, *declared.values()):
        try:
            option.convert(option.key, str(merged.get(option.key, option.default)))
        except SettingsError as error:
            problems.append(str(error))
            merged.pop(option.key, None)
    try:
        refuse_unclaimed(merged, declared)
        load_settings(merged, {})
    except SettingsError as error:
        problems.append(str(error))
    return problems


def refuse_unclaimed(merged: Mapping[str, Any], declared: Mapping[str, Option]) -> None:
    """A ``taskservice.*`` key that neither the core nor a plugin declares is an error: a
    misspelt key silently doing nothing is an outage in waiting. Run once the plugins
    have declared theirs (``declared``)."""
    known = {**OPTIONS_BY_KEY, **declared}
    unknown = sorted(k for k in merged if k.startswith(PREFIX) and k not in known)
    if unknown:
        raise fail(unknown[0], str(merged[unknown[0]]),
                    "unknown setting; known ones are " + ", ".join(known))


def load_plugin_settings(
    raw: Mapping[str, Any], declared: Mapping[str, Option],
    environ: Mapping[str, str] | None = None,
) -> dict[str, Any]:
    """The typed value of each ``declared`` (plugin) key, by key; :class:`SettingsError`
    for the first bad one or the first key nobody declares (:func:`refuse_unclaimed`)."""
    merged = effective_raw_settings(raw, environ, declared)
    refuse_unclaimed(merged, declared)
    return {key: option.convert(key, str(merged.get(key, option.default)))
            for key, option in declared.items()}


def load_settings(raw: Mapping[str, Any], environ: Mapping[str, str] | None = None) -> Settings:
    """Validate ``raw`` (the ini's ``[app:main]`` settings) and return typed settings.

    Raises :class:`SettingsError` for the first bad key. Keys it does not know are left to
    :func:`load_plugin_settings`: the plugins named by ``taskservice.includes`` declare
    theirs only once the core is configured with these settings.
    """
    merged = effective_raw_settings(raw, environ)
    if DATABASE_URL_KEY not in merged:
        raise SettingsError(
            f"missing setting {DATABASE_URL_KEY}: set it in the ini or in ${DATABASE_URL_ENV}"
        )
    url = database_url(DATABASE_URL_KEY, str(merged[DATABASE_URL_KEY]))
    values: dict[str, Any] = {"database_url": url}
    for option in OPTIONS:
        raw_value = str(merged.get(option.key, option.default))
        values[option.field] = option.convert(option.key, raw_value)
    settings = Settings(**values)
    if settings.page_size_max < settings.page_size_default:
        default = settings.page_size_default
        raise fail("taskservice.page_size.max", str(settings.page_size_max),
                    f"must be at least taskservice.page_size.default ({default})")
    if settings.argon2_memory_cost < 8 * settings.argon2_parallelism:
        raise fail("taskservice.argon2.memory_cost", str(settings.argon2_memory_cost),
                    f"must be at least 8 KiB per lane ({8 * settings.argon2_parallelism})")
    if settings.webhooks_concurrency_per_user > settings.webhooks_concurrency:
        raise fail("taskservice.webhooks.concurrency_per_user",
                    str(settings.webhooks_concurrency_per_user),
                    f"must be at most taskservice.webhooks.concurrency "
                    f"({settings.webhooks_concurrency})")
    return settings
