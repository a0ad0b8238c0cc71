"""parse_rule: every refusal dates_api.md lists, each with a message that names the part at
fault and says what to write instead; and the contract's own examples, which parse."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from taskservice.dates.rules import RULE_MAX_LENGTH, RuleError, parse_rule

# (rule, a fragment its error must contain: the offending part, as the person wrote it)
REFUSED = [
    # the text as a whole
    ("", "FREQ"),
    ("FREQ=DAILY;" + "X" * RULE_MAX_LENGTH, f"at most {RULE_MAX_LENGTH}"),
    ("RRULE:FREQ=DAILY", "RRULE:"),
    ("rrule:FREQ=DAILY", "RRULE:"),
    ("DTSTART:20270101T090000Z;FREQ=DAILY", "DTSTART"),
    ("FREQ=DAILY;DTSTART=20270101", "DTSTART"),
    # NAME=VALUE;... syntax
    ("FREQ=DAILY;", "empty part"),
    ("FREQ=DAILY;;COUNT=2", "empty part"),
    ("FREQ", "'FREQ'"),
    ("FREQ=DAILY;COUNT", "'COUNT'"),
    ("FREQ=DAILY; COUNT=2", "' COUNT=2'"),
    ("FREQ=DAILY;X-NAME=1", "'X-NAME=1'"),
    ("FREQ=", "FREQ has no value"),
    ("FREQ=DAILY;count=", "COUNT has no value"),
    ("FREQ=DAILY;FOO=1", "Unknown rule part FOO"),
    ("FREQ=DAILY;rscale=GREGORIAN", "Unknown rule part rscale"),
    ("FREQ=DAILY;freq=WEEKLY", "FREQ is given twice"),
    ("FREQ=WEEKLY;BYDAY=MO;BYDAY=TU", "BYDAY is given twice"),
    # FREQ
    ("INTERVAL=2", "FREQ is missing"),
    ("FREQ=SECONDLY", "FREQ=SECONDLY is not supported"),
    ("FREQ=MINUTELY", "FREQ=MINUTELY is not supported"),
    ("FREQ=FORTNIGHTLY", "FREQ=FORTNIGHTLY is not a frequency"),
    # INTERVAL and COUNT
    ("FREQ=DAILY;INTERVAL=0", "INTERVAL=0 is not a whole number from 1 up"),
    ("FREQ=DAILY;INTERVAL=-1", "INTERVAL=-1 is not"),
    ("FREQ=DAILY;INTERVAL=+2", "INTERVAL=+2 is not"),
    ("FREQ=DAILY;INTERVAL=1.5", "INTERVAL=1.5 is not"),
    ("FREQ=DAILY;COUNT=0", "COUNT=0 is not"),
    ("FREQ=DAILY;COUNT=ten", "COUNT=TEN is not"),
    # UNTIL
    ("FREQ=DAILY;UNTIL=2030", "UNTIL=2030 is neither a date nor a UTC time"),
    ("FREQ=DAILY;UNTIL=2030-12-31", "UNTIL=2030-12-31 is neither"),
    ("FREQ=DAILY;UNTIL=20301231T235959", "must be in UTC"),
    ("FREQ=DAILY;UNTIL=TZID=Europe/Paris:20301231T235959", "UNTIL=TZID"),
    ("FREQ=DAILY;UNTIL=20301231T235959+0100", "UNTIL=20301231T235959+0100"),
    ("FREQ=DAILY;UNTIL=20310230", "UNTIL=20310230 is not a date of the calendar"),
    ("FREQ=DAILY;UNTIL=20311301", "UNTIL=20311301 is not a date of the calendar"),
    ("FREQ=DAILY;UNTIL=20301231T250000Z", "UNTIL=20301231T250000Z is not a date"),
    ("FREQ=DAILY;COUNT=3;UNTIL=20301231", "COUNT and UNTIL"),
    # the numeric lists
    ("FREQ=DAILY;BYSECOND=61", "BYSECOND value 61 is out of range"),
    ("FREQ=DAILY;BYMINUTE=60", "BYMINUTE value 60 is out of range"),
    ("FREQ=DAILY;BYHOUR=24", "BYHOUR value 24 is out of range"),
    ("FREQ=DAILY;BYHOUR=-1", "BYHOUR value -1 is out of range"),
    ("FREQ=DAILY;BYHOUR=9,", "BYHOUR value ''"),
    ("FREQ=DAILY;BYHOUR=nine", "BYHOUR value 'NINE' is not a number"),
    ("FREQ=MONTHLY;BYMONTHDAY=0", "BYMONTHDAY value 0 is out of range"),
    ("FREQ=MONTHLY;BYMONTHDAY=32", "BYMONTHDAY value 32 is out of range"),
    ("FREQ=MONTHLY;BYMONTHDAY=-32", "BYMONTHDAY value -32 is out of range"),
    ("FREQ=YEARLY;BYYEARDAY=367", "BYYEARDAY value 367 is out of range"),
    ("FREQ=YEARLY;BYYEARDAY=0", "BYYEARDAY value 0 is out of range"),
    ("FREQ=YEARLY;BYWEEKNO=54", "BYWEEKNO value 54 is out of range"),
    ("FREQ=YEARLY;BYWEEKNO=-54", "BYWEEKNO value -54 is out of range"),
    ("FREQ=YEARLY;BYMONTH=0", "BYMONTH value 0 is out of range"),
    ("FREQ=YEARLY;BYMONTH=13", "BYMONTH value 13 is out of range"),
    ("FREQ=YEARLY;BYMONTH=-1", "BYMONTH value -1 is out of range"),
    ("FREQ=MONTHLY;BYDAY=MO;BYSETPOS=0", "BYSETPOS value 0 is out of range"),
    ("FREQ=MONTHLY;BYDAY=MO;BYSETPOS=367", "BYSETPOS value 367 is out of range"),
    # days
    ("FREQ=WEEKLY;BYDAY=MONDAY", "BYDAY value 'MONDAY' is not a day"),
    ("FREQ=WEEKLY;BYDAY=MO,XX", "BYDAY value 'XX' is not a day"),
    ("FREQ=WEEKLY;BYDAY=MO,", "BYDAY value '' is not a day"),
    ("FREQ=MONTHLY;BYDAY=0MO", "BYDAY value '0MO' has a number out of range"),
    ("FREQ=YEARLY;BYDAY=54MO", "BYDAY value '54MO' has a number out of range"),
    ("FREQ=YEARLY;BYDAY=-54MO", "BYDAY value '-54MO' has a number out of range"),
    ("FREQ=YEARLY;BYDAY=100MO", "BYDAY value '100MO' is not a day"),
    ("FREQ=WEEKLY;WKST=XX", "WKST=XX is not a day"),
    ("FREQ=WEEKLY;WKST=1MO", "WKST=1MO is not a day"),
    # combinations RFC 5545 forbids
    ("FREQ=WEEKLY;BYMONTHDAY=1", "BYMONTHDAY cannot be used with FREQ=WEEKLY"),
    ("FREQ=DAILY;BYYEARDAY=1", "BYYEARDAY cannot be used with FREQ=DAILY"),
    ("FREQ=WEEKLY;BYYEARDAY=1", "BYYEARDAY cannot be used with FREQ=WEEKLY"),
    ("FREQ=MONTHLY;BYYEARDAY=1", "BYYEARDAY cannot be used with FREQ=MONTHLY"),
    ("FREQ=MONTHLY;BYWEEKNO=1", "BYWEEKNO cannot be used with FREQ=MONTHLY"),
    ("FREQ=DAILY;BYWEEKNO=1", "BYWEEKNO cannot be used with FREQ=DAILY"),
    ("FREQ=HOURLY;BYWEEKNO=1", "BYWEEKNO cannot be used with FREQ=HOURLY"),
    ("FREQ=WEEKLY;BYDAY=1MO", "A numbered BYDAY (1MO) cannot be used with FREQ=WEEKLY"),
    ("FREQ=DAILY;BYDAY=MO,-1FR", "A numbered BYDAY (-1FR) cannot be used with FREQ=DAILY"),
    ("FREQ=HOURLY;BYDAY=+2TU", "A numbered BYDAY (+2TU) cannot be used with FREQ=HOURLY"),
    ("FREQ=YEARLY;BYWEEKNO=20;BYDAY=1MO", "A numbered BYDAY (1MO) cannot be used with BYWEEKNO"),
    ("FREQ=MONTHLY;BYSETPOS=-1", "BYSETPOS needs another BY part"),
    ("FREQ=MONTHLY;COUNT=3;BYSETPOS=1", "BYSETPOS needs another BY part"),
    # more often than hourly, spelled with BY parts instead of FREQ=MINUTELY
    ("FREQ=DAILY;BYHOUR=9;BYMINUTE=" + ",".join(map(str, range(25))), "25 times of day"),
    ("FREQ=YEARLY;BYHOUR=" + ",".join(map(str, range(24))) + ";BYSECOND=0,30",
     "48 times of day"),
]

VALID = [
    # the contract's examples
    "FREQ=WEEKLY;BYDAY=MO,WE",
    "FREQ=MONTHLY;BYDAY=-1FR",
    "FREQ=DAILY;INTERVAL=3;COUNT=10",
    "FREQ=YEARLY;UNTIL=20301231",
    # every part, at the edges of its range
    "FREQ=HOURLY;INTERVAL=4;BYHOUR=0,23;BYMINUTE=0,59;BYSECOND=0,60",
    "FREQ=DAILY;UNTIL=20301231T235959Z",
    "FREQ=MONTHLY;BYMONTHDAY=1,31,-1,-31",
    "FREQ=MONTHLY;BYMONTHDAY=+1,01",
    "FREQ=YEARLY;BYYEARDAY=1,366,-366;BYHOUR=9",
    "FREQ=HOURLY;BYYEARDAY=100",
    "FREQ=YEARLY;BYWEEKNO=1,53,-53;BYDAY=MO",
    "FREQ=YEARLY;BYMONTH=1,12;BYDAY=53MO,-53SU,+1TU",
    "FREQ=MONTHLY;BYDAY=MO,TU,WE,TH,FR;BYSETPOS=-1,1,366",
    "FREQ=WEEKLY;BYMONTH=2;BYDAY=SA,SU;WKST=SU",
    "FREQ=DAILY;BYMONTHDAY=13;BYDAY=FR",
    # hourly at the finest: 24 times of day, a value given twice counted once
    "FREQ=YEARLY;BYHOUR=" + ",".join(map(str, range(24))) + ";BYMINUTE=15,15",
    # names and values are case-insensitive (RFC 5545 §2); the text is kept as sent
    "freq=weekly;byday=mo,we;Until=20301231t120000z",
]


@pytest.mark.parametrize(("rule", "fragment"), REFUSED)
def test_a_rule_rfc_5545_does_not_allow_is_refused_naming_what_is_wrong(rule, fragment):
    with pytest.raises(RuleError) as refused:
        parse_rule(rule)
    message = str(refused.value)
    assert fragment in message
    # A sentence a person can act on: what is wrong, then after a colon what to do instead.
    problem, _, remedy = message.partition(": ")
    assert problem[0].isupper() and remedy and "\n" not in message
    assert isinstance(refused.value, ValueError)


@pytest.mark.parametrize("rule", VALID)
def test_a_valid_rule_parses_and_keeps_its_text(rule):
    parsed = parse_rule(rule)
    assert parsed.text == rule
    assert ";".join(f"{name}={value}" for name, value in parsed.parts.items()) == rule.upper()


@pytest.mark.parametrize(("rule", "freq", "interval", "count", "until"), [
    ("FREQ=WEEKLY;BYDAY=MO,WE", "WEEKLY", 1, None, None),
    ("FREQ=DAILY;INTERVAL=3;COUNT=10", "DAILY", 3, 10, None),
    ("FREQ=YEARLY;UNTIL=20301231", "YEARLY", 1, None, date(2030, 12, 31)),
    ("freq=hourly;interval=02;until=20301231t101500z", "HOURLY", 2, None,
     datetime(2030, 12, 31, 10, 15, tzinfo=UTC)),
    # RFC 5545 §3.3.12: without leap seconds, second 60 is 59.
    ("FREQ=DAILY;UNTIL=20301231T235960Z", "DAILY", 1, None,
     datetime(2030, 12, 31, 23, 59, 59, tzinfo=UTC)),
])
def test_a_rule_s_properties_read_its_parts(rule, freq, interval, count, until):
    parsed = parse_rule(rule)
    assert (parsed.freq, parsed.interval, parsed.count, parsed.until) == (
        freq, interval, count, until)
    assert type(parsed.until) is type(until)


def test_a_rule_is_a_value_that_cannot_be_changed():
    rule = parse_rule("FREQ=DAILY;COUNT=2")
    assert rule == parse_rule("FREQ=DAILY;COUNT=2") and hash(rule) == hash(parse_rule(rule.text))
    with pytest.raises(TypeError):
        rule.parts["COUNT"] = "3"  # type: ignore[index]


def test_a_rule_of_the_longest_length_is_allowed():
    rule = "FREQ=DAILY;BYHOUR=19," + ",".join(["9"] * 240)
    assert len(rule) == RULE_MAX_LENGTH
    assert parse_rule(rule).text == rule
    with pytest.raises(RuleError, match="501 characters"):
        parse_rule(rule + "9")
