"""A sale at a merchant's counter: the grade discount, the coupon part spent through
``coupons.spending``, the rest in cash; the pay code used up in the same transaction.

Locks, in order: the merchant (its status is read under it), then whatever ``coupons.spend``
locks (the villager's coupons, then the ledger's accounts). A second submission of the same
``client_id`` (a double click) returns the first sale.

There is no void: ``coupons.spending`` offers no way to give coupons back, so a wrong sale is
put right outside this app (the merchant refunds in cash) until it does.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from cunxin.cards.identify import Customer, consume
from cunxin.core import audit
from cunxin.core.errors import Conflict, DomainError, Forbidden
from cunxin.coupons.models import yuan
from cunxin.coupons.spending import spend, spendable_fen
from cunxin.fund.money import check_fen, parse_yuan
from cunxin.ledger.actions import holder_account
from cunxin.ledger.models import Account, AccountKind, Currency
from cunxin.merchants.actions.merchants import discount_table, is_staff
from cunxin.merchants.models import Merchant, MerchantStatus, Sale
from cunxin.notifications.actions import Note, notify
from cunxin.people.models import Resident
from cunxin.records.standing import standing

KIND_SALE = "merchant.sale"


def merchant_account(merchant: Merchant) -> Account:
    """The merchant's coupon account (made on first use; it never goes below zero)."""
    return holder_account(
        AccountKind.MERCHANT, Currency.COUPON, merchant.region_id, merchant.holder
    )


def may_sell(user: Any, merchant: Merchant) -> bool:
    return is_staff(user, merchant)


def check_customer(merchant: Merchant, resident: Resident) -> None:
    """Refuse a villager outside the merchant's area (the card's scope check is the keeper's)."""
    if not resident.village.code.startswith(merchant.region.prefix):
        raise Forbidden(
            "customer_elsewhere", _("这位村民不在本商家服务的区域，不能在此使用信用券。")
        )


def parse_coupon(text: str) -> int | None:
    """The coupon part as typed: blank means "all that fits", zero means cash only."""
    raw = (text or "").strip()
    if not raw:
        return None
    if re.fullmatch(r"0+(\.0{1,2})?", raw):
        return 0
    return parse_yuan(raw, "coupon")


@dataclass(frozen=True)
class Split:
    """How an amount is paid: the grade's discount, coupons, cash (fen)."""

    amount: int
    percent_off: int
    discount: int
    coupon: int
    cash: int


def split(amount: int, percent_off: int, coupon_balance: int, coupon: int | None) -> Split:
    """The discount rounds down to the fen (the merchant never gives more than promised); the
    coupon part is what was asked (all that fits when ``None``), at most the balance and the
    discounted amount."""
    discount = amount * percent_off // 100
    payable = amount - discount
    most = min(coupon_balance, payable)
    if coupon is None:
        coupon = most
    if coupon < 0:
        raise DomainError("coupon_invalid", _("信用券金额不能为负。"), field="coupon")
    if coupon > payable:
        raise DomainError(
            "coupon_over_amount",
            _("信用券支付不能超过优惠后的金额 %(p)s 元。"),
            field="coupon",
            params={"p": yuan(payable)},
        )
    if coupon > coupon_balance:
        raise Conflict(
            "coupon_insufficient",
            _("信用券余额不足：可用%(have)s元，需付%(need)s元。"),
            field="coupon",
            params={"have": yuan(coupon_balance), "need": yuan(coupon)},
        )
    return Split(amount, percent_off, discount, coupon, payable - coupon)


@transaction.atomic
def do_sell(
    merchant: Merchant,
    customer: Customer,
    *,
    amount_fen: int,
    coupon_fen: int | None = None,
    client_id: uuid.UUID,
    acting_user: Any,
) -> Sale:
    """Take a payment: discount by the customer's grade, coupons (soonest expiry first) into the
    merchant's account, the rest in cash; the customer is told. Once per ``client_id``."""
    if not may_sell(acting_user, merchant):
        raise Forbidden("forbidden", _("您不是本商家的收银员，不能收款。"))
    merchant = (
        Merchant.objects.select_for_update(of=("self",))
        .select_related("region")
        .get(pk=merchant.pk)
    )
    existing = Sale.objects.filter(client_id=client_id).first()
    if existing is not None:
        same = (existing.merchant_id, existing.resident_id, existing.amount_fen) == (
            merchant.pk,
            customer.resident.pk,
            amount_fen,
        )
        if not same:
            raise Conflict(
                "client_id_reused", _("这张表单已经提交过另一笔收款，请刷新页面后重新填写。")
            )
        return existing
    if merchant.status != MerchantStatus.ACTIVE:
        raise Conflict(
            "merchant_not_active",
            _("本商家当前状态为“%(s)s”，不能收款。"),
            params={"s": MerchantStatus(merchant.status).label},
        )
    resident = customer.resident
    check_customer(merchant, resident)
    amount_fen = check_fen(amount_fen)
    now = standing(resident)
    grade = str(now.grade)
    percent = discount_table(merchant).get(grade, 0)
    parts = split(amount_fen, percent, spendable_fen(resident), coupon_fen)
    consume(customer)
    number = f"M{timezone.localdate():%Y%m%d}{uuid.uuid4().hex[:10].upper()}"
    transfer = None
    if parts.coupon:
        uses = spend(
            resident,
            parts.coupon,
            to_account_id=merchant_account(merchant).pk,
            key=f"merchant:sale:{client_id}",
            village_id=resident.village_id,
            memo=f"{merchant.name} {number}",
        )
        transfer = uses[0].transfer
    sale = Sale.objects.create(
        merchant=merchant,
        number=number,
        client_id=client_id,
        resident=resident,
        village_id=resident.village_id,
        via=customer.via,
        grade=grade,
        percent_off=percent,
        amount_fen=parts.amount,
        discount_fen=parts.discount,
        coupon_fen=parts.coupon,
        cash_fen=parts.cash,
        transfer=transfer,
        sold_by=acting_user,
        created_at=timezone.now(),
    )
    audit.record(
        acting_user,
        "merchants.sell",
        sale,
        region_code=resident.village.code,
        after=audit.snapshot(sale),
    )
    notify(
        [
            Note(
                kind="merchants.sale",
                resident_id=resident.pk,
                text=_(
                    "您在%(m)s消费%(a)s元，信用等级%(g)s优惠%(d)s元，"
                    "信用券支付%(c)s元，现金%(k)s元。"
                )
                % {
                    "m": merchant.name,
                    "a": yuan(parts.amount),
                    "g": grade,
                    "d": yuan(parts.discount),
                    "c": yuan(parts.coupon),
                    "k": yuan(parts.cash),
                },
                link=reverse("coupons:mine"),
            )
        ]
    )
    return sale
