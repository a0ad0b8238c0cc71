"""Webhooks in the resource tree: ``/webhooks`` → ``<id>`` → ``rotate-secret``, ``ping``,
``deliveries``. A webhook's ACL is its owner and the admins; anyone else gets a 404."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import ClassVar

from pyramid.authorization import ALL_PERMISSIONS, DENY_ALL, Allow, Authenticated
from pyramid.request import Request
from sqlalchemy import bindparam, select
from zope.interface import implementer

from ..permissions import Permission, Principal
from ..traversal import ACE, ACL, IN_NO_LIST, IPrivateResource, Resource
from ..vocabulary import ID_PATTERN, WRITE_METHODS
from .models import Webhook

WEBHOOK_ID = re.compile(ID_PATTERN)
WEBHOOK = select(Webhook).where(Webhook.id == bindparam("id"))
WEBHOOK_FOR_UPDATE = WEBHOOK.with_for_update(of=Webhook)
ACTIONS = ("rotate-secret", "ping", "deliveries")


class WebhookCollection(Resource):
    __acl__: ClassVar[ACL] = [(Allow, Authenticated, (Permission.LIST, Permission.CREATE))]

    def __getitem__(self, key: str) -> WebhookResource:
        if not WEBHOOK_ID.fullmatch(key):
            raise KeyError(key)
        query = WEBHOOK_FOR_UPDATE if self.request.method in WRITE_METHODS else WEBHOOK
        row = self.request.dbsession.execute(query, {"id": int(key)}).scalar_one_or_none()
        if row is None:
            raise KeyError(key)
        return WebhookResource(self.request, row, self)


@implementer(IPrivateResource)
class WebhookResource(Resource):
    def __init__(self, request: Request, row: Webhook, parent: Resource) -> None:
        super().__init__(request, str(row.id), parent)
        self.webhook = row
        # A webhook tells of one list's tasks, or of everything its owner may view.
        self.content_list = row.list_id or IN_NO_LIST

    def __acl__(self) -> Iterator[ACE]:
        yield (Allow, Principal.ADMIN, ALL_PERMISSIONS)
        yield (Allow, Principal.user(self.webhook.owner.username), ALL_PERMISSIONS)
        yield DENY_ALL

    def __getitem__(self, name: str) -> Resource:
        if name not in ACTIONS:
            raise KeyError(name)
        return WebhookAction(self.request, name, self)


class WebhookAction(Resource):
    """``rotate-secret``, ``ping`` or ``deliveries``: the webhook's own ACL decides."""

    __parent__: WebhookResource

    @property
    def webhook(self) -> Webhook:
        return self.__parent__.webhook
