"""Who is paying: the public contract the shop and the merchants call.

A customer shows a pay code (付款码: a short-lived signed code, scanned from the phone or typed
from the digits under the QR) or a 诚信卡 with its PIN. ``identify`` checks it and says who it
is, without using anything up; the caller's payment action then calls ``consume`` inside its
own transaction, so the code is spent exactly when the payment commits.

The code is all digits, 18 for a small resident id (like a WeChat pay code), so a keeper can
type it and any scanner reads it::

    time (5)  nonce (4)  resident id (1–12)  signature (8)

The time is the issue second since 2026-01-01 UTC, shown modulo 100,000 (about 28 hours); the
reader takes the latest such second not after now. The signature is Django's signing (HMAC-SHA256
with SECRET_KEY and this module's salt) over the *full* time, the nonce and the resident id,
reduced to 8 digits: a code older than the wrap-around no longer matches its signature, so it
cannot pass for a fresh one.
"""

from __future__ import annotations

import datetime
import secrets
from dataclasses import dataclass
from typing import Any

from django.core import signing
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cunxin.accounts.permissions import Perm
from cunxin.cards import pins
from cunxin.cards.models import Card, CardStatus, UsedCode
from cunxin.cards.numbers import clean_number, number_hash
from cunxin.core.errors import Conflict, DomainError, Forbidden
from cunxin.core.scoping import may
from cunxin.people.models import Resident, ResidentStatus
from cunxin.regions.models import Region
from cunxin.units.selectors import works_in

SALT = "cunxin.cards.pay-code"
CODE_VALID = datetime.timedelta(seconds=90)
CODE_REFRESH = datetime.timedelta(seconds=60)
_EPOCH = datetime.datetime(2026, 1, 1, tzinfo=datetime.UTC)
_TIME_DIGITS, _NONCE_DIGITS, _SIG_DIGITS, _ID_DIGITS = 5, 4, 8, 12
_WRAP = 10**_TIME_DIGITS
# Clocks of the phone-facing server and the till's server may differ a little.
_SKEW = 30


@dataclass(frozen=True)
class Customer:
    """A customer identified by a pay code or a card; ``nonce`` is the code's ("" for a card)."""

    resident: Resident
    via: str  # "code" or "card"
    nonce: str = ""


def _signature(payload: str, salt: str = SALT) -> str:
    raw = signing.Signer(salt=salt, algorithm="sha256").signature(payload)
    number = int.from_bytes(signing.b64_decode(raw.encode()), "big")
    return f"{number % 10**_SIG_DIGITS:0{_SIG_DIGITS}d}"


def _signed_text(resident_id: int, issued: int, nonce: int) -> str:
    return f"{issued}.{nonce}.{resident_id}"


def sign_code(resident_id: int, issued_at: datetime.datetime, nonce: int, salt: str = SALT) -> str:
    """The code for these parts (issue_code picks a fresh nonce; tests forge with other salts)."""
    issued = int((issued_at - _EPOCH).total_seconds())
    visible = f"{issued % _WRAP:0{_TIME_DIGITS}d}{nonce:0{_NONCE_DIGITS}d}{resident_id}"
    return visible + _signature(_signed_text(resident_id, issued, nonce), salt)


def issue_code(resident: Resident) -> tuple[str, datetime.datetime]:
    """A fresh pay code for the resident, and when it expires."""
    now = timezone.now().replace(microsecond=0)
    code = sign_code(resident.pk, now, secrets.randbelow(10**_NONCE_DIGITS))
    return code, now + CODE_VALID


def _forged() -> DomainError:
    return DomainError("code_forged", _("付款码无效，请让村民刷新后重新出示。"), field="code")


@dataclass(frozen=True)
class _Parsed:
    resident_id: int
    issued_at: datetime.datetime
    nonce: str


def _parse(code: str) -> _Parsed:
    digits = clean_number(code)
    fixed = _TIME_DIGITS + _NONCE_DIGITS + _SIG_DIGITS
    if not digits.isascii() or not digits.isdigit():
        raise _forged()
    if not fixed < len(digits) <= fixed + _ID_DIGITS:
        raise _forged()
    body, sig = digits[:-_SIG_DIGITS], digits[-_SIG_DIGITS:]
    shown_time = int(body[:_TIME_DIGITS])
    nonce = int(body[_TIME_DIGITS : _TIME_DIGITS + _NONCE_DIGITS])
    rid = body[_TIME_DIGITS + _NONCE_DIGITS :]
    if rid.startswith("0"):
        raise _forged()
    latest = int((timezone.now() - _EPOCH).total_seconds()) + _SKEW
    issued = latest - (latest - shown_time) % _WRAP
    if not secrets.compare_digest(sig, _signature(_signed_text(int(rid), issued, nonce))):
        raise _forged()
    # The nonce as stored: resident, full time and random part together are unique forever.
    return _Parsed(int(rid), _EPOCH + datetime.timedelta(seconds=issued), f"{rid}.{issued}.{nonce}")


def _reachable(resident: Resident, acting_user: Any, serves: Region | None) -> None:
    """Refuse a customer outside the area served: the region the caller names (a merchant's
    town or county), or else the villages the acting user may redeem in (a village shop)."""
    code = resident.village.code
    inside = (
        code.startswith(serves.prefix)
        if serves is not None
        else may(acting_user, Perm.REDEEM, code) or works_in(acting_user, Perm.REDEEM, code)
    )
    if not inside:
        raise Forbidden("customer_elsewhere", _("这位村民不属于您服务的村，不能在此使用积分。"))


def _active(resident: Resident) -> Resident:
    if resident.status != ResidentStatus.ACTIVE:
        raise DomainError("customer_inactive", _("这位村民已不在册，不能使用积分。"))
    return resident


def _by_code(code: str, acting_user: Any, serves: Region | None) -> Customer:
    parsed = _parse(code)
    resident = Resident.objects.select_related("village").filter(pk=parsed.resident_id).first()
    if resident is None:
        raise _forged()
    if timezone.now() > parsed.issued_at + CODE_VALID:
        raise DomainError("code_expired", _("付款码已过期，请让村民刷新后重新出示。"), field="code")
    _reachable(resident, acting_user, serves)
    if UsedCode.objects.filter(nonce=parsed.nonce).exists():
        raise DomainError(
            "code_used", _("这个付款码已经用过了，请让村民刷新后重新出示。"), field="code"
        )
    return Customer(resident=_active(resident), via="code", nonce=parsed.nonce)


def _by_card(card_number: str, pin: str, acting_user: Any, serves: Region | None) -> Customer:
    digits = clean_number(card_number)
    card = (
        Card.objects.select_related("resident__village")
        .filter(status=CardStatus.ACTIVE, number_hash=number_hash(digits))
        .first()
    )
    if card is None or not digits.isdigit():
        raise DomainError(
            "card_unknown", _("这张卡没有绑定村民，请核对卡号。"), field="card_number"
        )
    # Scope before the PIN: a keeper elsewhere must not be able to use up someone's tries.
    _reachable(card.resident, acting_user, serves)
    card = pins.check_pin(card, pin, acting_user=acting_user)
    return Customer(resident=_active(card.resident), via="card")


def identify(
    *,
    code: str = "",
    card_number: str = "",
    pin: str = "",
    acting_user: Any,
    serves: Region | None = None,
) -> Customer:
    """The customer behind a pay code, or a card number and PIN; uses nothing up.

    Refusals: code_forged, code_expired, code_used, card_unknown, card_locked, pin_wrong (with
    the tries left), customer_missing (nothing given), customer_inactive (moved out), and
    Forbidden customer_elsewhere for a villager outside ``serves`` (a merchant's town or county;
    the caller has checked the acting user works there) or, without it, outside the villages the
    acting user may redeem in (Perm.REDEEM: a village shop's keeper).

    A card's PIN is checked and counted in a transaction of its own (``cards.pins``): call this
    before the payment's transaction, never inside it (check, then do).
    """
    if code.strip():
        return _by_code(code, acting_user, serves)
    if card_number.strip():
        return _by_card(card_number, pin, acting_user, serves)
    raise DomainError("customer_missing", _("请扫描村民的付款码，或刷诚信卡并输入密码。"))


def consume(customer: Customer) -> None:
    """Spend the customer's code inside the caller's transaction; a card has nothing to spend.

    A second consume of the same code (two keepers at once, a double click) raises Conflict
    code_used; if the caller's transaction rolls back, the code stays usable until it expires.
    """
    if customer.via != "code":
        return
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("consume must run inside the payment's transaction")
    issued = _parse_issued(customer.nonce)
    try:
        # A savepoint, so that PostgreSQL's transaction survives the refused insert.
        with transaction.atomic():
            UsedCode.objects.create(
                nonce=customer.nonce, resident=customer.resident, issued_at=issued
            )
    except IntegrityError:
        raise Conflict(
            "code_used", _("这个付款码已经用过了，请让村民刷新后重新出示。"), field="code"
        ) from None


def _parse_issued(nonce: str) -> datetime.datetime:
    return _EPOCH + datetime.timedelta(seconds=int(nonce.split(".")[1]))
