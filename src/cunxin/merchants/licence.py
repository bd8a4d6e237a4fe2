"""The unified social credit code (统一社会信用代码, GB 32100-2015): 18 characters, the last a
check character over the first 17."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from cunxin.core.errors import DomainError

# The 31 characters the standard uses (no I, O, Z, S, V), in value order.
CHARSET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)


def check_character(first17: str) -> str:
    """The check character for the first 17 characters."""
    total = sum(CHARSET.index(c) * w for c, w in zip(first17, WEIGHTS, strict=True))
    return CHARSET[(31 - total % 31) % 31]


def clean_licence(text: str, field: str = "licence_no") -> str:
    """The code upper-cased and without spaces; refused with what is wrong."""
    code = "".join((text or "").split()).upper()
    if not code:
        raise DomainError("licence_required", _("请填写统一社会信用代码。"), field=field)
    if len(code) != 18:
        raise DomainError(
            "licence_length", _("统一社会信用代码应为18位，请核对营业执照。"), field=field
        )
    if any(c not in CHARSET for c in code):
        raise DomainError(
            "licence_characters",
            _("统一社会信用代码只含数字和大写字母（不含I、O、Z、S、V），请核对。"),
            field=field,
        )
    if check_character(code[:17]) != code[17]:
        raise DomainError(
            "licence_check", _("统一社会信用代码校验位不对，请逐位核对营业执照。"), field=field
        )
    return code
