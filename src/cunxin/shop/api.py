"""The shop API (issue 5: spending points): the same actions and selectors as the pages,
scoped the same way."""

from __future__ import annotations

import datetime
from typing import Any

from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from ninja import File, Query, Router, Status
from ninja.files import UploadedFile

from cunxin.accounts.models import User
from cunxin.accounts.permissions import Perm
from cunxin.cards.identify import identify
from cunxin.core.errors import DomainError, Forbidden
from cunxin.core.fields import Day, Id
from cunxin.core.http import api_check
from cunxin.core.paging import Page, PageIn, paginate
from cunxin.records.standing import PolicyCache
from cunxin.shop import schemas, selectors
from cunxin.shop.actions.catalogue import (
    GoodsData,
    do_add_keeper,
    do_create_goods,
    do_create_shop,
    do_edit_goods,
    do_edit_shop,
    do_move_stock,
    do_remove_keeper,
)
from cunxin.shop.actions.redeem import check_customer, do_cancel_redemption, do_redeem, may_cancel
from cunxin.shop.models import Goods, Redemption, Shop
from cunxin.shop.receipts import customer_view, receipt

router = Router(tags=["shop"])


def _shop(request: HttpRequest, shop_id: Id) -> Shop:
    shop: Shop = get_object_or_404(selectors.shops_for(request.user), pk=shop_id)
    return shop


def _managed_shop(request: HttpRequest, shop_id: Id) -> Shop:
    shop: Shop = get_object_or_404(selectors.managed_shops(request.user), pk=shop_id)
    return shop


def _kept_shop(request: HttpRequest, shop_id: Id) -> Shop:
    shop: Shop = get_object_or_404(selectors.kept_shops(request.user), pk=shop_id)
    return shop


def _managed_goods(request: HttpRequest, goods_id: Id) -> Goods:
    goods: Goods = get_object_or_404(
        Goods.objects.filter(shop__in=selectors.managed_shops(request.user)).select_related(
            "shop__village"
        ),
        pk=goods_id,
    )
    return goods


# --- shops and keepers -------------------------------------------------------------------------


@router.get("/shops", response=Page[schemas.ShopOut], summary="信用超市")
def list_shops(request: HttpRequest, paging: Query[PageIn]) -> dict[str, Any]:
    api_check(request, Perm.VIEW_SHOP)
    return paginate(selectors.shops_for(request.user), paging, schemas.shop_out)


@router.post("/shops", response={201: schemas.ShopOut}, summary="开设信用超市")
def create_shop(request: HttpRequest, payload: schemas.ShopIn) -> Status[dict[str, Any]]:
    api_check(request, Perm.MANAGE_SHOP)
    village = get_object_or_404(selectors.shop_villages(request.user), code=payload.village_code)
    shop = do_create_shop(
        village, name=payload.name, address=payload.address, acting_user=request.user
    )
    return Status(201, schemas.shop_out(shop))


@router.get("/shops/{shop_id}", response=schemas.ShopOut, summary="信用超市详情")
def get_shop(request: HttpRequest, shop_id: Id) -> dict[str, Any]:
    api_check(request, Perm.VIEW_SHOP)
    return schemas.shop_out(_shop(request, shop_id))


@router.post("/shops/{shop_id}", response=schemas.ShopOut, summary="修改信用超市")
def edit_shop(request: HttpRequest, shop_id: Id, payload: schemas.ShopEditIn) -> dict[str, Any]:
    api_check(request, Perm.MANAGE_SHOP)
    shop = do_edit_shop(
        _managed_shop(request, shop_id),
        name=payload.name,
        address=payload.address,
        active=payload.active,
        acting_user=request.user,
    )
    return schemas.shop_out(shop)


@router.get("/shops/{shop_id}/keepers", response=list[schemas.KeeperOut], summary="店主")
def list_keepers(request: HttpRequest, shop_id: Id) -> list[dict[str, Any]]:
    api_check(request, Perm.MANAGE_SHOP)
    return _keepers(_managed_shop(request, shop_id))


def _keepers(shop: Shop) -> list[dict[str, Any]]:
    return [
        {"id": k.pk, "user_id": k.user_id, "name": k.user.name} for k in selectors.keepers_of(shop)
    ]


@router.post("/shops/{shop_id}/keepers", response={201: schemas.KeeperOut}, summary="添加店主")
def add_keeper(
    request: HttpRequest, shop_id: Id, payload: schemas.KeeperIn
) -> Status[dict[str, Any]]:
    api_check(request, Perm.MANAGE_SHOP)
    shop = _managed_shop(request, shop_id)
    user = User.objects.filter(pk=payload.user_id).first()
    if user is None:
        raise DomainError(
            "keeper_role_missing", _("此账号在本村没有店主角色，请先授予角色。"), field="user_id"
        )
    keeper = do_add_keeper(shop, user, acting_user=request.user)
    return Status(201, {"id": keeper.pk, "user_id": user.pk, "name": user.name})


@router.post(
    "/shops/{shop_id}/keepers/{keeper_id}/remove",
    response=list[schemas.KeeperOut],
    summary="移除店主（答复余下的店主）",
)
def remove_keeper(request: HttpRequest, shop_id: Id, keeper_id: Id) -> list[dict[str, Any]]:
    api_check(request, Perm.MANAGE_SHOP)
    shop = _managed_shop(request, shop_id)
    keeper = get_object_or_404(selectors.keepers_of(shop), pk=keeper_id)
    do_remove_keeper(keeper, acting_user=request.user)
    return _keepers(shop)


# --- goods and stock ---------------------------------------------------------------------------


@router.get("/shops/{shop_id}/goods", response=Page[schemas.GoodsOut], summary="商品")
def list_goods(request: HttpRequest, shop_id: Id, paging: Query[PageIn]) -> dict[str, Any]:
    api_check(request, Perm.VIEW_SHOP)
    return paginate(_shop(request, shop_id).goods.all(), paging, schemas.goods_out)


@router.post("/shops/{shop_id}/goods", response={201: schemas.GoodsOut}, summary="上架商品")
def create_goods(
    request: HttpRequest, shop_id: Id, payload: schemas.NewGoodsIn
) -> Status[dict[str, Any]]:
    api_check(request, Perm.MANAGE_SHOP)
    goods = do_create_goods(
        _managed_shop(request, shop_id),
        GoodsData(
            name=payload.name,
            price=payload.price,
            monthly_limit=payload.monthly_limit,
            active=payload.active,
        ),
        stock=payload.stock,
        acting_user=request.user,
    )
    return Status(201, schemas.goods_out(goods))


@router.post("/goods/{goods_id}", response=schemas.GoodsOut, summary="修改商品")
def edit_goods(request: HttpRequest, goods_id: Id, payload: schemas.GoodsIn) -> dict[str, Any]:
    api_check(request, Perm.MANAGE_SHOP)
    goods = do_edit_goods(
        _managed_goods(request, goods_id),
        GoodsData(
            name=payload.name,
            price=payload.price,
            monthly_limit=payload.monthly_limit,
            active=payload.active,
        ),
        acting_user=request.user,
    )
    return schemas.goods_out(goods)


@router.post("/goods/{goods_id}/photo", response=schemas.GoodsOut, summary="上传商品照片")
def upload_photo(request: HttpRequest, goods_id: Id, photo: File[UploadedFile]) -> dict[str, Any]:
    api_check(request, Perm.MANAGE_SHOP)
    goods = _managed_goods(request, goods_id)
    goods = do_edit_goods(
        goods,
        GoodsData(
            name=goods.name,
            price=goods.price,
            monthly_limit=goods.monthly_limit,
            active=goods.active,
        ),
        photo=(photo.name or "", photo),
        acting_user=request.user,
    )
    return schemas.goods_out(goods)


@router.post("/goods/{goods_id}/stock", response={201: schemas.StockMoveOut}, summary="出入库")
def move_stock(
    request: HttpRequest, goods_id: Id, payload: schemas.StockIn
) -> Status[dict[str, Any]]:
    api_check(request, Perm.MANAGE_SHOP)
    move = do_move_stock(
        _managed_goods(request, goods_id),
        change=payload.change,
        note=payload.note,
        acting_user=request.user,
    )
    return Status(
        201,
        {
            "id": move.pk,
            "goods_id": move.goods_id,
            "change": move.change,
            "reason": move.reason,
            "note": move.note,
            "stock_after": move.stock_after,
            "at": move.at,
        },
    )


def _move_out(m: Any) -> dict[str, Any]:
    return {
        "id": m.pk,
        "goods_id": m.goods_id,
        "change": m.change,
        "reason": m.reason,
        "note": m.note,
        "stock_after": m.stock_after,
        "at": m.at,
    }


@router.get("/goods/{goods_id}/moves", response=Page[schemas.StockMoveOut], summary="出入库记录")
def list_moves(request: HttpRequest, goods_id: Id, paging: Query[PageIn]) -> dict[str, Any]:
    api_check(request, Perm.VIEW_SHOP)
    goods = get_object_or_404(selectors.goods_for(request.user), pk=goods_id)
    return paginate(goods.moves.all(), paging, _move_out)


# --- the counter -------------------------------------------------------------------------------


@router.post(
    "/shops/{shop_id}/customer", response=schemas.CustomerOut, summary="识别顾客（付款码或诚信卡）"
)
def who_is_it(request: HttpRequest, shop_id: Id, payload: schemas.CustomerIn) -> dict[str, Any]:
    api_check(request, Perm.REDEEM)
    shop = _kept_shop(request, shop_id)
    customer = identify(
        code=payload.code,
        card_number=payload.card_number,
        pin=payload.pin,
        acting_user=request.user,
    )
    check_customer(shop, customer.resident)
    return schemas.customer_out(customer_view(customer.resident, customer.via))


@router.post(
    "/shops/{shop_id}/redemptions",
    response={201: schemas.ReceiptOut, 200: schemas.ReceiptOut},
    summary="兑换（同一 client_id 重发返回第一次的兑换）",
)
def redeem(request: HttpRequest, shop_id: Id, payload: schemas.RedeemIn) -> Status[dict[str, Any]]:
    api_check(request, Perm.REDEEM)
    shop = _kept_shop(request, shop_id)
    replayed = Redemption.objects.filter(client_id=payload.client_id, shop=shop).first()
    if replayed is not None:
        # The first answer again, without asking for the (now used) code.
        return Status(200, schemas.receipt_out(receipt(replayed)))
    customer = identify(
        code=payload.code,
        card_number=payload.card_number,
        pin=payload.pin,
        acting_user=request.user,
    )
    redemption = do_redeem(
        shop,
        customer,
        [(line.goods_id, line.quantity) for line in payload.lines],
        client_id=payload.client_id,
        acting_user=request.user,
    )
    return Status(201, schemas.receipt_out(receipt(redemption)))


@router.get("/redemptions", response=Page[schemas.ReceiptOut], summary="兑换记录（某日）")
def list_redemptions(
    request: HttpRequest, paging: Query[PageIn], day: Day | None = None, shop_id: Id | None = None
) -> dict[str, Any]:
    api_check(request, Perm.VIEW_SHOP)
    day = day or timezone.localdate()
    start = timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))
    rows = selectors.redemptions_for(request.user).filter(
        created_at__gte=start, created_at__lt=start + datetime.timedelta(days=1)
    )
    if shop_id is not None:
        rows = rows.filter(shop_id=shop_id)
    policies = PolicyCache()
    return paginate(rows, paging, lambda r: schemas.receipt_out(receipt(r, policies)))


@router.get("/redemptions/{redemption_id}", response=schemas.ReceiptOut, summary="兑换小票")
def get_redemption(request: HttpRequest, redemption_id: Id) -> dict[str, Any]:
    api_check(request, Perm.VIEW_SHOP)
    redemption = get_object_or_404(selectors.redemptions_for(request.user), pk=redemption_id)
    return schemas.receipt_out(receipt(redemption))


@router.post(
    "/redemptions/{redemption_id}/cancel", response=schemas.ReceiptOut, summary="撤销当天的兑换"
)
def cancel_redemption(
    request: HttpRequest, redemption_id: Id, payload: schemas.RedemptionCancelIn
) -> dict[str, Any]:
    api_check(request, Perm.VIEW_SHOP)
    redemption = get_object_or_404(selectors.redemptions_for(request.user), pk=redemption_id)
    if not may_cancel(request.user, redemption.shop):
        raise Forbidden("forbidden", _("您没有权限撤销本店的兑换。"))
    redemption = do_cancel_redemption(redemption, reason=payload.reason, acting_user=request.user)
    return schemas.receipt_out(receipt(redemption))


@router.get("/figures", response=list[schemas.FigureOut], summary="每月兑换积分")
def figures(request: HttpRequest) -> list[dict[str, Any]]:
    api_check(request, Perm.MANAGE_SHOP)
    return [
        {
            "month": f.month,
            "shop_id": f.shop.pk,
            "shop": f.shop.name,
            "redemptions": f.redemptions,
            "points": f.points,
        }
        for f in selectors.monthly_figures(request.user)
    ]
