"""Credit coupons (信用券): points above the base turned into vouchers in fen, gifted between
villagers and spent at partner merchants.

Invariants (held by the actions in this app and by the constraints below):

1. A coupon's value is only ever split three ways: ``face_fen = spent + remaining_fen +
   expired_fen``, where spent is the sum of its ``CouponUse`` rows.
2. A villager's COUPON ledger account holds exactly the ``remaining_fen`` of the live and
   gifting coupons they own: every change of ``remaining_fen`` or ``owner`` is made in the same
   transaction as the ledger transfer that moves the same fen.
3. A coupon leaves ``live`` only through the transition table ``workflow.COUPONS``.
"""

from __future__ import annotations

from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from cunxin.core.scoping import ScopedQuerySet


class CouponStatus(models.TextChoices):
    LIVE = "live", _("可用")
    GIFTING = "gifting", _("转赠中")
    USED = "used", _("已用完")
    EXPIRED = "expired", _("已过期")


# Coupons whose value is still on their owner's ledger account.
HELD = (CouponStatus.LIVE, CouponStatus.GIFTING)


class Conversion(models.Model):
    """Points turned into coupons at the policy's rate, once per client id."""

    resident = models.ForeignKey(
        "people.Resident", verbose_name=_("村民"), on_delete=models.PROTECT, related_name="+"
    )
    village = models.ForeignKey("regions.Region", on_delete=models.PROTECT, related_name="+")
    client_id = models.UUIDField()
    points = models.PositiveIntegerField(_("积分"))
    fen = models.PositiveBigIntegerField(_("信用券金额（分）"))
    fen_per_point = models.PositiveIntegerField()
    transfer = models.OneToOneField("ledger.Transfer", on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("兑换时间"), auto_now_add=True)

    objects = ScopedQuerySet.as_manager()
    scope_region_field = "village__code"
    scope_resident_field = "resident_id"

    class Meta:
        ordering = ["-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["resident", "client_id"], name="coupon_conversion_once_per_client_id"
            ),
            models.CheckConstraint(condition=Q(points__gte=1), name="coupon_conversion_points"),
            models.CheckConstraint(
                condition=Q(fen=F("points") * F("fen_per_point")), name="coupon_conversion_rate"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.resident_id}:{self.points}"


class CouponSeries(models.Model):
    """The last serial number used per county and year; locking it numbers coupons in order."""

    prefix = models.CharField(max_length=6)
    year = models.PositiveSmallIntegerField()
    last = models.PositiveBigIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["prefix", "year"], name="coupon_series_unique")
        ]

    def __str__(self) -> str:
        return f"{self.prefix}-{self.year}:{self.last}"


class Coupon(models.Model):
    """One voucher: a face value in fen, what is left of it, its owner and its last day."""

    serial = models.CharField(_("券号"), max_length=32, unique=True)
    village = models.ForeignKey(
        "regions.Region", verbose_name=_("发行村"), on_delete=models.PROTECT, related_name="+"
    )
    owner = models.ForeignKey(
        "people.Resident", verbose_name=_("持有人"), on_delete=models.PROTECT, related_name="+"
    )
    conversion = models.ForeignKey(Conversion, on_delete=models.PROTECT, related_name="coupons")
    face_fen = models.PositiveBigIntegerField(_("面值（分）"))
    remaining_fen = models.PositiveBigIntegerField(_("余额（分）"))
    expired_fen = models.PositiveBigIntegerField(_("过期作废（分）"), default=0)
    status = models.CharField(
        _("状态"), max_length=16, choices=CouponStatus.choices, default=CouponStatus.LIVE
    )
    issued_at = models.DateTimeField(_("发行时间"))
    expires_on = models.DateField(_("有效期至"))

    objects = ScopedQuerySet.as_manager()
    scope_region_field = "village__code"
    scope_resident_field = "owner_id"

    class Meta:
        ordering = ["expires_on", "pk"]
        constraints = [
            models.CheckConstraint(condition=Q(face_fen__gte=1), name="coupon_face_positive"),
            models.CheckConstraint(
                condition=Q(remaining_fen__gte=0)
                & Q(expired_fen__gte=0)
                & Q(remaining_fen__lte=F("face_fen") - F("expired_fen")),
                name="coupon_remaining_within_face",
            ),
            # A held coupon has value left; a used or expired one has none.
            models.CheckConstraint(
                condition=(Q(status__in=HELD) & Q(remaining_fen__gte=1))
                | (Q(status__in=(CouponStatus.USED, CouponStatus.EXPIRED)) & Q(remaining_fen=0)),
                name="coupon_status_matches_remaining",
            ),
        ]
        indexes = [
            models.Index(fields=["owner", "status", "expires_on"], name="coupon_owner_live"),
            models.Index(fields=["status", "expires_on"], name="coupon_due_expiry"),
        ]

    def __str__(self) -> str:
        return self.serial

    @property
    def face_yuan(self) -> str:
        return yuan(self.face_fen)

    @property
    def remaining_yuan(self) -> str:
        return yuan(self.remaining_fen)


class CouponUse(models.Model):
    """Part or all of a coupon spent in one payment (one ledger transfer per payment)."""

    coupon = models.ForeignKey(Coupon, on_delete=models.PROTECT, related_name="uses")
    transfer = models.ForeignKey("ledger.Transfer", on_delete=models.PROTECT, related_name="+")
    amount_fen = models.PositiveBigIntegerField(_("金额（分）"))
    memo = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ScopedQuerySet.as_manager()
    scope_region_field = "coupon__village__code"

    class Meta:
        ordering = ["pk"]
        constraints = [
            models.CheckConstraint(condition=Q(amount_fen__gte=1), name="coupon_use_positive"),
            models.UniqueConstraint(
                fields=["transfer", "coupon"], name="coupon_use_once_per_transfer"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.coupon_id}:{self.amount_fen}"


class GiftStatus(models.TextChoices):
    PENDING = "pending", _("待接收")
    ACCEPTED = "accepted", _("已接收")
    DECLINED = "declined", _("已拒收")
    CANCELLED = "cancelled", _("已撤回")
    EXPIRED = "expired", _("已过期")


class Gift(models.Model):
    """A coupon offered to another villager: it stays the giver's until the receiver accepts."""

    coupon = models.ForeignKey(Coupon, on_delete=models.PROTECT, related_name="gifts")
    village = models.ForeignKey("regions.Region", on_delete=models.PROTECT, related_name="+")
    giver = models.ForeignKey(
        "people.Resident", verbose_name=_("转赠人"), on_delete=models.PROTECT, related_name="+"
    )
    receiver = models.ForeignKey(
        "people.Resident", verbose_name=_("接收人"), on_delete=models.PROTECT, related_name="+"
    )
    amount_fen = models.PositiveBigIntegerField(_("金额（分）"))
    status = models.CharField(
        _("状态"), max_length=16, choices=GiftStatus.choices, default=GiftStatus.PENDING
    )
    created_at = models.DateTimeField(_("转赠时间"))
    expires_at = models.DateTimeField(_("接收截止"))
    decided_at = models.DateTimeField(null=True, blank=True)
    transfer = models.ForeignKey(
        "ledger.Transfer", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    objects = ScopedQuerySet.as_manager()
    scope_region_field = "village__code"

    class Meta:
        ordering = ["-pk"]
        constraints = [
            models.CheckConstraint(condition=Q(amount_fen__gte=1), name="coupon_gift_positive"),
            models.CheckConstraint(
                condition=~Q(giver=F("receiver")), name="coupon_gift_not_to_oneself"
            ),
            # A coupon is offered to one person at a time.
            models.UniqueConstraint(
                fields=["coupon"],
                condition=Q(status="pending"),
                name="coupon_one_pending_gift",
            ),
            models.CheckConstraint(
                condition=Q(status="accepted", transfer__isnull=False)
                | (~Q(status="accepted") & Q(transfer__isnull=True)),
                name="coupon_gift_accepted_has_transfer",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.coupon_id}:{self.giver_id}->{self.receiver_id}"

    @property
    def amount_yuan(self) -> str:
        return yuan(self.amount_fen)


def yuan(fen: int) -> str:
    """Fen as yuan for people: 5000 → "50", 1234 → "12.34"."""
    whole, part = divmod(fen, 100)
    return f"{whole}" if part == 0 else f"{whole}.{part:02d}"
