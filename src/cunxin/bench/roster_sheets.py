"""Spreadsheets too big to make with openpyxl in reasonable time: the sheet's XML is written
straight into the zip, so an .xlsx of two million rows takes about a second to build.

Used by the roster benchmark (how fast such a file is refused) and by the tests of the
import limits.
"""

from __future__ import annotations

import io
import itertools
import zipfile
from collections.abc import Iterable, Sequence
from xml.sax.saxutils import escape

_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_RELS = "http://schemas.openxmlformats.org/package/2006/relationships"
_DOC = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" '
    'ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/xl/workbook.xml" ContentType="application/'
    'vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
    '<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/'
    'vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
    "</Types>"
)
_PACKAGE_RELS = (
    f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?><Relationships xmlns="{_RELS}">'
    f'<Relationship Id="rId1" Type="{_DOC}/officeDocument" Target="xl/workbook.xml"/>'
    "</Relationships>"
)
_WORKBOOK = (
    f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    f'<workbook xmlns="{_MAIN}" xmlns:r="{_DOC}"><sheets>'
    '<sheet name="花名册" sheetId="1" r:id="rId1"/></sheets></workbook>'
)
_WORKBOOK_RELS = (
    f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?><Relationships xmlns="{_RELS}">'
    f'<Relationship Id="rId1" Type="{_DOC}/worksheet" Target="worksheets/sheet1.xml"/>'
    "</Relationships>"
)
# The smallest row that is not blank: the number 1 in column A.
FILLER_ROW = b"<row><c><v>1</v></c></row>"
BLANK_ROW = b"<row/>"


def row_xml(values: Sequence[object]) -> bytes:
    """One <row>: numbers as numbers, everything else as an inline string."""
    cells = []
    for value in values:
        if isinstance(value, int | float) and not isinstance(value, bool):
            cells.append(f"<c><v>{value}</v></c>")
        else:
            cells.append(f'<c t="inlineStr"><is><t>{escape(str(value))}</t></is></c>')
    return ("<row>" + "".join(cells) + "</row>").encode()


def xlsx_from_rows(
    rows: Iterable[bytes], *, dimension: str = "", parts: dict[str, bytes] | None = None
) -> bytes:
    """An .xlsx whose first sheet holds the given <row> elements (and ``parts`` besides)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", _CONTENT_TYPES)
        archive.writestr("_rels/.rels", _PACKAGE_RELS)
        archive.writestr("xl/workbook.xml", _WORKBOOK)
        archive.writestr("xl/_rels/workbook.xml.rels", _WORKBOOK_RELS)
        for name, content in (parts or {}).items():
            archive.writestr(name, content)
        with archive.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as sheet:
            sheet.write(
                f'<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="{_MAIN}">'.encode()
            )
            if dimension:
                sheet.write(f'<dimension ref="{dimension}"/>'.encode())
            sheet.write(b"<sheetData>")
            stream = iter(rows)
            while batch := b"".join(itertools.islice(stream, 10_000)):
                sheet.write(batch)
            sheet.write(b"</sheetData></worksheet>")
    return buffer.getvalue()


def long_xlsx(header: Sequence[str], rows: int, filler: bytes = FILLER_ROW) -> bytes:
    """A header, then ``rows`` copies of one row: two million make about 130 KB zipped."""
    return xlsx_from_rows(itertools.chain([row_xml(header)], itertools.repeat(filler, rows)))
