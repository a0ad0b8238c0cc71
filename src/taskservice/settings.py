"""Every operator-facing setting, read, converted and validated in one place.

The ini file (or ``DATABASE_URL`` / ``TASKSERVICE_*`` environment variables, which win)
is read once, at start-up. A bad value raises :class:`SettingsError` with a single line
naming the key, the value and what is allowed, so a typo stops the service before it
serves anything instead of surfacing at the first request. The rest of the application
only ever sees the typed :class:`Settings` object.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from ipaddress import IPv4Network, IPv6Network, ip_network
from typing import Any
from urllib.parse import urlsplit

PREFIX = "taskservice."
DATABASE_URL_KEY = "sqlalchemy.url"
DATABASE_URL_ENV = "DATABASE_URL"

RATELIMIT_PATTERN = re.compile(r"^\s*(\d+)\s*/\s*(second|minute|hour)\s*$")
STORAGE_PATTERN = re.compile(r"^(memory://|(redis|rediss|redis\+unix)://\S+)$")
ORIGIN_PATTERN = re.compile(r"^https?://[A-Za-z0-9.\-]+(:\d{1,5})?$")
# A URL path's characters (RFC 3986 pchar and "/"), so the value is safe in any header.
URL_PATH_PATTERN = re.compile(r"^[A-Za-z0-9\-._~!$&'()*+,;=:@%/]*$")
# A bearer token's characters (RFC 6750's b64token, which a header carries as is).
TOKEN_PATTERN = re.compile(r"^[A-Za-z0-9\-._~+/]+=*$")
# Keys whose values `taskservice-admin settings` never shows: a token, secret or password.
SECRET_KEY_PATTERN = re.compile(r"[._](token|secret|password)$")


class SettingsError(ValueError):
    """A setting has a value the service cannot run with."""


@dataclass(frozen=True)
class RateLimit:
    """``N`` requests in any moving window of ``per`` (a ``limits`` granularity name)."""

    amount: int
    per: str

    def __str__(self) -> str:
        return f"{self.amount}/{self.per}"


@dataclass(frozen=True)
class Settings:
    """The typed settings; field ``x_y`` comes from key ``taskservice.x.y``."""

    database_url: str
    registration: str = "open"
    token_ttl: int = 86400
    page_size_default: int = 20
    page_size_max: int = 100
    max_body_bytes: int = 1048576
    readonly: bool = False
    ratelimit: RateLimit | None = None
    ratelimit_storage: str = "memory://"
    login_ratelimit: RateLimit | None = RateLimit(10, "minute")
    trusted_proxies: tuple[IPv4Network | IPv6Network, ...] = ()
    cors_origins: tuple[str, ...] = ()
    public_url: str = ""
    argon2_time_cost: int = 3
    argon2_memory_cost: int = 65536
    argon2_parallelism: int = 4
    changes_retention: int = 2592000
    metrics: str = "off"
    metrics_token: str = ""
    log_format: str = "text"
    batch_max_requests: int = 25
    idempotency_ttl: int = 86400
    webhooks: bool = True
    webhooks_delivery: str = "thread"
    webhooks_timeout: float = 10.0
    webhooks_concurrency: int = 16
    webhooks_concurrency_per_user: int = 4
    webhooks_retry_delays: tuple[float, ...] = (10, 60, 300, 1800, 7200, 21600)
    webhooks_disable_after: int = 50
    webhooks_max_per_user: int = 20
    webhooks_allow_http: bool = False
    webhooks_allow_private: bool = False

    @property
    def registration_open(self) -> bool:
        return self.registration == "open"


@dataclass(frozen=True)
class Option:
    """One ``taskservice.*`` key: its converter, default and what it does (for docs/settings.md)."""

    key: str
    convert: Callable[[str, str], Any]
    default: str
    effect: str

    @property
    def field(self) -> str:
        return self.key[len(PREFIX):].replace(".", "_")

    @property
    def env(self) -> str:
        return env_name(self.key)

    @property
    def secret(self) -> bool:
        """A value to mask wherever settings are shown (its name says it is a secret)."""
        return SECRET_KEY_PATTERN.search(self.key) is not None


def default_database_url(here: str) -> str:
    """An SQLite file beside the ini (``here`` is the ini's directory)."""
    return f"sqlite:///{here}/taskservice.sqlite"


def env_name(key: str) -> str:
    """The environment variable that overrides ``key`` (the contract's naming rule)."""
    if key == DATABASE_URL_KEY:
        return DATABASE_URL_ENV
    return "TASKSERVICE_" + key[len(PREFIX):].upper().replace(".", "_")


def _fail(key: str, value: str, allowed: str) -> SettingsError:
    return SettingsError(f"invalid setting {key} = {value!r}: {allowed}")


def _positive_int(maximum: int = 2**31 - 1) -> Callable[[str, str], int]:
    def convert(key: str, value: str) -> int:
        text = value.strip()
        if not text.isdigit() or not 1 <= int(text) <= maximum:
            raise _fail(key, value, f"must be a whole number from 1 to {maximum}")
        return int(text)

    return convert


def _choice(*allowed: str) -> Callable[[str, str], str]:
    def convert(key: str, value: str) -> str:
        text = value.strip().lower()
        if text not in allowed:
            raise _fail(key, value, "must be one of " + ", ".join(allowed))
        return text

    return convert


def _boolean(key: str, value: str) -> bool:
    text = value.strip().lower()
    if text in ("true", "yes", "on", "1"):
        return True
    if text in ("false", "no", "off", "0"):
        return False
    raise _fail(key, value, "must be true or false")


def _on_off(key: str, value: str) -> bool:
    return _choice("on", "off")(key, value) == "on"


def _seconds(maximum: float) -> Callable[[str, str], float]:
    """A duration in seconds, fractions allowed (tests use tiny ones), 0 to ``maximum``."""

    def convert(key: str, value: str) -> float:
        try:
            seconds = float(value.strip())
        except ValueError:
            seconds = -1.0
        if not 0 <= seconds <= maximum:  # NaN fails this too
            raise _fail(key, value, f"must be a number of seconds from 0 to {maximum:g}")
        return seconds

    return convert


def _positive_seconds(maximum: float) -> Callable[[str, str], float]:
    def convert(key: str, value: str) -> float:
        seconds = _seconds(maximum)(key, value)
        if seconds == 0:
            raise _fail(key, value, f"must be a number of seconds above 0, up to {maximum:g}")
        return seconds

    return convert


MAX_RETRIES = 20
RETRY_DELAY_MAX = 7 * 86400


def _delays(key: str, value: str) -> tuple[float, ...]:
    """Space-separated seconds before each retry; empty: a failed attempt is final."""
    words = value.split()
    if len(words) > MAX_RETRIES:
        raise _fail(key, value, f"must be at most {MAX_RETRIES} delays")
    try:
        return tuple(_seconds(RETRY_DELAY_MAX)(key, word) for word in words)
    except SettingsError:
        raise _fail(key, value, "must be space-separated seconds (fractions allowed), each "
                    f"from 0 to {RETRY_DELAY_MAX}") from None


def _ratelimit(key: str, value: str) -> RateLimit | None:
    if not value.strip():
        return None
    match = RATELIMIT_PATTERN.match(value)
    if match is None or int(match.group(1)) < 1:
        raise _fail(key, value, "must be empty (off) or N/second, N/minute or N/hour with N >= 1")
    return RateLimit(int(match.group(1)), match.group(2))


def _storage(key: str, value: str) -> str:
    text = value.strip()
    if not STORAGE_PATTERN.match(text):
        raise _fail(key, value, "must be memory:// or a redis://host:port/db URL")
    return text


def _origins(key: str, value: str) -> tuple[str, ...]:
    origins = tuple(value.split())
    for origin in origins:
        if not ORIGIN_PATTERN.match(origin):
            raise _fail(key, value,
                        "must be space-separated origins such as https://app.example.com")
    return origins


def _url_problem(text: str) -> str | None:
    """What is wrong with ``text`` as the service's public URL, if anything."""
    try:
        parts = urlsplit(text)
        port = parts.port
    except ValueError:  # an out-of-range port, a broken IPv6 literal
        return "a host and a port from 1 to 65535"
    if parts.scheme not in ("http", "https"):
        return "http:// or https:// only"
    if "@" in parts.netloc:
        return "no user or password"
    if not ORIGIN_PATTERN.match(f"{parts.scheme}://{parts.netloc}") or port == 0:
        return "a host and a port from 1 to 65535"
    if "?" in text or "#" in text:
        return "no query and no fragment"
    if not URL_PATH_PATTERN.match(parts.path):
        return "a path of URL characters only"
    return None


def _public_url(key: str, value: str) -> str:
    """The URL clients reach the service at, without its trailing slash; empty: none."""
    text = value.strip()
    if not text:
        return ""
    problem = _url_problem(text)
    if problem:
        raise _fail(key, value, f"must be empty or a URL such as https://tasks.example.com "
                    f"({problem})")
    return text.rstrip("/")


def _token(key: str, value: str) -> str:
    text = value.strip()
    if text and not TOKEN_PATTERN.match(text):
        # The value is a secret: the message names the key and the rule, not the value.
        raise _fail(key, "<hidden>",
                    "must be empty (none) or a bearer token (A-Z a-z 0-9 - . _ ~ + /)")
    return text


def _networks(key: str, value: str) -> tuple[IPv4Network | IPv6Network, ...]:
    """Space-separated IP addresses or CIDR networks (an address is a network of one)."""
    try:
        return tuple(ip_network(word) for word in value.split())
    except ValueError:
        raise _fail(key, value, "must be space-separated IP addresses or networks such as "
                    "10.0.0.0/8 (no host bits set), or empty") from None


OPTIONS: tuple[Option, ...] = (
    Option("taskservice.registration", _choice("open", "closed"), "open",
           "`open` or `closed`: whether `POST /users` registers anyone (closed: 403)"),
    Option("taskservice.token_ttl", _positive_int(10 * 365 * 86400), "86400",
           "token lifetime in seconds"),
    Option("taskservice.page_size.default", _positive_int(10000), "20",
           "items in a list page when `limit` is not given"),
    Option("taskservice.page_size.max", _positive_int(10000), "100",
           "the largest `limit` a client may ask for"),
    Option("taskservice.max_body_bytes", _positive_int(), "1048576",
           "larger request bodies get a 413 before they are read"),
    Option("taskservice.readonly", _boolean, "false",
           "when true every POST, PUT, PATCH and DELETE is a 503 with `Retry-After`; reads go on"),
    Option("taskservice.ratelimit", _ratelimit, "",
           "e.g. `120/minute`: requests per moving window, per user (per address when "
           "anonymous); empty is off"),
    Option("taskservice.ratelimit.storage", _storage, "memory://",
           "where rate-limit counters live: `memory://` (one process) or "
           "`redis://host:port/db` (shared by all workers)"),
    Option("taskservice.login_ratelimit", _ratelimit, "10/minute",
           "failed password checks (`POST /tokens`, `PATCH /users/me`) allowed per account "
           "from one client address, and per token, before a 429 (ten times as many per "
           "client address over all accounts); empty is off"),
    Option("taskservice.trusted_proxies", _networks, "",
           "space-separated addresses or networks (`10.0.0.0/8`) of the reverse proxies in "
           "front of the service: only a request from one of them has its client address "
           "taken from `X-Forwarded-For`; empty: never"),
    Option("taskservice.cors_origins", _origins, "",
           "space-separated origins allowed by CORS; empty is off"),
    Option("taskservice.public_url", _public_url, "",
           "the URL clients reach the service at (e.g. `https://tasks.example.com`): every "
           "absolute URL the service writes (`Location`, `Link`) starts with it; empty: the "
           "request's `Host`, which a client chooses (set it behind a proxy)"),
    Option("taskservice.changes.retention", _positive_int(100 * 365 * 86400), "2592000",
           "seconds (30 days) the change log keeps entries and tombstones; an older sync "
           "token is a 410"),
    Option("taskservice.batch.max_requests", _positive_int(1000), "25",
           "the most sub-requests one `POST /batch` may carry"),
    Option("taskservice.idempotency.ttl", _positive_int(365 * 86400), "86400",
           "seconds a response is kept for replay under its `Idempotency-Key`"),
    Option("taskservice.webhooks", _on_off, "on",
           "`on` or `off` (off: `/webhooks` is a 404 and no event is queued)"),
    Option("taskservice.webhooks.delivery", _choice("thread", "worker"), "thread",
           "`thread`: the web process delivers in a background thread; `worker`: "
           "`taskservice-worker <ini>` processes deliver (several on PostgreSQL, one on "
           "SQLite); production.ini sets `worker`"),
    Option("taskservice.webhooks.timeout", _positive_seconds(300), "10",
           "seconds a receiver has to answer (the whole attempt: connect, send, read)"),
    Option("taskservice.webhooks.concurrency", _positive_int(1000), "16",
           "attempts one deliverer (the delivery thread, or each `taskservice-worker`) "
           "makes at once, each in a thread; one at a time per webhook"),
    Option("taskservice.webhooks.concurrency_per_user", _positive_int(1000), "4",
           "of those, at most this many to one user's webhooks, so that one user's slow "
           "receivers leave the other users their turn; at most "
           "`taskservice.webhooks.concurrency`"),
    Option("taskservice.webhooks.retry_delays", _delays, "10 60 300 1800 7200 21600",
           "seconds before each retry of a failed delivery (± up to 10% jitter; fractions "
           "allowed); after the last one the delivery has failed"),
    Option("taskservice.webhooks.disable_after", _positive_int(10**6), "50",
           "consecutive failed deliveries after which a webhook is disabled"),
    Option("taskservice.webhooks.max_per_user", _positive_int(10**6), "20",
           "the most webhooks one user may have (active or not); `POST /webhooks` past it "
           "is a 400"),
    Option("taskservice.webhooks.allow_http", _boolean, "false",
           "allow `http://` receivers (else `https://` only)"),
    Option("taskservice.webhooks.allow_private", _boolean, "false",
           "allow receivers on loopback, private, link-local and other non-public "
           "addresses"),
    Option("taskservice.argon2.time_cost", _positive_int(100), "3",
           "argon2id iterations for new password hashes"),
    Option("taskservice.argon2.memory_cost", _positive_int(4 * 1024 * 1024), "65536",
           "argon2id memory in KiB for new password hashes"),
    Option("taskservice.argon2.parallelism", _positive_int(64), "4",
           "argon2id lanes for new password hashes"),
    Option("taskservice.metrics", _choice("off", "prometheus"), "off",
           "`off` or `prometheus`: serve `GET /__metrics__` (off: a 404, and nothing is "
           "counted)"),
    Option("taskservice.metrics.token", _token, "",
           "when set, `GET /__metrics__` needs `Authorization: Bearer <this value>` "
           "(else a 401); empty: no token"),
    Option("taskservice.log_format", _choice("text", "json"), "text",
           "`text` (the ini's formatters) or `json` (one JSON object per log line)"),
)

OPTIONS_BY_KEY = {option.key: option for option in OPTIONS}


def _database_url(value: str) -> str:
    text = value.strip()
    if not re.match(r"^(sqlite|postgresql)(\+\w+)?://", text):
        raise _fail(DATABASE_URL_KEY, value, "must be a sqlite:// or postgresql:// URL")
    return text


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
        raise _fail(unknown[0], str(merged[unknown[0]]),
                    "unknown setting; known ones are " + ", ".join(OPTIONS_BY_KEY))
    if DATABASE_URL_KEY not in merged:
        raise SettingsError(
            f"missing setting {DATABASE_URL_KEY}: set it in the ini or in ${DATABASE_URL_ENV}"
        )
    values: dict[str, Any] = {"database_url": _database_url(str(merged[DATABASE_URL_KEY]))}
    for option in OPTIONS:
        raw_value = str(merged.get(option.key, option.default))
        values[option.field] = option.convert(option.key, raw_value)
    settings = Settings(**values)
    if settings.page_size_max < settings.page_size_default:
        default = settings.page_size_default
        raise _fail("taskservice.page_size.max", str(settings.page_size_max),
                    f"must be at least taskservice.page_size.default ({default})")
    if settings.argon2_memory_cost < 8 * settings.argon2_parallelism:
        raise _fail("taskservice.argon2.memory_cost", str(settings.argon2_memory_cost),
                    f"must be at least 8 KiB per lane ({8 * settings.argon2_parallelism})")
    if settings.webhooks_concurrency_per_user > settings.webhooks_concurrency:
        raise _fail("taskservice.webhooks.concurrency_per_user",
                    str(settings.webhooks_concurrency_per_user),
                    f"must be at most taskservice.webhooks.concurrency "
                    f"({settings.webhooks_concurrency})")
    return settings
