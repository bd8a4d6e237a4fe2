"""Names as public pages and villager-facing lists show them, per the policy's ``name_masking``.

A public page shows a villager's name masked as the village's policy says and nothing else
about them: never an ID number, a phone number or an address.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

from django.utils import timezone

from cunxin.accounts.permissions import Perm
from cunxin.core.scoping import may
from cunxin.policy.models import NameMasking
from cunxin.policy.selectors import policy_in_force
from cunxin.regions.models import Region

MASK = "*"


def mask_name(name: str, masking: str) -> str:
    """张三丰 → 张*丰 (middle), 张** (given: the surname only), 张三丰 (full).

    Two-character names keep only the surname in the middle style (张三 → 张*), or nothing
    would be hidden. The surname style always shows two stars, so that the length of the given
    name is not told either. Compound surnames (欧阳) cannot be told from the name alone and
    are treated as one character: the safer reading. An unknown setting masks the most.
    """
    name = name.strip()
    if not name:
        return ""
    if masking == NameMasking.FULL:
        return name
    if masking == NameMasking.MIDDLE:
        if len(name) <= 2:
            return name[0] + MASK
        return name[0] + MASK * (len(name) - 2) + name[-1]
    return name[0] + MASK * 2


@dataclass(frozen=True)
class NameView:
    """How one user sees the names of one village's people.

    In full for staff who may read the village's roster (``Perm.VIEW_PEOPLE`` over it), and
    for a villager's own name and their own household's (the family they gift coupons to);
    everyone else's as the village's policy masks them, the public board's rule. Pages and API
    answers that show villagers to villagers (honours, gifts) name people through it.
    """

    masking: str
    own_resident_id: int | None = None
    own_household_id: int | None = None

    def name(
        self, name: str, *, resident_id: int | None = None, household_id: int | None = None
    ) -> str:
        if self.masking == NameMasking.FULL:
            return name
        if resident_id is not None and resident_id == self.own_resident_id:
            return name
        if household_id is not None and household_id == self.own_household_id:
            return name
        return mask_name(name, self.masking)

    def of(self, resident: Any) -> str:
        """A resident's name (anything with ``name``, ``pk`` and ``household_id``)."""
        if resident is None:
            return ""
        return self.name(
            resident.name,
            resident_id=resident.pk,
            household_id=getattr(resident, "household_id", None),
        )


def name_view(user: Any, village: Region, day: datetime.date | None = None) -> NameView:
    """How the user sees the names of the village's people (see :class:`NameView`)."""
    if may(user, Perm.VIEW_PEOPLE, region=village.code):
        return NameView(NameMasking.FULL)
    policy = policy_in_force(village, day or timezone.localdate())
    own = getattr(user, "resident", None) if getattr(user, "resident_id", None) else None
    return NameView(
        masking=policy.name_masking if policy is not None else NameMasking.MIDDLE,
        own_resident_id=own.pk if own is not None else None,
        own_household_id=own.household_id if own is not None else None,
    )
