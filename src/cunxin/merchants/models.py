"""Partner merchants (合作商家): shops outside the credit supermarket that take coupons and give
grade discounts, settled monthly from the credit fund.

Invariants (held by the actions in this app and by the constraints below):

1. A sale splits its amount exactly: ``amount_fen = discount_fen + coupon_fen + cash_fen``.
2. The coupon part of a sale moved, in the sale's transaction, from the villager's COUPON
   account to the merchant's (``merchant:<pk>``) by the sale's ledger transfer; cash is only
   recorded here.
3. A merchant's month is settled once (unique per merchant and month); the settlement's amount
   is the coupon part of exactly the sales it claims, and once the fund's payment is approved one
   transfer moves that amount from the merchant's COUPON account to the region's ``settled``
   OUTSIDE account, so the merchant's coupon balance is what the fund still owes.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from cunxin.core.models import StatusEvent
from cunxin.core.scoping import ScopedQuerySet
from cunxin.coupons.models import yuan
from cunxin.policy.models import Grade

# Holder of the OUTSIDE coupon account settled coupons go to (one per fund region).
SETTLED = "settled"
MAX_DISCOUNT_PERCENT = 50


class MerchantStatus(models.TextChoices):
    """Where a merchant stands (``workflow.MERCHANTS`` says which changes are allowed)."""

    APPLIED = "applied", _("待审核")
    ACTIVE = "active", _("合作中")
    REFUSED = "refused", _("未通过")
    SUSPENDED = "suspended", _("已暂停")


class Merchant(models.Model):
    """A partner merchant serving a town or county, once the credit centre approves it; its
    cashiers hold the cashier role in its unit."""

    region = models.ForeignKey(
        "regions.Region", verbose_name=_("服务区域"), on_delete=models.PROTECT, related_name="+"
    )
    unit = models.OneToOneField(
        "units.Unit", verbose_name=_("单位"), on_delete=models.PROTECT, related_name="merchant"
    )
    name = models.CharField(_("商家名称"), max_length=60)
    address = models.CharField(_("地址"), max_length=120)
    licence_no = models.CharField(_("统一社会信用代码"), max_length=18, unique=True)
    phone = models.CharField(_("联系电话"), max_length=20)
    status = models.CharField(
        _("状态"), max_length=16, choices=MerchantStatus.choices, default=MerchantStatus.APPLIED
    )
    status_reason = models.TextField(_("原因"), blank=True)
    applied_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    applied_at = models.DateTimeField(_("申请时间"), auto_now_add=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(_("审核时间"), null=True, blank=True)

    objects = ScopedQuerySet.as_manager()
    scope_region_field = "region__code"
    scope_unit_field = "unit__path"
    # Villagers and keepers of a village see the merchants serving its town and county.
    scope_include_ancestors = True

    class Meta:
        verbose_name = _("合作商家")
        verbose_name_plural = _("合作商家")
        ordering = ["region__code", "name", "pk"]

    def __str__(self) -> str:
        return self.name

    @property
    def holder(self) -> str:
        """The ledger holder of the merchant's coupon account."""
        return f"merchant:{self.pk}"


class MerchantEvent(StatusEvent):
    """One step of a merchant's history: applied, approved or refused, suspended, resumed —
    who, when, why."""

    merchant = models.ForeignKey(Merchant, on_delete=models.PROTECT, related_name="events")

    statuses = MerchantStatus

    def __str__(self) -> str:
        return f"{self.merchant_id}: {self.from_status}→{self.to_status}"


class Discount(models.Model):
    """Percent off a merchant gives a customer of one grade (a missing grade gets none)."""

    merchant = models.ForeignKey(Merchant, on_delete=models.CASCADE, related_name="discounts")
    grade = models.CharField(_("信用等级"), max_length=3, choices=Grade.choices)
    percent_off = models.PositiveSmallIntegerField(_("优惠（%）"))

    class Meta:
        ordering = ["merchant", "grade"]
        constraints = [
            models.UniqueConstraint(fields=["merchant", "grade"], name="merchant_discount_once"),
            models.CheckConstraint(
                condition=Q(percent_off__lte=MAX_DISCOUNT_PERCENT), name="merchant_discount_max"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.merchant_id}:{self.grade}:{self.percent_off}"


class Settlement(models.Model):
    """A merchant's month of coupons, claimed from the fund: proposed as a fund payment, paid
    (coupons moved to ``settled``) once that payment is approved."""

    merchant = models.ForeignKey(Merchant, on_delete=models.PROTECT, related_name="settlements")
    month = models.DateField(_("月份"))  # the first day of the month
    amount_fen = models.PositiveBigIntegerField(_("信用券金额（分）"))
    sales_count = models.PositiveIntegerField(_("笔数"))
    # The fund payment that pays it (the latest, if an earlier one was turned down).
    payment = models.ForeignKey(
        "fund.Payment", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    transfer = models.OneToOneField(
        "ledger.Transfer", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("结算时间"), auto_now_add=True)
    paid_at = models.DateTimeField(_("付清时间"), null=True, blank=True)

    objects = ScopedQuerySet.as_manager()
    scope_region_field = "merchant__region__code"
    scope_unit_field = "merchant__unit__path"
    scope_include_ancestors = True

    class Meta:
        ordering = ["-month", "merchant"]
        constraints = [
            models.UniqueConstraint(fields=["merchant", "month"], name="merchant_month_once"),
            models.CheckConstraint(
                condition=Q(paid_at__isnull=True, transfer__isnull=True)
                | Q(paid_at__isnull=False, transfer__isnull=False, amount_fen__gte=1),
                name="merchant_settlement_paid_has_transfer",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.merchant_id}:{self.month:%Y-%m}"

    @property
    def is_paid(self) -> bool:
        return self.paid_at is not None

    @property
    def amount_yuan(self) -> str:
        return yuan(self.amount_fen)


class Sale(models.Model):
    """One payment at a merchant's counter: grade discount, coupons, cash; once per client id."""

    merchant = models.ForeignKey(Merchant, on_delete=models.PROTECT, related_name="sales")
    number = models.CharField(_("单号"), max_length=32, unique=True)
    client_id = models.UUIDField(_("提交编号"), unique=True)
    resident = models.ForeignKey(
        "people.Resident", verbose_name=_("顾客"), on_delete=models.PROTECT, related_name="+"
    )
    village = models.ForeignKey("regions.Region", on_delete=models.PROTECT, related_name="+")
    via = models.CharField(max_length=8)  # "code" or "card"
    grade = models.CharField(_("信用等级"), max_length=3, choices=Grade.choices)
    percent_off = models.PositiveSmallIntegerField(_("优惠（%）"))
    amount_fen = models.PositiveBigIntegerField(_("金额（分）"))
    discount_fen = models.PositiveBigIntegerField(_("优惠（分）"))
    coupon_fen = models.PositiveBigIntegerField(_("信用券（分）"))
    cash_fen = models.PositiveBigIntegerField(_("现金（分）"))
    transfer = models.OneToOneField(
        "ledger.Transfer", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    settlement = models.ForeignKey(
        Settlement, null=True, blank=True, on_delete=models.PROTECT, related_name="sales"
    )
    sold_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("时间"))

    objects = ScopedQuerySet.as_manager()
    scope_region_field = "merchant__region__code"
    scope_unit_field = "merchant__unit__path"
    scope_include_ancestors = True

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(condition=Q(amount_fen__gte=1), name="merchant_sale_positive"),
            models.CheckConstraint(
                condition=Q(
                    amount_fen=F("discount_fen") + F("coupon_fen") + F("cash_fen"),
                ),
                name="merchant_sale_adds_up",
            ),
            models.CheckConstraint(
                condition=Q(coupon_fen=0, transfer__isnull=True)
                | Q(coupon_fen__gte=1, transfer__isnull=False),
                name="merchant_sale_coupons_have_transfer",
            ),
        ]
        indexes = [models.Index(fields=["merchant", "created_at"], name="merchant_sale_month")]

    def __str__(self) -> str:
        return self.number
