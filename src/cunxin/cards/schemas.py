"""Shapes of the cards API, and turning rows into them. A card number never leaves: only the
last four digits."""

from __future__ import annotations

import datetime
from typing import Any

from ninja import Schema

from cunxin.cards.models import Card
from cunxin.core.fields import Code, Id, Line


class PayCodeOut(Schema):
    code: str
    expires_at: datetime.datetime
    refresh_seconds: int
    qr: str  # an SVG data URI of the code


class CardOut(Schema):
    id: int
    resident_id: int
    resident_name: str
    village_code: str
    last4: str
    status: str
    locked: bool
    failed_pins: int
    bound_at: datetime.datetime


class OwnCardOut(Schema):
    last4: str
    locked: bool


class BindIn(Schema):
    resident_id: Id
    card_number: Code
    pin: Code
    pin_again: Code


class CardReasonIn(Schema):
    reason: Line


class PinIn(Schema):
    pin: Code
    pin_again: Code
    reason: Line = ""


def card_out(card: Card) -> dict[str, Any]:
    return {
        "id": card.pk,
        "resident_id": card.resident_id,
        "resident_name": card.resident.name,
        "village_code": card.resident.village.code,
        "last4": card.last4,
        "status": card.status,
        "locked": card.locked,
        "failed_pins": card.failed_pins,
        "bound_at": card.bound_at,
    }
