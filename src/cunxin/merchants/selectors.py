"""Read queries of merchants, scoped to the user: lists, the counter's view of a customer,
statements and a village's figures."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Q, QuerySet, Sum
from django.utils import timezone

from cunxin.accounts.permissions import Perm
from cunxin.core.scoping import ancestor_codes
from cunxin.coupons.models import yuan
from cunxin.coupons.selectors import figures as coupon_figures
from cunxin.coupons.spending import spendable_fen
from cunxin.merchants.actions.merchants import discount_table
from cunxin.merchants.models import Merchant, MerchantStatus, Sale, Settlement
from cunxin.people.models import Resident
from cunxin.records.selectors import mask_name
from cunxin.records.standing import PolicyCache, standing
from cunxin.regions.models import Region


def merchants_for(user: Any) -> QuerySet[Merchant]:
    """Merchants the user may see: in their area or serving it (villagers: active ones only)."""
    rows = Merchant.objects.restrict(user, Perm.VIEW_MERCHANTS).select_related("region")
    # Applications and suspended merchants are the centre's and their own staff's business.
    return rows.filter(
        Q(status=MerchantStatus.ACTIVE) | Q(pk__in=worked_merchants(user).values("pk"))
    )


def managed_merchants(user: Any) -> QuerySet[Merchant]:
    """Merchants whose region lies inside the user's credit-centre reach."""
    rows = Merchant.objects.restrict(user, Perm.MANAGE_MERCHANTS, ancestors=False)
    return rows.select_related("region")


def staffed_merchants(user: Any) -> QuerySet[Merchant]:
    """Merchants the user sells at (a cashier, through the merchant's unit)."""
    return Merchant.objects.restrict(user, Perm.SELL).select_related("region")


def worked_merchants(user: Any) -> QuerySet[Merchant]:
    """Merchants whose sales the user may read: managed or staffed."""
    ids = list(managed_merchants(user).values_list("pk", flat=True)) + list(
        staffed_merchants(user).values_list("pk", flat=True)
    )
    return Merchant.objects.filter(pk__in=ids).select_related("region")


def sales_for(user: Any) -> QuerySet[Sale]:
    return Sale.objects.filter(merchant__in=worked_merchants(user)).select_related(
        "merchant", "resident", "village"
    )


def settlements_for(user: Any) -> QuerySet[Settlement]:
    return Settlement.objects.filter(merchant__in=managed_merchants(user)).select_related(
        "merchant__region", "payment"
    )


def serving(village: Region) -> QuerySet[Merchant]:
    """Active merchants whose area holds the village."""
    return Merchant.objects.filter(
        status=MerchantStatus.ACTIVE, region__code__in=ancestor_codes(village.prefix)
    )


@dataclass(frozen=True)
class CustomerView:
    """All a merchant learns of a customer (DOMAIN.md): masked name, grade, discount, coupons."""

    name: str
    grade: str
    percent_off: int
    coupon_fen: int
    via: str

    @property
    def coupon_yuan(self) -> str:
        return yuan(self.coupon_fen)

    def as_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "grade": self.grade,
            "percent_off": self.percent_off,
            "coupon_fen": self.coupon_fen,
            "via": self.via,
        }


def customer_view(merchant: Merchant, resident: Resident, via: str) -> CustomerView:
    now = standing(resident)
    grade = str(now.grade)
    return CustomerView(
        name=mask_name(resident.name, now.policy),
        grade=grade,
        percent_off=discount_table(merchant).get(grade, 0),
        coupon_fen=spendable_fen(resident),
        via=via,
    )


@dataclass(frozen=True)
class Receipt:
    """A sale as its receipt shows it: the customer by masked name only."""

    sale: Sale
    name: str

    @property
    def amount_yuan(self) -> str:
        return yuan(self.sale.amount_fen)

    @property
    def discount_yuan(self) -> str:
        return yuan(self.sale.discount_fen)

    @property
    def coupon_yuan(self) -> str:
        return yuan(self.sale.coupon_fen)

    @property
    def cash_yuan(self) -> str:
        return yuan(self.sale.cash_fen)


def receipt(sale: Sale, policies: PolicyCache | None = None) -> Receipt:
    cache = policies or PolicyCache(timezone.localdate(sale.created_at))
    return Receipt(
        sale=sale, name=mask_name(sale.resident.name, cache.for_village(sale.village_id))
    )


@dataclass(frozen=True)
class Statement:
    """A merchant's month: its sales and the coupons the fund owes for them."""

    merchant: Merchant
    month: datetime.date
    sales: list[Sale]
    amount_fen: int
    discount_fen: int
    coupon_fen: int
    cash_fen: int
    settlement: Settlement | None

    @property
    def coupon_yuan(self) -> str:
        return yuan(self.coupon_fen)

    @property
    def amount_yuan(self) -> str:
        return yuan(self.amount_fen)

    @property
    def discount_yuan(self) -> str:
        return yuan(self.discount_fen)

    @property
    def cash_yuan(self) -> str:
        return yuan(self.cash_fen)


def statement(merchant: Merchant, month: datetime.date) -> Statement:
    from cunxin.merchants.actions.settlement import month_sales  # the one month rule

    month = month.replace(day=1)
    settlement = (
        Settlement.objects.filter(merchant=merchant, month=month).select_related("payment").first()
    )
    rows = month_sales(merchant, month).select_related("village").order_by("created_at", "pk")
    sales = list(rows)
    return Statement(
        merchant=merchant,
        month=month,
        sales=sales,
        amount_fen=sum(s.amount_fen for s in sales),
        discount_fen=sum(s.discount_fen for s in sales),
        coupon_fen=sum(s.coupon_fen for s in sales),
        cash_fen=sum(s.cash_fen for s in sales),
        settlement=settlement,
    )


@dataclass(frozen=True)
class VillageFigures:
    """Coupons a village's people spent at merchants, against what the village issued."""

    village: Region
    spent_fen: int
    issued_fen: int
    merchants: int
    sales: int

    @property
    def spent_yuan(self) -> str:
        return yuan(self.spent_fen)

    @property
    def spent_percent(self) -> int:
        return round(self.spent_fen * 100 / self.issued_fen) if self.issued_fen else 0

    def as_dict(self) -> dict[str, Any]:
        return {
            "village_code": self.village.code,
            "village": self.village.name,
            "coupons_spent_fen": self.spent_fen,
            "coupons_issued_fen": self.issued_fen,
            "spent_percent": self.spent_percent,
            "merchants": self.merchants,
            "sales": self.sales,
        }


def village_figures(village: Region) -> VillageFigures:
    totals = Sale.objects.filter(village=village).aggregate(
        spent=Sum("coupon_fen"), sales=Count("pk")
    )
    return VillageFigures(
        village=village,
        spent_fen=totals["spent"] or 0,
        issued_fen=coupon_figures(village).issued,
        merchants=serving(village).count(),
        sales=totals["sales"] or 0,
    )


def figure_villages(user: Any) -> QuerySet[Region]:
    """Villages whose merchant figures the user may read (the coupon figures' reach)."""
    from cunxin.coupons.selectors import figure_villages as coupon_villages

    return coupon_villages(user)
