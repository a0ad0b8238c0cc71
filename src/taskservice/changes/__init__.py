"""Changes: one log of every change, from which the sync feed and task histories are read.

Each write appends its rows in its own transaction (``log``); ``GET /changes`` reads what
concerns the caller (``feed``) with an opaque token (``tokens``), and
``GET /tasks/<id>/history`` a task's own rows. ``taskservice-admin <ini> purge-changes``
deletes what is older than ``taskservice.changes.retention``.
"""

from __future__ import annotations

from pyramid.config import Configurator


def includeme(config: Configurator) -> None:
    # Imported here: the views import the tasks and lists packages, whose views import
    # this package's log (as ``lists`` does for the same reason).
    from . import views

    config.add_root_child("changes", views.ChangeFeed)
    config.add_api_services(*views.SERVICES)
