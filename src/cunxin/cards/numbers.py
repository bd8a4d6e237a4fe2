"""Card numbers and PINs: validation, the keyed hash, the last four digits."""

from __future__ import annotations

import re

from django.utils.crypto import salted_hmac
from django.utils.translation import gettext_lazy as _

from cunxin.core.errors import DomainError

# Fixed purpose string: the HMAC key is derived from SECRET_KEY for card numbers only.
_HASH_PURPOSE = "cunxin.cards.number-hash"
_SEPARATORS = re.compile(r"[\s-]+")


def clean_number(raw: str) -> str:
    """The digits of a typed card number (spaces and dashes dropped), unvalidated."""
    return _SEPARATORS.sub("", raw or "")


def luhn_ok(digits: str) -> bool:
    """Whether the digits pass the Luhn check that every bank card number carries."""
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = int(ch)
        if i % 2 == 1:
            d = d * 2 - 9 if d > 4 else d * 2
        total += d
    return total % 10 == 0


def validate_number(raw: str) -> str:
    """A bank card number of 12–19 digits passing the Luhn check, or a clear refusal."""
    digits = clean_number(raw)
    if not digits.isascii() or not digits.isdigit() or not 12 <= len(digits) <= 19:
        raise DomainError("card_number_invalid", _("卡号应为12到19位数字。"), field="card_number")
    if not luhn_ok(digits):
        raise DomainError(
            "card_number_invalid", _("卡号校验位不正确，请核对卡号。"), field="card_number"
        )
    return digits


def number_hash(digits: str) -> str:
    """The keyed hash a card is found by; without SECRET_KEY it reveals nothing."""
    return salted_hmac(_HASH_PURPOSE, digits, algorithm="sha256").hexdigest()


def validate_pin(pin: str) -> str:
    """A PIN of exactly six digits, not all one digit and not a plain run like 123456."""
    if not pin.isascii() or not pin.isdigit() or len(pin) != 6:
        raise DomainError("pin_invalid", _("密码应为6位数字。"), field="pin")
    if len(set(pin)) == 1 or pin in "0123456789" or pin in "9876543210":
        raise DomainError(
            "pin_invalid", _("密码过于简单（如111111、123456），请换一个。"), field="pin"
        )
    return pin
