"""Permission matrices: an expected status for every (role, action), one test per cell."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pytest

Expected = Mapping[str, Mapping[str, int]]


def cells(expected: Expected, *leading: str) -> list[Any]:
    """One ``pytest.param(*leading, role, action, status)`` per cell, named
    ``[leading-]role-action-status``: ``leading`` tells apart grids one test runs over
    (the same roles and actions on a task in a list and on one in none)."""
    return [
        pytest.param(*leading, role, action, status,
                     id="-".join((*leading, role, action, str(status))))
        for role, row in expected.items()
        for action, status in row.items()
    ]


def covers_every_action(expected: Expected, actions: Mapping[str, object]) -> bool:
    """Every role has a status for every action (and no other): a role or action added to
    one table but not the other would silently go untested."""
    return all(set(row) == set(actions) for row in expected.values())
