"""China's official holiday arrangements as shipped data files (``data/cn-<year>.csv``).

Each file is one State Council General Office notice (国务院办公厅关于<year>年部分节假日安排的
通知), its title and date on the first line, then every day of each holiday period and each
adjusted working day. The demo and the tests load them through the same import the centre
uses; :func:`official_calendar` reads them without a database, for pure tests and benchmarks.
"""

from __future__ import annotations

import datetime
from pathlib import Path

from cunxin.core.workdays import DEFAULT_HOURS, OfficeHours, WorkCalendar
from cunxin.workdays import spreadsheet
from cunxin.workdays.models import DayKind

DATA = Path(__file__).resolve().parent / "data"
YEARS = (2024, 2025, 2026)


def filename(year: int) -> str:
    return f"cn-{year}.csv"


def content(year: int) -> bytes:
    """The shipped file of a year."""
    if year not in YEARS:
        raise KeyError(year)
    return (DATA / filename(year)).read_bytes()


def notice(year: int) -> str:
    """The notice a year's file comes from (its first line)."""
    return content(year).decode("utf-8-sig").splitlines()[0].strip()


def official_calendar(
    years: tuple[int, ...] = YEARS, hours: OfficeHours = DEFAULT_HOURS
) -> WorkCalendar:
    """The shipped years as a calendar, read straight from the files."""
    holidays: list[datetime.date] = []
    workdays: list[datetime.date] = []
    names: dict[datetime.date, str] = {}
    for year in years:
        parsed = spreadsheet.parse(content(year), filename(year), year=year)
        if parsed.errors:  # the shipped files are checked by the tests; this never happens
            raise ValueError(f"{filename(year)}: {parsed.errors}")
        for day in parsed.days:
            (holidays if day.kind == DayKind.HOLIDAY else workdays).append(day.date)
            names[day.date] = day.name
    return WorkCalendar(holidays, workdays, years=years, hours=hours, names=names)
