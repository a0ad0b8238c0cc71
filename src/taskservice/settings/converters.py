"""The converters of setting values: each turns the text of one key into its typed value,
or raises :class:`SettingsError` with one line naming the key, the value and what is
allowed. Which key uses which converter is declared in the package (``OPTIONS``).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from ipaddress import IPv4Network, IPv6Network, ip_network
from urllib.parse import urlsplit

RATELIMIT_PATTERN = re.compile(r"^\s*(\d+)\s*/\s*(second|minute|hour)\s*$")
STORAGE_PATTERN = re.compile(r"^(memory://|(redis|rediss|redis\+unix)://\S+)$")
ORIGIN_PATTERN = re.compile(r"^https?://[A-Za-z0-9.\-]+(:\d{1,5})?$")
# A URL path's characters (RFC 3986 pchar and "/"), so the value is safe in any header.
URL_PATH_PATTERN = re.compile(r"^[A-Za-z0-9\-._~!$&'()*+,;=:@%/]*$")
# A bearer token's characters (RFC 6750's b64token, which a header carries as is).
TOKEN_PATTERN = re.compile(r"^[A-Za-z0-9\-._~+/]+=*$")
# An absolute dotted Python name, optionally ``:attribute`` (what ``config.include`` takes).
DOTTED_NAME = re.compile(r"^[A-Za-z_]\w*(\.[A-Za-z_]\w*)*(:[A-Za-z_]\w*)?$")


class SettingsError(ValueError):
    """A setting has a value the service cannot run with."""


@dataclass(frozen=True)
class RateLimit:
    """``N`` requests in any moving window of ``per`` (a ``limits`` granularity name)."""

    amount: int
    per: str

    def __str__(self) -> str:
        return f"{self.amount}/{self.per}"


def fail(key: str, value: str, allowed: str) -> SettingsError:
    return SettingsError(f"invalid setting {key} = {value!r}: {allowed}")


def positive_int(maximum: int = 2**31 - 1) -> Callable[[str, str], int]:
    def convert(key: str, value: str) -> int:
        text = value.strip()
        if not text.isdigit() or not 1 <= int(text) <= maximum:
            raise fail(key, value, f"must be a whole number from 1 to {maximum}")
        return int(text)

    return convert


def choice(*allowed: str) -> Callable[[str, str], str]:
    def convert(key: str, value: str) -> str:
        text = value.strip().lower()
        if text not in allowed:
            raise fail(key, value, "must be one of " + ", ".join(allowed))
        return text

    return convert


def boolean(key: str, value: str) -> bool:
    text = value.strip().lower()
    if text in ("true", "yes", "on", "1"):
        return True
    if text in ("false", "no", "off", "0"):
        return False
    raise fail(key, value, "must be true or false")


def on_off(key: str, value: str) -> bool:
    return choice("on", "off")(key, value) == "on"


def seconds(maximum: float) -> Callable[[str, str], float]:
    """A duration in seconds, fractions allowed (tests use tiny ones), 0 to ``maximum``."""

    def convert(key: str, value: str) -> float:
        try:
            seconds = float(value.strip())
        except ValueError:
            seconds = -1.0
        if not 0 <= seconds <= maximum:  # NaN fails this too
            raise fail(key, value, f"must be a number of seconds from 0 to {maximum:g}")
        return seconds

    return convert


def positive_seconds(maximum: float) -> Callable[[str, str], float]:
    def convert(key: str, value: str) -> float:
        amount = seconds(maximum)(key, value)
        if amount == 0:
            raise fail(key, value, f"must be a number of seconds above 0, up to {maximum:g}")
        return amount

    return convert


MAX_RETRIES = 20
RETRY_DELAY_MAX = 7 * 86400


def delays(key: str, value: str) -> tuple[float, ...]:
    """Space-separated seconds before each retry; empty: a failed attempt is final."""
    words = value.split()
    if len(words) > MAX_RETRIES:
        raise fail(key, value, f"must be at most {MAX_RETRIES} delays")
    try:
        return tuple(seconds(RETRY_DELAY_MAX)(key, word) for word in words)
    except SettingsError:
        raise fail(key, value, "must be space-separated seconds (fractions allowed), each "
                    f"from 0 to {RETRY_DELAY_MAX}") from None


def ratelimit(key: str, value: str) -> RateLimit | None:
    if not value.strip():
        return None
    match = RATELIMIT_PATTERN.match(value)
    if match is None or int(match.group(1)) < 1:
        raise fail(key, value, "must be empty (off) or N/second, N/minute or N/hour with N >= 1")
    return RateLimit(int(match.group(1)), match.group(2))


def storage(key: str, value: str) -> str:
    text = value.strip()
    if not STORAGE_PATTERN.match(text):
        raise fail(key, value, "must be memory:// or a redis://host:port/db URL")
    return text


def origins(key: str, value: str) -> tuple[str, ...]:
    origins = tuple(value.split())
    for origin in origins:
        if not ORIGIN_PATTERN.match(origin):
            raise fail(key, value,
                        "must be space-separated origins such as https://app.example.com")
    return origins


def url_problem(text: str) -> str | None:
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


def public_url(key: str, value: str) -> str:
    """The URL clients reach the service at, without its trailing slash; empty: none."""
    text = value.strip()
    if not text:
        return ""
    problem = url_problem(text)
    if problem:
        raise fail(key, value, f"must be empty or a URL such as https://tasks.example.com "
                    f"({problem})")
    return text.rstrip("/")


def token(key: str, value: str) -> str:
    text = value.strip()
    if text and not TOKEN_PATTERN.match(text):
        # The value is a secret: the message names the key and the rule, not the value.
        raise fail(key, "<hidden>",
                    "must be empty (none) or a bearer token (A-Z a-z 0-9 - . _ ~ + /)")
    return text


def networks(key: str, value: str) -> tuple[IPv4Network | IPv6Network, ...]:
    """Space-separated IP addresses or CIDR networks (an address is a network of one)."""
    try:
        return tuple(ip_network(word) for word in value.split())
    except ValueError:
        raise fail(key, value, "must be space-separated IP addresses or networks such as "
                    "10.0.0.0/8 (no host bits set), or empty") from None


def dotted_names(key: str, value: str) -> tuple[str, ...]:
    """Space- or newline-separated absolute dotted names (``taskservice.includes``)."""
    names = tuple(value.split())
    for name in names:
        if not DOTTED_NAME.match(name):
            raise fail(key, value, "must be space-separated absolute dotted names such as "
                        "mycompany.taskplugin, or empty")
    return names


def database_url(key: str, value: str) -> str:
    text = value.strip()
    if not re.match(r"^(sqlite|postgresql)(\+\w+)?://", text):
        raise fail(key, value, "must be a sqlite:// or postgresql:// URL")
    return text
