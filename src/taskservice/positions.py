"""Fractional-index keys: the ``position`` of a task among its siblings (contract section 13).

Siblings sort by their position in byte order, and a move writes one position only: the
new key lies strictly between its new neighbours' keys, so nothing is ever renumbered. The
contract also bounds a position to 64 characters after a thousand moves to the same place
(one of two tasks put right after the same third task, over and over).

No library keeps that bound: the ``fractional-indexing`` ports (and the algorithm they
share) always take the midpoint between the neighbours, which halves the gap and so adds
a character about every 6 inserts at one spot (170 to 200 characters after 1000). Here,
among the shortest keys that fit, the one next to the neighbour that is at least two
digits longer is chosen: that one is the crowded side, where inserts have kept landing
(usually it is the key just inserted), so the room by the older, shorter neighbour is left
for the next insert, and repeated inserts at one spot use about 60 keys per character (20
characters after 1000). Between neighbours of lengths one apart or equal, the middle one is
chosen: a midpoint split itself makes a key one digit longer than its neighbours, so that
difference does not say which side is crowded, and leaning on it lets inserts that keep
splitting the newest gap both ways lose a character every 2 inserts (500 characters after
1000) instead of every 6. Random inserts stay shorter (under 10 characters after 1000
inserts at random places, under 50 after 1000 at a place that walks at random).

A key is an integer part and a fraction, both written in ``DIGITS`` (whose ASCII order is
their order). The integer part is a head letter and as many digits as the head says: 'a'
to 'z' have 1 to 26 digits (a0..az, b00..bzz, ...), 'A' to 'Z' have 26 down to 1 for the
negative side ('Zz' sorts just below 'a0'). Appending after the last key increments the
integer and prepending before the first decrements it, so a list built by appends stays
at about 4 characters for 10 000 tasks. The fraction never ends with '0': no key would
fit between "x" and "x0". The smallest integer part with no fraction is no key, since
nothing could go before it.

This is plumbing: it imports nothing of taskservice and only the standard library.
"""

from __future__ import annotations

POSITION_MAX_LENGTH = 64
DIGITS = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
FIRST_POSITION = "a0"

_BASE = len(DIGITS)
_VALUE = {digit: value for value, digit in enumerate(DIGITS)}
_DIGIT_SET = frozenset(DIGITS)
_WIDEST = 26
_SMALLEST = "A" + DIGITS[0] * _WIDEST
# _SPAN[n]: how many integers the integer parts of at most n digits on one side write.
_SPAN: list[int] = [sum(_BASE**k for k in range(1, n + 1)) for n in range(_WIDEST + 1)]
# How many digits longer a neighbour must be for the new key to go next to it.
_LEANING = 2


def is_position(text: str) -> bool:
    """Whether ``text`` has a key's shape (a length check and one pass over the characters).

    The 64-character bound is the column's, not the shape's: ``key_between`` works on any
    valid keys, and whoever writes the column compares with ``POSITION_MAX_LENGTH``.
    """
    if not text or not text[0].isascii() or not text[0].isalpha():
        return False
    fraction_start = 1 + _width(text[0])
    return (len(text) >= fraction_start and _DIGIT_SET.issuperset(text)
            and (len(text) == fraction_start or text[-1] != DIGITS[0]) and text != _SMALLEST)


def key_between(before: str | None, after: str | None) -> str:
    """A key strictly between ``before`` and ``after`` (``None``: no bound on that side).

    Raises ``ValueError`` for a bound that is not a key, or bounds not in order, since no
    key could then be both: a caller passing those has mixed up its neighbours.
    """
    for bound in (before, after):
        if bound is not None and not is_position(bound):
            raise ValueError(f"not a position: {bound!r}")
    if before is not None and after is not None and before >= after:
        raise ValueError(f"no position between {before!r} and {after!r}")
    if before is None:
        return FIRST_POSITION if after is None else _key_before(after)
    integer, fraction = _split(before)
    following = _integer_part(_integer_value(integer) + 1)
    if following is not None and (after is None or following < after):
        return following
    # Past before's integer, the fraction has no bound above (after is its increment).
    above = None if after is None or not after.startswith(integer) else after[len(integer):]
    return integer + _fraction_between(fraction, above)


def _key_before(after: str) -> str:
    """Before the first key: the integer below its own, short as an append is; a fraction
    of the smallest integer when that is the one below (alone it is no key) or its own."""
    integer, fraction = _split(after)
    preceding = _integer_part(_integer_value(integer) - 1)
    if preceding is None:
        return integer + _fraction_between("", fraction)
    if preceding == _SMALLEST:
        return preceding + _fraction_between("", None)
    return preceding


def _fraction_between(low: str, high: str | None) -> str:
    """The shortest fraction strictly between ``low`` and ``high`` (``None``: above all)
    that does not end with '0', next to the bound that is ``_LEANING`` digits longer, else
    in the middle: see the module's docstring for why."""
    high_length = 0 if high is None else len(high)
    lean = len(low) - high_length
    choose = (_first_valid if lean >= _LEANING else _last_valid if -lean >= _LEANING
              else _middle_valid)
    for width in range(1, max(len(low), high_length) + 2):
        first = _number(low[:width].ljust(width, DIGITS[0])) + 1
        last = _number(DIGITS[-1] * width) if high is None else _below(high, width)
        found = choose(first, last)
        if found is not None:
            return _digits(found, width)
    raise AssertionError("unreachable: a fraction one digit longer than both bounds fits")


def _below(high: str, width: int) -> int:
    """The greatest ``width``-digit fraction (as a number) below ``high``: ``high`` cut to
    that width when it is longer (it does not end with '0', so it is above its cut)."""
    if len(high) > width:
        return _number(high[:width])
    return _number(high.ljust(width, DIGITS[0])) - 1


def _first_valid(first: int, last: int) -> int | None:
    """The least of ``first..last`` whose last digit is not '0', if any."""
    found = first if first % _BASE else first + 1
    return found if found <= last else None


def _last_valid(first: int, last: int) -> int | None:
    """The greatest of ``first..last`` whose last digit is not '0', if any."""
    found = last if last % _BASE else last - 1
    return found if found >= first else None


def _middle_valid(first: int, last: int) -> int | None:
    """The middle of ``first..last``, or its neighbour when it ends with '0', if any."""
    if first > last:
        return None
    middle = (first + last) // 2
    found = _first_valid(middle, last)
    return found if found is not None else _last_valid(first, middle)


def _split(key: str) -> tuple[str, str]:
    """A valid key's integer part and fraction."""
    fraction_start = 1 + _width(key[0])
    return key[:fraction_start], key[fraction_start:]


def _width(head: str) -> int:
    """How many digits follow ``head`` in an integer part."""
    if head.islower():
        return ord(head) - ord("a") + 1
    return ord("Z") - ord(head) + 1


def _integer_value(integer: str) -> int:
    """The integer an integer part writes: a0 is 0, Zz is -1, az is 61, b00 is 62."""
    count = len(integer) - 1
    if integer[0].islower():
        return _SPAN[count - 1] + _number(integer[1:])
    return _number(integer[1:]) - _SPAN[count]


def _integer_part(value: int) -> str | None:
    """The integer part that writes ``value``, or ``None`` past either end."""
    if not -_SPAN[_WIDEST] <= value < _SPAN[_WIDEST]:
        return None
    if value >= 0:
        width = next(n for n in range(1, _WIDEST + 1) if value < _SPAN[n])
        return chr(ord("a") + width - 1) + _digits(value - _SPAN[width - 1], width)
    width = next(n for n in range(1, _WIDEST + 1) if value >= -_SPAN[n])
    return chr(ord("Z") - width + 1) + _digits(value + _SPAN[width], width)


def _number(digits: str) -> int:
    """The number ``digits`` write in base 62."""
    number = 0
    for digit in digits:
        number = number * _BASE + _VALUE[digit]
    return number


def _digits(number: int, width: int) -> str:
    """``number`` in base 62 on exactly ``width`` digits."""
    written = []
    for _ in range(width):
        number, digit = divmod(number, _BASE)
        written.append(DIGITS[digit])
    return "".join(reversed(written))
