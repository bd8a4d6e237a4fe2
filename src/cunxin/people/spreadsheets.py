"""Reading tables from .xlsx and .csv files as village offices keep them.

Offices put a title row above the header, leave blank rows, save CSV from Excel in GBK,
and type with full-width characters; all of that is tolerated here. What cannot be read at all
(a broken file, an old .xls) is refused with a message that says what to do.

Every limit is enforced while reading, never after: rows are streamed one at a time (an .xlsx
sheet through openpyxl's cell parser, a .csv through ``csv.reader``) and reading stops at the
first row past the limit, so a file of two million rows is refused after reading the limit's
worth of them, in the memory of one row. What openpyxl loads whole (shared strings, styles, the
workbook part) is bounded by the sizes the zip declares, which Python's zipfile enforces.
"""

from __future__ import annotations

import csv
import datetime
import io
import zipfile
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.utils.translation import gettext_lazy as _

from cunxin.core.errors import DomainError
from cunxin.people.names import clean

MAX_HEADER_SEARCH_ROWS = 10
# Data rows a table may hold unless its reader says otherwise (a catalogue has a few hundred).
DEFAULT_MAX_ROWS = 50_000
# Excel's own limit; a wider row is not a spreadsheet an office made.
MAX_COLUMNS = 16_384
# XML elements one row may hold: a cell is a few (<c>, <v>, <is>, <t>, rich-text runs).
MAX_ROW_ELEMENTS = MAX_COLUMNS * 8
# What an .xlsx may unpack to, as its zip declares (zipfile stops reading at the declared size):
# worksheets are streamed; every other part (shared strings, styles, ...) is loaded whole.
MAX_SHEET_BYTES = 64 * 1024 * 1024
MAX_PART_BYTES = 32 * 1024 * 1024

# (row number as the spreadsheet shows it, the cells of that row)
Row = tuple[int, tuple[object, ...]]


@dataclass
class Table:
    """The rows under the header, each a dict from canonical column key to the raw cell."""

    columns: dict[str, str]  # canonical key -> header text as written in the file
    rows: list[tuple[int, dict[str, object]]]  # (spreadsheet row number, cells)


def _unreadable(detail: object) -> DomainError:
    return DomainError("file_unreadable", detail)  # type: ignore[arg-type]


def _broken_xlsx() -> DomainError:
    return _unreadable(_("文件已损坏或不是有效的 Excel (.xlsx) 文件，请重新导出后上传。"))


def read_rows(content: bytes, filename: str) -> Iterator[Row]:
    """The rows of the first sheet (xlsx) or of the file (csv), read one at a time."""
    if len(content) > settings.ROSTER_MAX_BYTES:
        raise DomainError("file_too_large", _("文件太大，请分批导入。"))
    name = filename.lower()
    if name.endswith(".xls"):
        raise _unreadable(_("不支持旧版 .xls 文件，请在 Excel 中“另存为” .xlsx 或 .csv 后再上传。"))
    if name.endswith(".xlsx") or content[:2] == b"PK":
        return _xlsx_rows(content)
    if name.endswith(".csv") or name.endswith(".txt"):
        return _csv_rows(content)
    raise _unreadable(_("只能上传 .xlsx 或 .csv 文件。"))


def _xlsx_rows(content: bytes) -> Iterator[Row]:
    """Rows of the first worksheet, streamed; nothing is read before the first row is asked for.

    openpyxl's read-only workbook is not used as such: opening it scans every sheet to the end
    when a sheet has no <dimension> (two million rows: twenty seconds before the first row),
    and a stale <dimension> makes it drop the rows past it without a word. Its workbook reader
    and its cell parser are used instead, on the first worksheet only.
    """
    from openpyxl.reader.excel import ExcelReader
    from openpyxl.styles.stylesheet import apply_stylesheet

    try:
        reader = ExcelReader(io.BytesIO(content), read_only=True, data_only=True)
    except Exception as exc:  # not a zip, or not one openpyxl understands
        raise _broken_xlsx() from exc
    try:
        _check_sizes(reader.archive)
        try:
            reader.read_manifest()
            reader.read_strings()
            reader.read_workbook()
            apply_stylesheet(reader.archive, reader.wb)  # which number formats are dates
            path = next(
                (
                    rel.target
                    for _sheet, rel in reader.parser.find_sheets()
                    if rel.target in reader.valid_files and "chartsheet" not in rel.Type
                ),
                None,
            )
            if path is None:
                raise _broken_xlsx()
            source = reader.archive.open(path)
        except DomainError:
            raise
        except Exception as exc:  # openpyxl raises many kinds of errors on malformed parts
            raise _broken_xlsx() from exc
        with source:
            yield from _sheet_rows(source, reader)
    finally:
        reader.archive.close()


def _check_sizes(archive: zipfile.ZipFile) -> None:
    for info in archive.infolist():
        streamed = info.filename.startswith("xl/worksheets/")
        limit = MAX_SHEET_BYTES if streamed else MAX_PART_BYTES
        if info.file_size > limit:
            raise DomainError(
                "file_too_large",
                _("文件解压后超过%(mb)dMB，请删除多余的内容或分批导入。"),
                params={"mb": limit // 1024 // 1024},
            )


def _sheet_rows(source: Any, reader: Any) -> Iterator[Row]:
    """Each <row> of a worksheet part as soon as it is parsed, then forgotten.

    Elements outside a row are dropped when they end, so memory holds one row at a time; a row
    is refused once it holds more elements than a row of Excel can.
    """
    from openpyxl.worksheet._reader import ROW_TAG, WorkSheetParser
    from openpyxl.xml.functions import iterparse

    wb = reader.wb
    parser = WorkSheetParser(
        source,
        reader.shared_strings,
        data_only=True,
        epoch=wb.epoch,
        date_formats=wb._date_formats,
        timedelta_formats=wb._timedelta_formats,
    )
    open_elements: list[Any] = []
    in_row = 0  # elements of the row being read so far; 0 outside a row
    try:
        for event, element in iterparse(source, events=("start", "end")):
            if event == "start":
                open_elements.append(element)
                if in_row:
                    in_row += 1
                    if in_row > MAX_ROW_ELEMENTS:
                        raise _too_wide()
                elif element.tag == ROW_TAG:
                    in_row = 1
                continue
            open_elements.pop()
            if element.tag == ROW_TAG:
                number, cells = parser.parse_row(element)
                parser.row_dimensions.clear()
                in_row = 0
                yield number, _values(cells)
            if not in_row and open_elements:
                del open_elements[-1][:]  # every earlier sibling has ended too
    except DomainError:
        raise
    except Exception as exc:
        raise _broken_xlsx() from exc


def _too_wide() -> DomainError:
    return DomainError(
        "file_unreadable",
        _("表格的列数超过了 Excel 的上限（%(n)d列），文件可能已损坏。"),
        params={"n": MAX_COLUMNS},
    )


def _values(cells: list[dict[str, Any]]) -> tuple[object, ...]:
    """A parsed row's values by column position (1 is column A); gaps are None."""
    if not cells:
        return ()
    width = max(cell["column"] for cell in cells)
    if width > MAX_COLUMNS:
        raise _too_wide()
    values: list[object] = [None] * width
    for cell in cells:
        values[cell["column"] - 1] = cell["value"]
    return tuple(values)


def _csv_rows(content: bytes) -> Iterator[Row]:
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
        dialect: Any = csv.Sniffer().sniff(text[:4096], delimiters=",\t;")
    except csv.Error:
        dialect = csv.excel
    return _csv_records(text, dialect)


def _csv_records(text: str, dialect: Any) -> Iterator[Row]:
    try:
        for number, row in enumerate(csv.reader(io.StringIO(text), dialect), start=1):
            yield number, tuple(row)
    except csv.Error as exc:
        raise _unreadable(_("CSV 文件格式有误，请检查引号和分隔符。")) from exc


def is_blank(cells: Iterable[object]) -> bool:
    return all(clean(c) == "" for c in cells)


def find_table(
    rows: Iterable[Row],
    synonyms: dict[str, tuple[str, ...]],
    required: Sequence[str],
    *,
    max_rows: int = DEFAULT_MAX_ROWS,
    too_many: str = "table_too_large",
) -> Table:
    """Locate the header among the first rows, map each column to a canonical key and read
    the rows under it, refusing (with the code ``too_many``) as soon as there are more than
    ``max_rows`` data rows, or more than twice that many rows counting blank ones."""
    lookup = {clean(text): key for key, texts in synonyms.items() for text in texts}
    stream = iter(rows)
    try:
        for seen, (number, row) in enumerate(stream, start=1):
            if number > MAX_HEADER_SEARCH_ROWS or seen > MAX_HEADER_SEARCH_ROWS:
                break
            columns: dict[str, int] = {}
            headers: dict[str, str] = {}
            for position, cell in enumerate(row):
                key = lookup.get(clean(cell))
                if key and key not in columns:
                    columns[key] = position
                    headers[key] = clean(cell)
            if all(k in columns for k in required):
                body = _body(stream, number, columns, max_rows, too_many)
                return Table(columns=headers, rows=body)
    finally:
        close = getattr(stream, "close", None)
        if close is not None:
            close()
    wanted = "、".join(synonyms[k][0] for k in required)
    raise DomainError(
        "header_missing",
        _("找不到表头。前%(n)d行中应有这些列：%(columns)s。"),
        params={"n": MAX_HEADER_SEARCH_ROWS, "columns": wanted},
    )


def _body(
    stream: Iterator[Row], header: int, columns: dict[str, int], max_rows: int, too_many: str
) -> list[tuple[int, dict[str, object]]]:
    # Blank rows count too (up to as many again as the data rows), or a sheet of two million
    # empty rows would be read to its end.
    max_lines = 2 * max_rows
    body: list[tuple[int, dict[str, object]]] = []
    for lines, (number, data) in enumerate(stream, start=1):
        if lines > max_lines or number - header > max_lines:
            raise DomainError(
                too_many,
                _("表格超过%(n)d行（含空行），请删除多余的空行，或分批导入。"),
                params={"n": max_lines},
            )
        if is_blank(data):
            continue
        if len(body) == max_rows:
            raise DomainError(
                too_many, _("一次最多导入%(n)d行，请分批导入。"), params={"n": max_rows}
            )
        cells = {k: (data[p] if p < len(data) else None) for k, p in columns.items()}
        body.append((number, cells))
    return body


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
