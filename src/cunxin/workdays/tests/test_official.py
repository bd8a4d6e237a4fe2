"""The shipped State Council arrangements are what the notices say."""

from __future__ import annotations

import datetime as dt

import pytest

from cunxin.workdays import official, spreadsheet
from cunxin.workdays.models import DayKind


@pytest.mark.parametrize("year", official.YEARS)
def test_each_shipped_year_reads_without_a_single_bad_row(year: int) -> None:
    parsed = spreadsheet.parse(official.content(year), official.filename(year), year=year)
    assert parsed.errors == []
    assert parsed.year == year
    assert (
        official.notice(year)
        == f"国务院办公厅关于{year}年部分节假日安排的通知"
        + {
            2024: "（2023年10月25日）",
            2025: "（2024年11月12日）",
            2026: "（2025年11月4日）",
        }[year]
    )
    # 调休 working days are always a Saturday or a Sunday (the import refuses others).
    assert all(d.date.weekday() >= 5 for d in parsed.days if d.kind == DayKind.WORKDAY)


@pytest.mark.parametrize(
    ("year", "festival", "first", "last", "worked"),
    [
        (2024, "春节", "2024-02-10", "2024-02-17", ["2024-02-04", "2024-02-18"]),
        (2024, "国庆节", "2024-10-01", "2024-10-07", ["2024-09-29", "2024-10-12"]),
        (2025, "春节", "2025-01-28", "2025-02-04", ["2025-01-26", "2025-02-08"]),
        (2025, "国庆节、中秋节", "2025-10-01", "2025-10-08", ["2025-09-28", "2025-10-11"]),
        (2026, "元旦", "2026-01-01", "2026-01-03", ["2026-01-04"]),
        (2026, "春节", "2026-02-15", "2026-02-23", ["2026-02-14", "2026-02-28"]),
        (2026, "劳动节", "2026-05-01", "2026-05-05", ["2026-05-09"]),
        (2026, "国庆节", "2026-10-01", "2026-10-07", ["2026-09-20", "2026-10-10"]),
    ],
)
def test_the_long_holidays_are_those_of_the_notices(
    year: int, festival: str, first: str, last: str, worked: list[str]
) -> None:
    parsed = spreadsheet.parse(official.content(year), official.filename(year), year=year)
    days = [d for d in parsed.days if d.name == festival]
    off = [d.date for d in days if d.kind == DayKind.HOLIDAY]
    start, end = dt.date.fromisoformat(first), dt.date.fromisoformat(last)
    assert off == [start + dt.timedelta(n) for n in range((end - start).days + 1)]
    assert [d.date.isoformat() for d in days if d.kind == DayKind.WORKDAY] == worked
