"""Keeping the holiday tables: import a year all or nothing, export it back, the nearest table
governs, the calendar is loaded once and reloaded when a table changes."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from cunxin.conftest import World
from cunxin.core import workdays as w
from cunxin.core.errors import DomainError, Forbidden
from cunxin.core.models import AuditEntry
from cunxin.core.workdays import SHANGHAI, TimeLimit
from cunxin.regions.models import Level, Region
from cunxin.workdays import official, selectors, spreadsheet
from cunxin.workdays.actions import (
    MAX_BYTES,
    do_delete_calendar,
    do_import_calendar,
    may_manage_calendar,
)
from cunxin.workdays.models import CalendarDay, CalendarYear
from cunxin.workdays.tests.helpers import (
    SPRING_2025,
    county,
    county_clerk,
    install,
    other_county,
    table_csv,
)


def _days(region_code: str, year: int) -> list[tuple[dt.date, str, str]]:
    return list(
        CalendarDay.objects.filter(table__region__code=region_code, table__year=year)
        .order_by("date")
        .values_list("date", "kind", "name")
    )


def test_a_county_centre_imports_a_year_and_every_village_counts_by_it(world: World) -> None:
    clerk = county_clerk(world)
    result = do_import_calendar(
        county(world), table_csv(SPRING_2025), "2025.csv", acting_user=clerk, reason="首次导入"
    )
    assert (result.year, result.added, result.removed) == (2025, 10, 0)
    cal = selectors.calendar_for(world.village_a.code)
    assert w.is_working_day(cal, dt.date(2025, 1, 26))  # the 调休 Sunday
    assert not w.is_working_day(cal, dt.date(2025, 1, 28))
    entry = AuditEntry.objects.get(action="workdays.import_calendar")
    assert entry.actor_id == clerk.pk
    assert entry.region_code == county(world).code
    assert entry.reason == "首次导入"
    assert ["2025-01-26", "workday", "春节"] in entry.after["days"]


def test_a_town_centre_keeps_no_table(world: World) -> None:
    with pytest.raises(Forbidden) as refused:
        do_import_calendar(
            county(world), table_csv(SPRING_2025), "2025.csv", acting_user=world.clerk
        )
    assert refused.value.code == "forbidden"
    # Even the platform admin does not give a town a table of its own.
    with pytest.raises(DomainError) as refused:
        do_import_calendar(world.town, table_csv(SPRING_2025), "2025.csv", acting_user=world.admin)
    assert refused.value.code == "calendar_region_level"
    assert not may_manage_calendar(world.clerk, county(world))
    assert may_manage_calendar(county_clerk(world), county(world))
    assert not may_manage_calendar(county_clerk(world), other_county(world))
    assert not CalendarYear.objects.exists()


def test_a_bad_file_imports_nothing_and_names_every_bad_row(world: World) -> None:
    rows = [
        ("2025-01-28", "放假", "春节"),
        ("2025-13-01", "放假", "春节"),  # row 3: no such month
        ("2025-01-29", "休假吧", "春节"),  # row 4: unknown kind
        ("2025-01-27", "上班", "春节"),  # row 5: a Monday works anyway
        ("2025-01-28", "放假", "春节"),  # row 6: twice
        ("2026-01-01", "放假", "元旦"),  # row 7: another year
        ("2025年2月3日", "休", "春节" * 11),  # row 8: fine date and kind, name too long
    ]
    with pytest.raises(spreadsheet.CalendarInvalid) as invalid:
        do_import_calendar(county(world), table_csv(rows), "bad.csv", acting_user=world.admin)
    problems = {(e.row, e.column) for e in invalid.value.errors}
    assert problems == {
        (3, "日期"),
        (4, "类型"),
        (5, "类型"),
        (6, "日期"),
        (7, "日期"),
        (8, "名称"),
    }
    assert "第2行" in next(e.message for e in invalid.value.errors if e.row == 7)
    assert invalid.value.as_dict()["code"] == "calendar_invalid"
    assert not CalendarYear.objects.exists()
    assert not AuditEntry.objects.filter(action__startswith="workdays.").exists()


def test_it_understands_dates_and_words_as_centres_type_them(world: World) -> None:
    rows = [
        ("2025/1/26", "补班", "春节"),
        ("2025.1.28", "休", "春节"),
        ("2025年1月29日", "节假日", "春节"),
        ("20250130", "放假", ""),
    ]
    title = "关于2025年春节放假的通知"
    do_import_calendar(county(world), table_csv(rows, title), "typed.csv", acting_user=world.admin)
    assert _days(county(world).code, 2025) == [
        (dt.date(2025, 1, 26), "workday", "春节"),
        (dt.date(2025, 1, 28), "holiday", "春节"),
        (dt.date(2025, 1, 29), "holiday", "春节"),
        (dt.date(2025, 1, 30), "holiday", ""),
    ]


def test_importing_the_same_file_again_changes_nothing(world: World) -> None:
    install(world)
    again = install(world)
    assert [r.any_change for r in again] == [False, False, False]
    assert [r.unchanged for r in again] == [36, 33, 39]
    assert AuditEntry.objects.filter(action="workdays.import_calendar").count() == 3


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_an_export_imports_back_unchanged(world: World, fmt: str) -> None:
    install(world)
    days = _days(county(world).code, 2026)
    content = spreadsheet.write(days, fmt, "任城区2026年节假日")
    back = do_import_calendar(county(world), content, f"export.{fmt}", acting_user=world.admin)
    assert (back.any_change, back.unchanged) == (False, 39)
    # The same file makes another county's table identical.
    do_import_calendar(other_county(world), content, f"export.{fmt}", acting_user=world.admin)
    assert _days(other_county(world).code, 2026) == days


def test_a_new_file_replaces_the_year(world: World) -> None:
    install(world)
    rows = [
        (d.isoformat(), "放假" if k == "holiday" else "上班", n)
        for d, k, n in _days(county(world).code, 2025)
        if d != dt.date(2025, 2, 8)  # one 调休 Saturday dropped
    ]
    rows = [(d, k, "除夕至初七" if d == "2025-01-28" else n) for d, k, n in rows]  # one renamed
    rows.append(("2025-03-08", "放假", "县里放假"))  # a local holiday (a Saturday anyway)
    result = do_import_calendar(
        county(world), table_csv(rows), "2025-new.csv", acting_user=world.admin
    )
    assert (result.added, result.removed, result.changed, result.unchanged) == (1, 1, 1, 31)
    cal = selectors.calendar_for(world.village_a.code)
    assert not w.is_working_day(cal, dt.date(2025, 2, 8))
    assert cal.names[dt.date(2025, 1, 28)] == "除夕至初七"
    entry = AuditEntry.objects.filter(action="workdays.import_calendar").latest("id")
    assert ["2025-02-08", "workday", "春节"] in entry.before["days"]
    assert ["2025-02-08", "workday", "春节"] not in entry.after["days"]


def test_a_dry_run_checks_and_writes_nothing(world: World) -> None:
    result = do_import_calendar(
        county(world), table_csv(SPRING_2025), "2025.csv", acting_user=world.admin, dry_run=True
    )
    assert (result.dry_run, result.added) == (True, 10)
    assert not CalendarYear.objects.exists()


def test_it_refuses_a_file_far_too_big_for_a_holiday_table(world: World) -> None:
    with pytest.raises(DomainError) as refused:
        do_import_calendar(
            county(world), b"x" * (MAX_BYTES + 1), "big.csv", acting_user=world.admin
        )
    assert refused.value.code == "file_too_large"


def test_the_nearest_table_up_the_tree_governs(world: World) -> None:
    province = county(world).parent.parent  # type: ignore[union-attr]
    assert province is not None
    install(world, province)  # the admin keeps the official years for the whole province
    local = [
        (d.isoformat(), "放假" if k == "holiday" else "上班", n)
        for d, k, n in _days(province.code, 2025)
    ]
    local.append(("2025-03-03", "放假", "县庆"))
    do_import_calendar(
        county(world), table_csv(local), "local.csv", acting_user=county_clerk(world)
    )
    mine = selectors.calendar_for(world.village_a.code)
    theirs = selectors.calendar_for(other_county(world).code)
    assert not w.is_working_day(mine, dt.date(2025, 3, 3))
    assert w.is_working_day(theirs, dt.date(2025, 3, 3))
    assert not w.is_working_day(theirs, dt.date(2025, 1, 28))  # the province's table
    assert w.missing_years(mine, 2024, 2026) == []  # 2024 and 2026 come from the province
    table = CalendarYear.objects.get(region=county(world), year=2025)
    do_delete_calendar(table, acting_user=county_clerk(world), reason="与全省一致")
    assert w.is_working_day(selectors.calendar_for(world.village_a.code), dt.date(2025, 3, 3))
    deleted = AuditEntry.objects.get(action="workdays.delete_calendar")
    assert deleted.reason == "与全省一致"
    assert ["2025-03-03", "holiday", "县庆"] in deleted.before["days"]


def test_deleting_a_year_needs_a_reason_and_the_right_to_manage(world: World) -> None:
    install(world)
    table = CalendarYear.objects.get(region=county(world), year=2025)
    with pytest.raises(DomainError) as refused:
        do_delete_calendar(table, acting_user=world.admin, reason="  ")
    assert refused.value.code == "reason_required"
    assert refused.value.field == "reason"
    with pytest.raises(Forbidden) as refused:
        do_delete_calendar(table, acting_user=world.clerk, reason="不要了")
    assert refused.value.code == "forbidden"
    assert CalendarYear.objects.filter(pk=table.pk).exists()


def test_a_year_without_a_table_counts_weekends_and_says_so(world: World) -> None:
    install(world)
    cal = selectors.calendar_for(world.village_a.code)
    assert w.missing_years(cal, 2025, 2027) == [2027]
    assert w.add_working_days(cal, dt.datetime(2027, 2, 5, 9, tzinfo=SHANGHAI), 1) == dt.datetime(
        2027, 2, 8, 17, 30, tzinfo=SHANGHAI
    )


def test_the_calendar_is_loaded_once_and_reloaded_when_a_table_changes(
    world: World, django_assert_num_queries: Any
) -> None:
    install(world)
    selectors.calendar_for(world.village_a.code)
    # A worklist asks once (one small query to see nothing changed), then computes every row
    # in memory.
    with django_assert_num_queries(1):
        cal = selectors.calendar_for(world.village_b.code)
    start = dt.datetime(2025, 1, 20, 9, tzinfo=SHANGHAI)
    with django_assert_num_queries(0):
        dues = [w.deadline(cal, start + dt.timedelta(hours=h), TimeLimit(3)) for h in range(2000)]
    assert dues[0] == dt.datetime(2025, 1, 23, 17, 30, tzinfo=SHANGHAI)
    rows = [("2025-01-20", "放假", "停电")]
    do_import_calendar(county(world), table_csv(rows), "x.csv", acting_user=world.admin)
    fresh = selectors.calendar_for(world.village_b.code)
    assert fresh is not cal
    assert not w.is_working_day(fresh, dt.date(2025, 1, 20))
    assert w.is_working_day(fresh, dt.date(2025, 1, 28))  # 2025 is now this one-line table


def test_official_install_uses_the_notices_as_source(world: World) -> None:
    install(world)
    sources = dict(CalendarYear.objects.values_list("year", "source"))
    assert sources == {year: official.notice(year) for year in official.YEARS}


def test_the_demo_counts_deadlines_by_the_official_calendar(db: None) -> None:
    from cunxin.demo.build import build

    build(seed=7, weeks=0)
    village = Region.objects.filter(level=Level.VILLAGE).order_by("code").first()
    assert village is not None
    cal = selectors.calendar_for(village.code)
    assert w.missing_years(cal, 2024, 2026) == []
    assert w.is_working_day(cal, dt.date(2026, 2, 14))
    assert CalendarYear.objects.get(year=2026).region.level == Level.PROVINCE
