"""Every enum of the document, each a named component, keyed by its tuple of values.

The service's own are ``ENUMS``; a view may declare more with its ``Outcome(enums=...)``
(openapi.responses), which is how a plugin's endpoint documents its own.

A Colander ``OneOf`` knows only its choices. Described inline, the same vocabulary word
became one inline enum per place it appeared, and client generators made as many
unrelated types of it (``PostTasksBodyPriority``, ``PatchTaskBodyPriority``,
``GetTasksPriority``...), so a task's priority could not be passed to a PATCH or a
filter. Keyed by the tuple vocabulary.py defines, a list of choices is the same
component wherever a request schema or a response uses it; a list of choices missing
here stops start-up instead of becoming an anonymous type again.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from ..vocabulary import (
    ALL_EVENTS,
    BATCH_METHODS,
    CHANGE_KINDS,
    DELIVERY_OUTCOMES,
    EVENT_TYPES,
    HISTORY_ACTIONS,
    LIST_ACCESS,
    LIST_SHARE_PERMISSIONS,
    LIST_SORTS,
    PRIORITIES,
    RECURRENCE_FROM,
    SCOPES,
    SHARE_PERMISSIONS,
    SORTS,
    SUBSCRIPTIONS,
    TOMBSTONE_REASONS,
)
from .components import ref

# Where an error is, as web.errors reports it (the contract's section 1).
ERROR_LOCATIONS = ("body", "querystring", "header", "path", "url", "request")
# Values that responses only ever carry one of: named too, so that no generated type is
# called after the property that happens to hold it (TokenTokenType).
TOKEN_TYPES = ("Bearer",)
ERROR_STATUSES = ("error",)
DATABASE_STATUSES = ("ok",)


# What openapi-python-client accepts as a member name from x-enum-varnames.
MEMBER_NAME = re.compile(r"[A-Z][A-Z0-9]*(_[A-Z0-9]+)*")


def member_name(value: str) -> str:
    """``TASK_CREATED`` for ``task.created``: the value's words in upper case, joined by
    ``_``; empty for a value with no word (``*``), which must be given a name."""
    return "_".join(re.findall(r"[A-Za-z0-9]+", value)).upper()


@dataclass(frozen=True)
class EnumType:
    """One enum component, with a member name for each value (``x-enum-varnames``).

    Generators name a member after its value when the value starts with a letter, and
    ``VALUE_<n>`` otherwise (``*``, ``-title``). ``varnames`` names the values in order;
    left out, each is :func:`member_name` of its value. An enum whose names are not
    identifiers, or not distinct, stops start-up.
    """

    name: str
    values: tuple[str, ...]
    description: str
    varnames: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if not self.varnames:
            object.__setattr__(self, "varnames", tuple(map(member_name, self.values)))
        bad = [name for name in self.varnames if not MEMBER_NAME.fullmatch(name)]
        if bad or len(self.varnames) != len(self.values) \
                or len(set(self.varnames)) != len(self.varnames):
            raise ValueError(f"enum {self.name}: member names {self.varnames} for "
                             f"{self.values} must be distinct upper-case identifiers, one "
                             "per value (pass varnames)")

    def schema(self) -> dict[str, Any]:
        return {"type": "string", "enum": list(self.values), "description": self.description,
                "x-enum-varnames": list(self.varnames)}


def sort_varnames(sorts: Iterable[str]) -> tuple[str, ...]:
    """``ASC_TITLE`` for ``title``, ``DESC_TITLE`` for ``-title`` (not ``VALUE_7``)."""
    return tuple(
        ("DESC_" + sort[1:] if sort.startswith("-") else "ASC_" + sort).upper() for sort in sorts
    )


ENUMS: tuple[EnumType, ...] = (
    EnumType("Priority", PRIORITIES,
             "How urgent a task is; sorting ranks low < normal < high < urgent"),
    EnumType("SharePermission", SHARE_PERMISSIONS,
             "What a share lets its user do: view the task, or view and edit it"),
    EnumType("TaskSort", SORTS, "The order of a task list: a field, ascending, or descending "
             "with a leading '-'; tasks with no due_at come last; ties are broken by id",
             sort_varnames(SORTS)),
    EnumType("RecurrenceFrom", RECURRENCE_FROM, "What a recurrence's occurrences follow: "
             "the rule from its start (due), or each completion"),
    EnumType("ListSharePermission", LIST_SHARE_PERMISSIONS,
             "What a list share lets its user do on the list and on every task in it"),
    EnumType("ListAccess", LIST_ACCESS, "The caller's own access to a list: its owner, "
             "their share's permission, or admin for an admin who has neither"),
    EnumType("ListSort", LIST_SORTS, "The order of the lists: a field, ascending, or "
             "descending with a leading '-'; ties are broken by id", sort_varnames(LIST_SORTS)),
    EnumType("ChangeKind", CHANGE_KINDS, "What a change of the sync feed is about"),
    EnumType("TombstoneReason", TOMBSTONE_REASONS, "Why the object is gone from the "
             "caller's copy: deleted, or no longer visible to them"),
    EnumType("HistoryAction", HISTORY_ACTIONS, "What a history entry records"),
    EnumType("BatchMethod", BATCH_METHODS, "The HTTP method of a batch sub-request"),
    EnumType("WebhookSubscription", SUBSCRIPTIONS,
             "An event a webhook subscribes to; * is every one of them (a ping is sent on "
             "request, whatever the events)",
             tuple(member_name(value) if value != ALL_EVENTS else "ALL"
                   for value in SUBSCRIPTIONS)),
    EnumType("WebhookEventType", EVENT_TYPES, "What a delivered event reports"),
    EnumType("DeliveryOutcome", DELIVERY_OUTCOMES, "How a delivery attempt ended"),
    EnumType("ErrorLocation", ERROR_LOCATIONS, "Which part of the request the error concerns"),
    EnumType("TokenType", TOKEN_TYPES, "How to send the token: Authorization: Bearer <token>"),
    EnumType("Scope", SCOPES, "What a token may do: read (every GET of the content), write "
             "(every other method on it, and /batch), webhooks (all of /webhooks), account "
             "(the account itself and its tokens)"),
    EnumType("ErrorStatus", ERROR_STATUSES, "Always error: the body is the error shape"),
    EnumType("DatabaseStatus", DATABASE_STATUSES,
             "The database (or the dependency a plugin checks) answered"),
)


def by_values(enums: Iterable[EnumType]) -> dict[tuple[str, ...], EnumType]:
    """Each enum by its tuple of values; two for the same values stop start-up (a value
    list would not know which name to take)."""
    found: dict[tuple[str, ...], EnumType] = {}
    for enum in enums:
        if found.setdefault(enum.values, enum) != enum:
            raise ValueError(f"two enums, {found[enum.values].name} and {enum.name}, have "
                             f"the values {enum.values}")
    return found


BY_VALUES = by_values(ENUMS)


def enum_ref(values: Iterable[str], where: str = "a response",
             enums: dict[tuple[str, ...], EnumType] = BY_VALUES) -> dict[str, str]:
    """A ``$ref`` to the component of exactly these values, in this order, among ``enums``
    (the service's own, and in a document those its views declare)."""
    key = tuple(values)
    enum = enums.get(key)
    if enum is None:
        raise LookupError(f"the choices {key} of {where} have no name: add them to "
                          "taskservice.openapi.enums.ENUMS, or a plugin's to its view's "
                          "Outcome(enums=...)")
    return ref(enum.name)
