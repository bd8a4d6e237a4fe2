"""What a keeper's screen and a receipt show of a villager: a masked name, the grade and
the spendable points, never more (DOMAIN.md: a keeper learns only the grade and code)."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.utils import timezone

from cunxin.people.models import Resident
from cunxin.policy.selectors import policy_in_force
from cunxin.records.selectors import mask_name
from cunxin.records.standing import PolicyCache, standing
from cunxin.shop.models import Redemption, RedemptionLine, RedemptionStatus


@dataclass(frozen=True)
class CustomerView:
    name: str
    grade: str
    spendable: int
    via: str


def customer_view(resident: Resident, via: str) -> CustomerView:
    now = standing(resident)
    return CustomerView(
        name=mask_name(resident.name, now.policy),
        grade=str(now.grade),
        spendable=now.spendable,
        via=via,
    )


@dataclass(frozen=True)
class Receipt:
    pk: int
    number: str
    shop: str
    village: str
    at: datetime.datetime
    name: str
    lines: list[RedemptionLine]
    points: int
    balance_after: int
    cancelled: bool
    cancel_reason: str


def receipt(redemption: Redemption, policies: PolicyCache | None = None) -> Receipt:
    """A redemption as its receipt shows it (``policies`` spares a list the policy lookups)."""
    policy = (
        policies.for_village(redemption.shop.village_id)
        if policies is not None
        else policy_in_force(redemption.shop.village, timezone.localdate(redemption.created_at))
    )
    return Receipt(
        pk=redemption.pk,
        number=redemption.number,
        shop=redemption.shop.name,
        village=redemption.shop.village.name,
        at=redemption.created_at,
        name=mask_name(redemption.resident.name, policy),
        lines=list(redemption.lines.all()),
        points=redemption.points,
        balance_after=redemption.balance_after,
        cancelled=redemption.status == RedemptionStatus.CANCELLED,
        cancel_reason=redemption.cancel_reason,
    )
