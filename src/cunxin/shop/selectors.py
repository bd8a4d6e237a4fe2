"""Read queries of the shop, each cut to what the user may see."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, QuerySet, Sum
from django.db.models.functions import TruncMonth
from django.utils import timezone

from cunxin.accounts.models import RoleAssignment
from cunxin.accounts.permissions import Perm, Role
from cunxin.regions.models import Level, Region
from cunxin.shop.models import Goods, Redemption, RedemptionStatus, Shop


def shops_for(user: Any) -> QuerySet[Shop]:
    """The shops the user may look at: a keeper those they keep (through the shop's unit),
    staff their villages'."""
    return Shop.objects.restrict(user, Perm.VIEW_SHOP).select_related("village")


def keepers_of(shop: Shop) -> QuerySet[RoleAssignment]:
    """The shop's current keepers: shop keeper roles held in its unit."""
    return RoleAssignment.objects.filter(
        unit_id=shop.unit_id, role=Role.SHOP_KEEPER, active=True
    ).select_related("user")


def managed_shops(user: Any) -> QuerySet[Shop]:
    return Shop.objects.restrict(user, Perm.MANAGE_SHOP).select_related("village")


def kept_shops(user: Any) -> QuerySet[Shop]:
    """The shops the user may redeem at (a keeper's, through the shop's unit)."""
    return Shop.objects.restrict(user, Perm.REDEEM).select_related("village")


def shop_villages(user: Any) -> QuerySet[Region]:
    """Villages where the user may open a shop."""
    return Region.objects.restrict(user, Perm.MANAGE_SHOP).filter(level=Level.VILLAGE)


def goods_for(user: Any) -> QuerySet[Goods]:
    return Goods.objects.filter(shop__in=shops_for(user)).select_related("shop__village")


def redemptions_for(user: Any) -> QuerySet[Redemption]:
    """Redemptions at the shops the user may look at."""
    return (
        Redemption.objects.filter(shop__in=shops_for(user))
        .select_related("shop__village", "resident", "created_by", "cancelled_by")
        .prefetch_related("lines")
    )


def today_range() -> tuple[datetime.datetime, datetime.datetime]:
    start = timezone.localtime().replace(hour=0, minute=0, second=0, microsecond=0)
    return start, start + datetime.timedelta(days=1)


@dataclass(frozen=True)
class MonthFigure:
    month: datetime.date
    shop: Shop
    redemptions: int
    points: int


def monthly_figures(user: Any, months: int = 12) -> list[MonthFigure]:
    """Points redeemed per shop and month (cancelled redemptions left out), newest first."""
    shops = {s.pk: s for s in shops_for(user)}
    since = (
        timezone.localdate().replace(day=1) - datetime.timedelta(days=31 * (months - 1))
    ).replace(day=1)
    rows = (
        Redemption.objects.filter(
            shop_id__in=list(shops), status=RedemptionStatus.DONE, created_at__date__gte=since
        )
        .annotate(month=TruncMonth("created_at", tzinfo=timezone.get_current_timezone()))
        .values("month", "shop_id")
        .annotate(n=Count("pk"), points=Sum("points"))
        .order_by("-month", "shop_id")
    )
    result = []
    for row in rows:
        month = row["month"]
        day = month.date() if isinstance(month, datetime.datetime) else month
        result.append(
            MonthFigure(
                month=day, shop=shops[row["shop_id"]], redemptions=row["n"], points=row["points"]
            )
        )
    return result
