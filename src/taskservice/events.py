"""Domain events: the domains say what changed; whoever must know subscribes.

The domains (accounts, tasks, lists, sharing) never call the packages that react to a
change (the change log, the webhook outbox, a plugin): they emit the events below and
each consumer subscribes in its own ``includeme``, so a consumer can be left out, or
added from the ini, without touching a domain. This module imports no domain.

Three moments of a write:

- :class:`ResourcesDeleting` is notified at once, before a DELETE statement: whoever
  must be told of a deletion reads who that is while the rows that say so (shares,
  memberships) still exist. :class:`ResourcesMoving` likewise, before a move in the tree
  that may take objects out of some users' sight. A domain whose objects go with
  another's subscribes too (the tasks of a deleted list are deleted tasks).
- :class:`ResourceChanged`, one per change, is collected by :func:`notify_changed` and
  handed to subscribers once the view has answered and pyramid_tm is about to commit,
  in the order the changes were made: inside the transaction, so what they write
  commits or rolls back with the change; a request that fails (a 4xx, a doomed batch)
  tells nobody. Then :class:`BeforeCommit` carries all of them, for the one subscriber
  whose statement must be the transaction's last (the change log: ``changes/log.py``).
- :class:`AfterCommit`, for work that must only ever see committed data.

And one moment of no write: :class:`DeliveryRound`, each round of whatever delivers
webhooks, for work that comes due at a moment rather than with a request.

Changes are collected per transaction, not per request: the sub-requests of an atomic
batch share one, and are handed over together when the batch commits. The hand-over is
the innermost tween, right around the view, not a before-commit hook of the
transaction: a subscriber's failure is then the view's, which the exception views answer
(with the request id) and pyramid_tm rolls back, like any other; a hook's failure would
leave the transaction neither committed nor aborted.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import transaction
from pyramid.config import Configurator
from pyramid.path import DottedNameResolver
from pyramid.registry import Registry
from pyramid.request import Request
from pyramid.response import Response
from pyramid.tweens import EXCVIEW, MAIN
from sqlalchemy import ColumnElement
from sqlalchemy.orm import Session

Body = Mapping[str, Any]
Handler = Callable[[Request], Response]


@dataclass(frozen=True, slots=True)
class ShareChange:
    """A share given, changed (``previous`` set) or removed (``permission`` None)."""

    user_id: int
    username: str
    permission: str | None
    previous: str | None

    @property
    def action(self) -> str:
        return "unshared" if self.permission is None else "shared"

    def json(self) -> dict[str, Any]:
        return {"username": self.username, "permission": self.permission,
                "previous": self.previous}


@dataclass(frozen=True, slots=True, kw_only=True)
class ResourceChanged:
    """One change of one object, as its API body shows it before and after.

    ``kind`` is ``task``, ``list`` or ``user``; ``action`` is ``created``, ``updated``,
    ``deleted``, or (a task's or list's ``share``) ``shared`` and ``unshared``, which
    leave the body as it was. ``owner_id`` and ``list_id`` (a task's list, a list
    itself) say whose it is, for consumers that decide who may be told.
    """

    kind: str
    action: str
    object_id: int
    owner_id: int
    list_id: int | None
    version: int | None
    before: Body | None
    after: Body | None
    actor: str
    request: Request
    at: datetime
    share: ShareChange | None = None
    # A recurring task's occurrence that this update completed (its due rolled forward).
    occurrence: Body | None = None

    @property
    def body(self) -> Body:
        """The object as it is now, or, deleted, as it was."""
        body = self.after if self.after is not None else self.before
        assert body is not None, "a change has a state before or after it"
        return body


@dataclass(frozen=True, slots=True)
class Subject:
    """What a change is of: its kind and id, whose it is, its version."""

    kind: str
    object_id: int
    owner_id: int
    list_id: int | None  # a task's list, a list itself
    version: int | None


def changed(request: Request, subject: Subject, action: str, *, before: Body | None = None,
            after: Body | None = None, at: datetime | None = None,
            share: ShareChange | None = None, actor: str | None = None,
            occurrence: Body | None = None) -> ResourceChanged:
    """A change of ``subject`` by the caller (or ``actor``), now unless ``at`` says when;
    a share's change leaves the body as it was."""
    return ResourceChanged(
        kind=subject.kind, action=action, object_id=subject.object_id,
        owner_id=subject.owner_id, list_id=subject.list_id, version=subject.version,
        before=after if share is not None else before, after=after,
        actor=actor or request.identity.username, request=request,
        at=at or datetime.now(UTC), share=share, occurrence=occurrence,
    )


@dataclass(frozen=True, slots=True)
class ResourcesDeleting:
    """``kind`` objects that ``condition`` selects are about to be deleted (with what
    cascades from them), in the transaction of ``request``; ``changes`` are their
    ``deleted`` changes, which subscribers will also hear of as the transaction commits."""

    kind: str
    condition: ColumnElement[bool]
    changes: tuple[ResourceChanged, ...]
    request: Request


@dataclass(frozen=True, slots=True)
class ResourcesMoving:
    """``kind`` objects that ``condition`` selects are about to move in the tree (a task
    given another parent): some users may stop seeing them though they do not change.
    Notified before the move, so whoever must tell those users reads who they are."""

    kind: str
    condition: ColumnElement[bool]
    request: Request


@dataclass(frozen=True, slots=True)
class ChangeLogPurging:
    """``taskservice-admin purge-changes`` is deleting the feed's rows older than
    ``cutoff``, in ``session``'s transaction: whoever keeps rows for the feed's sake (the
    names of deleted CalDAV objects) purges theirs with them."""

    session: Session
    cutoff: datetime


@dataclass(frozen=True, slots=True)
class DeliveryRound:
    """The delivery loop (a web process's thread, or ``taskservice-worker``) is about to
    claim what is due: whatever is scheduled to be sent at a moment (a task's reminder)
    queues what has come now, in a transaction of its own, so this round sends it."""

    registry: Registry


@dataclass(frozen=True, slots=True)
class BeforeCommit:
    """Every change of a transaction, after each was notified, as it commits."""

    session: Session
    changes: tuple[ResourceChanged, ...]


@dataclass(frozen=True, slots=True)
class AfterCommit:
    """The changes of a transaction that has committed."""

    registry: Registry
    changes: tuple[ResourceChanged, ...]


@dataclass
class _Collected:
    registry: Registry
    changes: list[ResourceChanged] = field(default_factory=list)
    handed_over: bool = False


_COLLECTED_KEY = object()  # the key of a transaction's _Collected in its data


def notify_changed(event: ResourceChanged) -> None:
    """Collect ``event`` for the subscribers, who are told as the transaction commits."""
    txn = transaction.get()
    try:
        collected: _Collected = txn.data(_COLLECTED_KEY)
    except KeyError:
        collected = _Collected(event.request.registry)
        txn.set_data(_COLLECTED_KEY, collected)
        txn.addAfterCommitHook(_after_commit, (collected,))
    collected.changes.append(event)


def notify_deleting(request: Request, kind: str, condition: ColumnElement[bool],
                    changes: Sequence[ResourceChanged]) -> None:
    """Collect the ``deleted`` changes of the ``kind`` objects ``condition`` selects, and
    tell the subscribers of :class:`ResourcesDeleting` now, while what goes with the
    objects is still there."""
    for change in changes:
        notify_changed(change)
    request.registry.notify(ResourcesDeleting(kind, condition, tuple(changes), request))


def _hand_over(collected: _Collected) -> None:
    collected.handed_over = True
    for event in collected.changes:
        collected.registry.notify(event)
    session: Session = collected.changes[0].request.dbsession
    collected.registry.notify(BeforeCommit(session, tuple(collected.changes)))


def _after_commit(committed: bool, collected: _Collected) -> None:
    if committed and collected.handed_over:
        collected.registry.notify(AfterCommit(collected.registry, tuple(collected.changes)))


def events_tween_factory(handler: Handler, registry: Registry) -> Handler:
    """Hand the transaction's changes over when pyramid_tm is about to commit it.

    Only in the request whose transaction pyramid_tm manages (``tm.manager`` in its
    environ; not in an atomic batch's sub-requests, which share the batch's), and only
    when it commits: not doomed, not vetoed (a read, an error response).
    """
    veto = DottedNameResolver().maybe_resolve(registry.settings.get("tm.commit_veto"))

    def events_tween(request: Request) -> Response:
        response = handler(request)
        if "tm.manager" not in request.environ or request.tm.isDoomed():
            return response
        if veto is None or not veto(request, response):
            hand_over_changes()
        return response

    return events_tween


def hand_over_changes() -> None:
    """Hand the current transaction's changes to their subscribers, before it commits.

    The events tween does it for every request; a write made outside a view (a command
    line's) calls it itself, last, inside its transaction.
    """
    try:
        collected: _Collected = transaction.get().data(_COLLECTED_KEY)
    except KeyError:
        return
    _hand_over(collected)


class _AttributePredicate:
    """``add_subscriber(..., kind="task")``: only the events of that kind (or action)."""

    attribute = ""

    def __init__(self, value: str, config: Configurator) -> None:
        self.value = value

    def text(self) -> str:
        return f"{self.attribute} = {self.value}"

    phash = text

    def __call__(self, event: Any) -> bool:
        return bool(getattr(event, self.attribute, None) == self.value)


class KindPredicate(_AttributePredicate):
    attribute = "kind"


class ActionPredicate(_AttributePredicate):
    attribute = "action"


def includeme(config: Configurator) -> None:
    config.add_tween("taskservice.events.events_tween_factory", under=EXCVIEW, over=MAIN)
    config.add_subscriber_predicate("kind", KindPredicate)
    config.add_subscriber_predicate("action", ActionPredicate)
