"""Holiday tables as files: reading one year's table from .xlsx/.csv, checking every row, and
writing the same layout back, so that an export imports back unchanged.

The layout is the notice's own: one row per day, ``日期, 类型, 名称`` (date, 放假 or 上班, the
festival's name), with any title rows above the header. Dates are understood as a centre types
them (2025-01-28, 2025/1/28, 2025.1.28, 2025年1月28日, 20250128, or an Excel date cell).
"""

from __future__ import annotations

import datetime
import hashlib
import re
from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import gettext as _

from cunxin.core.errors import DomainError
from cunxin.people.roster import RowError
from cunxin.people.spreadsheets import cell_text, find_table, read_rows, write_csv, write_xlsx
from cunxin.workdays.models import FIRST_YEAR, LAST_YEAR, DayKind

COLUMNS: dict[str, tuple[str, ...]] = {
    "date": ("日期", "日子", "date"),
    "kind": ("类型", "放假/上班", "安排", "kind"),
    "name": ("名称", "节日", "节假日", "name"),
}
REQUIRED = ("date", "kind")
HEADERS = ("日期", "类型", "名称")
# The words a file may use for each kind; the first is what an export writes.
KIND_WORDS: dict[DayKind, tuple[str, ...]] = {
    DayKind.HOLIDAY: ("放假", "休", "休息", "假", "节假日", "holiday"),
    DayKind.WORKDAY: ("上班", "班", "调休上班", "补班", "workday"),
}
NAME_MAX = 20
MAX_ROWS = 366
_DATE = re.compile(r"^(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?$")


@dataclass(frozen=True)
class ListedDay:
    """A checked row: a date of the year with its kind and name."""

    row: int
    date: datetime.date
    kind: DayKind
    name: str


@dataclass
class ParsedTable:
    """Every row of a file, checked; ``errors`` empty means the year may be imported."""

    year: int | None = None
    days: list[ListedDay] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    columns: dict[str, str] = field(default_factory=dict)
    sha256: str = ""

    def error(self, row: int, key: str, message: str) -> None:
        column = self.columns.get(key) or COLUMNS[key][0]
        self.errors.append(RowError(row=row, column=column, message=message))


class CalendarInvalid(DomainError):
    """The file has bad rows; nothing was imported."""

    def __init__(self, errors: list[RowError]) -> None:
        super().__init__(
            "calendar_invalid",
            _("有%(n)d处错误，未导入任何数据。请修改后重新上传。"),
            params={"n": len(errors)},
        )
        self.errors = errors

    def as_dict(self) -> dict[str, Any]:
        body = super().as_dict()
        body["errors"] = [e.__dict__ for e in self.errors]
        return body


def parse_date(value: object) -> datetime.date:
    """A date cell in any of the ways a centre writes one."""
    if isinstance(value, datetime.datetime):
        return value.date()
    if isinstance(value, datetime.date):
        return value
    text = cell_text(value)
    if text.isdigit() and len(text) == 8:
        text = f"{text[:4]}-{text[4:6]}-{text[6:]}"
    match = _DATE.match(text)
    try:
        if match is None:
            raise ValueError(text)
        return datetime.date(*(int(g) for g in match.groups()))
    except ValueError:
        raise DomainError(
            "date_invalid", _("“%(v)s”不是有效的日期（例如 2025-01-28）。"), params={"v": text}
        ) from None


def parse_kind(value: object) -> DayKind:
    text = cell_text(value).lower()
    for kind, words in KIND_WORDS.items():
        if text in words:
            return kind
    raise DomainError("kind_invalid", _("类型应填写“放假”或“上班”。"))


def parse(content: bytes, filename: str, *, year: int | None = None) -> ParsedTable:
    """Read and check every row of one year's table (``year``: the year it must be)."""
    result = ParsedTable(sha256=hashlib.sha256(content).hexdigest(), year=year)
    table = find_table(read_rows(content, filename), COLUMNS, REQUIRED)
    result.columns = table.columns
    if not table.rows:
        raise DomainError("calendar_empty", _("表格中没有数据行。"))
    if len(table.rows) > MAX_ROWS:
        raise DomainError(
            "calendar_too_large", _("一年最多%(n)d行，请每年一个文件。"), params={"n": MAX_ROWS}
        )
    seen: dict[datetime.date, int] = {}
    first_row = 0
    for number, cells in table.rows:
        ok = True
        try:
            day = parse_date(cells.get("date"))
        except DomainError as exc:
            result.error(number, "date", str(exc))
            day = None
            ok = False
        try:
            kind = parse_kind(cells.get("kind"))
        except DomainError as exc:
            result.error(number, "kind", str(exc))
            ok = False
        name = cell_text(cells.get("name"))
        if len(name) > NAME_MAX:
            result.error(number, "name", _("名称最长%d个字。") % NAME_MAX)
            ok = False
        if day is not None:
            if not FIRST_YEAR <= day.year <= LAST_YEAR:
                result.error(
                    number,
                    "date",
                    _("年份应在%(a)d至%(b)d年之间。") % {"a": FIRST_YEAR, "b": LAST_YEAR},
                )
                continue
            if result.year is None:
                result.year, first_row = day.year, number
            if day.year != result.year:
                message = (
                    _("与第%d行不在同一年：一个文件只能是一年的安排。") % first_row
                    if first_row
                    else _("日期不在%d年内。") % result.year
                )
                result.error(number, "date", message)
                ok = False
            if day in seen:
                result.error(number, "date", _("与第%d行的日期重复。") % seen[day])
                ok = False
            else:
                seen[day] = number
            if ok and kind == DayKind.WORKDAY and day.weekday() < 5:
                result.error(number, "kind", _("调休上班日应是周六或周日，这一天本来就上班。"))
                ok = False
        if ok and day is not None:
            result.days.append(ListedDay(row=number, date=day, kind=kind, name=name))
    return result


def export_rows(days: list[tuple[datetime.date, str, str]]) -> list[list[object]]:
    """(date, kind, name) as the file's rows, in date order."""
    word = {kind: words[0] for kind, words in KIND_WORDS.items()}
    return [[d.isoformat(), word[DayKind(k)], n] for d, k, n in sorted(days)]


def write(days: list[tuple[datetime.date, str, str]], fmt: str, title: str) -> bytes:
    """The table as .xlsx or .csv in the layout :func:`parse` reads."""
    rows = export_rows(days)
    if fmt == "csv":
        return write_csv(HEADERS, rows)
    if fmt == "xlsx":
        return write_xlsx(HEADERS, rows, title=title)
    raise DomainError("format_unknown", _("只能导出 .xlsx 或 .csv。"))
