"""load_settings: defaults, environment overrides, one-line errors, and the settings table.

Run ``python -m tests.unit.test_settings`` from the repository's root to print the
settings table of docs/settings.md from ``settings.OPTIONS``: that is how the table is made.
"""

from __future__ import annotations

import configparser
import dataclasses
import re
import sys
from ipaddress import ip_network

import pytest
from pyramid.paster import get_appsettings

from taskservice.settings import (
    DATABASE_URL_ENV,
    DATABASE_URL_KEY,
    OPTIONS,
    OPTIONS_BY_KEY,
    Option,
    RateLimit,
    Settings,
    SettingsError,
    default_settings,
    env_name,
    load_plugin_settings,
    load_settings,
    settings_problems,
)
from taskservice.settings.converters import choice
from tests.support.constants import ROOT

DB = {DATABASE_URL_KEY: "sqlite:///ini.sqlite"}
DATABASE_DEFAULT = "sqlite:///%(here)s/taskservice.sqlite"
DATABASE_EFFECT = "the database (SQLite embedded, PostgreSQL for production)"

# The typed value of every key when neither the ini nor the environment sets it.
EXPECTED_DEFAULTS = {
    "taskservice.registration": "open",
    "taskservice.token_ttl": 86400,
    "taskservice.tokens.allow_non_expiring": True,
    "taskservice.tokens.max_per_user": 100,
    "taskservice.page_size.default": 20,
    "taskservice.page_size.max": 100,
    "taskservice.max_body_bytes": 1048576,
    "taskservice.readonly": False,
    "taskservice.ratelimit": None,
    "taskservice.ratelimit.storage": "memory://",
    "taskservice.login_ratelimit": RateLimit(10, "minute"),
    "taskservice.trusted_proxies": (),
    "taskservice.cors_origins": (),
    "taskservice.public_url": "",
    "taskservice.changes.retention": 2592000,
    "taskservice.batch.max_requests": 25,
    "taskservice.idempotency.ttl": 86400,
    "taskservice.webhooks": True,
    "taskservice.webhooks.delivery": "thread",
    "taskservice.webhooks.timeout": 10.0,
    "taskservice.webhooks.concurrency": 16,
    "taskservice.webhooks.concurrency_per_user": 4,
    "taskservice.webhooks.retry_delays": (10, 60, 300, 1800, 7200, 21600),
    "taskservice.webhooks.disable_after": 50,
    "taskservice.webhooks.max_per_user": 20,
    "taskservice.webhooks.allow_http": False,
    "taskservice.webhooks.allow_private": False,
    "taskservice.caldav": True,
    "taskservice.argon2.time_cost": 3,
    "taskservice.argon2.memory_cost": 65536,
    "taskservice.argon2.parallelism": 4,
    "taskservice.metrics": "off",
    "taskservice.metrics.token": "",
    "taskservice.log_format": "text",
    "taskservice.includes": (),
}

# key, environment variable, its value, the typed result (the ini says something else).
OVERRIDES = [
    ("taskservice.registration", "TASKSERVICE_REGISTRATION", "closed", "closed"),
    ("taskservice.token_ttl", "TASKSERVICE_TOKEN_TTL", "60", 60),
    ("taskservice.tokens.allow_non_expiring", "TASKSERVICE_TOKENS_ALLOW_NON_EXPIRING", "false",
     False),
    ("taskservice.tokens.max_per_user", "TASKSERVICE_TOKENS_MAX_PER_USER", "5", 5),
    ("taskservice.page_size.default", "TASKSERVICE_PAGE_SIZE_DEFAULT", "5", 5),
    ("taskservice.page_size.max", "TASKSERVICE_PAGE_SIZE_MAX", "500", 500),
    ("taskservice.max_body_bytes", "TASKSERVICE_MAX_BODY_BYTES", "2048", 2048),
    ("taskservice.readonly", "TASKSERVICE_READONLY", "true", True),
    ("taskservice.ratelimit", "TASKSERVICE_RATELIMIT", "120/minute", RateLimit(120, "minute")),
    ("taskservice.ratelimit.storage", "TASKSERVICE_RATELIMIT_STORAGE",
     "redis://127.0.0.1:6379/3", "redis://127.0.0.1:6379/3"),
    ("taskservice.login_ratelimit", "TASKSERVICE_LOGIN_RATELIMIT", "3/hour", RateLimit(3, "hour")),
    ("taskservice.trusted_proxies", "TASKSERVICE_TRUSTED_PROXIES", " 10.0.0.0/8  ::1 ",
     (ip_network("10.0.0.0/8"), ip_network("::1/128"))),
    ("taskservice.cors_origins", "TASKSERVICE_CORS_ORIGINS",
     "https://a.example.com http://b.example.com:8080",
     ("https://a.example.com", "http://b.example.com:8080")),
    ("taskservice.public_url", "TASKSERVICE_PUBLIC_URL", "https://Tasks.example.com:8443/api/",
     "https://Tasks.example.com:8443/api"),
    ("taskservice.changes.retention", "TASKSERVICE_CHANGES_RETENTION", "600", 600),
    ("taskservice.batch.max_requests", "TASKSERVICE_BATCH_MAX_REQUESTS", "50", 50),
    ("taskservice.idempotency.ttl", "TASKSERVICE_IDEMPOTENCY_TTL", "3600", 3600),
    ("taskservice.webhooks", "TASKSERVICE_WEBHOOKS", "off", False),
    ("taskservice.webhooks.delivery", "TASKSERVICE_WEBHOOKS_DELIVERY", "worker", "worker"),
    ("taskservice.webhooks.timeout", "TASKSERVICE_WEBHOOKS_TIMEOUT", "2.5", 2.5),
    ("taskservice.webhooks.concurrency", "TASKSERVICE_WEBHOOKS_CONCURRENCY", "8", 8),
    ("taskservice.webhooks.concurrency_per_user", "TASKSERVICE_WEBHOOKS_CONCURRENCY_PER_USER",
     "2", 2),
    ("taskservice.webhooks.retry_delays", "TASKSERVICE_WEBHOOKS_RETRY_DELAYS", "0 0.5 3",
     (0, 0.5, 3)),
    ("taskservice.webhooks.disable_after", "TASKSERVICE_WEBHOOKS_DISABLE_AFTER", "3", 3),
    ("taskservice.webhooks.max_per_user", "TASKSERVICE_WEBHOOKS_MAX_PER_USER", "2", 2),
    ("taskservice.webhooks.allow_http", "TASKSERVICE_WEBHOOKS_ALLOW_HTTP", "true", True),
    ("taskservice.webhooks.allow_private", "TASKSERVICE_WEBHOOKS_ALLOW_PRIVATE", "true", True),
    ("taskservice.caldav", "TASKSERVICE_CALDAV", "off", False),
    ("taskservice.argon2.time_cost", "TASKSERVICE_ARGON2_TIME_COST", "2", 2),
    ("taskservice.argon2.memory_cost", "TASKSERVICE_ARGON2_MEMORY_COST", "1024", 1024),
    ("taskservice.argon2.parallelism", "TASKSERVICE_ARGON2_PARALLELISM", "2", 2),
    ("taskservice.metrics", "TASKSERVICE_METRICS", "prometheus", "prometheus"),
    ("taskservice.metrics.token", "TASKSERVICE_METRICS_TOKEN", "s3cr3t-From.env",
     "s3cr3t-From.env"),
    ("taskservice.log_format", "TASKSERVICE_LOG_FORMAT", "JSON", "json"),
    ("taskservice.includes", "TASKSERVICE_INCLUDES", "a.plugin\n  b.other:setup",
     ("a.plugin", "b.other:setup")),
]

# Something valid but different for the ini, so that the test sees which one won.
INI_VALUES = {
    "taskservice.registration": "open",
    "taskservice.token_ttl": "3600",
    "taskservice.tokens.allow_non_expiring": "true",
    "taskservice.tokens.max_per_user": "7",
    "taskservice.page_size.default": "10",
    "taskservice.page_size.max": "50",
    "taskservice.max_body_bytes": "4096",
    "taskservice.readonly": "false",
    "taskservice.ratelimit": "10/second",
    "taskservice.ratelimit.storage": "memory://",
    "taskservice.login_ratelimit": "5/minute",
    "taskservice.trusted_proxies": "127.0.0.1",
    "taskservice.cors_origins": "https://ini.example.com",
    "taskservice.public_url": "http://ini.example.com",
    "taskservice.changes.retention": "86400",
    "taskservice.batch.max_requests": "10",
    "taskservice.idempotency.ttl": "600",
    "taskservice.webhooks": "on",
    "taskservice.webhooks.delivery": "thread",
    "taskservice.webhooks.timeout": "5",
    "taskservice.webhooks.concurrency": "12",
    "taskservice.webhooks.concurrency_per_user": "3",
    "taskservice.webhooks.retry_delays": "1 2",
    "taskservice.webhooks.disable_after": "10",
    "taskservice.webhooks.max_per_user": "5",
    "taskservice.webhooks.allow_http": "false",
    "taskservice.webhooks.allow_private": "false",
    "taskservice.caldav": "on",
    "taskservice.argon2.time_cost": "1",
    "taskservice.argon2.memory_cost": "512",
    "taskservice.argon2.parallelism": "1",
    "taskservice.metrics": "off",
    "taskservice.metrics.token": "ini-token",
    "taskservice.log_format": "text",
    "taskservice.includes": "tests.plugins.example_plugin",
}

# key, bad value, a phrase the message must use to say what is allowed.
BAD_VALUES = [
    ("taskservice.token_ttl", "abc", "whole number"),
    ("taskservice.token_ttl", "1.5", "whole number"),
    ("taskservice.token_ttl", "0", "whole number"),
    ("taskservice.token_ttl", "-60", "whole number"),
    ("taskservice.token_ttl", "", "whole number"),
    ("taskservice.tokens.allow_non_expiring", "maybe", "true or false"),
    ("taskservice.tokens.max_per_user", "0", "whole number"),
    ("taskservice.registration", "maybe", "open, closed"),
    ("taskservice.page_size.default", "0", "whole number"),
    ("taskservice.page_size.max", "lots", "whole number"),
    ("taskservice.page_size.max", "10", "taskservice.page_size.default"),
    ("taskservice.max_body_bytes", "1MB", "whole number"),
    ("taskservice.readonly", "maybe", "true or false"),
    ("taskservice.changes.retention", "0", "whole number"),
    ("taskservice.changes.retention", "30d", "whole number"),
    ("taskservice.batch.max_requests", "0", "whole number"),
    ("taskservice.batch.max_requests", "1001", "from 1 to 1000"),
    ("taskservice.idempotency.ttl", "1h", "whole number"),
    ("taskservice.ratelimit", "5/day", "N/minute"),
    ("taskservice.ratelimit", "0/minute", "N/minute"),
    ("taskservice.ratelimit", "minute", "N/minute"),
    ("taskservice.ratelimit", "5 per minute", "N/minute"),
    ("taskservice.login_ratelimit", "ten/minute", "N/minute"),
    ("taskservice.ratelimit.storage", "mysql://db/0", "redis://"),
    ("taskservice.ratelimit.storage", "redis://", "redis://"),
    ("taskservice.ratelimit.storage", "127.0.0.1:6379", "redis://"),
    ("taskservice.trusted_proxies", "10.0.0.1/8", "no host bits set"),
    ("taskservice.trusted_proxies", "proxy.internal", "IP addresses or networks"),
    ("taskservice.trusted_proxies", "*", "IP addresses or networks"),
    ("taskservice.trusted_proxies", "10.0.0.0/8,192.168.0.0/16", "space-separated"),
    ("taskservice.cors_origins", "example.com", "origins"),
    ("taskservice.cors_origins", "*", "origins"),
    ("taskservice.cors_origins", "https://a.example.com/path", "origins"),
    ("taskservice.public_url", "tasks.example.com", "http:// or https://"),
    ("taskservice.public_url", "ftp://tasks.example.com", "http:// or https://"),
    ("taskservice.public_url", "https://", "a host"),
    ("taskservice.public_url", "https:///api", "a host"),
    ("taskservice.public_url", "https://tasks.example.com/?a=1", "no query"),
    ("taskservice.public_url", "https://tasks.example.com/?", "no query"),
    ("taskservice.public_url", "https://tasks.example.com/#top", "no fragment"),
    ("taskservice.public_url", "https://user:pw@tasks.example.com", "no user"),
    ("taskservice.public_url", "https://tasks.example.com:99999", "port"),
    ("taskservice.public_url", "https://tasks example.com", "a host"),
    ("taskservice.webhooks", "yes", "on, off"),
    ("taskservice.webhooks.delivery", "cron", "thread, worker"),
    ("taskservice.webhooks.timeout", "0", "above 0"),
    ("taskservice.webhooks.timeout", "ten", "seconds from 0"),
    ("taskservice.webhooks.concurrency", "0", "whole number"),
    ("taskservice.webhooks.concurrency", "1001", "from 1 to 1000"),
    ("taskservice.webhooks.concurrency_per_user", "many", "whole number"),
    ("taskservice.webhooks.concurrency_per_user", "17", "taskservice.webhooks.concurrency"),
    ("taskservice.webhooks.retry_delays", "10 -1", "space-separated seconds"),
    ("taskservice.webhooks.retry_delays", "10,60", "space-separated seconds"),
    ("taskservice.webhooks.retry_delays", "nan", "space-separated seconds"),
    ("taskservice.webhooks.retry_delays", " ".join(["1"] * 21), "at most 20"),
    ("taskservice.webhooks.disable_after", "0", "whole number"),
    ("taskservice.webhooks.max_per_user", "0", "whole number"),
    ("taskservice.webhooks.max_per_user", "1000001", "from 1 to 1000000"),
    ("taskservice.argon2.time_cost", "fast", "whole number"),
    ("taskservice.argon2.memory_cost", "4", "8 KiB per lane"),
    ("taskservice.token_ttl", "ab\ncd", "whole number"),
    ("taskservice.metrics", "statsd", "off, prometheus"),
    ("taskservice.log_format", "xml", "text, json"),
    ("taskservice.includes", ".relative", "absolute dotted names"),
    ("taskservice.includes", "a.plugin some-plugin", "absolute dotted names"),
    (DATABASE_URL_KEY, "mysql://db/tasks", "sqlite:// or postgresql://"),
    (DATABASE_URL_KEY, "not a url", "sqlite:// or postgresql://"),
]


def load(ini: dict | None = None, environ: dict | None = None) -> Settings:
    return load_settings({**DB, **(ini or {})}, environ or {})


def value_of(settings: Settings, key: str):
    return getattr(settings, OPTIONS_BY_KEY[key].field)


def assert_one_line_error(error: SettingsError, key: str, value: str, allowed: str) -> None:
    message = str(error)
    assert "\n" not in message and "\r" not in message
    assert key in message
    assert repr(value) in message
    assert allowed in message


def contract_env_name(key: str) -> str:
    """Section 6 of the contract, spelled out independently of the code under test."""
    if key == DATABASE_URL_KEY:
        return "DATABASE_URL"
    return "TASKSERVICE_" + key.removeprefix("taskservice.").replace(".", "_").upper()


def test_every_key_has_an_expected_default():
    assert set(EXPECTED_DEFAULTS) == set(OPTIONS_BY_KEY)
    assert {row[0] for row in OVERRIDES} == set(OPTIONS_BY_KEY)
    assert set(INI_VALUES) == set(OPTIONS_BY_KEY)


@pytest.mark.parametrize("key", sorted(EXPECTED_DEFAULTS))
def test_default(key):
    assert value_of(load(), key) == EXPECTED_DEFAULTS[key]


def test_the_options_table_is_the_only_place_a_default_is_kept():
    """A default in the dataclass too could drift from the table's: there is none."""
    fields = dataclasses.fields(Settings)
    assert sorted(f.name for f in fields) == sorted(["database_url", *(o.field for o in OPTIONS)])
    assert all(f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING
               for f in fields)
    assert default_settings("sqlite://") == load({DATABASE_URL_KEY: "sqlite://"})


@pytest.mark.parametrize("key", [DATABASE_URL_KEY, *sorted(OPTIONS_BY_KEY)])
def test_environment_variable_name_follows_the_contract(key):
    assert env_name(key) == contract_env_name(key)


@pytest.mark.parametrize(("key", "env", "value", "expected"), OVERRIDES)
def test_environment_overrides_the_default(key, env, value, expected):
    assert value_of(load(environ={env: value}), key) == expected


@pytest.mark.parametrize(("key", "env", "value", "expected"), OVERRIDES)
def test_environment_wins_over_the_ini(key, env, value, expected):
    ini_only = load(ini={key: INI_VALUES[key]})
    assert value_of(ini_only, key) != expected
    assert value_of(load(ini={key: INI_VALUES[key]}, environ={env: value}), key) == expected


def test_database_url_from_the_ini():
    assert load().database_url == "sqlite:///ini.sqlite"


def test_database_url_environment_wins_over_the_ini():
    url = "postgresql+psycopg://app@db.internal/tasks"
    assert load(environ={DATABASE_URL_ENV: url}).database_url == url


def test_database_url_from_the_environment_alone():
    url = "sqlite:///env.sqlite"
    assert load_settings({}, {DATABASE_URL_ENV: url}).database_url == url


def test_missing_database_url_is_one_line():
    with pytest.raises(SettingsError) as caught:
        load_settings({}, {})
    message = str(caught.value)
    assert "\n" not in message
    assert DATABASE_URL_KEY in message and DATABASE_URL_ENV in message


def test_unrelated_environment_variables_are_ignored():
    settings = load(environ={"TASKSERVICE_TEST_DATABASE_URL": "x", "PAGE_SIZE_DEFAULT": "x"})
    assert settings == load()


def test_values_are_trimmed_and_case_insensitive_where_it_is_harmless():
    settings = load({"taskservice.registration": " Closed ", "taskservice.readonly": "YES",
                     "taskservice.token_ttl": " 30 ", "taskservice.ratelimit": "5 / second"})
    assert settings.registration == "closed" and not settings.registration_open
    assert settings.readonly is True
    assert settings.token_ttl == 30
    assert settings.ratelimit == RateLimit(5, "second")


@pytest.mark.parametrize("value", ["false", "no", "off", "0", "False"])
def test_readonly_false_spellings(value):
    assert load({"taskservice.readonly": value}).readonly is False


@pytest.mark.parametrize(("key", "value", "allowed"), BAD_VALUES)
def test_bad_value_in_the_ini_is_one_line_naming_key_value_and_what_is_allowed(key, value, allowed):
    with pytest.raises(SettingsError) as caught:
        load({key: value})
    assert_one_line_error(caught.value, key, value, allowed)


@pytest.mark.parametrize(("key", "value", "allowed"), BAD_VALUES)
def test_bad_value_in_the_environment_is_reported_too(key, value, allowed):
    with pytest.raises(SettingsError) as caught:
        load(environ={env_name(key): value})
    assert_one_line_error(caught.value, key, value, allowed)


def test_good_environment_value_rescues_a_bad_ini_value():
    settings = load({"taskservice.token_ttl": "abc"}, {"TASKSERVICE_TOKEN_TTL": "90"})
    assert settings.token_ttl == 90


@pytest.mark.parametrize("key", ["taskservice.registraton", "taskservice.page_size",
                                 "taskservice.ratelimit.store", "taskservice.debug"])
def test_unknown_taskservice_key_is_one_line_listing_the_known_ones(key):
    with pytest.raises(SettingsError) as caught:
        load_plugin_settings({**DB, key: "x"}, {}, {})
    assert_one_line_error(caught.value, key, "x", "unknown setting")
    assert "taskservice.page_size.default" in str(caught.value)


def test_core_settings_leave_unknown_keys_to_the_plugins_declarations():
    """A plugin's key is declared only once the core is configured: load_settings lets it be."""
    assert load({"taskservice.example.greeting": "hi"}) == load()


GREETING = Option("taskservice.example.greeting", choice("hello", "hi"), "hello", "a greeting")


def test_a_declared_key_is_claimed_converted_and_overridden_by_its_environment_variable():
    declared = {GREETING.key: GREETING}
    assert load_plugin_settings(DB, declared, {}) == {GREETING.key: "hello"}
    assert load_plugin_settings({**DB, GREETING.key: "HI"}, declared, {}) == {GREETING.key: "hi"}
    environ = {"TASKSERVICE_EXAMPLE_GREETING": "hi"}
    assert load_plugin_settings({**DB, GREETING.key: "hello"}, declared, environ) == {
        GREETING.key: "hi"}
    with pytest.raises(SettingsError) as caught:
        load_plugin_settings({**DB, GREETING.key: "yo"}, declared, {})
    assert_one_line_error(caught.value, GREETING.key, "yo", "hello, hi")


def test_settings_problems_include_the_declared_keys():
    declared = {GREETING.key: GREETING}
    assert settings_problems({**DB, GREETING.key: "hi"}, {}, declared) == []
    problems = settings_problems({**DB, GREETING.key: "yo", "taskservice.nope": "1"}, {},
                                 declared)
    assert len(problems) == 2
    assert GREETING.key in problems[0] and "taskservice.nope" in problems[1]


def test_keys_of_other_packages_are_left_alone():
    assert load({"pyramid.reload_templates": "true", "retry.attempts": "3"}) == load()


# Where a shipped ini departs from the defaults, on purpose (contract section 6).
SHIPPED_DIFFERENCES = {"production.ini": {"webhooks_delivery": "worker"}, "development.ini": {}}


def test_an_ini_without_a_database_means_the_same_file_to_the_app_and_the_worker(tmp_path):
    from taskservice import make_config
    from taskservice.webhooks import worker

    ini = tmp_path / "bare.ini"
    ini.write_text("[app:main]\nuse = egg:taskservice\n")
    expected = f"sqlite:///{tmp_path}/taskservice.sqlite"
    assert worker.load(str(ini)).database_url == expected
    config = make_config({"here": str(tmp_path)})
    assert config.registry.app_settings.database_url == expected


@pytest.mark.parametrize("ini", ["production.ini", "development.ini"])
def test_shipped_ini_files_are_valid_and_use_the_defaults(ini):
    settings = load_settings(get_appsettings(str(ROOT / ini), name="main"), {})
    assert settings == dataclasses.replace(default_settings(settings.database_url),
                                           **SHIPPED_DIFFERENCES[ini])
    assert settings.database_url == f"sqlite:///{ROOT}/taskservice.sqlite"


# Where each shipped ini configures waitress (production.ini names a section per server).
WAITRESS_SECTIONS = {"production.ini": "server:waitress", "development.ini": "server:main"}


@pytest.mark.parametrize(("ini", "section"), WAITRESS_SECTIONS.items())
def test_shipped_ini_files_cap_waitress_bodies_just_above_the_apps_limit(ini, section):
    """waitress reads a whole body before the app sees it, up to 1 GiB unless told.

    Its cap is a backstop: above ``taskservice.max_body_bytes`` (so that a body just over
    the app's limit gets the app's 413 in the contract's shape), and not far above it.
    """
    server = configparser.RawConfigParser()
    server.read(ROOT / ini)
    assert server.get(section, "use") == "egg:waitress#main"
    server_limit = server.getint(section, "max_request_body_size")
    app_limit = load_settings(get_appsettings(str(ROOT / ini), name="main"), {}).max_body_bytes
    assert app_limit < server_limit <= 2 * app_limit


@pytest.mark.parametrize("value", ["has space", "tab\tin", "quote\"", "é-accent", "a=b"])
def test_a_bad_metrics_token_is_refused_without_showing_it(value):
    with pytest.raises(SettingsError) as caught:
        load({"taskservice.metrics.token": value})
    message = str(caught.value)
    assert "taskservice.metrics.token" in message and "bearer token" in message
    assert value not in message and "\n" not in message


def test_settings_problems_lists_every_bad_value_once_each():
    problems = settings_problems({**DB, "taskservice.token_ttl": "abc",
                                  "taskservice.metrics": "statsd"},
                                 {"TASKSERVICE_LOG_FORMAT": "xml"})
    assert [p.split(" = ")[0] for p in problems] == [
        "invalid setting taskservice.token_ttl", "invalid setting taskservice.metrics",
        "invalid setting taskservice.log_format"]


def test_settings_problems_ends_with_what_only_load_settings_checks():
    problems = settings_problems({"taskservice.token_ttl": "abc", "taskservice.nope": "1"}, {})
    assert len(problems) == 2
    assert "taskservice.token_ttl" in problems[0]
    assert "unknown setting" in problems[1] and "taskservice.nope" in problems[1]


def test_settings_problems_is_empty_for_good_settings():
    assert settings_problems({**DB, **INI_VALUES}, {}) == []


def test_secret_options_are_the_ones_named_like_secrets():
    assert {option.key for option in OPTIONS if option.secret} == {"taskservice.metrics.token"}


# -- the settings table of docs/settings.md --------------------------------------------------


def _cell(text: str) -> str:
    return f"`{text}`" if text else "empty (off)"


def table_rows() -> list[tuple[str, str, str, str]]:
    """(key, env variable, default, effect) for every setting, as docs/settings.md shows them."""
    rows = [(DATABASE_URL_KEY, DATABASE_URL_ENV, DATABASE_DEFAULT, DATABASE_EFFECT)]
    rows += [(o.key, o.env, o.default, o.effect) for o in OPTIONS]
    return rows


def render_table() -> str:
    lines = ["| key | env variable | default | effect |", "|---|---|---|---|"]
    for key, env, default, effect in table_rows():
        lines.append(f"| `{key}` | `{env}` | {_cell(default)} | {effect} |")
    return "\n".join(lines) + "\n"


def _uncell(text: str) -> str:
    text = text.strip()
    return "" if text.startswith("empty") else text.strip("`")


SETTINGS_DOC = ROOT / "docs" / "settings.md"


def documented_table() -> list[tuple[str, str, str, str]]:
    assert SETTINGS_DOC.exists(), "docs/settings.md is missing"
    text = SETTINGS_DOC.read_text()
    section = re.search(r"^## All settings\n(.*?)(?=^## |\Z)", text, re.M | re.S)
    assert section, "docs/settings.md has no '## All settings' section"
    lines = [line for line in section.group(1).splitlines() if line.startswith("|")]
    header = [cell.strip() for cell in lines[0].strip("|").split("|")]
    assert header == ["key", "env variable", "default", "effect"]
    rows = []
    for line in lines[2:]:
        key, env, default, effect = (cell.strip() for cell in line.strip().strip("|").split(" | "))
        rows.append((_uncell(key), _uncell(env), _uncell(default), effect))
    return rows


def test_documented_settings_table_matches_the_settings_module():
    """Every column of every row; the database row's effect is the document's own prose."""
    documented = documented_table()
    assert [row[:3] for row in documented] == [row[:3] for row in table_rows()]
    assert documented[0][3], "sqlalchemy.url needs an effect"
    assert documented[1:] == table_rows()[1:]


def test_documented_table_names_every_key_and_env_variable():
    documented = {(key, env) for key, env, _, _ in documented_table()}
    expected = {(key, contract_env_name(key)) for key in (DATABASE_URL_KEY, *OPTIONS_BY_KEY)}
    assert documented == expected


if __name__ == "__main__":
    sys.stdout.write(render_table())
