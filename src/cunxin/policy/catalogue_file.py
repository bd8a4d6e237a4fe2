"""The behaviour catalogue as a spreadsheet: the columns, reading rows, writing rows."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from django.utils import translation
from django.utils.translation import gettext as _

from cunxin.core.errors import DomainError
from cunxin.people.spreadsheets import cell_text, find_table, read_rows
from cunxin.policy.models import CatalogueItem, Category, Direction, Scoring

# Canonical key -> header texts (the first is what exports write).
COLUMNS: dict[str, tuple[str, ...]] = {
    "code": ("编码", "代码", "条目编码"),
    "name": ("名称", "行为名称", "条目"),
    "category": ("类别", "分类"),
    "direction": ("加/扣分", "加扣分", "方向"),
    "scoring": ("计分方式",),
    "points": ("分值", "分数"),
    "unit": ("计分单位", "单位"),
    "monthly_cap": ("每人每月上限", "每月上限"),
    "evidence_required": ("需要证据", "需证据"),
    "serious": ("严重失信",),
    "validity_years": ("有效期（年）", "有效期(年)", "有效期"),
    "active": ("启用", "是否启用"),
    "description": ("认定标准", "说明"),
}
REQUIRED = ("code", "name", "category", "direction", "points")
HEADERS = tuple(texts[0] for texts in COLUMNS.values())
ITEM_FIELDS = tuple(k for k in COLUMNS if k != "code")
# The most points one item can be worth (per time, or per unit).
MAX_POINTS = 10_000
_CODE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.\-]{0,15}$")
_YES = {"是", "y", "yes", "true", "1", "√", "✓"}
_NO = {"否", "n", "no", "false", "0", "", "×"}


@dataclass
class CatalogueRow:
    row: int
    code: str
    values: dict[str, Any]


@dataclass
class ParsedCatalogue:
    rows: list[CatalogueRow] = field(default_factory=list)
    errors: list[tuple[int, str, str]] = field(default_factory=list)


def _choice(text: str, choices: type[Category] | type[Direction] | type[Scoring]) -> str | None:
    """The value for a cell: the stored value, the Chinese label, or the label as the user sees it.

    Spreadsheets are written in Chinese whatever the user's language, so a file reads the same
    for a clerk using the English pages.
    """
    for value, label in choices.choices:
        with translation.override("zh-hans"):
            chinese = str(label)
        if text in (value, chinese, str(label)):
            return str(value)
    return None


def _flag(text: str) -> bool | None:
    lowered = text.lower()
    if lowered in _YES:
        return True
    if lowered in _NO:
        return False
    return None


def _positive(text: str, *, optional: bool) -> int | None:
    if text == "" and optional:
        return None
    if not text.isdigit() or int(text) < 1:
        raise ValueError
    return int(text)


def check_values(values: dict[str, Any]) -> list[tuple[str, str]]:
    """Rules across fields of one item: (field, message) for each that is broken."""
    problems: list[tuple[str, str]] = []
    if values.get("scoring") == Scoring.PER_UNIT and not values.get("unit"):
        problems.append(("unit", _("按单位计分时必须填写计分单位。")))
    if values.get("scoring") == Scoring.FIXED and values.get("unit"):
        values["unit"] = ""
    if values.get("serious") and values.get("direction") != Direction.PENALTY:
        problems.append(("serious", _("只有扣分条目可以标为严重失信。")))
    if not values.get("name"):
        problems.append(("name", _("名称不能为空。")))
    elif len(values["name"]) > 80:
        problems.append(("name", _("名称不能超过80个字。")))
    if len(values.get("unit") or "") > 16:
        problems.append(("unit", _("计分单位不能超过16个字。")))
    # Points multiply by quantities of up to 10,000: bounded so a score always fits its column.
    for key, low, high, required in (
        ("points", 1, MAX_POINTS, True),
        ("monthly_cap", 1, MAX_POINTS * 100, False),
        ("validity_years", 1, 100, False),
    ):
        value = values.get(key)
        if value is None and not required:
            continue
        if not isinstance(value, int) or isinstance(value, bool) or not low <= value <= high:
            problems.append(
                (key, _("应为 %(low)d 到 %(high)d 之间的整数。") % {"low": low, "high": high})
            )
    return problems


def parse(content: bytes, filename: str) -> ParsedCatalogue:
    """Read and validate every row of a catalogue file."""
    table = find_table(read_rows(content, filename), COLUMNS, REQUIRED)
    result = ParsedCatalogue()
    header = {k: table.columns.get(k, COLUMNS[k][0]) for k in COLUMNS}
    seen: dict[str, int] = {}
    if not table.rows:
        raise DomainError("catalogue_empty", _("表格中没有数据行。"))
    for number, cells in table.rows:
        text = {k: cell_text(cells.get(k)) for k in COLUMNS}
        errors: list[tuple[int, str, str]] = []

        def bad(key: str, message: str, number: int = number, errors: list[Any] = errors) -> None:
            errors.append((number, header[key], message))

        code = text["code"].upper()
        if not _CODE.match(code):
            bad("code", _("编码只能由字母、数字、“-”“_”“.”组成，最多16位。"))
        elif code in seen:
            bad("code", _("与第%d行的编码重复。") % seen[code])
        else:
            seen[code] = number
        values: dict[str, Any] = {"name": text["name"], "unit": text["unit"]}
        values["description"] = (
            cells.get("description") and str(cells["description"]).strip()
        ) or ""
        for key, choices in (
            ("category", Category),
            ("direction", Direction),
            ("scoring", Scoring),
        ):
            raw = text[key] or (str(Scoring.FIXED.label) if key == "scoring" else "")
            value = _choice(raw, choices)
            if value is None:
                labels = "、".join(str(label) for _v, label in choices.choices)
                bad(key, _("“%(v)s”无效，应为：%(labels)s。") % {"v": raw, "labels": labels})
            values[key] = value
        for key, optional in (("points", False), ("monthly_cap", True), ("validity_years", True)):
            try:
                values[key] = _positive(text[key], optional=optional)
            except ValueError:
                bad(key, _("应为正整数。"))
        for key, default in (("evidence_required", False), ("serious", False), ("active", True)):
            flag = _flag(text[key]) if text[key] else default
            if flag is None:
                bad(key, _("应填写“是”或“否”。"))
            values[key] = flag
        if not errors:
            for key, message in check_values(values):
                bad(key, message)
        if errors:
            result.errors.extend(errors)
        else:
            result.rows.append(CatalogueRow(row=number, code=code, values=values))
    return result


def item_row(item: CatalogueItem) -> list[object]:
    """One item as a spreadsheet row in HEADERS order, in Chinese whatever the user's language."""
    with translation.override("zh-hans"):
        return _item_cells(item)


def _item_cells(item: CatalogueItem) -> list[object]:
    return [
        item.code,
        item.name,
        item.get_category_display(),
        item.get_direction_display(),
        item.get_scoring_display(),
        item.points,
        item.unit,
        item.monthly_cap or "",
        "是" if item.evidence_required else "否",
        "是" if item.serious else "否",
        item.validity_years or "",
        "是" if item.active else "否",
        item.description,
    ]
