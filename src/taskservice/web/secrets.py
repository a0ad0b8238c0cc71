"""Secrets a response shows once (a webhook's signing secret, a new token), recorded so
that whatever keeps responses (the idempotency store) never keeps them.

Plumbing, so that a domain can say so without knowing who listens: a view calls
:func:`withhold`; the idempotency tween collects them for the request it runs with
:func:`recording` (idempotency/withheld.py says what it does with them).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass

from pyramid.request import Request


@dataclass(frozen=True)
class Withheld:
    request: Request  # the request whose answer shows it (maybe a batch's sub-request)
    field: str  # the field of that answer's JSON object that holds it
    value: str
    source: str  # "<source name>:<reference>", where a replay reads it again


_RECORDED: ContextVar[list[Withheld] | None] = ContextVar("withheld_secrets", default=None)


def withhold(request: Request, field: str, value: str, source: str) -> None:
    """``request``'s answer shows ``value`` in ``field``: never keep it (see above)."""
    recorded = _RECORDED.get()
    if recorded is not None:
        recorded.append(Withheld(request, field, value, source))


@contextmanager
def recording() -> Iterator[list[Withheld]]:
    """Collect what the views running inside the block withhold."""
    recorded: list[Withheld] = []
    token = _RECORDED.set(recorded)
    try:
        yield recorded
    finally:
        _RECORDED.reset(token)


