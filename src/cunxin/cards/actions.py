"""The committee's card work: bind a 诚信卡 to a villager, unlock it, reset its PIN, cancel it.

Every action checks Perm.MANAGE_CARDS in the card's village, runs in one transaction and writes
its audit row there. The card number never reaches the audit trail: only its last four digits.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.hashers import make_password
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from cunxin.accounts.permissions import Perm
from cunxin.cards.models import Card, CardStatus
from cunxin.cards.numbers import number_hash, validate_number, validate_pin
from cunxin.core import audit
from cunxin.core.cleaning import check_text
from cunxin.core.errors import Conflict, DomainError
from cunxin.core.scoping import require
from cunxin.people.models import Resident, ResidentStatus

REASON_MAX = 200


def _reason(reason: str) -> str:
    reason = check_text(" ".join(reason.split()), field="reason", max_length=REASON_MAX)
    if not reason:
        raise DomainError("reason_required", _("请填写原因。"), field="reason")
    return reason


def _pin(pin: str, pin_again: str) -> str:
    validate_pin(pin)
    if pin != pin_again:
        raise DomainError("pin_mismatch", _("两次输入的密码不一致。"), field="pin_again")
    return pin


def _lock(card: Card) -> Card:
    """The card row, locked, with its villager: one change of a card at a time."""
    locked: Card = (
        Card.objects.select_for_update(of=("self",))
        .select_related("resident__village")
        .get(pk=card.pk)
    )
    return locked


@transaction.atomic
def do_bind_card(
    resident: Resident, *, card_number: str, pin: str, pin_again: str, acting_user: Any
) -> Card:
    """Bind a bank card to a villager: one active card each, and a number for one villager only."""
    resident = Resident.objects.select_related("village").get(pk=resident.pk)
    require(acting_user, Perm.MANAGE_CARDS, resident.village.code)
    if resident.status != ResidentStatus.ACTIVE:
        raise DomainError("resident_inactive", _("这位村民已不在册，不能绑卡。"))
    digits = validate_number(card_number)
    _pin(pin, pin_again)
    digest = number_hash(digits)
    if Card.objects.filter(number_hash=digest).exclude(resident=resident).exists():
        raise Conflict(
            "card_taken", _("这张卡已绑定给其他村民，一张卡只能绑定一人。"), field="card_number"
        )
    if Card.objects.filter(resident=resident, status=CardStatus.ACTIVE).exists():
        raise Conflict(
            "card_exists", _("这位村民已有一张使用中的诚信卡，请先注销旧卡。"), field="resident"
        )
    card = Card(
        resident=resident,
        number_hash=digest,
        last4=digits[-4:],
        pin_hash=make_password(pin),
        bound_by=acting_user,
    )
    try:
        with transaction.atomic():
            card.save()
    except IntegrityError:  # the same card or villager bound at the same moment elsewhere
        raise Conflict(
            "card_exists", _("这张卡或这位村民刚刚已绑定，请刷新后查看。"), field="card_number"
        ) from None
    audit.record(
        acting_user,
        "cards.bind",
        card,
        region_code=resident.village.code,
        after=audit.snapshot(card),
        object_repr=f"{resident.name} {card}",
    )
    return card


@transaction.atomic
def do_unlock_card(card: Card, *, reason: str, acting_user: Any) -> Card:
    """Unlock a card locked by wrong PINs, and start its count afresh; the reason is kept."""
    card = _lock(card)
    require(acting_user, Perm.MANAGE_CARDS, card.resident.village.code)
    reason = _reason(reason)
    if card.status != CardStatus.ACTIVE:
        raise Conflict("card_cancelled", _("这张卡已注销。"))
    before = audit.snapshot(card, ["failed_pins", "locked_at"])
    card.failed_pins = 0
    card.locked_at = None
    card.save(update_fields=["failed_pins", "locked_at"])
    audit.record(
        acting_user,
        "cards.unlock",
        card,
        region_code=card.resident.village.code,
        before=before,
        after=audit.snapshot(card, ["failed_pins", "locked_at"]),
        reason=reason,
        object_repr=f"{card.resident.name} {card}",
    )
    return card


@transaction.atomic
def do_reset_card_pin(
    card: Card, *, pin: str, pin_again: str, reason: str = "", acting_user: Any
) -> Card:
    """Set a new PIN (the villager forgot it); the wrong-PIN count starts afresh, a lock stays."""
    card = _lock(card)
    require(acting_user, Perm.MANAGE_CARDS, card.resident.village.code)
    if card.status != CardStatus.ACTIVE:
        raise Conflict("card_cancelled", _("这张卡已注销。"))
    _pin(pin, pin_again)
    card.pin_hash = make_password(pin)
    if card.locked_at is None:
        card.failed_pins = 0
    card.save(update_fields=["pin_hash", "failed_pins"])
    audit.record(
        acting_user,
        "cards.reset_pin",
        card,
        region_code=card.resident.village.code,
        reason=check_text(" ".join(reason.split()), field="reason", max_length=REASON_MAX),
        object_repr=f"{card.resident.name} {card}",
    )
    return card


@transaction.atomic
def do_cancel_card(card: Card, *, reason: str, acting_user: Any) -> Card:
    """Cancel a card (lost, replaced): it pays no more, and the villager may get a new one."""
    card = _lock(card)
    require(acting_user, Perm.MANAGE_CARDS, card.resident.village.code)
    reason = _reason(reason)
    if card.status != CardStatus.ACTIVE:
        raise Conflict("card_cancelled", _("这张卡已注销。"))
    before = audit.snapshot(card, ["status", "cancelled_at"])
    card.status = CardStatus.CANCELLED
    card.cancelled_at = timezone.now()
    card.save(update_fields=["status", "cancelled_at"])
    audit.record(
        acting_user,
        "cards.cancel",
        card,
        region_code=card.resident.village.code,
        before=before,
        after=audit.snapshot(card, ["status", "cancelled_at"]),
        reason=reason,
        object_repr=f"{card.resident.name} {card}",
    )
    return card
