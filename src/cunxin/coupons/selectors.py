"""Read queries of coupons: a villager's wallet and a village's figures, scoped to the user."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import Q, QuerySet, Sum

from cunxin.accounts.permissions import Perm
from cunxin.coupons.models import HELD, Coupon, CouponStatus, CouponUse, Gift, GiftStatus, yuan
from cunxin.people.models import Resident
from cunxin.regions.models import Level, Region


@dataclass(frozen=True)
class Wallet:
    """A villager's coupons: held ones (live or on offer), gifts waiting either way."""

    balance_fen: int
    coupons: list[Coupon]
    incoming: list[Gift]
    outgoing: list[Gift]

    @property
    def balance_yuan(self) -> str:
        return yuan(self.balance_fen)


def wallet(resident: Resident) -> Wallet:
    """What the villager holds (their ledger COUPON balance is the same sum)."""
    coupons = list(
        Coupon.objects.filter(owner=resident, status__in=HELD).order_by("expires_on", "pk")
    )
    pending = Gift.objects.filter(status=GiftStatus.PENDING).select_related(
        "coupon", "giver", "receiver"
    )
    return Wallet(
        balance_fen=sum(c.remaining_fen for c in coupons),
        coupons=coupons,
        incoming=list(pending.filter(receiver=resident)),
        outgoing=list(pending.filter(giver=resident)),
    )


def recent_closed(resident: Resident, limit: int = 20) -> list[Coupon]:
    """The villager's coupons used up or expired, newest first."""
    return list(
        Coupon.objects.filter(
            owner=resident, status__in=(CouponStatus.USED, CouponStatus.EXPIRED)
        ).order_by("-pk")[:limit]
    )


def household_members(resident: Resident) -> QuerySet[Resident]:
    """Whom a villager may pick as a receiver without a phone number."""
    return Resident.objects.filter(household_id=resident.household_id, status="active").exclude(
        pk=resident.pk
    )


def figure_villages(user: Any) -> QuerySet[Region]:
    """Villages whose coupon figures the user may read (a villager's own-record reach is not
    a village's; regions' own scoping would also let a user read the regions above theirs)."""
    regions = Region.objects.restrict(user, Perm.VIEW_COUPONS, ancestors=False)
    return regions.filter(level=Level.VILLAGE).order_by("code")


@dataclass(frozen=True)
class Figures:
    """A village's coupons in fen: issued = spent + outstanding + expired."""

    issued: int
    spent: int
    outstanding: int
    expired: int
    coupons: int
    holders: int

    @property
    def spent_percent(self) -> int:
        return round(self.spent * 100 / self.issued) if self.issued else 0

    @property
    def issued_yuan(self) -> str:
        return yuan(self.issued)

    @property
    def spent_yuan(self) -> str:
        return yuan(self.spent)

    @property
    def outstanding_yuan(self) -> str:
        return yuan(self.outstanding)

    @property
    def expired_yuan(self) -> str:
        return yuan(self.expired)

    def as_dict(self) -> dict[str, Any]:
        return {
            "issued_fen": self.issued,
            "spent_fen": self.spent,
            "outstanding_fen": self.outstanding,
            "expired_fen": self.expired,
            "spent_percent": self.spent_percent,
            "coupons": self.coupons,
            "holders": self.holders,
        }


def figures(village: Region) -> Figures:
    """The village's coupon figures, from the coupon rows (the ledger agrees, see tests)."""
    rows = Coupon.objects.filter(village=village)
    totals = rows.aggregate(
        issued=Sum("face_fen"),
        outstanding=Sum("remaining_fen", filter=Q(status__in=HELD)),
        expired=Sum("expired_fen"),
    )
    spent = CouponUse.objects.filter(coupon__village=village).aggregate(s=Sum("amount_fen"))["s"]
    return Figures(
        issued=totals["issued"] or 0,
        spent=spent or 0,
        outstanding=totals["outstanding"] or 0,
        expired=totals["expired"] or 0,
        coupons=rows.count(),
        holders=rows.filter(status__in=HELD).values("owner").distinct().count(),
    )
