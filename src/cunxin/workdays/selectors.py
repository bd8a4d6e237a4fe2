"""Reading the holiday tables: the calendar that governs a place (loaded once, cached until a
table changes), the regions a user may see or manage, and a year laid out for the page."""

from __future__ import annotations

import calendar
import datetime
import threading
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db.models import Count, Max, QuerySet

from cunxin.accounts.permissions import Perm
from cunxin.core.workdays import OfficeHours, WorkCalendar, missing_years
from cunxin.regions.models import Level, Region
from cunxin.workdays.models import CalendarDay, CalendarYear, DayKind


@lru_cache(maxsize=1)
def office_hours() -> OfficeHours:
    """The platform's office hours (``WORKDAY_HOURS``) in its time zone."""
    return OfficeHours.parse(settings.WORKDAY_HOURS, ZoneInfo(settings.TIME_ZONE))


def _governing_codes(region_code: str) -> list[str]:
    """The codes whose tables may govern a place: its province, city and county."""
    return sorted({region_code[:n].ljust(12, "0") for n in (2, 4, 6)})


def governing_tables(region_code: str) -> dict[int, CalendarYear]:
    """For each year that has one, the table governing the place: the nearest up the tree."""
    chosen: dict[int, CalendarYear] = {}
    tables = CalendarYear.objects.filter(region__code__in=_governing_codes(region_code))
    for table in tables.select_related("region").order_by("region__level"):
        chosen[table.year] = table  # deeper regions come later and win
    return chosen


def _version() -> tuple[Any, ...]:
    """Changes whenever any table is imported, changed or deleted (one small query)."""
    found = CalendarYear.objects.aggregate(n=Count("id"), last=Max("changed_at"), top=Max("id"))
    return (found["n"], found["last"], found["top"])


_cache: dict[str, tuple[tuple[Any, ...], WorkCalendar]] = {}
_lock = threading.Lock()


def calendar_for(region_code: str) -> WorkCalendar:
    """The working calendar of a place, with the platform's office hours.

    Built once per county and reused until a table changes anywhere (checked with one query per
    call, so a worklist asks once and then computes every row in memory). Tables sit at county
    level or above, so every town and village of a county shares its county's calendar.
    """
    key = region_code[:6]
    version = _version()
    hit = _cache.get(key)
    if hit is not None and hit[0] == version:
        return hit[1]
    tables = governing_tables(region_code)
    holidays: list[datetime.date] = []
    workdays: list[datetime.date] = []
    names: dict[datetime.date, str] = {}
    for day in CalendarDay.objects.filter(table__in=tables.values()).only("date", "kind", "name"):
        (holidays if day.kind == DayKind.HOLIDAY else workdays).append(day.date)
        names[day.date] = day.name
    built = WorkCalendar(holidays, workdays, years=tables, hours=office_hours(), names=names)
    with _lock:
        _cache[key] = (version, built)
    return built


def clear_cache() -> None:
    """Forget every built calendar (tests that swap databases call this)."""
    with _lock:
        _cache.clear()


def viewable_regions(user: Any) -> QuerySet[Region]:
    """Regions at county level or above whose tables the user may read (their own county and
    the city and province above it, for the staff of a town or village)."""
    return Region.objects.restrict(user, Perm.VIEW_CALENDAR).filter(level__lte=Level.COUNTY)


def manageable_regions(user: Any) -> QuerySet[Region]:
    """Regions whose tables the user may change: county level or above, inside their reach."""
    regions = Region.objects.restrict(user, Perm.MANAGE_CALENDAR, ancestors=False)
    return regions.filter(level__lte=Level.COUNTY)


def tables_for(user: Any) -> QuerySet[CalendarYear]:
    return CalendarYear.objects.restrict(user, Perm.VIEW_CALENDAR).select_related("region")


# --- a year laid out for the page ------------------------------------------------------------


@dataclass(frozen=True)
class Cell:
    day: datetime.date
    working: bool
    kind: str  # "holiday", "workday" (调休上班), "weekend" or "" (an ordinary working day)
    name: str


@dataclass
class Month:
    number: int
    weeks: list[list[Cell | None]]


@dataclass
class Period:
    """One festival's days in a year: its holidays and its adjusted working days."""

    name: str
    holidays: list[datetime.date] = field(default_factory=list)
    workdays: list[datetime.date] = field(default_factory=list)

    def holiday_runs(self) -> list[tuple[datetime.date, datetime.date]]:
        """The holidays as runs of consecutive days (first, last)."""
        runs: list[tuple[datetime.date, datetime.date]] = []
        for day in self.holidays:
            if runs and (day - runs[-1][1]).days == 1:
                runs[-1] = (runs[-1][0], day)
            else:
                runs.append((day, day))
        return runs


@dataclass
class YearView:
    region: Region
    year: int
    table: CalendarYear | None
    months: list[Month]
    periods: list[Period]
    working_days: int
    missing: bool


def year_view(region: Region, year: int) -> YearView:
    """The year as the page shows it: the governing table, twelve months, the festivals."""
    cal = calendar_for(region.code)
    table = governing_tables(region.code).get(year)
    months: list[Month] = []
    working_days = 0
    for month in range(1, 13):
        weeks: list[list[Cell | None]] = []
        for week in calendar.Calendar(firstweekday=0).monthdatescalendar(year, month):
            row: list[Cell | None] = []
            for day in week:
                if day.month != month:
                    row.append(None)
                    continue
                working = cal.is_working_day(day)
                working_days += working
                if day in cal.holidays:
                    kind = "holiday"
                elif day in cal.workdays:
                    kind = "workday"
                else:
                    kind = "" if working else "weekend"
                row.append(Cell(day, working, kind, cal.names.get(day, "")))
            weeks.append(row)
        months.append(Month(month, weeks))
    periods: dict[str, Period] = {}
    for day in sorted(d for d in cal.holidays | cal.workdays if d.year == year):
        period = periods.setdefault(cal.names.get(day, ""), Period(cal.names.get(day, "")))
        (period.holidays if day in cal.holidays else period.workdays).append(day)
    return YearView(
        region=region,
        year=year,
        table=table,
        months=months,
        periods=list(periods.values()),
        working_days=working_days,
        missing=bool(missing_years(cal, year, year)),
    )
