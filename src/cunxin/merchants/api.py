"""The merchants API (issue 5: spending points): the same actions and selectors as the pages,
scoped the same way. Amounts are yuan strings in, fen out."""

from __future__ import annotations

import uuid
from typing import Any

from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from ninja import Query, Router, Schema, Status

from cunxin.accounts.permissions import Perm
from cunxin.cards.identify import identify
from cunxin.core.fields import Code, Id, Secret
from cunxin.core.http import api_check
from cunxin.core.paging import Page, PageIn, paginate
from cunxin.fund.money import parse_yuan
from cunxin.merchants import selectors
from cunxin.merchants.actions.merchants import discount_table
from cunxin.merchants.actions.sales import check_customer, do_sell, parse_coupon
from cunxin.merchants.models import Merchant, Sale

router = Router(tags=["merchants"])


class MerchantOut(Schema):
    id: int
    name: str
    address: str
    region_code: str
    status: str
    discounts: dict[str, int]


class MerchantCustomerIn(Schema):
    code: Secret = ""
    card_number: Code = ""
    pin: Code = ""


class MerchantCustomerOut(Schema):
    name: str
    grade: str
    percent_off: int
    coupon_fen: int
    via: str


class SaleIn(MerchantCustomerIn):
    client_id: uuid.UUID
    amount: Code
    coupon: Code = ""


class SaleOut(Schema):
    id: int
    number: str
    name: str
    grade: str
    percent_off: int
    amount_fen: int
    discount_fen: int
    coupon_fen: int
    cash_fen: int


class MerchantFiguresOut(Schema):
    village_code: str
    village: str
    coupons_spent_fen: int
    coupons_issued_fen: int
    spent_percent: int
    merchants: int
    sales: int


def _sale_out(sale: Sale) -> dict[str, Any]:
    r = selectors.receipt(sale)
    return {
        "id": sale.pk,
        "number": sale.number,
        "name": r.name,
        "grade": sale.grade,
        "percent_off": sale.percent_off,
        "amount_fen": sale.amount_fen,
        "discount_fen": sale.discount_fen,
        "coupon_fen": sale.coupon_fen,
        "cash_fen": sale.cash_fen,
    }


def _staffed(request: HttpRequest, merchant_id: Id) -> Merchant:
    merchant: Merchant = get_object_or_404(
        selectors.staffed_merchants(request.user), pk=merchant_id
    )
    return merchant


def _merchant_out(m: Merchant) -> dict[str, Any]:
    return {
        "id": m.pk,
        "name": m.name,
        "address": m.address,
        "region_code": m.region.code,
        "status": m.status,
        "discounts": discount_table(m),
    }


@router.get("/merchants", response=Page[MerchantOut], summary="合作商家及等级优惠")
def list_merchants(request: HttpRequest, paging: Query[PageIn]) -> dict[str, Any]:
    api_check(request, Perm.VIEW_MERCHANTS)
    return paginate(selectors.merchants_for(request.user), paging, _merchant_out)


@router.post(
    "/merchants/{merchant_id}/customer",
    response=MerchantCustomerOut,
    summary="识别顾客：只返回打码姓名、等级、优惠和信用券余额",
)
def who_is_it(request: HttpRequest, merchant_id: Id, payload: MerchantCustomerIn) -> dict[str, Any]:
    api_check(request, Perm.SELL)
    merchant = _staffed(request, merchant_id)
    customer = identify(
        code=payload.code,
        card_number=payload.card_number,
        pin=payload.pin,
        acting_user=request.user,
        serves=merchant.region,
    )
    check_customer(merchant, customer.resident)
    return selectors.customer_view(merchant, customer.resident, customer.via).as_dict()


@router.post(
    "/merchants/{merchant_id}/sales",
    response={201: SaleOut, 200: SaleOut},
    summary="收款（同一 client_id 重发返回第一次的收款）",
)
def sell(request: HttpRequest, merchant_id: Id, payload: SaleIn) -> Status[dict[str, Any]]:
    api_check(request, Perm.SELL)
    merchant = _staffed(request, merchant_id)
    replayed = Sale.objects.filter(client_id=payload.client_id, merchant=merchant).first()
    if replayed is not None:
        # The first answer again, without asking for the (now used) code.
        return Status(200, _sale_out(replayed))
    amount = parse_yuan(payload.amount, "amount")
    coupon = parse_coupon(payload.coupon)
    customer = identify(
        code=payload.code,
        card_number=payload.card_number,
        pin=payload.pin,
        acting_user=request.user,
        serves=merchant.region,
    )
    sale = do_sell(
        merchant,
        customer,
        amount_fen=amount,
        coupon_fen=coupon,
        client_id=payload.client_id,
        acting_user=request.user,
    )
    return Status(201, _sale_out(sale))


@router.get("/figures", response=Page[MerchantFiguresOut], summary="各村商家消费统计")
def figures(request: HttpRequest, paging: Query[PageIn]) -> dict[str, Any]:
    api_check(request, Perm.VIEW_COUPONS)
    villages = selectors.figure_villages(request.user)
    return paginate(villages, paging, lambda v: selectors.village_figures(v).as_dict())
