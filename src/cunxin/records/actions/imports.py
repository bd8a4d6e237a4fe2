"""Importing records from a spreadsheet (.xlsx or .csv): every row checked, all or nothing.

Each row becomes a record through ``do_collect`` (the same scoring, caps and repeat rules as a
record entered on a phone, counted across the rows of the file in order). If any row is bad,
nothing is kept and the user gets every problem at once (row, column, reason). Each row's client
id is derived from the file's SHA-256 and the row number, so importing the same file again
returns the records it made the first time and changes nothing.
"""

from __future__ import annotations

import datetime
import hashlib
import uuid
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from typing import IO, Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from cunxin.accounts.permissions import Perm
from cunxin.core import audit, pii
from cunxin.core.cleaning import check_text, read_upload
from cunxin.core.errors import DomainError
from cunxin.core.scoping import PREFIX_LENGTHS, require
from cunxin.people import idnumber
from cunxin.people.models import Resident
from cunxin.people.names import normalize_name
from cunxin.people.roster import RowError
from cunxin.people.spreadsheets import cell_text, find_table, read_rows
from cunxin.records.actions.collect import MAX_NOTE, do_collect, parse_quantity
from cunxin.records.models import Record, Status
from cunxin.regions.models import Level, Region

IMPORT_NAMESPACE = uuid.UUID("0b7f3c52-5d1e-4b8a-a2f4-6c0e8d9a1e11")
MAX_ROWS = 5_000
COLUMNS: dict[str, tuple[str, ...]] = {
    "village": ("村", "村名", "所属村", "村（社区）", "村居"),
    "name": ("姓名", "村民姓名"),
    "id_number": ("身份证号", "身份证号码", "公民身份号码"),
    "id_tail": ("身份证后四位", "身份证号后四位", "身份证后4位"),
    "item": ("行为编码", "编码", "条目编码"),
    "quantity": ("数量",),
    "behaviour_date": ("行为日期", "日期", "发生日期"),
    "note": ("说明", "备注"),
}
REQUIRED = ("village", "name", "item", "behaviour_date")
# Where a refusal of do_collect belongs in the spreadsheet.
FIELD_COLUMN = {
    "resident": "name",
    "item": "item",
    "quantity": "quantity",
    "behaviour_date": "behaviour_date",
    "photos": "item",
}
# Records that a same-looking row would count twice.
LIVE = (Status.COLLECTED, Status.APPROVED, Status.IN_NOTICE, Status.DISPUTED, Status.EFFECTIVE)


@dataclass
class RecordImportResult:
    """What an import did (or, for a dry run, would do)."""

    created: int = 0
    unchanged: int = 0
    dry_run: bool = False
    points: int = 0
    record_ids: list[int] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return self.created > 0


class RecordsInvalid(DomainError):
    """The file has bad rows; nothing was imported."""

    def __init__(self, errors: list[RowError]) -> None:
        super().__init__(
            "records_invalid",
            _("有%(n)d处错误，未导入任何记录。请修改后重新上传。"),
            params={"n": len(errors)},
        )
        self.errors = sorted(errors, key=lambda e: e.row)

    def as_dict(self) -> dict[str, Any]:
        body = super().as_dict()
        body["errors"] = [e.__dict__ for e in self.errors]
        return body


class _DryRun(Exception):
    """Raised to roll a dry run back after every row has been tried."""


def import_client_id(sha256: str, row: int) -> uuid.UUID:
    """A row's record id: the same file imported again makes the same ids."""
    return uuid.uuid5(IMPORT_NAMESPACE, f"{sha256}:{row}")


def parse_date(value: object) -> datetime.date:
    """A date cell: a real date, or 2026-01-31, 2026/1/31, 2026.1.31, 2026年1月31日, 20260131."""
    if isinstance(value, datetime.datetime):
        return value.date()
    if isinstance(value, datetime.date):
        return value
    text = cell_text(value)
    if not text:
        raise DomainError("date_missing", _("行为日期不能为空。"), field="behaviour_date")
    for sep in (".", "/", "年", "月"):
        text = text.replace(sep, "-")
    text = text.rstrip("日-")
    if text.isdigit() and len(text) == 8:
        text = f"{text[:4]}-{text[4:6]}-{text[6:]}"
    try:
        year, month, day = (int(p) for p in text.split("-"))
        return datetime.date(year, month, day)
    except (ValueError, TypeError, OverflowError):  # 99999999999999999999-1-1 overflows
        raise DomainError(
            "date_invalid",
            _("行为日期“%s”看不懂，请写成 2026-01-31 这样的格式。") % cell_text(value),
            field="behaviour_date",
        ) from None


def _common_region(codes: set[str]) -> str:
    """The smallest region holding every village the file touched (for the audit trail)."""
    if len(codes) == 1:
        return next(iter(codes))
    prefix = ""
    for length in PREFIX_LENGTHS:
        heads = {c[:length] for c in codes}
        if len(heads) != 1:
            break
        prefix = heads.pop()
    return prefix.ljust(12, "0") if prefix else ""


def _villages(user: Any) -> dict[str, Region]:
    """Villages the user may collect in, by name (when unique) and by 12-digit code."""
    villages = list(Region.objects.restrict(user, Perm.COLLECT_RECORDS).filter(level=Level.VILLAGE))
    by_name: dict[str, list[Region]] = defaultdict(list)
    for village in villages:
        by_name[village.name].append(village)
    lookup = {name: found[0] for name, found in by_name.items() if len(found) == 1}
    lookup.update({v.code: v for v in villages})
    return lookup


def _resident(village: Region, name: str, full_id: object, tail: str) -> Resident:
    """The villager a row names: by full ID number, or by name and the last four characters."""
    residents = Resident.objects.filter(village=village).select_related("village")
    if cell_text(full_id):
        value = idnumber.parse(full_id).value
        found = residents.filter(id_hash=pii.keyed_hash(value)).first()
        if found is None:
            raise DomainError(
                "resident_unknown",
                _("%(village)s没有身份证号为 %(id)s 的村民。")
                % {"village": village.name, "id": idnumber.mask(value)},
                field="id_number",
            )
        if found.name != name:
            raise DomainError(
                "resident_name_mismatch",
                _("身份证号与姓名“%s”不符，请核对。") % name,
                field="name",
            )
        return found
    if not tail:
        raise DomainError("id_missing", _("请填写身份证号或身份证后四位。"), field="id_tail")
    tail = idnumber.normalize(tail)
    matches = list(residents.filter(name=name, id_tail=tail)[:2])
    if not matches:
        raise DomainError(
            "resident_unknown",
            _("%(village)s没有姓名为“%(name)s”、身份证后四位为 %(tail)s 的村民。")
            % {"village": village.name, "name": name, "tail": tail},
            field="name",
        )
    if len(matches) > 1:
        raise DomainError(
            "resident_ambiguous",
            _("%(village)s有两位以上村民叫“%(name)s”且身份证后四位相同，请填写完整身份证号。")
            % {"village": village.name, "name": name},
            field="id_tail",
        )
    return matches[0]


@dataclass
class _Row:
    number: int
    resident: Resident
    item_code: str
    quantity: Decimal
    day: datetime.date
    note: str


def _read(
    number: int, cells: dict[str, object], villages: dict[str, Region], error: Any
) -> _Row | None:
    """One row as typed values, or None after reporting each of its problems."""
    ok = True
    village_text = cell_text(cells.get("village"))
    village = villages.get(village_text)
    if not village_text:
        error(number, "village", _("村名不能为空。"))
        ok = False
    elif village is None:
        error(number, "village", _("“%s”不是您可以采集的村。") % village_text)
        ok = False
    name = normalize_name(cells.get("name"))
    if not name:
        error(number, "name", _("姓名不能为空。"))
        ok = False
    item_code = cell_text(cells.get("item")).upper()
    if not item_code:
        error(number, "item", _("行为编码不能为空。"))
        ok = False
    values: dict[str, Any] = {}
    # An empty quantity is 1 (as for an item counted per time).
    for key, parse in (
        ("quantity", lambda v: parse_quantity(cell_text(v))),
        ("behaviour_date", parse_date),
        # A note too long is refused with its row, never cut.
        ("note", lambda v: check_text(cell_text(v), field="note", max_length=MAX_NOTE)),
    ):
        try:
            values[key] = parse(cells.get(key))
        except DomainError as exc:
            error(number, key, str(exc))
            ok = False
    resident = None
    if village is not None and name:
        try:
            resident = _resident(
                village,
                name,
                cells.get("id_number"),
                cell_text(cells.get("id_tail")),
            )
        except DomainError as exc:
            error(number, exc.field or "name", str(exc))
            ok = False
    if not ok or resident is None:
        return None
    return _Row(
        number=number,
        resident=resident,
        item_code=item_code,
        quantity=values["quantity"],
        day=values["behaviour_date"],
        note=values["note"],
    )


def _twin(row: _Row, seen: dict[tuple[Any, ...], int], client_id: uuid.UUID) -> str:
    """Why a row looks like a record already entered (or another row of the file), or "".

    The same file imported again is recognised by its client ids; a *changed* file has new ids,
    so its unchanged rows would be counted a second time without this check.
    """
    key = (row.resident.pk, row.item_code, row.day, row.quantity)
    if key in seen:
        return _("与第%d行完全相同（同一人、同一行为、同一日期、同一数量）。") % seen[key]
    seen[key] = row.number
    twin = (
        Record.objects.filter(
            resident=row.resident,
            item__code=row.item_code,
            behaviour_date=row.day,
            quantity=row.quantity,
            status__in=LIVE,
            reverses__isnull=True,
        )
        .exclude(client_id=client_id)
        .values_list("pk", flat=True)
        .first()
    )
    if twin is not None:
        return (
            _(
                "与已有记录 #%d 相同（同一人、同一行为、同一日期、同一数量），如确需重复，请在采集页面单独录入。"
            )
            % twin
        )
    return ""


def do_import_records(
    content: bytes | IO[bytes], filename: str, *, acting_user: Any, dry_run: bool = False
) -> RecordImportResult:
    """Import records from a spreadsheet all or nothing; raises RecordsInvalid with every bad
    row. A dry run checks every row (scoring included) and keeps nothing. An upload larger
    than ROSTER_MAX_BYTES is refused unread."""
    require(acting_user, Perm.COLLECT_RECORDS)
    content = read_upload(content, max_bytes=settings.ROSTER_MAX_BYTES)
    try:
        return _import(content, filename, acting_user, dry_run)
    except _DryRun as done:
        result: RecordImportResult = done.args[0]
        return result


@transaction.atomic
def _import(content: bytes, filename: str, acting_user: Any, dry_run: bool) -> RecordImportResult:
    sha256 = hashlib.sha256(content).hexdigest()
    # Rows are read one at a time and reading stops past MAX_ROWS: a file of two million rows
    # is refused having read a few thousand.
    table = find_table(
        read_rows(content, filename),
        COLUMNS,
        REQUIRED,
        max_rows=MAX_ROWS,
        too_many="records_too_many",
    )
    if not table.rows:
        raise DomainError("records_empty", _("表格中没有数据行。"))
    if "id_number" not in table.columns and "id_tail" not in table.columns:
        raise DomainError(
            "header_missing", _("表格中应有“身份证号”或“身份证后四位”一列，用来确认是哪位村民。")
        )
    errors: list[RowError] = []

    def error(row: int, key: str, message: str) -> None:
        column = table.columns.get(key) or (COLUMNS[key][0] if key in COLUMNS else key)
        errors.append(RowError(row=row, column=column, message=message))

    villages = _villages(acting_user)
    result = RecordImportResult(dry_run=dry_run)
    seen: dict[tuple[Any, ...], int] = {}
    touched: set[str] = set()
    for number, cells in table.rows:
        row = _read(number, cells, villages, error)
        if row is None:
            continue
        client_id = import_client_id(sha256, number)
        if Record.objects.filter(client_id=client_id).exists():
            result.unchanged += 1
            continue
        twin = _twin(row, seen, client_id)
        if twin:
            error(number, "item", twin)
            continue
        try:
            # A savepoint per row: a refused row leaves no trace, the next rows are still tried,
            # and each accepted row counts toward the caps of the rows after it.
            with transaction.atomic():
                record = do_collect(
                    client_id=client_id,
                    resident=row.resident,
                    item_code=row.item_code,
                    quantity=row.quantity,
                    behaviour_date=row.day,
                    note=row.note,
                    acting_user=acting_user,
                )
        except DomainError as exc:
            error(number, FIELD_COLUMN.get(exc.field or "", "item"), str(exc))
            continue
        result.created += 1
        result.points += record.points
        result.record_ids.append(record.pk)
        touched.add(row.resident.village.code)
    if errors:
        raise RecordsInvalid(errors)
    if dry_run:
        raise _DryRun(result)
    if not result.created:
        return result  # the same file again: nothing happened, nothing to audit
    audit.record(
        acting_user,
        "records.import",
        None,
        region_code=_common_region(touched),
        object_type="records.import",
        object_id=sha256[:16],
        object_repr=filename[:200],
        after={
            "sha256": sha256,
            "created": result.created,
            "unchanged": result.unchanged,
            "points": result.points,
            "at": timezone.now(),
        },
    )
    return result
