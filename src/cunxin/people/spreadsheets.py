"""Reading tables from .xlsx and .csv files as village offices keep them.

Offices put a title row above the header, leave blank rows, save CSV from Excel in GBK,
and type with full-width characters; all of that is tolerated here. What cannot be read at all
(a broken file, an old .xls) is refused with a message that says what to do.
"""

from __future__ import annotations

import csv
import datetime
import io
import zipfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

from cunxin.core.errors import DomainError
from cunxin.people.names import clean

MAX_HEADER_SEARCH_ROWS = 10


@dataclass
class Table:
    """The rows under the header, each a dict from canonical column key to the raw cell."""

    columns: dict[str, str]  # canonical key -> header text as written in the file
    rows: list[tuple[int, dict[str, object]]]  # (spreadsheet row number, cells)


def _unreadable(detail: object) -> DomainError:
    return DomainError("file_unreadable", detail)  # type: ignore[arg-type]


def read_rows(content: bytes, filename: str) -> list[tuple[object, ...]]:
    """All rows of the first sheet (xlsx) or of the file (csv), cells as Python values."""
    name = filename.lower()
    if name.endswith(".xls"):
        raise _unreadable(_("不支持旧版 .xls 文件，请在 Excel 中“另存为” .xlsx 或 .csv 后再上传。"))
    if name.endswith(".xlsx") or content[:2] == b"PK":
        return _xlsx_rows(content)
    if name.endswith(".csv") or name.endswith(".txt"):
        return _csv_rows(content)
    raise _unreadable(_("只能上传 .xlsx 或 .csv 文件。"))


def _xlsx_rows(content: bytes) -> list[tuple[object, ...]]:
    from openpyxl import load_workbook

    try:
        book = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
        try:
            sheet = book.worksheets[0]
            return [tuple(row) for row in sheet.iter_rows(values_only=True)]
        finally:
            book.close()
    except (zipfile.BadZipFile, KeyError, ValueError, OSError, IndexError, TypeError) as exc:
        raise _unreadable(
            _("文件已损坏或不是有效的 Excel (.xlsx) 文件，请重新导出后上传。")
        ) from exc
    except Exception as exc:  # openpyxl raises many kinds of errors on malformed XML
        raise _unreadable(
            _("文件已损坏或不是有效的 Excel (.xlsx) 文件，请重新导出后上传。")
        ) from exc


def _csv_rows(content: bytes) -> list[tuple[object, ...]]:
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = content.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:  # pragma: no cover - gb18030 decodes any byte string
        raise _unreadable(_("无法识别文件编码，请保存为 UTF-8 编码的 CSV。"))
    if "\x00" in text:
        raise _unreadable(_("文件内容不是文本表格，请上传 .xlsx 或 .csv 文件。"))
    try:
        dialect = csv.Sniffer().sniff(text[:4096], delimiters=",\t;")
    except csv.Error:
        dialect = csv.excel
    try:
        return [tuple(row) for row in csv.reader(io.StringIO(text), dialect)]
    except csv.Error as exc:
        raise _unreadable(_("CSV 文件格式有误，请检查引号和分隔符。")) from exc


def is_blank(cells: Iterable[object]) -> bool:
    return all(clean(c) == "" for c in cells)


def find_table(
    rows: Sequence[tuple[object, ...]],
    synonyms: dict[str, tuple[str, ...]],
    required: Sequence[str],
) -> Table:
    """Locate the header among the first rows and map each column to a canonical key."""
    lookup = {clean(text): key for key, texts in synonyms.items() for text in texts}
    for index, row in enumerate(rows[:MAX_HEADER_SEARCH_ROWS]):
        columns: dict[str, int] = {}
        headers: dict[str, str] = {}
        for position, cell in enumerate(row):
            key = lookup.get(clean(cell))
            if key and key not in columns:
                columns[key] = position
                headers[key] = clean(cell)
        if all(k in columns for k in required):
            body: list[tuple[int, dict[str, object]]] = []
            for offset, data in enumerate(rows[index + 1 :], start=index + 2):
                if is_blank(data):
                    continue
                cells = {k: (data[p] if p < len(data) else None) for k, p in columns.items()}
                body.append((offset, cells))
            return Table(columns=headers, rows=body)
    wanted = "、".join(synonyms[k][0] for k in required)
    raise DomainError(
        "header_missing",
        _("找不到表头。前%(n)d行中应有这些列：%(columns)s。"),
        params={"n": MAX_HEADER_SEARCH_ROWS, "columns": wanted},
    )


def cell_text(value: object) -> str:
    """A cell as clean text: integers from number cells without a trailing .0."""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, datetime.datetime):
        value = value.date()
    if isinstance(value, datetime.date):
        return value.isoformat()
    return clean(value)


def write_xlsx(headers: Sequence[str], rows: Iterable[Sequence[object]], title: str) -> bytes:
    """An .xlsx file with a header row; every cell written as text so ID numbers stay exact."""
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    sheet = book.create_sheet(title[:31])
    sheet.append(list(headers))
    for row in rows:
        sheet.append(["" if v is None else str(v) for v in row])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def write_csv(headers: Sequence[str], rows: Iterable[Sequence[object]]) -> bytes:
    """A CSV with a UTF-8 BOM, which Excel needs to show Chinese correctly."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(headers)
    for row in rows:
        writer.writerow(["" if v is None else v for v in row])
    return buffer.getvalue().encode("utf-8-sig")
