"""``check`` and ``settings``: what an operator runs before ``pserve`` (section 11).

Neither builds the application: they must answer precisely when it would not start.
``check`` lists every problem at once, one line each -- each bad setting, a database that
does not answer, a schema that is not at the latest migration -- so a deploy script can
run ``taskservice-admin production.ini check && pserve production.ini``. ``settings``
shows each setting's effective value and its source (``default``, ``ini`` or ``env``),
with secrets masked; it never prints a password or a token. Both include the plugins
of ``taskservice.includes`` in a configuration on the default settings, never committed,
to learn the settings they declare: those are checked and shown with the service's own.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from alembic.util import CommandError as AlembicError
from pyramid.exceptions import ConfigurationError
from pyramid.paster import get_appsettings
from sqlalchemy import make_url
from sqlalchemy.exc import ArgumentError, SQLAlchemyError

from .. import declared_plugin_options
from ..db.session import make_engine
from ..db.transient import failure_reason
from ..settings import (
    DATABASE_URL_KEY,
    INCLUDES_KEY,
    OPTIONS,
    OPTIONS_BY_KEY,
    Option,
    SettingsError,
    default_database_url,
    effective_raw_settings,
    env_name,
    settings_problems,
)
from .errors import CommandError, loading

MASK = "****"


@dataclass(frozen=True)
class IniSettings:
    """The ini's ``[app:main]`` settings (``raw``), every setting's default text (the
    database's is a file beside the ini, as in the app factory), the options its plugins
    declare, and why they could not be read, if they could not."""

    raw: dict[str, Any]
    defaults: dict[str, str]
    declared: dict[str, Option]
    problems: list[str]


def ini_settings(ini: str) -> IniSettings:
    with loading(ini):
        raw = get_appsettings(ini, name="main")
    here = str(raw.global_conf.get("here", "."))
    declared, problems = plugin_options(dict(raw))
    defaults = {DATABASE_URL_KEY: default_database_url(here),
                **{option.key: option.default for option in (*OPTIONS, *declared.values())}}
    return IniSettings(dict(raw), defaults, declared, problems)


def plugin_options(raw: dict[str, Any]) -> tuple[dict[str, Option], list[str]]:
    """What the plugins of ``taskservice.includes`` declare, by key, and the line saying
    why they could not be included, if they could not (a bad ``taskservice.includes`` is
    reported with the other settings)."""
    text = str(effective_raw_settings(raw).get(INCLUDES_KEY, ""))
    try:
        includes = OPTIONS_BY_KEY[INCLUDES_KEY].convert(INCLUDES_KEY, text)
    except SettingsError:  # reported with the other settings
        return {}, []
    try:
        return declared_plugin_options(includes), []
    except SettingsError as error:  # a name that does not import
        return {}, [str(error)]
    except ConfigurationError as error:  # a plugin's own mistake, e.g. a key declared twice
        return {}, [f"cannot include the plugins of {INCLUDES_KEY}: {error}"]


# --- check ----------------------------------------------------------------------------------


def latest_revisions(ini: str) -> set[str]:
    """The heads of the migrations the ini's ``[alembic]`` section points to."""
    try:
        return set(ScriptDirectory.from_config(Config(ini)).get_heads())
    except AlembicError as error:
        raise CommandError(f"cannot read the migrations named by {ini}: {error}") from None


def database_problems(url: str, ini: str) -> list[str]:
    """Whether the database answers and its schema is at the latest migration."""
    parsed = make_url(url)
    on_file = parsed.get_backend_name() == "sqlite" and parsed.database not in ("", ":memory:")
    if on_file and parsed.database and not Path(parsed.database).exists():
        return [f"database file {parsed.database} does not exist"]  # connecting would create it
    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            current = set(MigrationContext.configure(connection).get_current_heads())
    except SQLAlchemyError as error:
        return [f"database unreachable: {failure_reason(error)}"]
    finally:
        engine.dispose()
    latest = latest_revisions(ini)
    if current != latest:
        at = ", ".join(sorted(current)) or "no migration"
        return [f"database schema is at {at}, not at the latest migration "
                f"{', '.join(sorted(latest))}: run alembic -c {ini} upgrade head"]
    return []


def check(ini: str) -> str:
    settings = ini_settings(ini)
    raw = {DATABASE_URL_KEY: settings.defaults[DATABASE_URL_KEY], **settings.raw}
    problems = settings.problems + settings_problems(raw, declared=settings.declared)
    if not any(DATABASE_URL_KEY in problem for problem in problems):
        problems += database_problems(str(effective_raw_settings(raw)[DATABASE_URL_KEY]), ini)
    if problems:
        raise CommandError("\n".join(problems))
    return "ok: every setting is valid, the database answers, its schema is at the latest migration"


# --- settings -------------------------------------------------------------------------------


def masked_url(url: str) -> str:
    try:
        return make_url(url).render_as_string(hide_password=True)
    except ArgumentError:  # not a URL: it could be anything, a password included
        return MASK


def shown(key: str, value: str, secret: bool) -> str:
    if key == DATABASE_URL_KEY:
        return masked_url(value)
    return MASK if secret and value else value


def source_of(key: str, raw: Mapping[str, Any], environ: Mapping[str, str]) -> str:
    if env_name(key) in environ:
        return "env"
    return "ini" if key in raw else "default"


def setting_lines(settings: IniSettings, environ: Mapping[str, str]) -> list[str]:
    """``key = value (source)`` for the database and each option, in docs/settings.md
    order, then each plugin's in the order they were declared."""
    raw, declared = settings.raw, settings.declared
    effective = effective_raw_settings({**settings.defaults, **raw}, environ, declared)
    secret = {option.key: option.secret for option in (*OPTIONS, *declared.values())}
    return [
        f"{key} = {shown(key, str(effective[key]), secret.get(key, False))} "
        f"({source_of(key, raw, environ)})"
        for key in settings.defaults
    ]


def show_settings(ini: str) -> str:
    settings = ini_settings(ini)
    listing = "\n".join(setting_lines(settings, os.environ))
    problems = settings.problems + settings_problems({**settings.defaults, **settings.raw},
                                                     declared=settings.declared)
    if problems:
        raise CommandError("\n".join(problems), output=listing)
    return listing
