"""Working time: working days and office hours on a calendar of public holidays and 调休.

Every deadline of the platform (an appeal's acceptance, first contact and completion; a service
item's promised time limit) is computed here, from a :class:`WorkCalendar` built once from the
holiday table and then used for thousands of rows without touching the database. Everything
is a pure function of the calendar and its arguments. The rules:

1. **A working day** is a day the table lists as an adjusted working day (调休上班), or a
   Monday to Friday the table does not list as a holiday. A year without a table counts
   weekends only; :func:`missing_years` says which, so the page can warn the centre.
2. **Office hours** are the periods of :class:`OfficeHours` (by default 08:30–12:00 and
   13:30–17:30, Asia/Shanghai) on working days; *working time* is time inside them.
   Asia/Shanghai has had no daylight-saving time since 1991, so a local day is always 24 hours
   and wall-clock arithmetic is exact.
3. **N working days** from a moment end at the close of office hours of the Nth working day
   after the day it falls on: the first day is not counted and a period's last day ends when
   business stops (民法典 第二百零一条、第二百零三条; 行政许可法 第八十二条 counts in working
   days). Zero working days end at the close of the same day if it is a working day that has
   not yet closed, else at the close of the next working day (日事日清).
4. **N working hours** from a moment end at the *earliest* moment by which that much working
   time has passed; a limit used up exactly at noon ends at 12:00, not at 13:30.
5. **A deadline with pauses** (挂起): the working time between the start and the deadline
   without pauses is the budget; only working time outside the pauses spends it. A pause
   still open stops the clock, so there is no deadline until it ends. Pauses only push a
   deadline later, never earlier.
6. **Amber**: an item is amber once the working time left is at most a threshold, red once the
   deadline has passed. :func:`amber_from` gives the moment amber starts (the earliest moment
   with that much working time left), so a worklist may store it and filter in SQL.

Datetimes in and out are aware; results are in the calendar's time zone (the same instant as
the UTC value the database stores).
"""

from __future__ import annotations

import datetime as dt
from bisect import bisect_left, bisect_right
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from functools import cached_property
from zoneinfo import ZoneInfo

SHANGHAI = ZoneInfo("Asia/Shanghai")
DEFAULT_OFFICE_HOURS = "08:30-12:00,13:30-17:30"
_US = dt.timedelta(microseconds=1)
_DAY_US = 86_400_000_000


def _time_us(t: dt.time) -> int:
    return ((t.hour * 60 + t.minute) * 60 + t.second) * 1_000_000 + t.microsecond


@dataclass(frozen=True)
class OfficeHours:
    """The periods of a working day in which working time runs, in one time zone."""

    periods: tuple[tuple[dt.time, dt.time], ...]
    tz: dt.tzinfo = SHANGHAI

    def __post_init__(self) -> None:
        if not self.periods:
            raise ValueError("office hours need at least one period")
        previous_end = -1
        for start, end in self.periods:
            if start.tzinfo is not None or end.tzinfo is not None:
                raise ValueError("office hours are local times without a time zone")
            if not _time_us(start) < _time_us(end) or _time_us(start) < previous_end:
                raise ValueError("office hour periods must be increasing and not overlap")
            previous_end = _time_us(end)

    @classmethod
    def parse(cls, text: str, tz: dt.tzinfo = SHANGHAI) -> OfficeHours:
        """``"08:30-12:00,13:30-17:30"``: comma-separated ``HH:MM-HH:MM`` periods."""
        periods = []
        for part in text.split(","):
            start, sep, end = part.strip().partition("-")
            if not sep:
                raise ValueError(f"office hours: {part!r} is not HH:MM-HH:MM")
            periods.append(
                (dt.time.fromisoformat(start.strip()), dt.time.fromisoformat(end.strip()))
            )
        return cls(tuple(periods), tz)

    @cached_property
    def spans(self) -> tuple[tuple[int, int], ...]:
        """The periods as microseconds since midnight."""
        return tuple((_time_us(s), _time_us(e)) for s, e in self.periods)

    @cached_property
    def day_us(self) -> int:
        """Working time in one working day, in microseconds."""
        return sum(e - s for s, e in self.spans)

    @property
    def opens_us(self) -> int:
        return self.spans[0][0]

    @property
    def closes_us(self) -> int:
        return self.spans[-1][1]

    def before(self, t_us: int) -> int:
        """Working time of a working day before the time of day ``t_us``."""
        total = 0
        for s, e in self.spans:
            if t_us <= s:
                break
            total += min(t_us, e) - s
        return total

    def time_at(self, k_us: int) -> int:
        """The earliest time of day by which ``k_us`` (0 < k ≤ day) of working time has run."""
        for s, e in self.spans:
            if k_us <= e - s:
                return s + k_us
            k_us -= e - s
        raise ValueError("more working time than a day has")


DEFAULT_HOURS = OfficeHours.parse(DEFAULT_OFFICE_HOURS)


class WorkCalendar:
    """Which days are working days, and the office hours in them; immutable once built.

    ``holidays`` and ``workdays`` are the table's exceptional days (放假 and 调休上班); ``years``
    the years whose table is known (the years of the listed days are always among them).
    Working days are indexed per year on first use, so each question costs a binary search.
    """

    def __init__(
        self,
        holidays: Iterable[dt.date] = (),
        workdays: Iterable[dt.date] = (),
        *,
        years: Iterable[int] = (),
        hours: OfficeHours = DEFAULT_HOURS,
        names: Mapping[dt.date, str] | None = None,
    ) -> None:
        self.holidays = frozenset(holidays)
        self.workdays = frozenset(workdays)
        both = self.holidays & self.workdays
        if both:
            raise ValueError(f"a day cannot be both a holiday and a working day: {min(both)}")
        self.years = frozenset(years) | {d.year for d in self.holidays | self.workdays}
        self.hours = hours
        self.names: Mapping[dt.date, str] = dict(names or {})
        self._by_year: dict[int, list[int]] = {}

    def __repr__(self) -> str:
        return f"WorkCalendar(years={sorted(self.years)}, hours={self.hours.periods})"

    def is_working_day(self, day: dt.date) -> bool:
        if day in self.workdays:
            return True
        return day.weekday() < 5 and day not in self.holidays

    def working_ordinals(self, year: int) -> list[int]:
        """The ordinals of the year's working days, ascending (built once per year)."""
        found = self._by_year.get(year)
        if found is None:
            first = dt.date(year, 1, 1).toordinal()
            last = dt.date(year, 12, 31).toordinal()
            found = [
                o for o in range(first, last + 1) if self.is_working_day(dt.date.fromordinal(o))
            ]
            self._by_year[year] = found
        return found


# --- days ------------------------------------------------------------------------------------


def is_working_day(cal: WorkCalendar, day: dt.date) -> bool:
    """Rule 1: a listed adjusted working day, or a weekday not listed as a holiday."""
    return cal.is_working_day(day)


def missing_years(cal: WorkCalendar, first: int, last: int) -> list[int]:
    """The years from ``first`` to ``last`` that have no table (weekends only, with a warning)."""
    return [y for y in range(first, last + 1) if y not in cal.years]


def nth_working_day_after(cal: WorkCalendar, day: dt.date, n: int) -> dt.date:
    """The ``n``-th working day after ``day`` (n ≥ 1; ``day`` itself does not count)."""
    if n < 1:
        raise ValueError("n must be at least 1")
    year = day.year
    ordinals = cal.working_ordinals(year)
    index = bisect_right(ordinals, day.toordinal())
    while n > len(ordinals) - index:
        n -= len(ordinals) - index
        year += 1
        ordinals = cal.working_ordinals(year)
        index = 0
    return dt.date.fromordinal(ordinals[index + n - 1])


def nth_working_day_before(cal: WorkCalendar, day: dt.date, n: int) -> dt.date:
    """The ``n``-th working day before ``day`` (n ≥ 1; ``day`` itself does not count)."""
    if n < 1:
        raise ValueError("n must be at least 1")
    year = day.year
    ordinals = cal.working_ordinals(year)
    index = bisect_left(ordinals, day.toordinal())  # working days before `day` in its year
    while n > index:
        n -= index
        year -= 1
        ordinals = cal.working_ordinals(year)
        index = len(ordinals)
    return dt.date.fromordinal(ordinals[index - n])


def working_days_between(cal: WorkCalendar, first: dt.date, last: dt.date) -> int:
    """How many working days lie after ``first`` up to and including ``last`` (negative when
    ``last`` is earlier): the count that :func:`nth_working_day_after` inverts."""
    if last < first:
        return -working_days_between(cal, last, first)
    count = 0
    for year in range(first.year, last.year + 1):
        ordinals = cal.working_ordinals(year)
        low = bisect_right(ordinals, first.toordinal()) if year == first.year else 0
        high = bisect_right(ordinals, last.toordinal()) if year == last.year else len(ordinals)
        count += high - low
    return count


# --- moments ---------------------------------------------------------------------------------


def _local(cal: WorkCalendar, moment: dt.datetime) -> tuple[dt.date, int]:
    """The local day of an aware moment and its time of day in microseconds."""
    if moment.tzinfo is None:
        raise ValueError("working time needs aware datetimes")
    local = moment.astimezone(cal.hours.tz)
    t_us = ((local.hour * 60 + local.minute) * 60 + local.second) * 1_000_000 + local.microsecond
    return local.date(), t_us


def _at(cal: WorkCalendar, day: dt.date, t_us: int) -> dt.datetime:
    """The moment ``t_us`` after local midnight of ``day``."""
    # Office periods end before midnight, so the hour is always 0–23 (and built directly, which
    # is several times faster than adding a timedelta to an aware midnight).
    seconds, micro = divmod(t_us, 1_000_000)
    minutes, second = divmod(seconds, 60)
    hour, minute = divmod(minutes, 60)
    return dt.datetime(
        day.year, day.month, day.day, hour, minute, second, micro, tzinfo=cal.hours.tz
    )


def close_of(cal: WorkCalendar, day: dt.date) -> dt.datetime:
    """When business stops on a day (the end of its last office period)."""
    return _at(cal, day, cal.hours.closes_us)


def add_working_days(cal: WorkCalendar, start: dt.datetime, n: int) -> dt.datetime:
    """Rule 3: the close of the ``n``-th working day after the start's day (n ≥ 0)."""
    if n < 0:
        raise ValueError("n must not be negative")
    day, t_us = _local(cal, start)
    if n == 0 and cal.is_working_day(day) and t_us <= cal.hours.closes_us:
        return close_of(cal, day)
    return close_of(cal, nth_working_day_after(cal, day, max(n, 1)))


def add_working_time(cal: WorkCalendar, start: dt.datetime, amount: dt.timedelta) -> dt.datetime:
    """Rule 4: the earliest moment by which ``amount`` of working time has run since ``start``
    (a negative amount goes back, as :func:`subtract_working_time`)."""
    us = amount // _US
    if us < 0:
        return subtract_working_time(cal, start, -amount)
    if us == 0:
        _local(cal, start)  # still refuse a naive datetime
        return start
    hours = cal.hours
    day, t_us = _local(cal, start)
    if cal.is_working_day(day):
        used = hours.before(t_us)
        left = hours.day_us - used
        if us <= left:
            return _at(cal, day, hours.time_at(used + us))
        us -= left
    whole, us = divmod(us - 1, hours.day_us)  # the last day takes 1…day_us of what remains
    target = nth_working_day_after(cal, day, whole + 1)
    return _at(cal, target, hours.time_at(us + 1))


def add_working_hours(cal: WorkCalendar, start: dt.datetime, hours: float) -> dt.datetime:
    """``hours`` of working time after ``start`` (rule 4)."""
    return add_working_time(cal, start, dt.timedelta(hours=hours))


def _earliest_with_before(cal: WorkCalendar, day: dt.date, k_us: int) -> dt.datetime:
    """The earliest moment on a working day after which ``k_us`` of its working time has run;
    for none at all, the close of the working day before (nothing runs in between)."""
    if k_us > 0:
        return _at(cal, day, cal.hours.time_at(k_us))
    return close_of(cal, nth_working_day_before(cal, day, 1))


def subtract_working_time(cal: WorkCalendar, end: dt.datetime, amount: dt.timedelta) -> dt.datetime:
    """The earliest moment from which exactly ``amount`` of working time runs until ``end``."""
    us = amount // _US
    if us < 0:
        return add_working_time(cal, end, -amount)
    hours = cal.hours
    day, t_us = _local(cal, end)
    available = hours.before(t_us) if cal.is_working_day(day) else 0
    if us <= available:
        return _earliest_with_before(cal, day, available - us)
    us -= available
    whole, us = divmod(us - 1, hours.day_us)
    target = nth_working_day_before(cal, day, whole + 1)
    return _earliest_with_before(cal, target, hours.day_us - (us + 1))


def working_time_between(cal: WorkCalendar, start: dt.datetime, end: dt.datetime) -> dt.timedelta:
    """Working time from ``start`` to ``end`` (negative when ``end`` is earlier)."""
    if end < start:
        return -working_time_between(cal, end, start)
    hours = cal.hours
    first_day, first_us = _local(cal, start)
    last_day, last_us = _local(cal, end)
    first_open = cal.is_working_day(first_day)
    last_open = cal.is_working_day(last_day)
    if first_day == last_day:
        us = hours.before(last_us) - hours.before(first_us) if first_open else 0
        return dt.timedelta(microseconds=us)
    head = hours.day_us - hours.before(first_us) if first_open else 0
    tail = hours.before(last_us) if last_open else 0
    middle = working_days_between(cal, first_day, last_day) - (1 if last_open else 0)
    return dt.timedelta(microseconds=head + middle * hours.day_us + tail)


# --- limits and deadlines --------------------------------------------------------------------


class Unit(StrEnum):
    """What a time limit counts."""

    WORKING_DAYS = "working_days"
    WORKING_HOURS = "working_hours"


@dataclass(frozen=True)
class TimeLimit:
    """A time limit such as 5 working days (承诺时限) or 2 working hours."""

    amount: int
    unit: Unit = Unit.WORKING_DAYS

    def __post_init__(self) -> None:
        if self.amount < 0:
            raise ValueError("a time limit cannot be negative")

    def after(self, cal: WorkCalendar, start: dt.datetime) -> dt.datetime:
        """When this limit, started at ``start``, runs out (no pauses)."""
        if self.unit == Unit.WORKING_DAYS:
            return add_working_days(cal, start, self.amount)
        return add_working_time(cal, start, dt.timedelta(hours=self.amount))


Pause = tuple[dt.datetime, dt.datetime | None]


def _merged(pauses: Iterable[Pause], start: dt.datetime) -> list[Pause]:
    """Pauses from ``start`` on, sorted and merged; an open pause swallows all after it."""
    merged: list[Pause] = []
    for begin, end in sorted(pauses, key=lambda p: p[0]):
        if end is not None and end < begin:
            raise ValueError("a pause cannot end before it begins")
        if end is not None and end <= start:
            continue
        begin = max(begin, start)
        if merged:
            last_begin, last_end = merged[-1]
            if last_end is None:
                break
            if begin <= last_end:
                merged[-1] = (last_begin, None if end is None else max(last_end, end))
                continue
        merged.append((begin, end))
    return merged


def deadline(
    cal: WorkCalendar,
    start: dt.datetime,
    limit: TimeLimit,
    *,
    extensions: Sequence[TimeLimit] = (),
    pauses: Collection[Pause] = (),
) -> dt.datetime | None:
    """Rule 5: when ``limit`` (then each approved extension in turn) runs out for an item started
    at ``start``, the working time inside ``pauses`` not counting; None while a pause is open."""
    end = limit.after(cal, start)
    for extension in extensions:
        end = extension.after(cal, end)
    if not pauses:
        return end
    spans = _merged(pauses, start)
    if not spans or spans[0][0] >= end:
        return end
    budget = working_time_between(cal, start, end)
    cursor = start
    for begin, finish in spans:
        if begin > cursor:
            available = working_time_between(cal, cursor, begin)
            if available >= budget:
                break
            budget -= available
        if finish is None:
            return None
        cursor = max(cursor, finish)
    return add_working_time(cal, cursor, budget)


class Urgency(StrEnum):
    """How close an item is to its deadline (a worklist's colour)."""

    NORMAL = "normal"
    AMBER = "amber"  # at most the threshold of working time left
    RED = "red"  # past the deadline


def time_left(cal: WorkCalendar, now: dt.datetime, due: dt.datetime) -> dt.timedelta:
    """Working time until the deadline (negative: how much working time it is overdue)."""
    return working_time_between(cal, now, due)


def amber_from(cal: WorkCalendar, due: dt.datetime, threshold: dt.timedelta) -> dt.datetime:
    """Rule 6: the moment from which at most ``threshold`` of working time is left."""
    return subtract_working_time(cal, due, threshold)


def urgency(
    cal: WorkCalendar, now: dt.datetime, due: dt.datetime | None, *, amber: dt.timedelta
) -> Urgency:
    """Red once the deadline has passed, amber once ``amber`` or less working time is left."""
    if due is None:
        return Urgency.NORMAL
    if now > due:
        return Urgency.RED
    if time_left(cal, now, due) <= amber:
        return Urgency.AMBER
    return Urgency.NORMAL
