"""API of the credit fund: the same actions and selectors as the pages, scoped the same way
(VIEW_FUND reads, MANAGE_FUND changes)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from ninja import Query, Router, Status

from cunxin.accounts.permissions import Perm
from cunxin.core.fields import Id
from cunxin.core.http import api_check
from cunxin.core.paging import Page, PageIn, paginate
from cunxin.fund import schemas, selectors
from cunxin.fund.actions import (
    do_approve_payment,
    do_create_fund,
    do_propose_payment,
    do_record_donation,
    do_reject_payment,
    do_reverse_donation,
)
from cunxin.fund.models import Donation, Fund, Payment
from cunxin.fund.money import parse_yuan

router = Router(tags=["fund"])


def _visible(request: HttpRequest, fund_id: Id) -> Fund:
    fund: Fund = get_object_or_404(selectors.funds_for(request.user), pk=fund_id)
    return fund


def _managed(request: HttpRequest, fund_id: Id) -> Fund:
    fund: Fund = get_object_or_404(selectors.managed_funds(request.user), pk=fund_id)
    return fund


def _detail(fund: Fund) -> dict[str, Any]:
    return schemas.fund_out(fund, selectors.totals(fund), selectors.chain_head(fund))


def _donation(d: Donation) -> dict[str, Any]:
    d = Donation.objects.select_related("recorded_by").get(pk=d.pk)
    return schemas.donation_out(d)


def _payment(p: Payment) -> dict[str, Any]:
    p = Payment.objects.select_related("village", "proposed_by", "decided_by").get(pk=p.pk)
    return schemas.payment_out(p)


@router.get("/funds", response=Page[schemas.FundOut], summary="信用基金及余额")
def list_funds(request: HttpRequest, paging: Query[PageIn]) -> dict[str, Any]:
    api_check(request, Perm.VIEW_FUND)
    funds = selectors.funds_for(request.user)
    return paginate(funds, paging, lambda f: schemas.fund_out(f, selectors.totals(f)))


@router.post("/funds", response={201: schemas.FundDetailOut}, summary="设立信用基金（县或镇）")
def create_fund(request: HttpRequest, payload: schemas.FundIn) -> Status[dict[str, Any]]:
    api_check(request, Perm.MANAGE_FUND)
    region = get_object_or_404(selectors.fund_regions(request.user), code=payload.region_code)
    fund = do_create_fund(region, name=payload.name, acting_user=request.user)
    return Status(201, _detail(fund))


@router.get("/funds/{fund_id}", response=schemas.FundDetailOut, summary="信用基金详情与账本链头")
def get_fund(request: HttpRequest, fund_id: Id) -> dict[str, Any]:
    api_check(request, Perm.VIEW_FUND)
    return _detail(_visible(request, fund_id))


@router.get("/funds/{fund_id}/donations", response=Page[schemas.DonationOut], summary="捐赠")
def list_donations(request: HttpRequest, fund_id: Id, paging: Query[PageIn]) -> dict[str, Any]:
    api_check(request, Perm.VIEW_FUND)
    fund = _visible(request, fund_id)
    return paginate(selectors.donations(fund), paging, schemas.donation_out)


@router.post(
    "/funds/{fund_id}/donations",
    response={201: schemas.DonationOut},
    summary="登记捐赠（同一 client_id 重复提交返回同一笔）",
)
def record_donation(
    request: HttpRequest, fund_id: Id, payload: schemas.DonationIn
) -> Status[dict[str, Any]]:
    api_check(request, Perm.MANAGE_FUND)
    fund = _managed(request, fund_id)
    donation = do_record_donation(
        fund,
        client_id=payload.client_id,
        sponsor=payload.sponsor,
        amount=parse_yuan(payload.amount_yuan, "amount_yuan"),
        received_on=payload.received_on,
        receipt_no=payload.receipt_no,
        note=payload.note,
        acting_user=request.user,
    )
    return Status(201, _donation(donation))


@router.post("/donations/{donation_id}/reverse", response=schemas.DonationOut, summary="冲正捐赠")
def reverse_donation(
    request: HttpRequest, donation_id: Id, payload: schemas.FundReasonIn
) -> dict[str, Any]:
    api_check(request, Perm.MANAGE_FUND)
    donation = get_object_or_404(selectors.managed_donations(request.user), pk=donation_id)
    return _donation(do_reverse_donation(donation, reason=payload.reason, acting_user=request.user))


@router.get("/funds/{fund_id}/payments", response=Page[schemas.PaymentOut], summary="支出")
def list_payments(request: HttpRequest, fund_id: Id, paging: Query[PageIn]) -> dict[str, Any]:
    api_check(request, Perm.VIEW_FUND)
    fund = _visible(request, fund_id)
    return paginate(selectors.payments(fund), paging, schemas.payment_out)


@router.post(
    "/funds/{fund_id}/payments",
    response={201: schemas.PaymentOut},
    summary="申请支出（须另一位信用中心工作人员审批）",
)
def propose_payment(
    request: HttpRequest, fund_id: Id, payload: schemas.PaymentIn
) -> Status[dict[str, Any]]:
    api_check(request, Perm.MANAGE_FUND)
    fund = _managed(request, fund_id)
    village = (
        get_object_or_404(selectors.shop_villages(fund), code=payload.village_code)
        if payload.village_code
        else None
    )
    payment = do_propose_payment(
        fund,
        client_id=payload.client_id,
        purpose=payload.purpose,
        payee=payload.payee,
        amount=parse_yuan(payload.amount_yuan, "amount_yuan"),
        document_no=payload.document_no,
        village=village,
        note=payload.note,
        acting_user=request.user,
    )
    return Status(201, _payment(payment))


@router.post(
    "/payments/{payment_id}/approve", response=schemas.PaymentOut, summary="批准支出并付款"
)
def approve_payment(request: HttpRequest, payment_id: Id) -> dict[str, Any]:
    api_check(request, Perm.MANAGE_FUND)
    payment = get_object_or_404(selectors.managed_payments(request.user), pk=payment_id)
    return _payment(do_approve_payment(payment, acting_user=request.user))


@router.post("/payments/{payment_id}/reject", response=schemas.PaymentOut, summary="驳回支出")
def reject_payment(
    request: HttpRequest, payment_id: Id, payload: schemas.FundReasonIn
) -> dict[str, Any]:
    api_check(request, Perm.MANAGE_FUND)
    payment = get_object_or_404(selectors.managed_payments(request.user), pk=payment_id)
    return _payment(do_reject_payment(payment, reason=payload.reason, acting_user=request.user))
