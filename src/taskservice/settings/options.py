"""The declaration of every setting: the typed :class:`Settings`, and ``OPTIONS``, the
table of each ``taskservice.*`` key with its converter, its default and what it does.

A key's default is its Option's and nowhere else; the settings table of docs/settings.md is made
from this one (tests/unit/test_settings.py).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from ipaddress import IPv4Network, IPv6Network
from types import MappingProxyType
from typing import Any

from .converters import (
    RateLimit,
    boolean,
    choice,
    delays,
    dotted_names,
    networks,
    on_off,
    origins,
    positive_int,
    positive_seconds,
    public_url,
    ratelimit,
    storage,
    token,
)

PREFIX = "taskservice."
DATABASE_URL_KEY = "sqlalchemy.url"
DATABASE_URL_ENV = "DATABASE_URL"
INCLUDES_KEY = "taskservice.includes"

# Keys whose values `taskservice-admin settings` never shows: a token, secret or password.
SECRET_KEY_PATTERN = re.compile(r"[._](token|secret|password)$")


@dataclass(frozen=True)
class Settings:
    """The typed settings; field ``x_y`` comes from key ``taskservice.x.y``.

    No field has a default: each key's default is its ``Option``'s, in ``OPTIONS`` alone
    (:func:`default_settings` is every one of them).
    """

    database_url: str
    registration: str
    token_ttl: int
    tokens_allow_non_expiring: bool
    tokens_max_per_user: int
    page_size_default: int
    page_size_max: int
    max_body_bytes: int
    readonly: bool
    ratelimit: RateLimit | None
    ratelimit_storage: str
    login_ratelimit: RateLimit | None
    trusted_proxies: tuple[IPv4Network | IPv6Network, ...]
    cors_origins: tuple[str, ...]
    public_url: str
    argon2_time_cost: int
    argon2_memory_cost: int
    argon2_parallelism: int
    changes_retention: int
    metrics: str
    metrics_token: str
    log_format: str
    batch_max_requests: int
    idempotency_ttl: int
    webhooks: bool
    webhooks_delivery: str
    webhooks_timeout: float
    webhooks_concurrency: int
    webhooks_concurrency_per_user: int
    webhooks_retry_delays: tuple[float, ...]
    webhooks_disable_after: int
    webhooks_max_per_user: int
    webhooks_allow_http: bool
    webhooks_allow_private: bool
    caldav: bool
    includes: tuple[str, ...]

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


def env_name(key: str) -> str:
    """The environment variable that overrides ``key`` (the contract's naming rule)."""
    if key == DATABASE_URL_KEY:
        return DATABASE_URL_ENV
    return "TASKSERVICE_" + key[len(PREFIX):].upper().replace(".", "_")


OPTIONS: tuple[Option, ...] = (
    Option("taskservice.registration", choice("open", "closed"), "open",
           "`open` or `closed`: whether `POST /users` registers anyone (closed: 403)"),
    Option("taskservice.token_ttl", positive_int(10 * 365 * 86400), "86400",
           "token lifetime in seconds"),
    Option("taskservice.tokens.allow_non_expiring", boolean, "true",
           "whether a token may be made that never expires (`\"expires_in\": null`, an app "
           "password); false: such a request is a 400"),
    Option("taskservice.tokens.max_per_user", positive_int(10**6), "100",
           "the most named tokens one user may hold at once (logins do not count); one "
           "more is a 400"),
    Option("taskservice.page_size.default", positive_int(10000), "20",
           "items in a list page when `limit` is not given"),
    Option("taskservice.page_size.max", positive_int(10000), "100",
           "the largest `limit` a client may ask for"),
    Option("taskservice.max_body_bytes", positive_int(), "1048576",
           "larger request bodies get a 413 before they are read"),
    Option("taskservice.readonly", boolean, "false",
           "when true every POST, PUT, PATCH and DELETE is a 503 with `Retry-After`; reads go on"),
    Option("taskservice.ratelimit", ratelimit, "",
           "e.g. `120/minute`: requests per moving window, per user (per address when "
           "anonymous); empty is off"),
    Option("taskservice.ratelimit.storage", storage, "memory://",
           "where rate-limit counters live: `memory://` (one process) or "
           "`redis://host:port/db` (shared by all workers)"),
    Option("taskservice.login_ratelimit", ratelimit, "10/minute",
           "failed password checks (`POST /tokens`, `PATCH /users/me`) allowed per account "
           "from one client address, and per token, before a 429 (ten times as many per "
           "client address over all accounts); empty is off"),
    Option("taskservice.trusted_proxies", networks, "",
           "space-separated addresses or networks (`10.0.0.0/8`) of the reverse proxies in "
           "front of the service: only a request from one of them has its client address "
           "taken from `X-Forwarded-For`; empty: never"),
    Option("taskservice.cors_origins", origins, "",
           "space-separated origins allowed by CORS; empty is off"),
    Option("taskservice.public_url", public_url, "",
           "the URL clients reach the service at (e.g. `https://tasks.example.com`): every "
           "absolute URL the service writes (`Location`, `Link`) starts with it; empty: the "
           "request's `Host`, which a client chooses (set it behind a proxy)"),
    Option("taskservice.changes.retention", positive_int(100 * 365 * 86400), "2592000",
           "seconds (30 days) the change log keeps entries and tombstones; an older sync "
           "token is a 410"),
    Option("taskservice.batch.max_requests", positive_int(1000), "25",
           "the most sub-requests one `POST /batch` may carry"),
    Option("taskservice.idempotency.ttl", positive_int(365 * 86400), "86400",
           "seconds a response is kept for replay under its `Idempotency-Key`"),
    Option("taskservice.webhooks", on_off, "on",
           "`on` or `off` (off: `/webhooks` is a 404 and no event is queued)"),
    Option("taskservice.webhooks.delivery", choice("thread", "worker"), "thread",
           "`thread`: the web process delivers in a background thread; `worker`: "
           "`taskservice-worker <ini>` processes deliver (several on PostgreSQL, one on "
           "SQLite); production.ini sets `worker`"),
    Option("taskservice.webhooks.timeout", positive_seconds(300), "10",
           "seconds a receiver has to answer (the whole attempt: connect, send, read)"),
    Option("taskservice.webhooks.concurrency", positive_int(1000), "16",
           "attempts one deliverer (the delivery thread, or each `taskservice-worker`) "
           "makes at once, each in a thread; one at a time per webhook"),
    Option("taskservice.webhooks.concurrency_per_user", positive_int(1000), "4",
           "of those, at most this many to one user's webhooks, so that one user's slow "
           "receivers leave the other users their turn; at most "
           "`taskservice.webhooks.concurrency`"),
    Option("taskservice.webhooks.retry_delays", delays, "10 60 300 1800 7200 21600",
           "seconds before each retry of a failed delivery (± up to 10% jitter; fractions "
           "allowed); after the last one the delivery has failed"),
    Option("taskservice.webhooks.disable_after", positive_int(10**6), "50",
           "consecutive failed deliveries after which a webhook is disabled"),
    Option("taskservice.webhooks.max_per_user", positive_int(10**6), "20",
           "the most webhooks one user may have (active or not); `POST /webhooks` past it "
           "is a 400"),
    Option("taskservice.webhooks.allow_http", boolean, "false",
           "allow `http://` receivers (else `https://` only)"),
    Option("taskservice.webhooks.allow_private", boolean, "false",
           "allow receivers on loopback, private, link-local and other non-public "
           "addresses"),
    Option("taskservice.caldav", on_off, "on",
           "`on` or `off` (off: every `/dav/` path and `/.well-known/caldav` is a 404)"),
    Option("taskservice.argon2.time_cost", positive_int(100), "3",
           "argon2id iterations for new password hashes"),
    Option("taskservice.argon2.memory_cost", positive_int(4 * 1024 * 1024), "65536",
           "argon2id memory in KiB for new password hashes"),
    Option("taskservice.argon2.parallelism", positive_int(64), "4",
           "argon2id lanes for new password hashes"),
    Option("taskservice.metrics", choice("off", "prometheus"), "off",
           "`off` or `prometheus`: serve `GET /__metrics__` (off: a 404, and nothing is "
           "counted)"),
    Option("taskservice.metrics.token", token, "",
           "when set, `GET /__metrics__` needs `Authorization: Bearer <this value>` "
           "(else a 401); empty: no token"),
    Option("taskservice.log_format", choice("text", "json"), "text",
           "`text` (the ini's formatters) or `json` (one JSON object per log line)"),
    Option(INCLUDES_KEY, dotted_names, "",
           "space- or newline-separated dotted names of plugins, each `config.include`d "
           "after the service's own packages (see [plugins](plugins.md)); empty: none"),
)

OPTIONS_BY_KEY = {option.key: option for option in OPTIONS}
# No plugin options: the default of the functions that also read a plugin's.
NO_OPTIONS: Mapping[str, Option] = MappingProxyType({})
