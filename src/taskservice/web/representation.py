"""How values look on the wire, whichever resource carries them."""

from __future__ import annotations

from datetime import datetime


def timestamp(value: datetime | None) -> str | None:
    """RFC 3339 in UTC with a ``Z``."""
    return None if value is None else value.isoformat().replace("+00:00", "Z")
