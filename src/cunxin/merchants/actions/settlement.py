"""Monthly settlement: the coupons a merchant took in a month, claimed from the credit fund.

``do_settle_month`` claims a finished month's sales once (unique per merchant and month) and
proposes the fund payment through the fund's own action (one credit-centre user proposes,
another approves there). ``do_mark_paid`` then, once that payment is approved, moves the same
amount of coupons from the merchant's account to the region's ``settled`` account, so what is
left on the merchant's account is what the fund still owes.
"""

from __future__ import annotations

import datetime
import uuid
from typing import Any

from django.db import transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from cunxin.accounts.permissions import Perm
from cunxin.core import audit
from cunxin.core.errors import Conflict, DomainError
from cunxin.core.scoping import ancestor_codes, require
from cunxin.fund.actions import do_propose_payment
from cunxin.fund.models import Fund, PaymentStatus, Purpose
from cunxin.ledger.actions import TransferSpec, holder_account, post
from cunxin.ledger.models import AccountKind, Currency
from cunxin.merchants.actions.sales import merchant_account
from cunxin.merchants.models import SETTLED, Merchant, Sale, Settlement


def month_bounds(month: datetime.date) -> tuple[datetime.datetime, datetime.datetime]:
    """The month's first instant and the next month's, in local time."""
    first = month.replace(day=1)
    following = (first + datetime.timedelta(days=32)).replace(day=1)
    start = timezone.make_aware(datetime.datetime.combine(first, datetime.time.min))
    end = timezone.make_aware(datetime.datetime.combine(following, datetime.time.min))
    return start, end


def fund_for(merchant: Merchant) -> Fund | None:
    """The fund of the merchant's region, or else of the nearest region above it."""
    codes = [merchant.region.code, *reversed(ancestor_codes(merchant.region.prefix))]
    funds = {
        f.region.code: f
        for f in Fund.objects.filter(region__code__in=codes).select_related("region")
    }
    return next((funds[c] for c in codes if c in funds), None)


def month_sales(merchant: Merchant, month: datetime.date) -> Any:
    start, end = month_bounds(month)
    return Sale.objects.filter(merchant=merchant, created_at__gte=start, created_at__lt=end)


@transaction.atomic
def do_settle_month(merchant: Merchant, month: datetime.date, *, acting_user: Any) -> Settlement:
    """Claim a finished month's coupons from the fund: the settlement, and the fund payment
    proposed for its amount. A month is settled once; asked again, the same settlement is
    returned (with a fresh proposal if the fund turned the last one down)."""
    require(acting_user, Perm.MANAGE_MERCHANTS, merchant.region.code)
    merchant = (
        Merchant.objects.select_for_update(of=("self",))
        .select_related("region")
        .get(pk=merchant.pk)
    )
    month = month.replace(day=1)
    if month >= timezone.localdate().replace(day=1):
        raise DomainError("month_not_over", _("只能结算已经结束的月份。"), field="month")
    settlement = (
        Settlement.objects.select_for_update().filter(merchant=merchant, month=month).first()
    )
    if settlement is not None:
        pending = settlement.payment is not None and settlement.payment.status != (
            PaymentStatus.REJECTED
        )
        if settlement.amount_fen == 0 or pending:
            return settlement
    fund = fund_for(merchant)
    if fund is None:
        raise DomainError("fund_missing", _("本区域还没有设立信用基金，无法结算。"))
    if settlement is None:
        sales = month_sales(merchant, month).filter(settlement__isnull=True)
        totals = sales.aggregate(amount=Sum("coupon_fen"))
        settlement = Settlement.objects.create(
            merchant=merchant,
            month=month,
            amount_fen=totals["amount"] or 0,
            sales_count=sales.count(),
            created_by=acting_user,
        )
        sales.update(settlement=settlement)
        audit.record(
            acting_user,
            "merchants.settle",
            settlement,
            region_code=merchant.region.code,
            after=audit.snapshot(settlement),
        )
    if settlement.amount_fen == 0:
        return settlement
    payment = do_propose_payment(
        fund,
        client_id=uuid.uuid4(),
        purpose=Purpose.MERCHANT,
        payee=merchant.name,
        amount=settlement.amount_fen,
        document_no=f"JS{month:%Y%m}-{merchant.pk}",
        note=_("%(m)s %(y)s年%(n)d月信用券结算")
        % {"m": merchant.name, "y": month.year, "n": month.month},
        acting_user=acting_user,
    )
    settlement.payment = payment
    settlement.save(update_fields=["payment"])
    return settlement


@transaction.atomic
def do_mark_paid(settlement: Settlement, *, acting_user: Any) -> Settlement:
    """Once the fund has approved the payment: move the settled coupons off the merchant's
    account (one transfer, once)."""
    merchant = settlement.merchant
    require(acting_user, Perm.MANAGE_MERCHANTS, merchant.region.code)
    settlement = (
        Settlement.objects.select_for_update(of=("self",))
        .select_related("payment__fund", "merchant__region")
        .get(pk=settlement.pk)
    )
    if settlement.is_paid:
        return settlement
    payment = settlement.payment
    if payment is None or payment.status != PaymentStatus.APPROVED:
        raise Conflict("payment_not_approved", _("基金支出尚未审批通过，审批后再确认付清。"))
    source = merchant_account(settlement.merchant).pk
    settled = holder_account(
        AccountKind.OUTSIDE,
        Currency.COUPON,
        payment.fund.region_id,
        SETTLED,
        allow_negative=True,
    ).pk
    transfer = post(
        TransferSpec(
            key=f"merchant:settlement:{settlement.pk}",
            kind="merchant.settlement",
            village_id=payment.fund.region_id,
            legs=((source, -settlement.amount_fen), (settled, settlement.amount_fen)),
            memo=f"{settlement.merchant.name} {settlement.month:%Y-%m}",
            must_cover=(source,),
        )
    )
    before = audit.snapshot(settlement)
    settlement.transfer = transfer
    settlement.paid_at = timezone.now()
    settlement.save(update_fields=["transfer", "paid_at"])
    old, new = audit.changed(before, audit.snapshot(settlement))
    audit.record(
        acting_user,
        "merchants.settlement_paid",
        settlement,
        region_code=settlement.merchant.region.code,
        before=old,
        after=new,
    )
    return settlement
