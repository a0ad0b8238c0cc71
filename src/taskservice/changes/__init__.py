"""Changes: one log of every change, from which the sync feed and task histories are read.

It hears the domains' events and appends their rows in the transaction of each change
(``log``, ``rows``); ``GET /changes`` reads what
concerns the caller (``feed``) with an opaque token (``tokens``), and
``GET /tasks/<id>/history`` a task's own rows. ``taskservice-admin <ini> purge-changes``
deletes what is older than ``taskservice.changes.retention``.
"""

from __future__ import annotations

from pyramid.config import Configurator

from ..events import BeforeCommit, ResourcesDeleting, ResourcesMoving
from . import log, views


def includeme(config: Configurator) -> None:
    config.add_root_child("changes", views.ChangeFeed)
    config.add_api_services(*views.SERVICES)
    config.add_subscriber(log.read_task_audience, ResourcesDeleting, kind="task")
    config.add_subscriber(log.read_list_members, ResourcesDeleting, kind="list")
    config.add_subscriber(log.read_moving_audience, ResourcesMoving, kind="task")
    config.add_subscriber(log.record, BeforeCommit)
