"""dates.series: a rule's occurrences in its zone's wall-clock, where a completed due goes
(from the due or from the completion), when a series is over, and the rules refused."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from taskservice.dates.rules import RuleError, parse_rule
from taskservice.dates.series import Series, check_series, following, upcoming
from taskservice.dates.zones import Moment, instant, to_wall_clock

PARIS = "Europe/Paris"


def utc(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=UTC)


def checked(rule: str, start: Moment, zone: str = PARIS, from_completion: bool = False) -> Series:
    series = Series(parse_rule(rule), start, zone, from_completion)
    check_series(series)
    return series


def rolled(series: Series, times: int) -> list[Moment]:
    """The dues met by completing each one right at its due, ``times`` times at most."""
    dues, current, index = [series.start], series.start, 0
    for _ in range(times):
        step = following(series, current, index, instant(current, series.zone))
        if step is None:
            break
        current, index = step
        assert index == len(dues)
        dues.append(current)
    return dues


# -- wall-clock time across DST ----------------------------------------------------------------


def test_a_daily_9_o_clock_in_paris_stays_9_o_clock_across_both_changes_of_2027():
    series = checked("FREQ=DAILY", utc(2027, 3, 26, 8))
    spring = upcoming(series, series.start, 0, 4)
    assert spring == [utc(2027, 3, 26, 8), utc(2027, 3, 27, 8), utc(2027, 3, 28, 7),
                      utc(2027, 3, 29, 7)]
    autumn = following(series, utc(2027, 10, 30, 7), 218, utc(2027, 10, 30, 7))
    assert autumn == (utc(2027, 10, 31, 8), 219)
    assert following(series, *autumn, completed_at=autumn[0]) == (utc(2027, 11, 1, 8), 220)


def test_a_time_the_spring_change_skips_is_read_with_the_offset_before_the_gap():
    # 02:30 does not exist in Paris on 2027-03-28: it is 01:30Z (03:30 CEST) that day.
    series = checked("FREQ=DAILY", utc(2027, 3, 27, 1, 30))
    assert rolled(series, 2) == [utc(2027, 3, 27, 1, 30), utc(2027, 3, 28, 1, 30),
                                 utc(2027, 3, 29, 0, 30)]


def test_a_time_the_autumn_change_repeats_is_the_first_of_the_two():
    series = checked("FREQ=DAILY", utc(2027, 10, 30, 0, 30))
    assert rolled(series, 2) == [utc(2027, 10, 30, 0, 30), utc(2027, 10, 31, 0, 30),
                                 utc(2027, 11, 1, 1, 30)]


def test_an_hourly_series_does_not_go_back_nor_repeat_an_hour_at_the_spring_change():
    # 01:00, 02:00 (skipped: read as 03:00 CEST = 01:00Z), then 03:00 CEST is that same
    # instant, so it is not repeated: the series goes on at 04:00 CEST.
    series = checked("FREQ=HOURLY", utc(2027, 3, 28, 0))
    assert upcoming(series, series.start, 0, 4) == [
        utc(2027, 3, 28, 0), utc(2027, 3, 28, 1), utc(2027, 3, 28, 2), utc(2027, 3, 28, 3)]


# -- what a rule picks ------------------------------------------------------------------------


def test_monthly_on_the_31st_skips_the_months_without_one():
    series = checked("FREQ=MONTHLY;BYMONTHDAY=31", date(2027, 1, 31))
    assert upcoming(series, series.start, 0, 5) == [
        date(2027, 1, 31), date(2027, 3, 31), date(2027, 5, 31), date(2027, 7, 31),
        date(2027, 8, 31)]


def test_monthly_from_the_31st_without_bymonthday_skips_too_never_clamps():
    series = checked("FREQ=MONTHLY", utc(2027, 1, 31, 8))
    assert upcoming(series, series.start, 0, 3) == [
        utc(2027, 1, 31, 8), utc(2027, 3, 31, 7), utc(2027, 5, 31, 7)]


def test_the_last_friday_of_each_month():
    series = checked("FREQ=MONTHLY;BYDAY=-1FR", date(2027, 1, 29))
    assert upcoming(series, series.start, 0, 4) == [
        date(2027, 1, 29), date(2027, 2, 26), date(2027, 3, 26), date(2027, 4, 30)]


def test_weekly_on_two_days_in_new_york():
    series = checked("FREQ=WEEKLY;BYDAY=MO,WE", utc(2027, 3, 8, 14), "America/New_York")
    # 09:00 EST, then 09:00 EDT after 2027-03-14
    assert upcoming(series, series.start, 0, 5) == [
        utc(2027, 3, 8, 14), utc(2027, 3, 10, 14), utc(2027, 3, 15, 13), utc(2027, 3, 17, 13),
        utc(2027, 3, 22, 13)]


def test_byyearday_counts_the_days_of_the_year_from_either_end():
    series = checked("FREQ=YEARLY;BYYEARDAY=100,-1", date(2027, 1, 1))
    assert upcoming(series, series.start, 0, 4) == [
        date(2027, 1, 1), date(2027, 4, 10), date(2027, 12, 31), date(2028, 4, 9)]


def test_a_second_of_60_is_read_as_59():
    series = checked("FREQ=DAILY;BYSECOND=60", utc(2027, 1, 1, 8, 0, 0))
    assert upcoming(series, series.start, 0, 2) == [utc(2027, 1, 1, 8), utc(2027, 1, 1, 8, 0, 59)]


def test_a_due_s_fraction_of_a_second_is_kept_on_every_occurrence():
    start = utc(2027, 1, 1, 8, 0, 0, 250000)
    series = checked("FREQ=DAILY;UNTIL=20270102T080000Z", start)
    # UNTIL is to the second: the fraction does not take the last day past it.
    assert rolled(series, 5) == [start, start + timedelta(days=1)]


# -- COUNT and UNTIL --------------------------------------------------------------------------


def test_the_start_counts_for_count_even_when_the_rule_would_not_produce_it():
    # 2027-01-05 is a Tuesday: done once that Tuesday, then one Monday, then over.
    series = checked("FREQ=WEEKLY;BYDAY=MO;COUNT=2", date(2027, 1, 5))
    assert rolled(series, 5) == [date(2027, 1, 5), date(2027, 1, 11)]
    assert following(series, date(2027, 1, 11), 1, utc(2027, 1, 11, 12)) is None
    assert upcoming(series, series.start, 0, 10) == [date(2027, 1, 5), date(2027, 1, 11)]


def test_count_when_the_rule_produces_the_start():
    series = checked("FREQ=DAILY;INTERVAL=3;COUNT=3", utc(2027, 1, 1, 8))
    assert rolled(series, 5) == [utc(2027, 1, 1, 8), utc(2027, 1, 4, 8), utc(2027, 1, 7, 8)]


def test_until_is_inclusive_for_a_date_and_for_a_time():
    by_date = checked("FREQ=DAILY;UNTIL=20270103", date(2027, 1, 1))
    assert rolled(by_date, 5) == [date(2027, 1, 1), date(2027, 1, 2), date(2027, 1, 3)]
    by_time = checked("FREQ=DAILY;UNTIL=20270103T080000Z", utc(2027, 1, 1, 8))
    assert rolled(by_time, 5) == [utc(2027, 1, 1, 8), utc(2027, 1, 2, 8), utc(2027, 1, 3, 8)]
    short = checked("FREQ=DAILY;UNTIL=20270103T075959Z", utc(2027, 1, 1, 8))
    assert rolled(short, 5) == [utc(2027, 1, 1, 8), utc(2027, 1, 2, 8)]


def test_skipped_occurrences_count_for_count():
    series = checked("FREQ=DAILY;COUNT=4", date(2027, 1, 1))
    # done two days late: 01-02 and 01-03 are skipped, 01-04 is the last of four
    assert following(series, date(2027, 1, 1), 0, utc(2027, 1, 3, 12)) == (date(2027, 1, 4), 3)
    assert following(series, date(2027, 1, 1), 0, utc(2027, 1, 4, 12)) is None


# -- from the due: an overdue task moves to the future ----------------------------------------


def test_a_daily_series_done_three_days_late_moves_to_the_first_occurrence_after_it():
    # COUNT, so that the index is counted whatever the lateness (see the next test)
    series = checked("FREQ=DAILY;COUNT=30", utc(2027, 1, 1, 8))  # 09:00 in Paris
    assert following(series, utc(2027, 1, 1, 8), 0, utc(2027, 1, 4, 10)) == (
        utc(2027, 1, 5, 8), 4)
    # done before that day's 09:00: that day's occurrence is still ahead
    assert following(series, utc(2027, 1, 1, 8), 0, utc(2027, 1, 4, 7)) == (
        utc(2027, 1, 4, 8), 3)


def test_without_count_the_index_is_counted_only_when_the_walk_passes_the_due():
    series = checked("FREQ=DAILY", utc(2027, 1, 1, 8))
    # done on its day: the walk from the due finds the next one
    assert following(series, utc(2027, 1, 3, 8), 2, utc(2027, 1, 3, 9)) == (utc(2027, 1, 4, 8), 3)
    # done three days late: the same next due, reached by a jump that counts nothing
    assert following(series, utc(2027, 1, 1, 8), 0, utc(2027, 1, 4, 10)) == (utc(2027, 1, 5, 8), 1)


def test_an_all_day_occurrence_is_compared_as_00_00_in_the_zone():
    series = checked("FREQ=DAILY;COUNT=30", date(2027, 1, 1), "Asia/Tokyo")
    # done on the due day itself (Tokyo time): moves to tomorrow
    assert following(series, date(2027, 1, 1), 0, utc(2027, 1, 1, 3)) == (date(2027, 1, 2), 1)
    # done "today" three days late, 2027-01-04 10:00 in Tokyo: moves to 2027-01-05
    assert following(series, date(2027, 1, 1), 0, utc(2027, 1, 4, 1)) == (date(2027, 1, 5), 4)
    # 2027-01-03 15:00Z is already 2027-01-04 00:00 in Tokyo: 01-04 is not later than it
    assert following(series, date(2027, 1, 1), 0, utc(2027, 1, 3, 15)) == (date(2027, 1, 5), 4)
    assert following(series, date(2027, 1, 1), 0, utc(2027, 1, 3, 14, 59)) == (
        date(2027, 1, 4), 3)


def test_done_ahead_of_its_due_moves_past_the_due():
    series = checked("FREQ=WEEKLY", date(2027, 1, 4))
    assert following(series, date(2027, 1, 4), 0, utc(2026, 12, 30)) == (date(2027, 1, 11), 1)


# -- from the completion ----------------------------------------------------------------------


def test_from_completion_counts_from_the_completion_s_local_date_at_the_due_s_time():
    series = checked("FREQ=DAILY;INTERVAL=3", utc(2027, 1, 1, 8), from_completion=True)
    # done late, 2027-01-05 at 23:30 in Paris: three days after the 5th, at 09:00
    assert following(series, utc(2027, 1, 1, 8), 0, utc(2027, 1, 5, 22, 30)) == (
        utc(2027, 1, 8, 8), 1)
    # 23:30Z is already the 6th in Paris
    assert following(series, utc(2027, 1, 1, 8), 0, utc(2027, 1, 5, 23, 30)) == (
        utc(2027, 1, 9, 8), 1)
    # done early counts from then too
    assert following(series, utc(2027, 1, 1, 8), 0, utc(2026, 12, 30, 12)) == (
        utc(2027, 1, 2, 8), 1)


def test_from_completion_keeps_the_wall_clock_time_across_dst():
    series = checked("FREQ=WEEKLY", utc(2027, 3, 22, 8), from_completion=True)
    assert following(series, utc(2027, 3, 22, 8), 0, utc(2027, 3, 23, 12)) == (
        utc(2027, 3, 30, 7), 1)


def test_from_completion_all_day():
    series = checked("FREQ=WEEKLY;INTERVAL=2", date(2027, 1, 1), "America/New_York",
                     from_completion=True)
    # 2027-01-10 03:00Z is still the 9th in New York
    assert following(series, date(2027, 1, 1), 0, utc(2027, 1, 10, 3)) == (date(2027, 1, 23), 1)


def test_from_completion_monthly_from_a_31st_goes_to_the_next_month_that_has_one():
    series = checked("FREQ=MONTHLY", date(2027, 1, 15), from_completion=True)
    assert following(series, date(2027, 1, 15), 0, utc(2027, 1, 31, 12)) == (
        date(2027, 3, 31), 1)
    assert following(series, date(2027, 1, 15), 0, utc(2027, 1, 30, 12)) == (
        date(2027, 3, 30), 1)


def test_from_completion_hourly_counts_from_the_moment_itself():
    series = checked("FREQ=HOURLY;INTERVAL=2", utc(2027, 3, 28, 0, 15), from_completion=True)
    assert following(series, utc(2027, 3, 28, 0, 15), 0, utc(2027, 3, 28, 0, 40)) == (
        utc(2027, 3, 28, 2, 40), 1)


def test_from_completion_ends_with_count_and_with_until():
    counted = checked("FREQ=DAILY;COUNT=2", date(2027, 1, 1), from_completion=True)
    assert following(counted, date(2027, 1, 1), 0, utc(2027, 1, 5, 12)) == (date(2027, 1, 6), 1)
    assert following(counted, date(2027, 1, 6), 1, utc(2027, 1, 6, 12)) is None
    until = checked("FREQ=DAILY;UNTIL=20270110", date(2027, 1, 1), from_completion=True)
    assert following(until, date(2027, 1, 1), 0, utc(2027, 1, 9, 12)) == (date(2027, 1, 10), 1)
    assert following(until, date(2027, 1, 10), 1, utc(2027, 1, 10, 12)) is None


# -- upcoming ---------------------------------------------------------------------------------


def test_upcoming_lists_the_current_due_then_the_next_ones():
    series = checked("FREQ=WEEKLY;BYDAY=MO,WE", date(2027, 1, 4))
    assert upcoming(series, date(2027, 1, 6), 1, 3) == [
        date(2027, 1, 6), date(2027, 1, 11), date(2027, 1, 13)]
    assert upcoming(series, date(2027, 1, 6), 1, 1) == [date(2027, 1, 6)]
    assert upcoming(series, date(2027, 1, 6), 1, 0) == []


def test_upcoming_of_a_series_from_completion_is_its_current_due_only():
    series = checked("FREQ=DAILY", date(2027, 1, 1), from_completion=True)
    assert upcoming(series, date(2027, 1, 3), 1, 10) == [date(2027, 1, 3)]


def test_upcoming_stops_where_the_series_does():
    series = checked("FREQ=DAILY;UNTIL=20270103T080000Z", utc(2027, 1, 1, 8))
    assert upcoming(series, utc(2027, 1, 2, 8), 1, 10) == [utc(2027, 1, 2, 8), utc(2027, 1, 3, 8)]


# -- refusals ---------------------------------------------------------------------------------


@pytest.mark.parametrize(("rule", "start", "from_completion", "fragment"), [
    ("FREQ=WEEKLY;BYDAY=MO", date(2027, 1, 4), True, "BYDAY cannot be used when the next due"),
    ("FREQ=DAILY;BYHOUR=9", utc(2027, 1, 4, 8), True, "BYHOUR cannot be used when the next"),
    ("FREQ=DAILY;UNTIL=20270110T000000Z", date(2027, 1, 4), False,
     "UNTIL=20270110T000000Z is a time but the due is all-day"),
    ("FREQ=DAILY;UNTIL=20270110", utc(2027, 1, 4, 8), False,
     "UNTIL=20270110 is a date but the due has a time of day"),
    ("FREQ=DAILY;UNTIL=20270110", utc(2027, 1, 4, 8), True, "UNTIL=20270110 is a date"),
    ("FREQ=HOURLY", date(2027, 1, 4), False, "FREQ=HOURLY needs a due with a time of day"),
    ("FREQ=DAILY;BYHOUR=9", date(2027, 1, 4), False, "BYHOUR needs a due with a time of day"),
    ("FREQ=DAILY;BYMINUTE=0", date(2027, 1, 4), False, "BYMINUTE needs a due"),
    ("FREQ=DAILY;BYSECOND=0", date(2027, 1, 4), False, "BYSECOND needs a due"),
    ("FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=30", date(2027, 1, 4), False,
     "FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=30 has no occurrence"),
    ("FREQ=HOURLY;BYMONTH=2;BYMONTHDAY=30", utc(2027, 1, 4, 8), False, "has no occurrence"),
    ("FREQ=DAILY;INTERVAL=11;BYMONTH=4;BYMONTHDAY=31", date(2027, 1, 4), False,
     "has no occurrence"),
    # 2027-01-04 is a Monday: every seventh day is a Monday too
    ("FREQ=DAILY;INTERVAL=7;BYDAY=TU", date(2027, 1, 4), False, "has no occurrence"),
    # from 09:00 in Paris, every two hours is an odd hour
    ("FREQ=HOURLY;INTERVAL=2;BYHOUR=10", utc(2027, 1, 4, 8), False, "has no occurrence"),
    # one time a day, so no second one to pick
    ("FREQ=DAILY;BYHOUR=9;BYSETPOS=2", utc(2027, 1, 4, 8), False, "has no occurrence"),
    ("FREQ=HOURLY;BYMINUTE=0,30;BYSETPOS=-3", utc(2027, 1, 4, 8), False, "has no occurrence"),
    ("FREQ=MONTHLY;BYDAY=MO;BYSETPOS=6", date(2027, 1, 4), False, "has no occurrence"),
    # 00:00 on 10000-01-01 in Paris: past datetime's range, and past the series' last year
    ("FREQ=DAILY", utc(9999, 12, 31, 23), False, "A series ends with the year 9998"),
    ("FREQ=DAILY", utc(9999, 12, 31, 23), True, "A series ends with the year 9998"),
    ("FREQ=DAILY", date(9999, 1, 1), False, "A series ends with the year 9998"),
    ("FREQ=YEARLY;UNTIL=20261231", date(2027, 1, 4), False,
     "UNTIL=20261231 ends the series before the rule's first occurrence"),
    ("FREQ=DAILY;UNTIL=20270104T075959Z", utc(2027, 1, 4, 8), False, "UNTIL=20270104T075959Z"),
    ("FREQ=DAILY;UNTIL=20270103", date(2027, 1, 4), True, "UNTIL=20270103 ends the series"),
    # the first Friday 13th from 2027-01-04 is in August
    ("FREQ=MONTHLY;BYDAY=FR;BYMONTHDAY=13;UNTIL=20270731", date(2027, 1, 4), False,
     "UNTIL=20270731 ends the series"),
])
def test_a_rule_that_cannot_make_a_series_from_its_start_is_refused(rule, start,
                                                                   from_completion, fragment):
    with pytest.raises(RuleError, match=fragment.replace("(", r"\(")) as refused:
        checked(rule, start, from_completion=from_completion)
    assert ": " in str(refused.value)


@pytest.mark.parametrize(("rule", "start", "second"), [
    ("FREQ=MONTHLY;BYDAY=FR;BYMONTHDAY=13;UNTIL=20270813", date(2027, 1, 4), date(2027, 8, 13)),
    ("FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=29;BYDAY=MO", date(2027, 1, 4), date(2044, 2, 29)),
    ("FREQ=YEARLY;INTERVAL=100;BYMONTH=2;BYMONTHDAY=29", date(2100, 1, 1), date(2400, 2, 29)),
    # from 09:00 in Paris, every other hour is an odd one
    ("FREQ=HOURLY;INTERVAL=2;BYHOUR=11", utc(2027, 1, 4, 8), utc(2027, 1, 4, 10)),
    # the first of the hour's two times: its :00
    ("FREQ=HOURLY;BYMINUTE=0,30;BYSETPOS=-2", utc(2027, 1, 4, 8), utc(2027, 1, 4, 9)),
    # the day's times are 09:00:58, 09:00:59 (60 read as 59), 10:00:58, 10:00:59
    ("FREQ=DAILY;BYHOUR=9,10;BYSECOND=58,60;BYSETPOS=-4", utc(2027, 1, 4, 8),
     utc(2027, 1, 4, 8, 0, 58)),
    ("FREQ=DAILY;UNTIL=20270104T080000Z", utc(2027, 1, 4, 8), None),
])
def test_a_rule_whose_occurrences_are_rare_or_few_is_accepted(rule, start, second):
    series = checked(rule, start)
    assert upcoming(series, start, 0, 2) == [start, *([second] if second else [])]


def test_a_rule_with_days_that_seldom_meet_its_hours_is_accepted():
    # a Monday 29 February at 05:00 in Paris, hit only when the 11-hour steps land on it
    rule = "FREQ=HOURLY;INTERVAL=11;BYMONTH=2;BYMONTHDAY=29;BYDAY=MO;BYHOUR=5"
    series = checked(rule, utc(2027, 1, 4, 8))
    step = following(series, series.start, 0, series.start)
    assert step is not None and isinstance(step[0], datetime)
    wall = to_wall_clock(step[0], PARIS)
    assert (wall.month, wall.day, wall.weekday(), wall.hour) == (2, 29, 0, 5)
    assert (wall - to_wall_clock(series.start, PARIS)) % timedelta(hours=11) == timedelta(0)
