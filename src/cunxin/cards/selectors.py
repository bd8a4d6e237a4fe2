"""Read queries of the cards app, each cut to what the user may see."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from cunxin.accounts.permissions import Perm
from cunxin.cards.models import Card, CardStatus
from cunxin.core.models import AuditEntry
from cunxin.people.models import Resident, ResidentStatus
from cunxin.people.selectors import search


def cards_for(user: Any) -> QuerySet[Card]:
    """The cards of the villages the user manages cards in, newest first."""
    return Card.objects.restrict(user, Perm.MANAGE_CARDS).select_related(
        "resident__village", "resident__household"
    )


def bindable_residents(user: Any, q: str = "") -> QuerySet[Resident]:
    """Villagers in the user's reach who could get a card: in the roster, without one."""
    residents = (
        Resident.objects.restrict(user, Perm.MANAGE_CARDS)
        .filter(status=ResidentStatus.ACTIVE)
        .exclude(cards__status=CardStatus.ACTIVE)
        .select_related("village", "household")
    )
    return search(residents, q)


def own_card(resident_id: int) -> Card | None:
    """The villager's card in use, if any."""
    return (
        Card.objects.filter(resident_id=resident_id, status=CardStatus.ACTIVE)
        .order_by("-bound_at")
        .first()
    )


def history(card: Card) -> QuerySet[AuditEntry]:
    """Who bound, locked, unlocked, reset or cancelled the card, newest first."""
    return (
        AuditEntry.objects.filter(object_type=Card._meta.label_lower, object_id=str(card.pk))
        .select_related("actor")
        .order_by("-pk")
    )
