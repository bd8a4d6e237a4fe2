"""What the shop API takes and answers."""

from __future__ import annotations

import datetime
import uuid
from typing import Any

from django.urls import reverse
from ninja import Field, Schema

from cunxin.core.fields import Code, Id, Int, Line, Name, Secret
from cunxin.shop.models import Goods, Shop
from cunxin.shop.receipts import CustomerView, Receipt


class ShopIn(Schema):
    village_code: Code
    name: Name
    address: Line = ""


class ShopEditIn(Schema):
    name: Name
    address: Line = ""
    active: bool = True


class ShopOut(Schema):
    id: int
    village_code: str
    village_name: str
    name: str
    address: str
    active: bool
    url: str


class KeeperIn(Schema):
    user_id: Id


class KeeperOut(Schema):
    id: int
    user_id: int
    name: str


class GoodsIn(Schema):
    name: Name
    price: Int
    monthly_limit: Int = 0
    active: bool = True


class NewGoodsIn(GoodsIn):
    stock: Int = 0


class GoodsOut(Schema):
    id: int
    shop_id: int
    name: str
    price: int
    stock: int
    monthly_limit: int
    active: bool
    photo_url: str | None


class StockIn(Schema):
    change: Int
    note: Line = ""


class StockMoveOut(Schema):
    id: int
    goods_id: int
    change: int
    reason: str
    note: str
    stock_after: int
    at: datetime.datetime


class CustomerIn(Schema):
    code: Secret = ""
    card_number: Code = ""
    pin: Code = ""


class CustomerOut(Schema):
    name: str
    grade: str
    spendable: int
    via: str


class LineIn(Schema):
    goods_id: Id
    quantity: Int


class RedeemIn(CustomerIn):
    client_id: uuid.UUID
    lines: list[LineIn] = Field(max_length=100)


class LineOut(Schema):
    goods_id: int
    name: str
    quantity: int
    price: int
    points: int


class ReceiptOut(Schema):
    id: int
    number: str
    shop: str
    village: str
    at: datetime.datetime
    name: str
    lines: list[LineOut]
    points: int
    balance_after: int
    cancelled: bool
    cancel_reason: str
    url: str


class RedemptionCancelIn(Schema):
    reason: Line


class FigureOut(Schema):
    month: datetime.date
    shop_id: int
    shop: str
    redemptions: int
    points: int


def shop_out(shop: Shop) -> dict[str, Any]:
    return {
        "id": shop.pk,
        "village_code": shop.village.code,
        "village_name": shop.village.name,
        "name": shop.name,
        "address": shop.address,
        "active": shop.active,
        "url": reverse("shop:shop", args=[shop.pk]),
    }


def goods_out(goods: Goods) -> dict[str, Any]:
    return {
        "id": goods.pk,
        "shop_id": goods.shop_id,
        "name": goods.name,
        "price": goods.price,
        "stock": goods.stock,
        "monthly_limit": goods.monthly_limit,
        "active": goods.active,
        "photo_url": reverse("shop:photo", args=[goods.pk]) if goods.photo else None,
    }


def customer_out(view: CustomerView) -> dict[str, Any]:
    return {"name": view.name, "grade": view.grade, "spendable": view.spendable, "via": view.via}


def receipt_out(r: Receipt) -> dict[str, Any]:
    return {
        "id": r.pk,
        "number": r.number,
        "shop": r.shop,
        "village": r.village,
        "at": r.at,
        "name": r.name,
        "lines": [
            {
                "goods_id": line.goods_id,
                "name": line.name,
                "quantity": line.quantity,
                "price": line.price,
                "points": line.points,
            }
            for line in r.lines
        ],
        "points": r.points,
        "balance_after": r.balance_after,
        "cancelled": r.cancelled,
        "cancel_reason": r.cancel_reason,
        "url": reverse("shop:receipt", args=[r.pk]),
    }
