"""A card's PIN is checked in its own short transaction, before the payment's: check, then do.

The run of wrong PINs is one number in the database (``Card.failed_pins``), read and written
under the card's row lock in a transaction that commits before the payment begins. So

- a wrong PIN counts even when the payment that asked for it never happens;
- several server processes, each with its own connection, share one count: forty keepers trying
  PINs at once lock the card after exactly five wrong ones, never after six;
- nothing is kept in a process's memory and nothing is written "later".

The check refuses to run inside a caller's transaction (Django's durable block raises a
RuntimeError): a count written there would roll back with the payment, which is the hole this
module closes. Callers check first, then start the payment's transaction.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.hashers import check_password
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cunxin.cards.models import MAX_PIN_TRIES, Card
from cunxin.core import audit
from cunxin.core.errors import DomainError


def locked_error() -> DomainError:
    """The refusal for a locked card (the same words whether it just locked or was locked)."""
    return DomainError(
        "card_locked",
        _("这张卡已锁定（密码连续输错%(max)d次），请联系村信用评审会解锁。"),
        field="pin",
        params={"max": MAX_PIN_TRIES},
    )


def _wrong_pin(card: Card, acting_user: Any) -> DomainError:
    """Count one wrong PIN on the locked row; lock the card at the limit (audited)."""
    card.failed_pins = min(MAX_PIN_TRIES, card.failed_pins + 1)
    fields = ["failed_pins"]
    if card.failed_pins >= MAX_PIN_TRIES:
        card.locked_at = timezone.now()
        fields.append("locked_at")
    card.save(update_fields=fields)
    if card.locked:
        audit.record(
            acting_user,
            "cards.card_locked",
            card,
            region_code=card.resident.village.code,
            after={"failed_pins": card.failed_pins, "locked_at": card.locked_at},
            reason="连续输错密码",
        )
        return locked_error()
    return DomainError(
        "pin_wrong",
        _("密码错误，还可以再试%(left)d次。"),
        field="pin",
        params={"left": MAX_PIN_TRIES - card.failed_pins},
    )


def check_pin(card: Card, pin: str, *, acting_user: Any) -> Card:
    """The card, fresh from the database, if the PIN is right; else count it and refuse.

    Runs in a transaction of its own that commits before this returns or raises, and under the
    card's row lock, so concurrent checks of one card are counted one after another. A locked
    card is refused without looking at the PIN; a right PIN ends the run of wrong ones.
    Refusals: card_locked, pin_wrong (with the tries left, in ``params["left"]``).
    """
    with transaction.atomic(durable=True):
        fresh = Card.objects.select_for_update().select_related("resident__village").get(pk=card.pk)
        if fresh.locked:
            refusal: DomainError | None = locked_error()
        elif check_password(pin or "", fresh.pin_hash):
            refusal = None
            if fresh.failed_pins:
                fresh.failed_pins = 0
                fresh.save(update_fields=["failed_pins"])
        else:
            refusal = _wrong_pin(fresh, acting_user)
    # Raised only now, after the count has committed.
    if refusal is not None:
        raise refusal
    return fresh
