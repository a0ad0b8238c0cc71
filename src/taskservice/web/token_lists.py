"""A list-limited token's lists (contract section 15) in SQL: one named parameter each.

A token holds at most ``TOKEN_MAX_LISTS`` lists, so a statement that keeps to them is built
once per count (``token_list_0`` ...), like the task listing's branch per list. Not an
expanding parameter: SQLAlchemy rewrites the compiled SQL for one of those on every
execution, which cost a list-limited token's page more than its extra condition did.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, SQLColumnExpression, bindparam


def in_token_lists(column: SQLColumnExpression[Any], count: int) -> ColumnElement[bool]:
    """``column`` is one of the token's ``count`` lists (bound by :func:`token_list_params`)."""
    return column.in_([bindparam(f"token_list_{i}") for i in range(count)])


def token_list_params(lists: frozenset[int]) -> dict[str, int]:
    """The values of :func:`in_token_lists`' parameters, ascending."""
    return {f"token_list_{i}": list_id for i, list_id in enumerate(sorted(lists))}
