"""Every operator-facing setting, read, converted and validated in one place.

The ini file (or ``DATABASE_URL`` / ``TASKSERVICE_*`` environment variables, which win)
is read once, at start-up. A bad value raises :class:`SettingsError` with a single line
naming the key, the value and what is allowed, so a typo stops the service before it
serves anything instead of surfacing at the first request. The rest of the application
only ever sees the typed :class:`Settings` object.

Each key is declared once, in options.py (``OPTIONS`` and :class:`Settings`); its value
converters are converters.py's; this module reads them: ini, environment, defaults.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any

from .converters import RateLimit, SettingsError, database_url, fail
from .options import (
    DATABASE_URL_ENV,
    DATABASE_URL_KEY,
    OPTIONS,
    OPTIONS_BY_KEY,
    PREFIX,
    Option,
    Settings,
    env_name,
)

__all__ = [
    "DATABASE_URL_ENV", "DATABASE_URL_KEY", "OPTIONS", "OPTIONS_BY_KEY", "PREFIX", "Option",
    "RateLimit", "Settings", "SettingsError", "default_database_url", "default_settings",
    "effective_raw_settings", "env_name", "load_settings", "settings_problems",
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
    raw: Mapping[str, Any], environ: Mapping[str, str] | None = None
) -> dict[str, Any]:
    """The ini settings with the environment overrides applied (the environment wins)."""
    environ = os.environ if environ is None else environ
    merged = dict(raw)
    for key in (DATABASE_URL_KEY, *OPTIONS_BY_KEY):
        name = env_name(key)
        if name in environ:
            merged[key] = environ[name]
    return merged


def settings_problems(
    raw: Mapping[str, Any], environ: Mapping[str, str] | None = None
) -> list[str]:
    """Every line :func:`load_settings` could refuse ``raw`` with, not only the first.

    Each option is converted on its own (a bad one then stands back at its default), and
    what is left -- unknown keys, the database URL, the checks across keys -- is
    :func:`load_settings`'s own first refusal, if any.
    """
    merged = effective_raw_settings(raw, environ)
    problems = []
    for option in OPTIONS:
        try:
            option.convert(option.key, str(merged.get(option.key, option.default)))
        except SettingsError as error:
            problems.append(str(error))
            merged.pop(option.key, None)
    try:
        load_settings(merged, {})
    except SettingsError as error:
        problems.append(str(error))
    return problems


def load_settings(raw: Mapping[str, Any], environ: Mapping[str, str] | None = None) -> Settings:
    """Validate ``raw`` (the ini's ``[app:main]`` settings) and return typed settings.

    Raises :class:`SettingsError` for the first bad key; unknown ``taskservice.*`` keys are
    errors too, because a misspelt key silently doing nothing is an outage in waiting.
    """
    merged = effective_raw_settings(raw, environ)
    unknown = sorted(k for k in merged if k.startswith(PREFIX) and k not in OPTIONS_BY_KEY)
    if unknown:
        raise fail(unknown[0], str(merged[unknown[0]]),
                    "unknown setting; known ones are " + ", ".join(OPTIONS_BY_KEY))
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
