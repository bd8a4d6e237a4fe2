"""Village rosters (花名册): reading, validating every row, then importing all or nothing.

Rows are validated first, against the file itself and the database; if any row is bad nothing
is written and the user gets every problem at once, in row order (row, column, reason). A valid
file is applied in one transaction, matching people by the keyed hash of their ID number, so
importing the same file twice changes nothing, and an export of the same data imports back
unchanged. Which household each row belongs to is decided in ``roster_households``: by 户号, or
by the head's row the member follows, never by a name. Every value that is stored is checked
against the length of its database column, so no row can fail at the database.
"""

from __future__ import annotations

import datetime
import hashlib
import unicodedata
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _

from cunxin.accounts.actions import normalize_phone
from cunxin.core import pii
from cunxin.core.errors import DomainError
from cunxin.people import idnumber
from cunxin.people.models import Household, Resident
from cunxin.people.names import HEAD_RELATIONS, check_name, check_relation, clean, normalize_name
from cunxin.people.spreadsheets import Table, cell_text, find_table, read_rows
from cunxin.regions.models import Region

# Canonical column -> the header texts village offices use for it (first one is the standard).
COLUMNS: dict[str, tuple[str, ...]] = {
    "village": ("村", "村名", "所属村", "村（社区）", "村居", "村（居）委会"),
    "household_number": ("户号", "户编号"),
    "head_name": ("户主姓名", "户主"),
    "name": ("姓名", "成员姓名", "村民姓名"),
    "relation": ("与户主关系", "关系", "家庭关系"),
    "id_number": ("身份证号", "身份证号码", "公民身份号码", "身份证"),
    "phone": ("联系电话", "电话", "手机号", "手机", "手机号码", "联系方式"),
    "gender": ("性别",),
    "birth_date": ("出生日期", "出生年月日"),
}
REQUIRED = ("village", "head_name", "name", "relation", "id_number")
EXPORT_HEADERS = (
    "村",
    "户号",
    "户主姓名",
    "姓名",
    "与户主关系",
    "身份证号",
    "联系电话",
    "性别",
    "出生日期",
)
MAX_ROWS = 50_000
# The model field each stored column goes to: a value longer than the field is a row error,
# not a database error at import time (PostgreSQL refuses it; SQLite would keep it).
STORED_AS = {
    "household_number": Household._meta.get_field("number"),
    "name": Resident._meta.get_field("name"),
    "head_name": Resident._meta.get_field("name"),
    "relation": Resident._meta.get_field("relation"),
    "phone": Resident._meta.get_field("phone"),
}


@dataclass(frozen=True)
class RowError:
    """One problem in one cell (row number as shown in the spreadsheet)."""

    row: int
    column: str
    message: str


@dataclass
class RosterRow:
    """A validated row."""

    row: int
    village: Region
    household_number: str
    head_name: str
    name: str
    relation: str
    id: idnumber.IdNumber
    id_hash: str
    phone: str
    # Which household of the file: "#<户号>", or "@<row>" for the block of the head on that row.
    household: str = ""

    @property
    def is_head(self) -> bool:
        return self.relation in HEAD_RELATIONS


@dataclass
class RosterLine:
    """What a row says about its household, read even when the row itself has errors."""

    number: int
    village: str
    household_number: str
    head_name: str
    name: str
    relation: str  # "" when unreadable
    # The head's own row: by its relation, or by name when the relation cannot be read.
    is_head: bool
    row: RosterRow | None  # None when the row has errors of its own


@dataclass
class ParsedRoster:
    rows: list[RosterRow] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    columns: dict[str, str] = field(default_factory=dict)
    sha256: str = ""

    def error(self, row: int, key: str, message: str) -> None:
        column = (self.columns.get(key) or COLUMNS[key][0]) if key in COLUMNS else key
        self.errors.append(RowError(row=row, column=column, message=message))


class RosterInvalid(DomainError):
    """The file has bad rows; nothing was imported."""

    def __init__(self, errors: list[RowError]) -> None:
        super().__init__(
            "roster_invalid",
            _("有%(n)d处错误，未导入任何数据。请修改后重新上传。"),
            params={"n": len(errors)},
        )
        # In row order, so the list reads like the sheet; a row's own errors keep their order.
        self.errors = sorted(errors, key=lambda e: e.row)

    def as_dict(self) -> dict[str, Any]:
        body = super().as_dict()
        body["errors"] = [e.__dict__ for e in self.errors]
        return body


def check_phone(raw: object) -> str:
    """A contact phone: empty, a mobile number, or a landline with area code."""
    phone = normalize_phone(cell_text(raw))
    if not phone:
        return ""
    digits = phone.replace("-", "")
    if (len(digits) == 11 and digits.startswith("1") and digits.isdigit()) or (
        digits.startswith("0") and digits.isdigit() and 10 <= len(digits) <= 12
    ):
        return digits
    raise DomainError(
        "phone_invalid", _("联系电话“%(v)s”不是有效的手机号或座机号。"), params={"v": phone}
    )


def parse(content: bytes, filename: str, villages: dict[str, Region]) -> ParsedRoster:
    """Read and validate every row; ``villages`` maps names and codes the user may import into.

    ``rows`` holds the good rows whose household the file makes clear; every other row has
    at least one error.
    """
    from cunxin.people import roster_households

    result = ParsedRoster(sha256=hashlib.sha256(content).hexdigest())
    table: Table = find_table(
        read_rows(content, filename),
        COLUMNS,
        REQUIRED,
        max_rows=MAX_ROWS,
        too_many="roster_too_large",
    )
    result.columns = table.columns
    if not table.rows:
        raise DomainError("roster_empty", _("表格中没有数据行。"))
    today = timezone.localdate()
    lines = [_parse_row(result, number, cells, villages, today) for number, cells in table.rows]
    _check_duplicate_ids(result, lines)
    result.rows = roster_households.assign(result, lines)
    _check_households(result)
    return result


def check_household_number(value: object) -> str:
    """A 户号 as written, or empty; printable characters that fit the household's column."""
    number = cell_text(value)
    if any(unicodedata.category(c).startswith("C") for c in number):
        raise DomainError(
            "household_number_invalid",
            _("户号中有不可见的控制字符，请重新输入。"),
            field="household_number",
        )
    return number


def _fits(result: ParsedRoster, number: int, key: str, value: str) -> bool:
    """Whether a value fits the database column it is stored in; an error if not."""
    limit = STORED_AS[key].max_length
    if limit is not None and len(value) > limit:
        result.error(
            number,
            key,
            _("最多%(max)d个字符，这里有%(n)d个。") % {"max": limit, "n": len(value)},
        )
        return False
    return True


def _parse_row(
    result: ParsedRoster,
    number: int,
    cells: dict[str, object],
    villages: dict[str, Region],
    today: datetime.date,
) -> RosterLine:
    ok = True
    village_text = cell_text(cells.get("village"))
    village = villages.get(village_text)
    if not village_text:
        result.error(number, "village", _("村名不能为空。"))
        ok = False
    elif village is None:
        result.error(number, "village", _("“%s”不是您可以导入的村。") % village_text)
        ok = False
    values: dict[str, Any] = {}
    for key, check in (
        ("name", check_name),
        ("head_name", check_name),
        ("relation", check_relation),
    ):
        try:
            values[key] = check(cells.get(key))
        except DomainError as exc:
            result.error(number, key, str(exc))
            ok = False
    try:
        values["id"] = idnumber.parse(cells.get("id_number"), today)
    except DomainError as exc:
        result.error(number, "id_number", str(exc))
        ok = False
    try:
        values["phone"] = check_phone(cells.get("phone"))
    except DomainError as exc:
        result.error(number, "phone", str(exc))
        ok = False
    try:
        values["household_number"] = check_household_number(cells.get("household_number"))
    except DomainError as exc:
        result.error(number, "household_number", str(exc))
        ok = False
    for key in STORED_AS:
        ok = _fits(result, number, key, values.get(key, "")) and ok
    parsed_id: idnumber.IdNumber | None = values.get("id")
    if parsed_id is not None:
        gender = cell_text(cells.get("gender"))
        if gender and gender not in ("男", "女"):
            result.error(number, "gender", _("性别应填写“男”或“女”。"))
            ok = False
        elif gender and {"男": "M", "女": "F"}[gender] != parsed_id.gender:
            result.error(number, "gender", _("性别与身份证号不一致。"))
            ok = False
        birth = _birth_text(cells.get("birth_date"))
        if birth and birth != parsed_id.birth_date.isoformat():
            result.error(number, "birth_date", _("出生日期与身份证号不一致。"))
            ok = False
    relation = values.get("relation", "")
    if ok and relation in HEAD_RELATIONS and values["name"] != values["head_name"]:
        result.error(number, "head_name", _("户主本人的姓名应与“户主姓名”一致。"))
        ok = False
    name = values.get("name") or normalize_name(cells.get("name"))
    head_name = values.get("head_name") or normalize_name(cells.get("head_name"))
    line = RosterLine(
        number=number,
        village=village_text,
        household_number=values.get("household_number") or cell_text(cells.get("household_number")),
        head_name=head_name,
        name=name,
        relation=relation,
        is_head=relation in HEAD_RELATIONS
        or (not relation and bool(name) and name == head_name and _looks_like_head(cells)),
        row=None,
    )
    if ok and village is not None and parsed_id is not None:
        line.row = RosterRow(
            row=number,
            village=village,
            household_number=values["household_number"],
            head_name=values["head_name"],
            name=values["name"],
            relation=relation,
            id=parsed_id,
            id_hash=pii.keyed_hash(parsed_id.value),
            phone=values["phone"],
        )
    return line


def _looks_like_head(cells: dict[str, object]) -> bool:
    """An unreadable relation on a row named like its head: most likely the head's own row,
    mistyped (户 主, 户主人); its members are told to wait for it rather than left homeless."""
    relation = clean(cells.get("relation"))
    return not relation or "户主" in relation or "本人" in relation


def _birth_text(value: object) -> str:
    """A birth date cell as YYYY-MM-DD; 1990.1.1, 1990/01/01 and 19900101 are understood."""
    text = cell_text(value)
    if not text:
        return ""
    for sep in (".", "/", "年", "月"):
        text = text.replace(sep, "-")
    text = text.rstrip("日-")
    if text.isdigit() and len(text) == 8:
        text = f"{text[:4]}-{text[4:6]}-{text[6:]}"
    try:
        parts = [int(p) for p in text.split("-")[:3]]
        return datetime.date(*parts).isoformat()
    except (ValueError, TypeError, OverflowError):  # 1-1-99999999999999999999 overflows a C int
        return text


def household_key(row: RosterRow) -> tuple[int, str]:
    """Rows of one household: same village and the same ``household`` (户号 or head's row)."""
    return (row.village.pk, row.household)


def _check_duplicate_ids(result: ParsedRoster, lines: list[RosterLine]) -> None:
    seen: dict[str, int] = {}
    for line in lines:
        if line.row is None:
            continue
        if line.row.id_hash in seen:
            result.error(
                line.number, "id_number", _("与第%d行的身份证号重复。") % seen[line.row.id_hash]
            )
        else:
            seen[line.row.id_hash] = line.number


def _check_households(result: ParsedRoster) -> None:
    """One head per 户号, and one head name per 户号."""
    groups: dict[tuple[int, str], list[RosterRow]] = defaultdict(list)
    for row in result.rows:
        groups[household_key(row)].append(row)
    for members in groups.values():
        heads = [m for m in members if m.is_head]
        if len(heads) > 1:
            for extra in heads[1:]:
                result.error(
                    extra.row, "relation", _("同一户有多位户主（另见第%d行）。") % heads[0].row
                )
        first = heads[0] if heads else members[0]
        for m in members:
            if m.head_name != first.head_name:
                result.error(
                    m.row,
                    "head_name",
                    _("同一户号的户主姓名不一致（第%d行为“%s”）。") % (first.row, first.head_name),
                )
