"""The credit fund (信用基金池): sponsors' donations in, shop purchases and merchant settlements out.

A fund belongs to the region whose credit centre runs it (a town's or a county's). Its money is
kept in the ledger, never here: the fund's account (``fund:<pk>``, currency MONEY, in fen) may
not go below zero (the ledger's check constraint), and money comes from and goes to two outside
accounts of the region, ``donors`` and ``payees``. These rows say *why* money moved; each one
that moved money points at its ledger transfer, so for every fund

    balance = donations − reversed donations − approved payments

holds by construction, and ``cunxin check-ledger`` verifies the transfers themselves.

A donation entered wrongly is reversed (a new transfer undoing it, with a reason), never edited.
A payment is proposed by one credit-centre user and approved by another (maker-checker); only
approval moves money.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from cunxin.core.models import StatusEvent
from cunxin.core.scoping import ScopedQuerySet

# Ledger holders of the fund's region's outside accounts.
DONORS = "donors"
PAYEES = "payees"


class Fund(models.Model):
    """A region's credit fund, run by the credit centre of that region (one per region)."""

    region = models.OneToOneField(
        "regions.Region", verbose_name=_("所属区划"), on_delete=models.PROTECT, related_name="+"
    )
    name = models.CharField(_("基金名称"), max_length=60)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("设立时间"), auto_now_add=True)

    objects = ScopedQuerySet.as_manager()
    scope_region_field = "region__code"
    # A town's fund is read by the committees of its villages too (VIEW_FUND at village level).
    scope_include_ancestors = True

    class Meta:
        verbose_name = _("信用基金")
        verbose_name_plural = _("信用基金")
        ordering = ["region__code"]

    def __str__(self) -> str:
        return self.name

    @property
    def holder(self) -> str:
        """The ledger holder of the fund's own account."""
        return f"fund:{self.pk}"


class Donation(models.Model):
    """Money a sponsor gave the fund: one ledger transfer donors → fund; reversed, never edited."""

    fund = models.ForeignKey(Fund, on_delete=models.PROTECT, related_name="donations")
    # The submitting page's id: a second click of the same form returns the first donation.
    client_id = models.UUIDField(_("提交编号"), unique=True)
    sponsor = models.CharField(_("捐赠方"), max_length=80)
    amount = models.BigIntegerField(_("金额（分）"))
    received_on = models.DateField(_("到账日期"))
    receipt_no = models.CharField(_("收据编号"), max_length=40)
    note = models.CharField(_("备注"), max_length=200, blank=True)
    transfer = models.OneToOneField("ledger.Transfer", on_delete=models.PROTECT, related_name="+")
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(_("登记时间"), auto_now_add=True)
    reversed_at = models.DateTimeField(_("冲正时间"), null=True, blank=True)
    reversed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    reverse_reason = models.CharField(_("冲正原因"), max_length=200, blank=True)
    reversal = models.OneToOneField(
        "ledger.Transfer", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    objects = ScopedQuerySet.as_manager()
    scope_region_field = "fund__region__code"
    scope_include_ancestors = True

    class Meta:
        verbose_name = _("捐赠")
        verbose_name_plural = _("捐赠")
        ordering = ["-received_on", "-pk"]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="fund_donation_positive"),
            # A reversed donation frees its receipt number: the corrected entry reuses it.
            models.UniqueConstraint(
                fields=["fund", "receipt_no"],
                condition=Q(reversed_at__isnull=True),
                name="fund_donation_receipt_unique",
            ),
            models.CheckConstraint(
                condition=Q(reversed_at__isnull=True, reversal__isnull=True)
                | Q(reversed_at__isnull=False, reversal__isnull=False),
                name="fund_donation_reversal_complete",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.sponsor} {self.receipt_no}"

    @property
    def is_reversed(self) -> bool:
        return self.reversed_at is not None


class Purpose(models.TextChoices):
    """What a payment is for."""

    SHOP_GOODS = "shop_goods", _("信用超市进货")
    MERCHANT = "merchant", _("合作商家结算")
    OTHER = "other", _("其他")


class PaymentStatus(models.TextChoices):
    """Where a payment stands (``workflow.PAYMENTS`` says which changes are allowed)."""

    PROPOSED = "proposed", _("待审批")
    APPROVED = "approved", _("已批准")
    REJECTED = "rejected", _("已驳回")


class Payment(models.Model):
    """Money out of the fund: proposed by one credit-centre user, approved by another; approval
    posts one transfer fund → payees."""

    fund = models.ForeignKey(Fund, on_delete=models.PROTECT, related_name="payments")
    client_id = models.UUIDField(_("提交编号"), unique=True)
    purpose = models.CharField(_("用途"), max_length=16, choices=Purpose.choices)
    # The village whose credit supermarket the goods are for (purpose SHOP_GOODS).
    village = models.ForeignKey(
        "regions.Region",
        verbose_name=_("村"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    payee = models.CharField(_("收款方"), max_length=80)
    amount = models.BigIntegerField(_("金额（分）"))
    document_no = models.CharField(_("凭证号"), max_length=40)
    note = models.CharField(_("说明"), max_length=200, blank=True)
    status = models.CharField(
        _("状态"), max_length=16, choices=PaymentStatus.choices, default=PaymentStatus.PROPOSED
    )
    proposed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    proposed_at = models.DateTimeField(_("申请时间"), auto_now_add=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(_("审批时间"), null=True, blank=True)
    reject_reason = models.TextField(_("驳回原因"), blank=True)
    transfer = models.OneToOneField(
        "ledger.Transfer", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    objects = ScopedQuerySet.as_manager()
    scope_region_field = "fund__region__code"
    scope_include_ancestors = True

    class Meta:
        verbose_name = _("支出")
        verbose_name_plural = _("支出")
        ordering = ["-proposed_at", "-pk"]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="fund_payment_positive"),
            models.CheckConstraint(
                condition=~Q(purpose="shop_goods") | Q(village__isnull=False),
                name="fund_payment_shop_names_village",
            ),
            # Money moved exactly when the payment is approved.
            models.CheckConstraint(
                condition=Q(status="approved", transfer__isnull=False)
                | (~Q(status="approved") & Q(transfer__isnull=True)),
                name="fund_payment_transfer_iff_approved",
            ),
            # Maker-checker, held by the database too: the proposer never approves.
            models.CheckConstraint(
                condition=~Q(status="approved")
                | (Q(decided_by__isnull=False) & ~Q(decided_by=F("proposed_by"))),
                name="fund_payment_four_eyes",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.payee} {self.document_no}"


class PaymentChange(StatusEvent):
    """One status change of a payment: who, when, from what to what, and why."""

    payment = models.ForeignKey(Payment, on_delete=models.PROTECT, related_name="changes")

    objects = ScopedQuerySet.as_manager()
    scope_region_field = "payment__fund__region__code"
    scope_include_ancestors = True

    statuses = PaymentStatus

    def __str__(self) -> str:
        return f"{self.payment_id}:{self.from_status}->{self.to_status}"


class ReportHead(models.Model):
    """A ledger chain head the fund's public report printed, kept the first time it is shown:
    ``check-ledger`` compares every one with the chain as it is now (``ledger.witness``)."""

    # Showing the public report writes this note (at most one row per link of the chain):
    # reading it changes nothing a user owns, which is how the access tests judge a read.
    WRITTEN_ON_READ = True

    fund = models.ForeignKey(Fund, on_delete=models.PROTECT, related_name="report_heads")
    seq = models.PositiveBigIntegerField()
    hash = models.CharField(max_length=64)
    first_shown_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["fund", "seq"]
        constraints = [
            models.UniqueConstraint(fields=["fund", "seq"], name="fund_report_head_once")
        ]

    def __str__(self) -> str:
        return f"{self.fund_id}:{self.seq}"
