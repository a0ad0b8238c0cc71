"""The bits of ``webhooks.event_mask`` are stored: each event type keeps its bit forever.

A bit derived from the vocabulary's order would move when an action is added, and every
stored subscription would silently mean other events. This table is what the rows already
in databases say; a new event type takes a new bit and leaves these alone.
"""

from __future__ import annotations

from taskservice.vocabulary import ALL_EVENTS, EVENT_TYPES, PING_EVENT
from taskservice.webhooks.models import EVENT_BITS, event_bit, event_mask

STORED_BITS = {
    "task.created": 0, "task.updated": 1, "task.deleted": 2, "task.shared": 3,
    "task.unshared": 4, "list.created": 5, "list.updated": 6, "list.deleted": 7,
    "list.shared": 8, "list.unshared": 9, "ping": 10, "task.reminder": 11,
}


def test_the_stored_bits_never_change():
    assert {name: EVENT_BITS[name] for name in STORED_BITS} == STORED_BITS


def test_every_event_type_has_a_bit_of_its_own():
    assert set(EVENT_BITS) == set(EVENT_TYPES)
    assert len(set(EVENT_BITS.values())) == len(EVENT_BITS)


def test_a_mask_is_the_bits_of_its_events():
    assert event_mask(["task.created", "list.unshared"]) == 1 | 1 << 9
    assert event_mask([PING_EVENT]) == event_bit(PING_EVENT) == 1 << 10


def test_all_events_is_every_bit_ping_included():
    assert event_mask([ALL_EVENTS]) == sum(1 << bit for bit in STORED_BITS.values())
    assert event_mask([ALL_EVENTS, "task.created"]) == event_mask([ALL_EVENTS])
