"""Yuan as people type them, fen as the books keep them: strict parsing, one display format."""

from __future__ import annotations

import re

from django.utils.translation import gettext_lazy as _

from cunxin.core.errors import DomainError

# Ten million yuan: far above any village fund, low enough that a slip of the keyboard shows.
MAX_FEN = 10_000_000 * 100

_YUAN = re.compile(r"^(\d{1,12})(?:\.(\d{1,2}))?$")


def parse_yuan(text: object, field: str = "amount") -> int:
    """Yuan with up to two decimals ("200", "12.5", "12.50") as fen; anything else is refused
    with a message that says what is wrong (no rounding, no sign, no thousands separators)."""
    raw = str(text if text is not None else "").strip().replace("，", ",")
    if not raw:
        raise DomainError("amount_required", _("请填写金额。"), field=field)
    if raw.startswith("-"):
        raise DomainError("amount_not_positive", _("金额必须大于零。"), field=field)
    if re.fullmatch(r"\d+\.\d{3,}", raw):
        raise DomainError("amount_precision", _("金额最多到分（两位小数）。"), field=field)
    match = _YUAN.match(raw)
    if match is None:
        raise DomainError(
            "amount_format",
            _("金额格式不对，请填写数字，如 200 或 12.50（单位：元）。"),
            field=field,
        )
    whole, cents = match.group(1), (match.group(2) or "").ljust(2, "0")
    return check_fen(int(whole) * 100 + int(cents), field)


def check_fen(amount: int, field: str = "amount") -> int:
    """An amount in fen the fund can book: more than zero, not absurdly large."""
    if amount <= 0:
        raise DomainError("amount_not_positive", _("金额必须大于零。"), field=field)
    if amount > MAX_FEN:
        raise DomainError("amount_too_large", _("金额超过一千万元，请核对。"), field=field)
    return amount


def yuan(fen: int | None) -> str:
    """Fen shown as yuan with two decimals and thousands separators: 1,234.50."""
    value = int(fen or 0)
    sign = "-" if value < 0 else ""
    whole, cents = divmod(abs(value), 100)
    return f"{sign}{whole:,}.{cents:02d}"
