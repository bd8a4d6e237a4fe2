"""Read queries of the shop, each cut to what the user may see."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, QuerySet, Sum
from django.db.models.functions import TruncMonth
from django.utils import timezone

from cunxin.accounts.permissions import Perm
from cunxin.core.scoping import scope_of
from cunxin.regions.models import Level, Region
from cunxin.shop.models import Goods, Redemption, RedemptionStatus, Shop, ShopKeeper


def shops_for(user: Any) -> QuerySet[Shop]:
    """The shops the user may look at: a keeper only those they keep, staff their villages'."""
    managed = Shop.objects.restrict(user, Perm.MANAGE_SHOP)
    kept = Shop.objects.restrict(user, Perm.VIEW_SHOP).filter(
        pk__in=ShopKeeper.objects.filter(user_id=user.pk).values("shop_id")
    )
    if scope_of(user, Perm.VIEW_SHOP).everything:
        return Shop.objects.select_related("village")
    return (managed | kept).distinct().select_related("village")


def managed_shops(user: Any) -> QuerySet[Shop]:
    return Shop.objects.restrict(user, Perm.MANAGE_SHOP).select_related("village")


def kept_shops(user: Any) -> QuerySet[Shop]:
    """The shops the user may redeem at."""
    scope = scope_of(user, Perm.REDEEM)
    shops = Shop.objects.restrict(user, Perm.REDEEM).select_related("village")
    if scope.everything:
        return shops
    return shops.filter(pk__in=ShopKeeper.objects.filter(user_id=user.pk).values("shop_id"))


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
