"""Webhooks (contract section 9): integrations told about changes as they commit.

- outbox.py: an event queued in the transaction of each change it hears of, and of each
  reminder fired (the reminders package fires them in each round of the loop below);
- delivery.py: claiming (fairly), attempting and recording, the retries and disabling;
- deliverer.py: the loop, with its attempts under way in a pool of threads;
- sender.py: the SSRF-guarded HTTP POST, within the attempt's deadline (deadline.py);
  signing.py: Standard Webhooks signatures;
- runner.py: the ``thread`` delivery of the web process; worker.py: ``taskservice-worker``;
- resources.py, schemas.py, views.py: ``/webhooks``; url_checks.py: their URLs' hosts
  resolved before the request's transaction begins.

With ``taskservice.webhooks = off`` none of it is included: ``/webhooks`` is a 404 and the
outbox hears of nothing.
"""

from __future__ import annotations

from pyramid.config import Configurator

from ..events import ResourceChanged, ResourcesDeleting
from ..idempotency.withheld import ISecretSource
from ..reminders.events import RemindersFired
from . import outbox, runner, views
from .resources import WebhookCollection


def includeme(config: Configurator) -> None:
    if not config.registry.app_settings.webhooks:
        return
    config.add_root_child("webhooks", WebhookCollection)
    config.add_subscriber(outbox.queue_change, ResourceChanged)
    config.add_subscriber(outbox.queue_deletions, ResourcesDeleting)
    config.add_subscriber(outbox.queue_reminders, RemindersFired)
    config.add_api_services(*views.SERVICES)
    config.include(".url_checks")
    config.registry.registerUtility(views.secret_read_again, ISecretSource,
                                    name=views.SECRET_SOURCE)
    runner.includeme(config)
