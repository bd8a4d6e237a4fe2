"""API of the working calendar: the tables, a place's year, importing and exporting a year,
and a deadline computed the way every app computes it."""

from __future__ import annotations

import datetime
from typing import Any, Literal

from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from ninja import File, Form, Router, Schema
from ninja.files import UploadedFile
from ninja.params.functions import Form as form_param

from cunxin.accounts.permissions import Perm
from cunxin.core import workdays
from cunxin.core.errors import DomainError, NotFound
from cunxin.core.fields import Code, Count, Id, Line, Reason, Year
from cunxin.core.http import CSV, XLSX, api_check, download
from cunxin.regions.models import Region
from cunxin.workdays import actions, official, selectors, spreadsheet
from cunxin.workdays.models import FIRST_YEAR, LAST_YEAR, CalendarYear, DayKind

# A form field with a default (``Form[Line] = ""`` would lose the default of an annotated type).
NO_SOURCE = form_param("")

router = Router(tags=["workdays"])


class DayOut(Schema):
    date: datetime.date
    kind: DayKind
    name: str


class TableOut(Schema):
    id: int
    region_code: str
    region_name: str
    year: int
    source: str
    changed_at: datetime.datetime


class TableDetailOut(TableOut):
    days: list[DayOut]


def _table_out(table: CalendarYear) -> dict[str, Any]:
    return {
        "id": table.pk,
        "region_code": table.region.code,
        "region_name": table.region.name,
        "year": table.year,
        "source": table.source,
        "changed_at": table.changed_at,
    }


def _days(table: CalendarYear) -> list[dict[str, Any]]:
    return [
        {"date": d, "kind": k, "name": n}
        for d, k, n in table.days.order_by("date").values_list("date", "kind", "name")
    ]


@router.get("/tables", response=list[TableOut], summary="节假日表（本人可见的区划）")
def list_tables(request: HttpRequest, year: Year | None = None) -> list[dict[str, Any]]:
    api_check(request, Perm.VIEW_CALENDAR)
    tables = selectors.tables_for(request.user).order_by("region__code", "year")
    if year is not None:
        tables = tables.filter(year=year)
    return [_table_out(t) for t in tables[:500]]


@router.get("/tables/{table_id}", response=TableDetailOut, summary="一年的节假日表")
def get_table(request: HttpRequest, table_id: Id) -> dict[str, Any]:
    api_check(request, Perm.VIEW_CALENDAR)
    table = get_object_or_404(selectors.tables_for(request.user), pk=table_id)
    return {**_table_out(table), "days": _days(table)}


class YearOut(Schema):
    region_code: str
    year: int
    table: TableOut | None
    missing: bool
    working_days: int
    days: list[DayOut]


def _region(request: HttpRequest, code: str) -> Region:
    region = Region.objects.restrict(request.user, Perm.VIEW_CALENDAR).filter(code=code).first()
    if region is None:
        raise NotFound("not_found", _("不存在，或不在您的管辖范围内。"))
    return region


@router.get(
    "/regions/{region_code}/{year}",
    response=YearOut,
    summary="某地某年的工作日历（适用哪张表、是否缺表、全年工作日数）",
)
def region_year(request: HttpRequest, region_code: Code, year: Year) -> dict[str, Any]:
    api_check(request, Perm.VIEW_CALENDAR)
    if not FIRST_YEAR <= year <= LAST_YEAR:
        raise DomainError("year_invalid", _("年份应在2000至2100年之间。"), field="year")
    region = _region(request, region_code)
    table = selectors.governing_tables(region.code).get(year)
    cal = selectors.calendar_for(region.code)
    return {
        "region_code": region.code,
        "year": year,
        "table": _table_out(table) if table else None,
        "missing": table is None,
        "working_days": workdays.working_days_between(
            cal, datetime.date(year - 1, 12, 31), datetime.date(year, 12, 31)
        ),
        "days": _days(table) if table else [],
    }


class DeadlineOut(Schema):
    start: datetime.datetime
    deadline: datetime.datetime
    missing_years: list[int]


@router.get(
    "/deadline",
    response=DeadlineOut,
    summary="按某地的工作日历计算期限（N个工作日或N个工作小时）",
)
def compute_deadline(
    request: HttpRequest,
    region_code: Code,
    start: datetime.datetime,
    amount: Count,
    unit: workdays.Unit = workdays.Unit.WORKING_DAYS,
) -> dict[str, Any]:
    api_check(request, Perm.VIEW_CALENDAR)
    region = _region(request, region_code)
    if start.tzinfo is None:
        raise DomainError(
            "start_naive", _("开始时间要带时区，如 2025-01-24T10:00+08:00。"), field="start"
        )
    if not 0 <= amount <= 1000:
        raise DomainError("amount_invalid", _("期限应在0至1000之间。"), field="amount")
    cal = selectors.calendar_for(region.code)
    due = workdays.TimeLimit(amount, unit).after(cal, start)
    return {
        "start": start,
        "deadline": due,
        "missing_years": workdays.missing_years(cal, start.year, due.year),
    }


class ImportOut(Schema):
    region_code: str
    year: int
    dry_run: bool
    added: int
    removed: int
    changed: int
    unchanged: int


@router.post("/import", response=ImportOut, summary="导入一年的节假日表（有错则全部不导入）")
def import_table(
    request: HttpRequest,
    file: File[UploadedFile],
    region_code: Form[Code],
    source: Line = NO_SOURCE,
    dry_run: Form[bool] = False,
) -> actions.ImportResult:
    api_check(request, Perm.MANAGE_CALENDAR)
    region = _region(request, region_code)
    return actions.do_import_calendar(
        region,
        file.read(actions.MAX_BYTES + 1),
        file.name or "calendar.xlsx",
        acting_user=request.user,
        source=source,
        dry_run=dry_run,
    )


class OfficialIn(Schema):
    region_code: Code


@router.post(
    "/official",
    response=list[ImportOut],
    summary="导入系统自带的国务院办公厅放假安排（2024–2026年）",
)
def install_official(request: HttpRequest, payload: OfficialIn) -> list[actions.ImportResult]:
    api_check(request, Perm.MANAGE_CALENDAR)
    region = _region(request, payload.region_code)
    return actions.do_install_official_calendars(
        region, acting_user=request.user, years=official.YEARS
    )


@router.get("/tables/{table_id}/export", summary="导出一年的节假日表（可原样再导入）")
def export_table(
    request: HttpRequest, table_id: Id, format: Literal["xlsx", "csv"] = "xlsx"
) -> HttpResponse:
    api_check(request, Perm.VIEW_CALENDAR)
    table = get_object_or_404(selectors.tables_for(request.user), pk=table_id)
    days = list(table.days.values_list("date", "kind", "name"))
    content = spreadsheet.write(days, format, f"{table.region.name}{table.year}")
    return download(
        content,
        f"calendar-{table.region.code}-{table.year}.{format}",
        XLSX if format == "xlsx" else CSV,
    )


class DeleteIn(Schema):
    reason: Reason


class DeletedOut(Schema):
    region_code: str
    region_name: str
    year: int


@router.post("/tables/{table_id}/delete", response=DeletedOut, summary="删除一年的节假日表")
def delete_table(request: HttpRequest, table_id: Id, payload: DeleteIn) -> dict[str, Any]:
    api_check(request, Perm.MANAGE_CALENDAR)
    table = get_object_or_404(selectors.tables_for(request.user), pk=table_id)
    deleted = {
        "region_code": table.region.code,
        "region_name": table.region.name,
        "year": table.year,
    }
    actions.do_delete_calendar(table, acting_user=request.user, reason=payload.reason)
    return deleted
