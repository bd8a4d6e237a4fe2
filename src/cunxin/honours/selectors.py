"""Reading honours: rounds a user may see, a villager's own honours, what the board shows.

Drafts are the committee's work: only those who choose honours (``CHOOSE_HONOURS``) see them.
Everyone else who may view honours (staff, and villagers of the village: honours are public to
it) sees confirmed rounds only.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Q, QuerySet

from cunxin.accounts.permissions import Perm
from cunxin.core.scoping import may
from cunxin.honours.models import (
    Conferral,
    FlagPick,
    Kind,
    Period,
    RewardSetting,
    Round,
    RoundStatus,
)
from cunxin.regions.models import Level, Region


@dataclass(frozen=True)
class BoardHonours:
    """What a village's public board shows of its honours."""

    month: datetime.date | None = None  # first day of the month the stars and flag are for
    stars: list[Any] = field(default_factory=list)  # people.Resident, in rank order
    red_flag: Any = None  # volunteering.Team or None
    year: int | None = None
    demonstration_households: list[Any] = field(default_factory=list)  # people.Household


def board_honours(village: Region, today: datetime.date) -> BoardHonours:
    """The latest confirmed month's stars and red flag of the village (never a draft), and the
    latest confirmed year's demonstration households."""
    confirmed = Round.objects.filter(
        village=village, status=RoundStatus.CONFIRMED, starts_on__lte=today
    ).order_by("-starts_on", "-pk")
    month = confirmed.filter(period=Period.MONTH).first()
    year = confirmed.filter(period=Period.YEAR).first()
    stars: list[Any] = []
    flag = None
    if month is not None:
        stars = [p.resident for p in month.stars.select_related("resident").order_by("rank")]
        pick = FlagPick.objects.select_related("team").filter(round=month).first()
        flag = pick.team if pick else None
    households: list[Any] = []
    if year is not None:
        households = [
            p.household
            for p in year.households.filter(struck=False)
            .select_related("household")
            .order_by("household__number", "household_id")
        ]
    return BoardHonours(
        month=month.starts_on if month else None,
        stars=stars,
        red_flag=flag,
        year=year.year if year else None,
        demonstration_households=households,
    )


def honour_villages(user: Any, permission: str = Perm.VIEW_HONOURS) -> QuerySet[Region]:
    """The villages whose honours the user may see (or, with ``CHOOSE_HONOURS``, choose):
    villages inside the reach of their roles, not the regions above it."""
    villages = Region.objects.restrict(user, permission, ancestors=False)
    return villages.filter(level=Level.VILLAGE).order_by("code")


def visible_rounds(user: Any) -> QuerySet[Round]:
    """Rounds the user may open: confirmed ones where they view honours, drafts where they
    choose them."""
    confirmed = Round.objects.restrict(user, Perm.VIEW_HONOURS).filter(status=RoundStatus.CONFIRMED)
    drafts = Round.objects.restrict(user, Perm.CHOOSE_HONOURS)
    return (
        Round.objects.filter(Q(pk__in=confirmed.values("pk")) | Q(pk__in=drafts.values("pk")))
        .select_related("village", "policy", "confirmed_by")
        .order_by("-starts_on", "period", "-pk")
    )


def can_choose(user: Any, village: Region) -> bool:
    return may(user, Perm.CHOOSE_HONOURS, village.code)


def own_conferrals(user: Any) -> QuerySet[Conferral]:
    """A villager's own honours of confirmed rounds, newest first (withdrawn ones included)."""
    resident_id = getattr(user, "resident_id", None)
    if resident_id is None:
        return Conferral.objects.none()
    return (
        Conferral.objects.filter(resident_id=resident_id, round__status=RoundStatus.CONFIRMED)
        .select_related("round", "round__village", "team", "household", "record")
        .order_by("-conferred_at", "-pk")
    )


def reward_settings(village: Region) -> dict[str, str]:
    """Kind → the catalogue item code it is rewarded with ('' for none)."""
    found = dict(RewardSetting.objects.filter(village=village).values_list("kind", "item_code"))
    return {kind: found.get(kind, "") for kind in Kind.values}
