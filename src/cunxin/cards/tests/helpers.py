"""Card numbers and a bound card for the tests."""

from __future__ import annotations

from cunxin.cards.actions import do_bind_card
from cunxin.cards.models import Card
from cunxin.cards.numbers import luhn_ok
from cunxin.conftest import World

PIN = "258036"


def card_number(prefix: str = "621700000012345") -> str:
    """A valid (Luhn) card number: the prefix and its check digit."""
    for d in "0123456789":
        if luhn_ok(prefix + d):
            return prefix + d
    raise AssertionError("unreachable")


NUMBER = card_number()
OTHER_NUMBER = card_number("622848001234567")


def bind(w: World, name: str = "张三", number: str = NUMBER, pin: str = PIN) -> Card:
    actor = w.committee_a if w.resident(name).village == w.village_a else w.clerk
    return do_bind_card(
        w.resident(name), card_number=number, pin=pin, pin_again=pin, acting_user=actor
    )
