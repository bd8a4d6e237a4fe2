"""What the platform accepts as input, stated once for the API, the pages, imports and actions.

A value a person sent is either stored exactly as sent or refused with a Chinese message that
names the field — never cut, never rounded, never a 500 from the database:

1. **Text** holds no NUL character and no unpaired surrogate (PostgreSQL cannot store either,
   and neither is something a person types), and is no longer than its column or its declared
   limit. Over-long text is refused, never cut.
2. **Numbers** are finite decimals in the plain form a person types (``12``, ``1.5``): no
   ``NaN``, ``Infinity`` or exponent form (``1e3``), no more decimal places than the column
   keeps, within the range of the column.
3. **Uploads** are refused by their declared size before they are read, and never read past the
   limit when the size was not declared.

The API's types (``core.fields``), the forms' base (``core.forms``), the request guard
(``core.middleware``) and the storage guard below all call these functions, so the rules and
the words are the same everywhere.
"""

from __future__ import annotations

import re
import unicodedata
from decimal import Decimal
from typing import IO, Any

from django.db import models
from django.utils.functional import Promise
from django.utils.translation import gettext as _

from cunxin.core.errors import DomainError

# The narrowest integer column in the schema (PostgreSQL ``integer``); every whole number a
# user sends must fit it unless its field says otherwise.
MIN_INT = -(2**31)
MAX_INT = 2**31 - 1
# Primary keys are 64-bit (BigAutoField).
MAX_ID = 2**63 - 1

_SURROGATE = re.compile("[\ud800-\udfff]")
PLAIN_DECIMAL = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)", re.ASCII)


def text_problem(value: str) -> str | None:
    """Why the text cannot be stored (``"nul"`` or ``"surrogate"``), or None when it can."""
    if "\x00" in value:
        return "nul"
    # A well-formed str never holds a surrogate: one here came from a JSON "\ud800" escape.
    if _SURROGATE.search(value):
        return "surrogate"
    return None


def bad_text_error(field: str, label: str | Promise | None = None) -> DomainError:
    return DomainError(
        "text_invalid",
        _("“%(label)s”含有无法保存的字符（空字符或残缺的文字编码），请删除后重新填写。")
        % {"label": label or field},
        field=field,
    )


def too_long_error(
    field: str, max_length: int, length: int, label: str | Promise | None = None
) -> DomainError:
    return DomainError(
        "text_too_long",
        _("“%(label)s”太长：最多 %(max)d 个字，现在 %(n)d 个字。")
        % {"label": label or field, "max": max_length, "n": length},
        field=field,
    )


def check_text(
    value: str,
    *,
    field: str,
    max_length: int | None = None,
    label: str | Promise | None = None,
) -> str:
    """The text itself when it can be stored as sent; otherwise a refusal naming the field."""
    if text_problem(value):
        raise bad_text_error(field, label)
    if max_length is not None and len(value) > max_length:
        raise too_long_error(field, max_length, len(value), label)
    return value


def parse_id(raw: object) -> int | None:
    """A row id sent as text, or None when it is not one: ASCII digits only (``"²"`` passes
    ``str.isdigit`` and then fails ``int``), and no larger than a key can be (``10**30`` would
    fail the query on PostgreSQL)."""
    text = str(raw if raw is not None else "").strip()
    if not text or len(text) > 19 or not (text.isascii() and text.isdigit()):
        return None
    value = int(text)
    return value if 1 <= value <= MAX_ID else None


def find_bad_text(data: Any) -> str | None:
    """The path (``positions.0.name``) of the first key or string in nested data that holds
    text which cannot be stored, or None. Iterative: a body nested a thousand deep is read
    without running out of stack."""
    stack: list[tuple[str, Any]] = [("", data)]
    while stack:
        path, value = stack.pop()
        if isinstance(value, str):
            if text_problem(value):
                return path or "body"
        elif isinstance(value, dict):
            for key, item in value.items():
                if isinstance(key, str) and text_problem(key):
                    return path or "body"
                stack.append((f"{path}.{key}" if path else str(key), item))
        elif isinstance(value, list | tuple):
            stack.extend((f"{path}.{i}" if path else str(i), item) for i, item in enumerate(value))
    return None


def parse_plain_decimal(
    raw: object,
    *,
    field: str,
    label: str | Promise | None = None,
    places: int,
    minimum: Decimal | int | None = None,
    maximum: Decimal | int | None = None,
) -> Decimal:
    """A decimal typed the way people write one (``12``, ``1.5``, full-width digits too).

    ``NaN``, ``Infinity``, the exponent form (``1e3``) and more than ``places`` decimals are
    refused, as are values outside [minimum, maximum]: the value is stored as sent or not at all.
    """
    name = label or field
    if isinstance(raw, Decimal):
        text = format(raw, "f") if raw.is_finite() else str(raw)
    elif isinstance(raw, int) and not isinstance(raw, bool):
        text = str(raw)
    elif isinstance(raw, str):
        text = unicodedata.normalize("NFKC", raw).strip()
    else:
        text = ""
    if not PLAIN_DECIMAL.fullmatch(text):
        raise DomainError(
            "number_invalid",
            _("“%(label)s”应为数字，如 2 或 1.5。") % {"label": name},
            field=field,
        )
    value = Decimal(text)  # the pattern admits only finite plain decimals
    if (minimum is not None and value < minimum) or (maximum is not None and value > maximum):
        raise out_of_range_error(field, minimum, maximum, label)
    if decimal_places(value) > places:
        raise DomainError(
            "number_places",
            _("“%(label)s”最多 %(places)d 位小数。") % {"label": name, "places": places},
            field=field,
        )
    return value


def decimal_places(value: Decimal) -> int:
    """How many decimals the value really has (``1.50`` has one), counted without rounding."""
    _sign, digits, exponent = value.as_tuple()
    if not isinstance(exponent, int) or exponent >= 0:
        return 0
    fraction = list(digits[exponent:]) if len(digits) >= -exponent else list(digits)
    while fraction and fraction[-1] == 0:
        fraction.pop()
    return len(fraction) if len(digits) >= -exponent else len(fraction) + (-exponent - len(digits))


def read_upload(
    source: bytes | IO[bytes],
    *,
    max_bytes: int,
    field: str = "file",
    label: str | Promise | None = None,
) -> bytes:
    """The content of an upload, refused unread when it declares more than ``max_bytes`` and
    never read past the limit when it does not."""
    if isinstance(source, bytes):
        content = source
    else:
        declared = getattr(source, "size", None)
        if isinstance(declared, int) and declared > max_bytes:
            raise _too_large(field, max_bytes, label)
        content = source.read(max_bytes + 1)
    if len(content) > max_bytes:
        raise _too_large(field, max_bytes, label)
    return content


def _too_large(field: str, max_bytes: int, label: str | Promise | None) -> DomainError:
    mb = max_bytes / 1024 / 1024
    return DomainError(
        "file_too_large",
        _("“%(label)s”太大：最大 %(mb)s MB，请分批或压缩后再传。")
        % {"label": label or _("文件"), "mb": f"{mb:g}"},
        field=field,
    )


# --- the storage guard -------------------------------------------------------------------------


def check_instance_values(instance: models.Model) -> None:
    """Refuse to save a value that its column cannot hold as sent (the last line of defence).

    Forms, API types and actions refuse bad input first with their own words; this guard makes
    sure that whatever path a value takes (a command, an import, a new view), it is never cut,
    never turned into a database error, and the same on SQLite and PostgreSQL.
    """
    for f in instance._meta.concrete_fields:
        value = getattr(instance, f.attname, None)
        if value is None:
            continue
        label = f.verbose_name if isinstance(f.verbose_name, str | Promise) else f.name
        if isinstance(value, str) and isinstance(f, models.CharField | models.TextField):
            if text_problem(value):
                raise bad_text_error(f.name, label)
            if f.max_length is not None and len(value) > f.max_length:
                raise too_long_error(f.name, f.max_length, len(value), label)
        elif isinstance(value, int) and not isinstance(value, bool):
            low, high = _INTEGER_RANGES.get(f.get_internal_type(), (None, None))
            if (low is not None and value < low) or (high is not None and value > high):
                raise out_of_range_error(f.name, low, high, label)
        elif isinstance(value, Decimal) and isinstance(f, models.DecimalField):
            _check_decimal_fits(value, f, label)


# The ranges every supported database can hold (PostgreSQL's, the narrowest).
_INTEGER_RANGES: dict[str, tuple[int, int]] = {
    "SmallIntegerField": (-32768, 32767),
    "IntegerField": (MIN_INT, MAX_INT),
    "BigIntegerField": (-MAX_ID - 1, MAX_ID),
    "PositiveBigIntegerField": (0, MAX_ID),
    "PositiveSmallIntegerField": (0, 32767),
    "PositiveIntegerField": (0, MAX_INT),
    "SmallAutoField": (-32768, 32767),
    "AutoField": (MIN_INT, MAX_INT),
    "BigAutoField": (-MAX_ID - 1, MAX_ID),
}


def out_of_range_error(
    field: str, low: object, high: object, label: str | Promise | None = None
) -> DomainError:
    return DomainError(
        "number_range",
        _("“%(label)s”应在 %(min)s 到 %(max)s 之间。")
        % {"label": label or field, "min": low, "max": high},
        field=field,
    )


def _check_decimal_fits(
    value: Decimal, f: models.DecimalField[Any, Any], label: str | Promise
) -> None:
    if not value.is_finite():
        raise DomainError(
            "number_invalid",
            _("“%(label)s”应为数字，如 2 或 1.5。") % {"label": label},
            field=f.name,
        )
    if f.max_digits is None or f.decimal_places is None:
        return
    limit = Decimal(10) ** (f.max_digits - f.decimal_places)
    if abs(value) >= limit:
        raise out_of_range_error(f.name, -limit + 1, limit - 1, label)
    if decimal_places(value) > f.decimal_places:
        raise DomainError(
            "number_places",
            _("“%(label)s”最多 %(places)d 位小数。") % {"label": label, "places": f.decimal_places},
            field=f.name,
        )
