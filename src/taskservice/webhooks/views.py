"""``/webhooks`` and ``/webhooks/<id>`` with its ``rotate-secret``, ``ping`` and
``deliveries`` (contract section 9). Who may call them is the resources' ACL, and whether
a webhook's owner may watch a list is that list's ACL.

A token limited to some lists (contract section 15) lists only the webhooks of those
lists, and makes or changes only webhooks of one of them: a webhook of no list tells of
everything its owner may view, which is beyond the token's reach.
"""

from __future__ import annotations

from datetime import timedelta
from functools import lru_cache
from typing import Any

import zope.sqlalchemy
from pyramid.authorization import ACLHelper
from pyramid.httpexceptions import HTTPNoContent
from pyramid.request import Request
from sqlalchemy import bindparam, func, insert, select
from sqlalchemy.orm import Session

from ..accounts.models import User
from ..accounts.security import Identity, user_principals
from ..db.base import utcnow
from ..lists.resources import list_resource
from ..permissions import WEBHOOKS as WEBHOOK_SCOPES
from ..permissions import Permission
from ..vocabulary import PING_EVENT
from ..web.errors import error_response
from ..web.pagination import INTEGER, Keyset, KeysetQuery, paginate
from ..web.representation import timestamp
from ..web.schemas import page_query, request_schema
from ..web.secrets import withhold
from ..web.services import absolute_url, api_service
from ..web.token_lists import in_token_lists, token_list_params
from ..web.validation import BODY_VALIDATORS, NO_QUERY_VALIDATORS, QUERY_VALIDATORS
from . import delivery, sealing, signing, url_checks
from .models import EVENTS, Webhook, WebhookDelivery, event_mask
from .outbox import dump
from .resources import WebhookCollection, WebhookResource
from .schemas import webhook_create_body, webhook_patch_body

webhooks = api_service("webhooks", "/webhooks", "The caller's webhooks", scopes=WEBHOOK_SCOPES)
webhook = api_service("webhook", "/webhooks/{id}", "One webhook", scopes=WEBHOOK_SCOPES)
rotate = api_service("webhook_rotate_secret", "/webhooks/{id}/rotate-secret",
                     "A new signing secret for a webhook", scopes=WEBHOOK_SCOPES)
ping = api_service("webhook_ping", "/webhooks/{id}/ping", "A ping event for a webhook",
                   scopes=WEBHOOK_SCOPES)
deliveries = api_service("webhook_deliveries", "/webhooks/{id}/deliveries",
                         "A webhook's delivery attempts", scopes=WEBHOOK_SCOPES)
SERVICES = (webhooks, webhook, rotate, ping, deliveries)

ROTATION_OVERLAP = timedelta(hours=24)
# Where a replayed answer reads a webhook's secret again (idempotency.withheld).
SECRET_SOURCE = "webhook"
# The caller's webhooks, oldest first; a webhook's deliveries, newest first.
WEBHOOK_PAGES = Keyset("webhooks", [INTEGER])
OWN_WEBHOOKS = select(Webhook).where(Webhook.owner_id == bindparam("owner_id"))
WEBHOOKS: KeysetQuery[Webhook] = KeysetQuery(OWN_WEBHOOKS, [(Webhook.id, False)],
                                             lambda row: [row.id])


@lru_cache(maxsize=64)
def webhooks_of_lists(count: int) -> KeysetQuery[Webhook]:
    """A list-limited token's webhooks: those of its ``count`` lists only."""
    return KeysetQuery(OWN_WEBHOOKS.where(in_token_lists(Webhook.list_id, count)),
                       [(Webhook.id, False)], lambda row: [row.id])
DELIVERY_PAGES = Keyset("deliveries", [INTEGER])
DELIVERIES: KeysetQuery[WebhookDelivery] = KeysetQuery(
    select(WebhookDelivery).where(WebhookDelivery.webhook_id == bindparam("webhook_id")),
    [(WebhookDelivery.id, True)], lambda row: [row.id])


def webhook_json(row: Webhook) -> dict[str, Any]:
    return {
        "id": str(row.id), "url": row.url, "events": list(row.events),
        "list": None if row.list_id is None else str(row.list_id), "active": row.active,
        "disabled_reason": row.disabled_reason, "created_at": timestamp(row.created_at),
    }


def delivery_json(row: WebhookDelivery) -> dict[str, Any]:
    return {
        "id": str(row.id), "event_id": str(row.event_id), "event_type": row.event_type,
        "attempt": row.attempt, "at": timestamp(row.at), "outcome": row.outcome,
        "response_status": row.response_status, "duration_ms": row.duration_ms,
        "error": row.error,
    }


def _check_url(request: Request, url: str) -> str:
    """``url``, or a 400 naming ``url``; its host was resolved before the request's
    transaction began (url_checks.py)."""
    refused = url_checks.refusal(url, request.registry.app_settings)
    if refused is not None:
        raise error_response(400, "body", "url", refused)
    return url


def _check_list(request: Request, principals: list[str], list_id: int | None) -> int | None:
    """``list_id`` if the list's ACL lets the webhook's owner (``principals``) view it;
    else a 400 naming ``list``."""
    if list_id is None:
        return None
    target = list_resource(request, list_id)
    if target is None or not ACLHelper().permits(target, principals, Permission.VIEW):
        raise error_response(400, "body", "list", "No list with this id that the webhook's "
                             "owner may view")
    return list_id


def _check_token_lists(request: Request, list_id: int | None) -> None:
    """A list-limited token's webhook watches one of its lists: else a 400 naming ``list``."""
    lists = request.identity.lists
    if lists is not None and list_id not in lists:
        raise error_response(400, "body", "list", "This token is limited to some lists: a "
                             "webhook it makes or changes must watch one of them")


def _owner_with_room(request: Request) -> User:
    """The caller's row if they may have one more webhook (else a 400), locked until the
    request's transaction ends.

    The lock makes two creations at the cap take turns, so both cannot count the same
    number and pass (on SQLite the write turn already serializes them). ``FOR NO KEY
    UPDATE``: what merely references the user (a new task's foreign key) is not held up.
    """
    owner: User = request.dbsession.execute(
        select(User).where(User.id == request.identity.user_id)
        .with_for_update(key_share=True)).scalar_one()
    held = request.dbsession.execute(
        select(func.count()).select_from(Webhook).where(Webhook.owner_id == owner.id)
    ).scalar_one()
    limit = request.registry.app_settings.webhooks_max_per_user
    if held >= limit:
        raise error_response(400, "body", "", f"A user may have at most {limit} webhooks; "
                             "delete one first")
    return owner


def _new_secret(request: Request) -> tuple[str, str]:
    """A new signing secret, and its sealed form, which is what the table keeps."""
    secret = signing.new_secret()
    return secret, sealing.seal(sealing.sealing_key(request.dbsession), secret)


def _shown(request: Request, row: Webhook, secret: str) -> str:
    """``secret``, in the answer only: the idempotency store keeps null in its place, and
    a replay reads the webhook's current secret again (:func:`secret_read_again`)."""
    withhold(request, "secret", secret, f"{SECRET_SOURCE}:{row.id}")
    return secret


def secret_read_again(request: Request, session: Session, identity: Identity,
                      reference: str) -> str | None:
    """For a replayed creation or rotation: the webhook's current secret, while its ACL
    still lets the caller manage it; else None (the webhook is gone, or not theirs)."""
    row = session.get(Webhook, int(reference)) if reference.isdigit() else None
    if row is None:
        return None
    resource = WebhookResource(request, row, WebhookCollection(request, "webhooks"))
    if not ACLHelper().permits(resource, identity.principals, Permission.EDIT):
        return None
    try:
        return sealing.unseal(sealing.sealing_key(session), row.secret)
    except sealing.Unsealable:
        return None


@webhooks.post(permission=Permission.CREATE, schema=request_schema(body=webhook_create_body()),
               validators=BODY_VALIDATORS)
def create_webhook(request: Request) -> dict[str, Any]:
    """Create a webhook of the caller's; the only response that shows its secret."""
    body = request.validated["body"]
    url = _check_url(request, body["url"])
    _check_token_lists(request, body["list"])
    list_id = _check_list(request, request.identity.principals, body["list"])
    secret, sealed = _new_secret(request)
    row = Webhook(owner=_owner_with_room(request), url=url, events=body["events"],
                  event_mask=event_mask(body["events"]), list_id=list_id, active=True,
                  secret=sealed, consecutive_failures=0, created_at=utcnow())
    request.dbsession.add(row)
    request.dbsession.flush()
    request.response.status_code = 201
    request.response.headers["Location"] = absolute_url(request, f"/webhooks/{row.id}")
    return {**webhook_json(row), "secret": _shown(request, row, secret)}


@webhooks.get(permission=Permission.LIST, schema=request_schema(querystring=page_query()),
              validators=QUERY_VALIDATORS)
def list_webhooks(request: Request) -> dict[str, Any]:
    """List the caller's own webhooks (an admin's too), oldest first."""
    identity = request.identity
    if identity.lists is None:
        mine = WEBHOOKS.fetch(request.dbsession, {"owner_id": identity.user_id})
    else:
        mine = webhooks_of_lists(len(identity.lists)).fetch(request.dbsession, {
            "owner_id": identity.user_id, **token_list_params(identity.lists)})
    return paginate(request, WEBHOOK_PAGES, mine, webhook_json)


@webhook.get(permission=Permission.VIEW, validators=NO_QUERY_VALIDATORS)
def get_webhook(request: Request) -> dict[str, Any]:
    """Read a webhook (never its secret)."""
    return webhook_json(request.context.webhook)


@webhook.patch(permission=Permission.EDIT, schema=request_schema(body=webhook_patch_body()),
               validators=BODY_VALIDATORS)
def patch_webhook(request: Request) -> dict[str, Any]:
    """Change a webhook's url, events, list or active (true re-enables a disabled one)."""
    row: Webhook = request.context.webhook
    body = request.validated["body"]
    if "url" in body:
        row.url = _check_url(request, body["url"])
    if "events" in body:
        row.events, row.event_mask = body["events"], event_mask(body["events"])
    if "list" in body:
        _check_token_lists(request, body["list"])
        row.list_id = _check_list(request, user_principals(row.owner.username, row.owner.is_admin),
                                  body["list"])
    if body.get("active") is True and not row.active:
        row.active, row.disabled_reason, row.consecutive_failures = True, None, 0
    request.dbsession.flush()
    if body.get("active") is False and row.active:
        zope.sqlalchemy.mark_changed(request.dbsession)
        delivery.disable(request.dbsession, row.id,
                         f"Disabled by {request.identity.username}")
        request.dbsession.refresh(row)
    return webhook_json(row)


@webhook.delete(permission=Permission.DELETE, validators=NO_QUERY_VALIDATORS)
def delete_webhook(request: Request) -> HTTPNoContent:
    """Delete a webhook, with its queued events and its deliveries log."""
    request.dbsession.delete(request.context.webhook)
    request.dbsession.flush()
    return HTTPNoContent()


@rotate.post(permission=Permission.EDIT, validators=NO_QUERY_VALIDATORS)
def rotate_webhook_secret(request: Request) -> dict[str, str]:
    """Give a webhook a new secret; for 24 hours deliveries are signed with both."""
    row: Webhook = request.context.webhook
    row.previous_secret, row.previous_secret_expires_at = row.secret, utcnow() + ROTATION_OVERLAP
    secret, row.secret = _new_secret(request)
    request.dbsession.flush()
    return {"secret": _shown(request, row, secret)}


@ping.post(permission=Permission.EDIT, validators=NO_QUERY_VALIDATORS)
def ping_webhook(request: Request) -> dict[str, str]:
    """Queue a ping event for a webhook: delivered once, never retried."""
    row: Webhook = request.context.webhook
    now = utcnow()
    zope.sqlalchemy.mark_changed(request.dbsession)  # a Core INSERT: commit it
    event_id = request.dbsession.execute(insert(EVENTS).values(
        webhook_id=row.id, type=PING_EVENT, occurred_at=now,
        actor=request.identity.username, data=dump({"webhook": webhook_json(row)}),
        attempt=0, next_attempt_at=now).returning(EVENTS.c.id)).scalar_one()
    request.response.status_code = 202
    return {"event_id": str(event_id)}


@deliveries.get(permission=Permission.VIEW, schema=request_schema(querystring=page_query()),
                validators=QUERY_VALIDATORS)
def list_webhook_deliveries(request: Request) -> dict[str, Any]:
    """List a webhook's delivery attempts, newest first."""
    attempts = DELIVERIES.fetch(request.dbsession, {"webhook_id": request.context.webhook.id})
    return paginate(request, DELIVERY_PAGES, attempts, delivery_json)
