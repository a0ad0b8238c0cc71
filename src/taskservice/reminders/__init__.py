"""Reminders (contract section 14): when each comes, firing it once, and listing them.

The field is the tasks domain's (``tasks/reminders.py``: what a body may say and when
each reminder comes). This package keeps each reminder's moment (``models``), in step
with every write of a task by subscribing to its changes (``arming``; and which shares
lead to reminders, ``sharing``); fires what has
come in each round of whatever delivers webhooks (``firing``), telling of it with an
event (``events``) that the webhooks and metrics packages subscribe to; and answers
``GET /reminders`` (``views``).
"""

from __future__ import annotations

from pyramid.config import Configurator

from ..events import DeliveryRound, ResourceChanged
from . import arming, firing, sharing, views


def includeme(config: Configurator) -> None:
    config.add_root_child("reminders", views.Reminders)
    config.add_api_services(*views.SERVICES)
    config.add_subscriber(arming.rearm, ResourceChanged, kind="task")
    config.add_subscriber(sharing.follow_shares, ResourceChanged, kind="task")
    config.add_subscriber(firing.fire_on_round, DeliveryRound)
