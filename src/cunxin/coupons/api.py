"""The coupons API: the same actions and selectors as the pages, scoped the same way."""

from __future__ import annotations

import datetime
import uuid
from typing import Any

from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext_lazy as _
from ninja import Query, Router, Schema, Status

from cunxin.accounts.permissions import Perm
from cunxin.core.errors import DomainError
from cunxin.core.fields import Code, Id, Int, Name
from cunxin.core.http import api_check
from cunxin.core.paging import Page, PageIn, paginate
from cunxin.coupons import selectors
from cunxin.coupons.actions.conversion import do_convert, quote
from cunxin.coupons.actions.gifts import (
    do_accept_gift,
    do_cancel_gift,
    do_decline_gift,
    do_gift,
    visible_gift,
)
from cunxin.coupons.models import Coupon, Gift
from cunxin.people.models import Resident
from cunxin.policy.masking import name_view

router = Router(tags=["coupons"])


class CouponOut(Schema):
    id: int
    serial: str
    face_fen: int
    remaining_fen: int
    status: str
    issued_at: datetime.datetime
    expires_on: datetime.date


class GiftOut(Schema):
    id: int
    coupon_serial: str
    giver_name: str
    receiver_name: str
    amount_fen: int
    status: str
    created_at: datetime.datetime
    expires_at: datetime.datetime


class WalletOut(Schema):
    balance_fen: int
    convertible_points: int
    fen_per_point: int
    valid_days: int
    coupons: list[CouponOut]
    incoming: list[GiftOut]
    outgoing: list[GiftOut]


class ConvertIn(Schema):
    points: Int
    client_id: uuid.UUID


class ConversionOut(Schema):
    id: int
    points: int
    fen: int
    coupons: list[CouponOut]


class GiftIn(Schema):
    phone: Name = ""
    receiver_id: Id | None = None


class CouponFiguresOut(Schema):
    village_code: str
    village_name: str
    issued_fen: int
    spent_fen: int
    outstanding_fen: int
    expired_fen: int
    spent_percent: int
    coupons: int
    holders: int


def _coupon_out(c: Coupon) -> dict[str, Any]:
    return {
        "id": c.pk,
        "serial": c.serial,
        "face_fen": c.face_fen,
        "remaining_fen": c.remaining_fen,
        "status": c.status,
        "issued_at": c.issued_at,
        "expires_on": c.expires_on,
    }


def _gift_out(g: Gift, request: HttpRequest) -> dict[str, Any]:
    g = Gift.objects.select_related("coupon__village", "giver", "receiver").get(pk=g.pk)
    # The other side of a gift is named as the village's policy masks villagers (their own
    # household in full).
    names = name_view(request.user, g.coupon.village)
    return {
        "id": g.pk,
        "coupon_serial": g.coupon.serial,
        "giver_name": names.of(g.giver),
        "receiver_name": names.of(g.receiver),
        "amount_fen": g.amount_fen,
        "status": g.status,
        "created_at": g.created_at,
        "expires_at": g.expires_at,
    }


def _me(request: HttpRequest) -> Resident:
    api_check(request, Perm.USE_POINTS, regions=False)
    resident_id = getattr(request.user, "resident_id", None)
    if resident_id is None:
        raise DomainError("no_resident", _("您的账号没有对应的村民。"))
    resident: Resident = Resident.objects.select_related("village").get(pk=resident_id)
    return resident


@router.get("/mine", response=WalletOut, summary="我的信用券、可兑换积分和待处理的转赠")
def mine(request: HttpRequest) -> dict[str, Any]:
    resident = _me(request)
    wallet = selectors.wallet(resident)
    found = quote(resident)
    return {
        "balance_fen": wallet.balance_fen,
        "convertible_points": found.convertible,
        "fen_per_point": found.fen_per_point,
        "valid_days": found.valid_days,
        "coupons": [_coupon_out(c) for c in wallet.coupons],
        "incoming": [_gift_out(g, request) for g in wallet.incoming],
        "outgoing": [_gift_out(g, request) for g in wallet.outgoing],
    }


@router.post(
    "/convert", response={201: ConversionOut}, summary="积分兑换信用券（按请求编号只兑换一次）"
)
def convert(request: HttpRequest, payload: ConvertIn) -> Status[dict[str, Any]]:
    resident = _me(request)
    conversion = do_convert(
        resident, payload.points, client_id=payload.client_id, acting_user=request.user
    )
    return Status(
        201,
        {
            "id": conversion.pk,
            "points": conversion.points,
            "fen": conversion.fen,
            "coupons": [_coupon_out(c) for c in conversion.coupons.order_by("pk")],
        },
    )


@router.post("/{coupon_id}/gift", response={201: GiftOut}, summary="转赠信用券给本村村民")
def gift(request: HttpRequest, coupon_id: Id, payload: GiftIn) -> Status[dict[str, Any]]:
    api_check(request, Perm.USE_POINTS, regions=False)
    coupon = get_object_or_404(Coupon.objects.restrict(request.user, Perm.USE_POINTS), pk=coupon_id)
    made = do_gift(
        coupon, phone=payload.phone, receiver_id=payload.receiver_id, acting_user=request.user
    )
    return Status(201, _gift_out(made, request))


@router.post("/gifts/{gift_id}/accept", response=GiftOut, summary="接收转赠")
def accept(request: HttpRequest, gift_id: Id) -> dict[str, Any]:
    api_check(request, Perm.USE_POINTS, regions=False)
    return _gift_out(
        do_accept_gift(visible_gift(request.user, gift_id), acting_user=request.user), request
    )


@router.post("/gifts/{gift_id}/decline", response=GiftOut, summary="拒收转赠")
def decline(request: HttpRequest, gift_id: Id) -> dict[str, Any]:
    api_check(request, Perm.USE_POINTS, regions=False)
    return _gift_out(
        do_decline_gift(visible_gift(request.user, gift_id), acting_user=request.user), request
    )


@router.post("/gifts/{gift_id}/cancel", response=GiftOut, summary="撤回转赠")
def cancel(request: HttpRequest, gift_id: Id) -> dict[str, Any]:
    api_check(request, Perm.USE_POINTS, regions=False)
    return _gift_out(
        do_cancel_gift(visible_gift(request.user, gift_id), acting_user=request.user), request
    )


@router.get(
    "/figures", response=Page[CouponFiguresOut], summary="各村信用券发行、使用、未用和过期金额"
)
def figures(request: HttpRequest, paging: Query[PageIn], village_code: Code = "") -> dict[str, Any]:
    api_check(request, Perm.VIEW_COUPONS)
    villages = selectors.figure_villages(request.user)
    if village_code:
        villages = villages.filter(code=village_code)
    return paginate(
        villages,
        paging,
        lambda v: {
            "village_code": v.code,
            "village_name": v.name,
            **selectors.figures(v).as_dict(),
        },
    )
