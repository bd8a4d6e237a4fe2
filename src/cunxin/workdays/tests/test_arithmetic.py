"""Working-time arithmetic on China's real calendars (the shipped 2024–2026 notices).

Each table row is a case a centre would check by hand against the printed notice: the Spring
Festival and National Day weeks, 调休 Saturdays and Sundays, year ends, office hours across
lunch and evenings, deadlines with pauses and extensions, amber and red.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from cunxin.core import workdays as w
from cunxin.core.workdays import SHANGHAI, TimeLimit, Unit, Urgency
from cunxin.workdays.official import official_calendar

CAL = official_calendar()
UTC = dt.UTC
H = dt.timedelta(hours=1)
M = dt.timedelta(minutes=1)


def at(text: str) -> dt.datetime:
    """A local (Asia/Shanghai) moment, ``2025-01-24 10:00``."""
    return dt.datetime.fromisoformat(text).replace(tzinfo=SHANGHAI)


def day(text: str) -> dt.date:
    return dt.date.fromisoformat(text)


@pytest.mark.parametrize(
    ("date", "working"),
    [
        # 2024: 春节 2月10日–17日, 2月4日(日)、2月18日(日)上班; 除夕 2月9日 is a working day.
        ("2024-01-01", False),
        ("2024-02-04", True),
        ("2024-02-09", True),
        ("2024-02-10", False),
        ("2024-02-17", False),
        ("2024-02-18", True),
        ("2024-04-07", True),
        ("2024-04-28", True),
        ("2024-05-11", True),
        ("2024-06-10", False),
        ("2024-09-14", True),
        ("2024-09-16", False),
        ("2024-09-29", True),
        ("2024-10-07", False),
        ("2024-10-12", True),
        # 2025: 春节 1月28日–2月4日, 1月26日(日)、2月8日(六)上班; 国庆中秋 10月1日–8日.
        ("2025-01-01", False),
        ("2025-01-26", True),
        ("2025-01-28", False),
        ("2025-02-04", False),
        ("2025-02-05", True),
        ("2025-02-08", True),
        ("2025-04-04", False),
        ("2025-04-27", True),
        ("2025-05-05", False),
        ("2025-06-02", False),
        ("2025-09-28", True),
        ("2025-10-08", False),
        ("2025-10-09", True),
        ("2025-10-11", True),
        ("2025-10-12", False),  # an ordinary Sunday
        # 2026: 元旦 1月1日–3日, 1月4日(日)上班; 春节 2月15日–23日, 2月14日(六)、2月28日(六)上班.
        ("2026-01-02", False),
        ("2026-01-04", True),
        ("2026-02-14", True),
        ("2026-02-16", False),
        ("2026-02-23", False),
        ("2026-02-24", True),
        ("2026-02-28", True),
        ("2026-04-06", False),
        ("2026-05-05", False),
        ("2026-05-09", True),
        ("2026-06-19", False),
        ("2026-09-20", True),
        ("2026-09-25", False),
        ("2026-10-07", False),
        ("2026-10-10", True),
        # A year without a table counts weekends only.
        ("2027-01-01", True),
        ("2027-01-02", False),
    ],
)
def test_it_knows_the_working_days_of_the_notices(date: str, working: bool) -> None:
    assert w.is_working_day(CAL, day(date)) is working


@pytest.mark.parametrize(
    ("year", "statutory_days"),
    [(2024, 11), (2025, 13), (2026, 13)],  # 13 since the 2024 amendment (除夕 and 5月2日 added)
)
def test_a_year_has_its_weekdays_less_its_statutory_holidays(
    year: int, statutory_days: int
) -> None:
    # 调休 only moves days: the working days of a year are its weekdays less the statutory
    # holidays (each falling on a weekend made up on a weekday), e.g. 2025 has 248.
    days = [dt.date(year, 1, 1) + dt.timedelta(n) for n in range(366)]
    weekdays = sum(1 for d in days if d.year == year and d.weekday() < 5)
    working = w.working_days_between(CAL, dt.date(year - 1, 12, 31), dt.date(year, 12, 31))
    assert working == weekdays - statutory_days


@pytest.mark.parametrize(
    ("start", "n", "due"),
    [
        # The Friday before Spring Festival 2025: the 调休 Sunday, Monday, then after the week.
        ("2025-01-24 10:00", 1, "2025-01-26 17:30"),
        ("2025-01-24 10:00", 2, "2025-01-27 17:30"),
        ("2025-01-24 10:00", 3, "2025-02-05 17:30"),
        ("2025-01-24 10:00", 5, "2025-02-07 17:30"),
        ("2025-01-24 10:00", 6, "2025-02-08 17:30"),  # the 调休 Saturday
        # National Day 2025.
        ("2025-09-26 15:00", 1, "2025-09-28 17:30"),
        ("2025-09-30 09:00", 1, "2025-10-09 17:30"),
        ("2025-09-30 09:00", 3, "2025-10-11 17:30"),
        # Filed during a holiday: counting starts on the next day all the same.
        ("2025-10-03 11:00", 1, "2025-10-09 17:30"),
        # Year ends: 2024 → 2025 (元旦 on a Wednesday), 2025 → 2026 (元旦 then 调休 Sunday).
        ("2024-12-31 16:00", 1, "2025-01-02 17:30"),
        ("2025-12-31 09:00", 1, "2026-01-04 17:30"),
        ("2025-12-31 09:00", 2, "2026-01-05 17:30"),
        # Into a year with a table from one without.
        ("2023-12-29 09:00", 1, "2024-01-02 17:30"),
        # Spring Festival 2026 and its two 调休 Saturdays.
        ("2026-02-13 09:00", 1, "2026-02-14 17:30"),
        ("2026-02-13 09:00", 2, "2026-02-24 17:30"),
        ("2026-02-27 09:00", 1, "2026-02-28 17:30"),
        ("2026-09-30 09:00", 1, "2026-10-08 17:30"),
        # Zero days: close of the same working day, else of the next one (日事日清).
        ("2025-03-03 09:00", 0, "2025-03-03 17:30"),
        ("2025-03-03 17:30", 0, "2025-03-03 17:30"),
        ("2025-03-03 18:00", 0, "2025-03-04 17:30"),
        ("2025-01-28 10:00", 0, "2025-02-05 17:30"),
        # Filed after hours: still counted from the next day.
        ("2025-03-03 21:00", 1, "2025-03-04 17:30"),
    ],
)
def test_n_working_days_end_at_the_close_of_the_nth_working_day(
    start: str, n: int, due: str
) -> None:
    assert w.add_working_days(CAL, at(start), n) == at(due)


@pytest.mark.parametrize(
    ("start", "hours", "due"),
    [
        ("2025-03-03 09:00", 1, "2025-03-03 10:00"),
        ("2025-03-03 11:00", 1, "2025-03-03 12:00"),  # used up at noon ends at noon
        ("2025-03-03 11:00", 2, "2025-03-03 14:30"),  # lunch does not count
        ("2025-03-03 12:30", 1, "2025-03-03 14:30"),  # filed at lunch: from 13:30
        ("2025-03-03 07:00", 1, "2025-03-03 09:30"),  # before opening: from 08:30
        ("2025-03-03 16:30", 2, "2025-03-04 09:30"),  # the evening does not count
        ("2025-03-03 19:00", 1, "2025-03-04 09:30"),
        ("2025-03-07 17:00", 1, "2025-03-10 09:00"),  # Friday evening → Monday
        ("2025-03-03 08:30", 15, "2025-03-04 17:30"),  # two full days of 7.5 hours
        ("2025-01-27 16:00", 3, "2025-02-05 10:00"),  # across Spring Festival
        ("2026-02-13 17:00", 1, "2026-02-14 09:00"),  # onto the 调休 Saturday
        ("2025-04-30 17:00", 8, "2025-05-06 17:30"),  # across 劳动节
    ],
)
def test_working_hours_count_office_hours_only(start: str, hours: int, due: str) -> None:
    assert w.add_working_hours(CAL, at(start), hours) == at(due)
    assert w.working_time_between(CAL, at(start), at(due)) == hours * H


@pytest.mark.parametrize(
    ("start", "end", "worked"),
    [
        ("2025-03-03 12:00", "2025-03-03 13:30", dt.timedelta(0)),
        ("2025-03-03 11:30", "2025-03-03 14:00", H),
        ("2025-03-07 17:00", "2025-03-10 09:00", H),
        ("2025-01-27 16:00", "2025-02-05 10:30", 3 * H + 30 * M),
        ("2025-10-01 00:00", "2025-10-08 23:59", dt.timedelta(0)),
        ("2025-03-04 09:00", "2025-03-03 09:00", -7 * H - 30 * M),
    ],
)
def test_it_measures_working_time_between_two_moments(
    start: str, end: str, worked: dt.timedelta
) -> None:
    assert w.working_time_between(CAL, at(start), at(end)) == worked


def test_the_same_instant_in_any_zone_gives_the_same_deadline() -> None:
    # Asia/Shanghai has no daylight-saving time: the weeks when Europe and America change their
    # clocks change nothing here, and an instant written in UTC or Berlin time is the same.
    for local in ("2025-03-07 16:00", "2025-03-28 16:00", "2025-10-24 16:00", "2025-10-31 16:00"):
        start = at(local)
        expected = w.add_working_hours(CAL, start, 4)
        for zone in (UTC, ZoneInfo("Europe/Berlin"), ZoneInfo("America/New_York")):
            assert w.add_working_hours(CAL, start.astimezone(zone), 4) == expected
        # Friday 16:00 to Monday 16:00 while clocks change elsewhere: one working day.
        assert w.working_time_between(CAL, start, start + dt.timedelta(days=3)) == 7.5 * H


def test_it_refuses_a_naive_datetime() -> None:
    with pytest.raises(ValueError, match="aware"):
        w.add_working_hours(CAL, dt.datetime(2025, 3, 3, 9), 1)


# --- deadlines with pauses and extensions ----------------------------------------------------

START = at("2025-09-26 09:00")  # a Friday; 5 working days end on 10月10日 (9/28 is worked)


@pytest.mark.parametrize(
    ("pauses", "due"),
    [
        ([], "2025-10-10 17:30"),
        # Straddling National Day: only 9/30 afternoon and 10/9 morning (one day) are paused.
        ([("2025-09-30 12:00", "2025-10-09 12:00")], "2025-10-11 17:30"),
        # Inside the holiday, in an evening, over lunch: nothing that counts is paused.
        ([("2025-10-02 09:00", "2025-10-06 17:00")], "2025-10-10 17:30"),
        ([("2025-09-29 18:00", "2025-09-30 08:00")], "2025-10-10 17:30"),
        ([("2025-09-29 12:00", "2025-09-29 13:30")], "2025-10-10 17:30"),
        # Two hours paused on the 调休 Sunday.
        ([("2025-09-28 09:00", "2025-09-28 11:00")], "2025-10-11 10:30"),
        # Overlapping pauses count once; a pause begun before the start counts from the start.
        (
            [("2025-09-29 08:30", "2025-09-29 12:00"), ("2025-09-29 10:00", "2025-09-29 17:30")],
            "2025-10-11 17:30",
        ),
        ([("2025-09-25 09:00", "2025-09-26 12:00")], "2025-10-11 11:30"),
        # A pause after the deadline does not move it.
        ([("2025-10-13 09:00", "2025-10-14 09:00")], "2025-10-10 17:30"),
    ],
)
def test_pauses_move_the_deadline_by_the_working_time_they_cover(
    pauses: list[tuple[str, str]], due: str
) -> None:
    spans = [(at(a), at(b)) for a, b in pauses]
    assert w.deadline(CAL, START, TimeLimit(5), pauses=spans) == at(due)


def test_an_open_pause_stops_the_clock() -> None:
    assert w.deadline(CAL, START, TimeLimit(5), pauses=[(at("2025-09-29 10:00"), None)]) is None
    # Opened after the deadline had passed: the item was overdue before it was paused.
    late = [(at("2025-10-13 10:00"), None)]
    assert w.deadline(CAL, START, TimeLimit(5), pauses=late) == at("2025-10-10 17:30")


def test_extensions_add_their_working_days_after_the_deadline() -> None:
    extended = w.deadline(CAL, START, TimeLimit(5), extensions=[TimeLimit(3)])
    assert extended == at("2025-10-14 17:30")  # 10月11日 is a 调休 Saturday
    hours = w.deadline(CAL, START, TimeLimit(2, Unit.WORKING_HOURS), extensions=[TimeLimit(1)])
    assert hours == at("2025-09-28 17:30")


# --- the worklist's questions ----------------------------------------------------------------


def test_amber_starts_when_the_threshold_of_working_time_is_left() -> None:
    due = at("2025-02-05 10:00")  # 1.5 hours after the Spring Festival week
    begins = w.amber_from(CAL, due, 2 * H)
    assert begins == at("2025-01-27 17:00")
    assert w.urgency(CAL, at("2025-01-27 16:59"), due, amber=2 * H) is Urgency.NORMAL
    assert w.urgency(CAL, at("2025-01-27 17:00"), due, amber=2 * H) is Urgency.AMBER
    assert w.urgency(CAL, at("2025-02-01 12:00"), due, amber=2 * H) is Urgency.AMBER
    assert w.urgency(CAL, at("2025-02-05 10:00"), due, amber=2 * H) is Urgency.AMBER
    assert w.urgency(CAL, at("2025-02-05 10:01"), due, amber=2 * H) is Urgency.RED
    assert w.urgency(CAL, at("2025-02-05 10:01"), None, amber=2 * H) is Urgency.NORMAL


def test_time_left_is_negative_working_time_once_overdue() -> None:
    due = at("2025-09-30 17:00")
    assert w.time_left(CAL, at("2025-09-30 16:00"), due) == H
    assert w.time_left(CAL, at("2025-10-09 09:30"), due) == -90 * M  # the holiday is not counted
    assert w.time_left(CAL, at("2025-09-30 17:45"), due) == -30 * M


def test_a_year_without_a_table_is_reported_and_counts_weekends() -> None:
    assert w.missing_years(CAL, 2023, 2027) == [2023, 2027]
    bare = w.WorkCalendar()
    assert w.missing_years(bare, 2025, 2025) == [2025]
    assert w.add_working_days(bare, at("2025-01-24 10:00"), 3) == at("2025-01-29 17:30")


def test_office_hours_are_configurable_in_one_place() -> None:
    hours = w.OfficeHours.parse("09:00-17:00")
    cal = official_calendar(hours=hours)
    assert w.add_working_days(cal, at("2025-03-03 10:00"), 1) == at("2025-03-04 17:00")
    assert w.add_working_hours(cal, at("2025-03-03 16:00"), 2) == at("2025-03-04 10:00")
    for wrong, words in (
        ("9-17", "Invalid isoformat"),
        ("12:00-08:30", "increasing"),
        ("08:30-12:00,11:00-17:30", "overlap"),
        ("", "HH:MM-HH:MM"),
    ):
        with pytest.raises(ValueError, match=words):
            w.OfficeHours.parse(wrong)


def test_a_day_cannot_be_both_holiday_and_working_day() -> None:
    with pytest.raises(ValueError, match="both"):
        w.WorkCalendar([day("2025-01-26")], [day("2025-01-26")])
