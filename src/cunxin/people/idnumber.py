"""Resident ID numbers (居民身份证号码, GB 11643-1999): normalising, validating, masking."""

from __future__ import annotations

import datetime
import unicodedata
from dataclasses import dataclass

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cunxin.core.errors import DomainError

_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_CHECK = "10X98765432"
# First two digits: the province-level divisions of GB/T 2260.
_PROVINCES = frozenset(
    [
        "11",
        "12",
        "13",
        "14",
        "15",
        "21",
        "22",
        "23",
        "31",
        "32",
        "33",
        "34",
        "35",
        "36",
        "37",
        "41",
        "42",
        "43",
        "44",
        "45",
        "46",
        "50",
        "51",
        "52",
        "53",
        "54",
        "61",
        "62",
        "63",
        "64",
        "65",
        "71",
        "81",
        "82",
        "83",
    ]
)
EARLIEST_BIRTH = datetime.date(1900, 1, 1)


@dataclass(frozen=True)
class IdNumber:
    """A valid ID number and what it encodes."""

    value: str
    birth_date: datetime.date
    gender: str  # "M" or "F": the 17th digit is odd for men

    @property
    def masked(self) -> str:
        """The public form: first six and last four characters (``370883********123X``)."""
        return mask(self.value)

    @property
    def tail(self) -> str:
        return self.value[-4:]


def check_digit(first17: str) -> str:
    """The GB 11643 check character for the first seventeen digits."""
    total = sum(int(d) * w for d, w in zip(first17, _WEIGHTS, strict=True))
    return _CHECK[total % 11]


def normalize(raw: object) -> str:
    """Full-width to half-width, spaces removed, ``x`` to ``X``; numbers from spreadsheets kept."""
    if isinstance(raw, bool):
        return str(raw)
    if isinstance(raw, int):
        return str(raw)
    if isinstance(raw, float):
        # A spreadsheet that stored the number as a float kept at most 15-16 digits.
        return str(int(raw)) if raw.is_integer() else repr(raw)
    text = unicodedata.normalize("NFKC", str(raw or ""))
    return "".join(text.split()).upper().lstrip("'")


def mask(value: str) -> str:
    return value[:6] + "*" * 8 + value[-4:] if len(value) == 18 else "*" * len(value)


def _invalid(code: str, message: object, **params: object) -> DomainError:
    return DomainError(code, message, field="id_number", params=dict(params))  # type: ignore[arg-type]


def parse(raw: object, today: datetime.date | None = None) -> IdNumber:
    """The ID number, validated, or a DomainError that says exactly what is wrong."""
    value = normalize(raw)
    if not value:
        raise _invalid("id_missing", _("身份证号不能为空。"))
    if isinstance(raw, float) or "E+" in value or "." in value:
        raise _invalid(
            "id_number_format",
            _("身份证号被存成了数字，后几位已经丢失。请把该列设为“文本”格式后重新填写。"),
        )
    if len(value) != 18:
        raise _invalid("id_length", _("身份证号应为18位，这里是%(n)d位。"), n=len(value))
    # ASCII digits only: str.isdigit() also takes other scripts' digits (٣, ３ after NFKC is 3).
    if (
        not value.isascii()
        or not value[:17].isdigit()
        or not (value[17].isdigit() or value[17] == "X")
    ):
        raise _invalid("id_chars", _("身份证号只能由数字组成，最后一位可以是X。"))
    if value[:2] not in _PROVINCES:
        raise _invalid("id_province", _("身份证号前两位不是有效的省级行政区划代码。"))
    try:
        birth = datetime.date(int(value[6:10]), int(value[10:12]), int(value[12:14]))
    except ValueError:
        raise _invalid("id_birth_date", _("身份证号中的出生日期不存在。")) from None
    today = today or timezone.localdate()
    if not EARLIEST_BIRTH <= birth <= today:
        raise _invalid("id_birth_date", _("身份证号中的出生日期不合理。"))
    expected = check_digit(value[:17])
    if value[17] != expected:
        raise _invalid("id_check_digit", _("身份证号校验位错误，请核对后重新填写。"))
    gender = "M" if int(value[16]) % 2 == 1 else "F"
    return IdNumber(value=value, birth_date=birth, gender=gender)
