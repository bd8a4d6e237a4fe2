"""The village credit supermarket (信用超市): shops, goods, stock and redemptions.

A shop is a unit (``units.Unit`` of kind shop, opened with it): its keepers hold the shop
keeper role in that unit, so "may this keeper redeem here" is the one scoping question.

A redemption moves a villager's spendable points to the shop's ledger account and the goods'
stock down in one transaction (``shop.actions.redeem``). Stock never goes negative: the actions
decrement it under a row lock with a check, and a database constraint refuses a negative row
whatever wrote it. Every change of stock leaves a ``StockMove``.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cunxin.core.models import StatusEvent
from cunxin.core.scoping import ScopedQuerySet


class Shop(models.Model):
    """A village's credit supermarket; run by the keepers of its unit, managed by the
    committee/centre."""

    village = models.ForeignKey(
        "regions.Region", verbose_name=_("村"), on_delete=models.PROTECT, related_name="+"
    )
    unit = models.OneToOneField(
        "units.Unit", verbose_name=_("单位"), on_delete=models.PROTECT, related_name="shop"
    )
    name = models.CharField(_("名称"), max_length=60)
    address = models.CharField(_("地址"), max_length=120, blank=True)
    active = models.BooleanField(_("营业中"), default=True)
    created_at = models.DateTimeField(_("创建时间"), default=timezone.now)

    objects = ScopedQuerySet.as_manager()
    scope_region_field = "village__code"
    scope_unit_field = "unit__path"

    class Meta:
        verbose_name = _("信用超市")
        verbose_name_plural = _("信用超市")
        ordering = ["village__code", "name", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["village", "name"], name="shop_name_unique_in_village")
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def ledger_holder(self) -> str:
        """The name of the shop's account in the ledger."""
        return f"shop:{self.pk}"


class Goods(models.Model):
    """Something on the shelf, priced in points, with a stock that never goes below zero."""

    shop = models.ForeignKey(
        Shop, verbose_name=_("信用超市"), on_delete=models.PROTECT, related_name="goods"
    )
    name = models.CharField(_("名称"), max_length=60)
    photo = models.FileField(_("照片"), upload_to="shop/%Y/%m/", blank=True)
    photo_type = models.CharField(max_length=40, blank=True)
    price = models.PositiveIntegerField(_("所需积分"))
    stock = models.IntegerField(_("库存"), default=0)
    # Per villager per calendar month; 0 means no limit.
    monthly_limit = models.PositiveIntegerField(_("每人每月限兑"), default=0)
    active = models.BooleanField(_("上架"), default=True)
    created_at = models.DateTimeField(default=timezone.now)

    objects = ScopedQuerySet.as_manager()
    scope_region_field = "shop__village__code"
    scope_unit_field = "shop__unit__path"

    class Meta:
        verbose_name = _("商品")
        verbose_name_plural = _("商品")
        ordering = ["shop", "name", "pk"]
        constraints = [
            models.CheckConstraint(condition=Q(stock__gte=0), name="shop_goods_stock_not_negative"),
            models.CheckConstraint(condition=Q(price__gte=1), name="shop_goods_price_positive"),
            models.UniqueConstraint(fields=["shop", "name"], name="shop_goods_name_unique"),
        ]

    def __str__(self) -> str:
        return self.name


class StockReason(models.TextChoices):
    IN = "in", _("进货入库")
    OUT = "out", _("出库（损耗、退货）")
    REDEEM = "redeem", _("积分兑换")
    CANCEL = "cancel", _("兑换撤销退回")


class StockMove(models.Model):
    """One change of a goods' stock: who, when, how much and why."""

    goods = models.ForeignKey(Goods, on_delete=models.PROTECT, related_name="moves")
    change = models.IntegerField(_("数量变化"))
    reason = models.CharField(_("原因"), max_length=16, choices=StockReason.choices)
    note = models.CharField(_("说明"), max_length=200, blank=True)
    redemption = models.ForeignKey(
        "Redemption", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    stock_after = models.IntegerField(_("变动后库存"))
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(default=timezone.now)

    objects = ScopedQuerySet.as_manager()
    scope_region_field = "goods__shop__village__code"
    scope_unit_field = "goods__shop__unit__path"

    class Meta:
        ordering = ["-at", "-pk"]
        constraints = [
            models.CheckConstraint(condition=~Q(change=0), name="shop_stock_move_not_zero"),
            models.CheckConstraint(
                condition=Q(stock_after__gte=0), name="shop_stock_move_after_not_negative"
            ),
            models.CheckConstraint(
                condition=Q(reason__in=StockReason.values), name="shop_stock_move_reason_known"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.goods_id}:{self.change}"


class RedemptionStatus(models.TextChoices):
    DONE = "done", _("已兑换")
    CANCELLED = "cancelled", _("已撤销")


class Redemption(models.Model):
    """Goods taken for points at a shop: one ledger transfer, and once at most its reversal."""

    shop = models.ForeignKey(Shop, on_delete=models.PROTECT, related_name="redemptions")
    resident = models.ForeignKey(
        "people.Resident", on_delete=models.PROTECT, related_name="redemptions"
    )
    # The client's id for this submission: the same id again returns this redemption.
    client_id = models.UUIDField(unique=True)
    via = models.CharField(max_length=8)
    points = models.PositiveIntegerField(_("积分"))
    balance_after = models.IntegerField(_("兑换后可用积分"))
    transfer = models.OneToOneField("ledger.Transfer", on_delete=models.PROTECT, related_name="+")
    status = models.CharField(
        _("状态"),
        max_length=16,
        choices=RedemptionStatus.choices,
        default=RedemptionStatus.DONE,
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("兑换时间"), default=timezone.now)
    cancel_transfer = models.OneToOneField(
        "ledger.Transfer", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    cancelled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    cancelled_at = models.DateTimeField(null=True, blank=True)
    cancel_reason = models.TextField(_("撤销原因"), blank=True)

    objects = ScopedQuerySet.as_manager()
    scope_region_field = "shop__village__code"
    scope_unit_field = "shop__unit__path"
    scope_resident_field = "resident_id"

    class Meta:
        verbose_name = _("兑换")
        verbose_name_plural = _("兑换")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(condition=Q(points__gte=1), name="shop_redemption_points"),
            models.CheckConstraint(
                condition=Q(status__in=RedemptionStatus.values), name="shop_redemption_status"
            ),
            # Cancelled exactly when a reversal, its author and time are there.
            models.CheckConstraint(
                condition=(
                    Q(
                        status="done",
                        cancel_transfer__isnull=True,
                        cancelled_at__isnull=True,
                    )
                    | Q(
                        status="cancelled",
                        cancel_transfer__isnull=False,
                        cancelled_at__isnull=False,
                        cancelled_by__isnull=False,
                    )
                ),
                name="shop_redemption_cancel_complete",
            ),
        ]
        indexes = [models.Index(fields=["shop", "-created_at"], name="shop_redemption_recent")]

    def __str__(self) -> str:
        return self.number

    @property
    def number(self) -> str:
        """The receipt number: the day and the redemption's id."""
        day = timezone.localtime(self.created_at).strftime("%Y%m%d")
        return f"{day}-{self.pk:06d}"


class RedemptionEvent(StatusEvent):
    """One step of a redemption's history: made, or cancelled on its day — who, when, why."""

    redemption = models.ForeignKey(Redemption, on_delete=models.PROTECT, related_name="events")

    statuses = RedemptionStatus

    def __str__(self) -> str:
        return f"{self.redemption_id}: {self.from_status}→{self.to_status}"


class RedemptionLine(models.Model):
    """One kind of goods on a redemption, at the price it had then."""

    redemption = models.ForeignKey(Redemption, on_delete=models.PROTECT, related_name="lines")
    goods = models.ForeignKey(Goods, on_delete=models.PROTECT, related_name="+")
    name = models.CharField(max_length=60)
    quantity = models.PositiveIntegerField()
    price = models.PositiveIntegerField()

    class Meta:
        ordering = ["pk"]
        constraints = [
            models.CheckConstraint(condition=Q(quantity__gte=1), name="shop_line_quantity"),
            models.UniqueConstraint(
                fields=["redemption", "goods"], name="shop_line_goods_once_per_redemption"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name}×{self.quantity}"

    @property
    def points(self) -> int:
        return self.quantity * self.price
