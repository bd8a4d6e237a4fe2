"""Reading the fund: through ``restrict`` for users; the public report's readers below.

A fund belongs to a county or a town. Those who hold VIEW_FUND there, or in a village inside it
(a village's review committee), read it (``Fund.scope_include_ancestors``); managing it needs
MANAGE_FUND in the fund's own region.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import QuerySet, Sum

from cunxin.accounts.permissions import Perm
from cunxin.core.scoping import may
from cunxin.fund.actions import FUND_LEVELS, balance_of
from cunxin.fund.models import Donation, Fund, Payment, PaymentStatus
from cunxin.ledger.chain import GENESIS
from cunxin.ledger.models import ChainHead
from cunxin.regions.models import Level, Region


def funds_for(user: Any) -> QuerySet[Fund]:
    """The funds the user may read."""
    return Fund.objects.restrict(user, Perm.VIEW_FUND).select_related("region")


def can_manage(user: Any, fund: Fund) -> bool:
    return may(user, Perm.MANAGE_FUND, fund.region.code)


def managed_funds(user: Any) -> QuerySet[Fund]:
    """The funds the user manages."""
    return Fund.objects.restrict(user, Perm.MANAGE_FUND, ancestors=False).select_related("region")


def managed_donations(user: Any) -> QuerySet[Donation]:
    return Donation.objects.restrict(user, Perm.MANAGE_FUND, ancestors=False).select_related(
        "fund__region"
    )


def managed_payments(user: Any) -> QuerySet[Payment]:
    return Payment.objects.restrict(user, Perm.MANAGE_FUND, ancestors=False).select_related(
        "fund__region"
    )


def fund_regions(user: Any) -> QuerySet[Region]:
    """Counties and towns where the user runs the credit centre (where a fund may be set up)."""
    regions = Region.objects.restrict(user, Perm.MANAGE_FUND, ancestors=False)
    return regions.filter(level__in=FUND_LEVELS).order_by("code")


def regions_without_fund(user: Any) -> QuerySet[Region]:
    """``fund_regions`` that have no fund yet."""
    return fund_regions(user).exclude(pk__in=Fund.objects.values("region_id"))


def shop_villages(fund: Fund) -> QuerySet[Region]:
    """The villages whose credit supermarket the fund may buy goods for."""
    return Region.objects.filter(code__startswith=fund.region.prefix, level=Level.VILLAGE)


@dataclass(frozen=True)
class Totals:
    """The fund's figures in fen: balance = donated − reversed − paid, and what waits."""

    donated: int  # every donation booked, reversed ones included
    reversed: int
    paid: int
    pending: int
    balance: int

    @property
    def net_donated(self) -> int:
        return self.donated - self.reversed


def _sum(queryset: QuerySet[Any]) -> int:
    return int(queryset.aggregate(total=Sum("amount"))["total"] or 0)


def totals(fund: Fund) -> Totals:
    donations = Donation.objects.filter(fund=fund)
    payments = Payment.objects.filter(fund=fund)
    return Totals(
        donated=_sum(donations),
        reversed=_sum(donations.filter(reversed_at__isnull=False)),
        paid=_sum(payments.filter(status=PaymentStatus.APPROVED)),
        pending=_sum(payments.filter(status=PaymentStatus.PROPOSED)),
        balance=balance_of(fund),
    )


def donations(fund: Fund) -> QuerySet[Donation]:
    return Donation.objects.filter(fund=fund).select_related("recorded_by", "reversed_by")


def payments(fund: Fund) -> QuerySet[Payment]:
    return Payment.objects.filter(fund=fund).select_related("village", "proposed_by", "decided_by")


def chain_head(fund: Fund) -> tuple[int, str]:
    """The newest link (seq, hash) of the ledger chain of the fund's region."""
    head = ChainHead.objects.filter(village_id=fund.region_id).values_list("seq", "hash").first()
    return (int(head[0]), str(head[1])) if head else (0, GENESIS)


# --- public --------------------------------------------------------------------------------------


def public_fund(code: str) -> Fund | None:
    """The fund of the region with this code, for the public report (no user)."""
    return Fund.objects.select_related("region").filter(region__code=code).first()


def public_funds_for(region: Region) -> list[Fund]:
    """The funds that serve a region (its own, its town's and its county's): the public board
    links their reports."""
    codes = [region.code[:n].ljust(12, "0") for n in (6, 9, 12)]
    return list(Fund.objects.filter(region__code__in=codes).select_related("region"))


def public_donations(fund: Fund) -> QuerySet[Donation]:
    """Donations as the public sees them: those standing (a reversed one was never received)."""
    return Donation.objects.filter(fund=fund, reversed_at__isnull=True).order_by(
        "-received_on", "-pk"
    )


def public_payments(fund: Fund) -> QuerySet[Payment]:
    """Payments as the public sees them: approved ones only."""
    return (
        Payment.objects.filter(fund=fund, status=PaymentStatus.APPROVED)
        .select_related("village")
        .order_by("-decided_at", "-pk")
    )
