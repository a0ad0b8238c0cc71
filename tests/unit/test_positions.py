"""Fractional-index keys (taskservice.positions): order, shape, and the length bound.

The properties hold for any valid keys, built here from the format itself (a head letter,
as many integer digits as it says, a fraction not ending with '0'), not by the module, so
a wrong ``is_position`` cannot hide keys from the test. The patterns are the contract's
(section 13: one of two tasks put right after the same third task, 1000 times), its
mirror, long runs of appends and prepends, and inserts at a place that walks at random.
"""

from __future__ import annotations

import random
from string import ascii_lowercase, ascii_uppercase

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from taskservice.positions import (
    DIGITS,
    FIRST_POSITION,
    POSITION_MAX_LENGTH,
    is_position,
    key_between,
)

# The format, restated: 'a'..'z' take 1..26 integer digits, 'A'..'Z' 26..1.
WIDTH = {**{head: n for n, head in enumerate(ascii_lowercase, 1)},
         **{head: 27 - n for n, head in enumerate(ascii_uppercase, 1)}}
SMALLEST = "A" + "0" * 26  # nothing could go before it: not a key
LARGEST = "z" * 27


def fraction_of(key: str) -> str:
    return key[1 + WIDTH[key[0]]:]


@st.composite
def integer_parts(draw: st.DrawFn) -> str:
    """Head and digits, often next to a head's ends (where a carry crosses heads)."""
    head = draw(st.sampled_from(sorted(WIDTH)))
    width = WIDTH[head]
    edges = ("0" * width, "z" * width, "0" * (width - 1) + "1", "z" * (width - 1) + "y")
    digits = draw(st.one_of(st.sampled_from(edges),
                            st.text(DIGITS, min_size=width, max_size=width)))
    return head + digits


fractions = st.text(DIGITS, max_size=8).map(lambda text: text.rstrip("0"))
positions = st.builds(str.__add__, integer_parts(), fractions).filter(lambda key: key != SMALLEST)


@st.composite
def ordered_pairs(draw: st.DrawFn) -> tuple[str, str]:
    """Two keys, first < second: apart, in the same integer, or one extending the other."""
    integer = draw(integer_parts())
    first = integer + draw(fractions)
    kind = draw(st.sampled_from(("apart", "same integer", "extension")))
    if kind == "apart":
        second = draw(positions)
    elif kind == "same integer":
        second = integer + draw(fractions)
    else:
        second = first + draw(fractions.filter(bool))
    assume(SMALLEST not in (first, second) and first != second)
    low, high = sorted((first, second))
    return low, high


def check_between(before: str | None, after: str | None) -> str:
    """The key between the two, checked for everything a key between them must be."""
    key = key_between(before, after)
    assert before is None or before < key
    assert after is None or key < after
    assert is_position(key)
    assert not fraction_of(key).endswith("0")
    assert key_between(before, after) == key
    return key


def insert(keys: list[str], index: int) -> str:
    """Insert a key at ``index`` of a sorted list, between its neighbours there."""
    key = check_between(keys[index - 1] if index else None,
                        keys[index] if index < len(keys) else None)
    keys.insert(index, key)
    return key


# -- properties ----------------------------------------------------------------------------


@settings(deadline=None)
@given(positions)
def test_every_key_of_the_format_is_a_position(key):
    assert is_position(key)


@settings(max_examples=500, deadline=None)
@given(ordered_pairs())
def test_a_key_between_two_keys(pair):
    check_between(*pair)


@settings(max_examples=500, deadline=None)
@given(positions)
def test_a_key_before_or_after_any_key(key):
    check_between(key, None)
    check_between(None, key)


@settings(max_examples=200, deadline=None)
@given(st.lists(positions, max_size=5), st.lists(st.integers(min_value=0), max_size=150))
def test_random_inserts_keep_the_list_sorted_without_duplicates(start, choices):
    keys = sorted(set(start))
    for choice in choices:
        insert(keys, choice % (len(keys) + 1))
    assert keys == sorted(set(keys))


# -- the format at the edges ---------------------------------------------------------------


def test_appends_and_prepends_step_the_integer():
    assert key_between(None, None) == FIRST_POSITION == "a0"
    assert key_between("a0", None) == "a1"
    assert key_between("az", None) == "b00"
    assert key_between(None, "a0") == "Zz"
    assert key_between(None, "Z0") == "Yzz"
    assert key_between("a0V", "a2") == "a1"


@pytest.mark.parametrize(("before", "after"), [
    ("Zz", "a0"), ("Yzz", "Z0"), ("az", "b00"), ("a0", "a1"), ("a0", "a0V"), ("a0V", "a1"),
    ("a0z", "a1"), ("a0zz", "a1"), ("a00z", "a01"), ("a0V", "a0V1"), ("a0", "a001"),
    (LARGEST, None), (LARGEST + "z", None), (None, SMALLEST + "1"), (None, SMALLEST + "01"),
    (SMALLEST + "1", SMALLEST + "11"), (None, "A" + "0" * 25 + "1"), ("y" + "z" * 25, None),
])
def test_keys_at_the_edges(before, after):
    check_between(before, after)


# -- the length bound ----------------------------------------------------------------------


def test_one_of_two_tasks_put_right_after_a_third_a_thousand_times():
    """The contract's pattern: A, B, C; B right after A, then C right after A, and so on."""
    first = key_between(None, None)
    keys = {"A": first, "B": key_between(first, None)}
    keys["C"] = key_between(keys["B"], None)
    longest = 0
    for move in range(1000):
        moved, other = ("B", "C") if move % 2 == 0 else ("C", "B")
        keys[moved] = check_between(keys["A"], keys[other])
        longest = max(longest, len(keys[moved]))
    assert longest <= POSITION_MAX_LENGTH


def test_a_thousand_inserts_right_before_a_fixed_key():
    """The mirror: each insert between the one before and the same key after it."""
    previous, fixed = "a0", "a1"
    longest = 0
    for _ in range(1000):
        previous = check_between(previous, fixed)
        longest = max(longest, len(previous))
    assert longest <= POSITION_MAX_LENGTH


@pytest.mark.parametrize("at_end", [True, False], ids=["appends", "prepends"])
def test_ten_thousand_appends_or_prepends_stay_short(at_end):
    keys: list[str] = []
    for _ in range(10_000):
        insert(keys, len(keys) if at_end else 0)
    assert keys == sorted(set(keys))
    assert max(map(len, keys)) <= 8


@pytest.mark.parametrize("seed", range(5))
def test_a_thousand_inserts_at_a_place_walking_at_random(seed):
    """Each insert at the last one's place, or one before or after it (seeded)."""
    rng = random.Random(seed)
    keys: list[str] = []
    for _ in range(10):
        insert(keys, len(keys))
    place = len(keys) // 2
    longest = 0
    for _ in range(1000):
        place = min(max(place + rng.choice((-1, 0, 1)), 0), len(keys))
        longest = max(longest, len(insert(keys, place)))
    assert keys == sorted(set(keys))
    assert longest <= POSITION_MAX_LENGTH


# -- errors --------------------------------------------------------------------------------

MALFORMED = ["", "a", "b0", "a00", "a0V0", "a0-", "a0 ", " a0", "a0\n", "0a", "é0", "a\u0660",
             "\uff5a" + "0" * 26, SMALLEST, "Z", "A" + "0" * 25]


@pytest.mark.parametrize("text", MALFORMED)
def test_malformed_keys_are_refused(text):
    assert not is_position(text)
    with pytest.raises(ValueError, match="not a position"):
        key_between(text, None)
    with pytest.raises(ValueError, match="not a position"):
        key_between(None, text)


@pytest.mark.parametrize("text", ["a0", "Zz", "a0V", "b00", "A" + "0" * 26 + "1", LARGEST])
def test_well_formed_keys_are_positions(text):
    assert is_position(text)


@pytest.mark.parametrize(("before", "after"), [("a0", "a0"), ("a1", "a0"), ("a0V", "a0"),
                                               ("a0", "Zz"), ("b00", "az")])
def test_bounds_out_of_order_are_refused(before, after):
    with pytest.raises(ValueError, match="no position between"):
        key_between(before, after)
