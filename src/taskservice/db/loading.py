"""Relationships loaded by statements built once.

A lazy-loading relationship builds its statement's cache key anew at every load, and the
ORM's lazy-load path around it costs several times the query itself: a member's
``GET /tasks/<id>`` spent a quarter of its time in three such loads for the ACL walk.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Select, inspect
from sqlalchemy.orm import object_session
from sqlalchemy.orm.attributes import set_committed_value


def loaded_collection(instance: object, name: str, statement: Select[Any],
                      **params: Any) -> list[Any]:
    """``instance.<name>``, loaded by ``statement`` (with ``params``) if not loaded yet.

    The rows are loaded in the instance's own session and set as the relationship's
    committed value, as its own load would, so what reads the relationship afterwards
    reads them and adds no query.
    """
    session = object_session(instance)
    if session is None or name not in inspect(instance).unloaded:
        loaded: list[Any] = getattr(instance, name)
        return loaded
    rows = list(session.execute(statement, params).scalars().unique())
    set_committed_value(instance, name, rows)
    return rows
