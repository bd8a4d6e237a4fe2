"""Shops, their keepers, goods and stock, managed by the committee or the credit centre.

A shop opens with its unit; a keeper is a user holding the shop keeper role in that unit
(granted here, resting on their keeper role in the village).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils.translation import gettext as _

from cunxin.accounts.actions import assign_in_unit, end_assignment
from cunxin.accounts.models import RoleAssignment
from cunxin.accounts.permissions import Perm, Role
from cunxin.core import audit
from cunxin.core.errors import Conflict, DomainError
from cunxin.core.scoping import require
from cunxin.records.evidence import PhotoSource, check_photo
from cunxin.regions.models import Region
from cunxin.shop.models import Goods, Shop, StockMove, StockReason
from cunxin.shop.selectors import keepers_of
from cunxin.units.actions import open_owned_unit, rename_owned_unit
from cunxin.units.models import UnitKind

NAME_MAX = 60
ADDRESS_MAX = 120
NOTE_MAX = 200
# A goods photo is shown on a phone: 2 MB is plenty.
PHOTO_MAX_BYTES = 2 * 1024 * 1024
STOCK_MOVE_MAX = 100_000


def _text(value: str, field: str, limit: int, *, required: bool = True) -> str:
    value = " ".join((value or "").split())
    if required and not value:
        raise DomainError(f"{field}_required", _("请填写此项。"), field=field)
    if len(value) > limit:
        raise DomainError(f"{field}_too_long", _("不超过%d个字。") % limit, field=field)
    return value


def _manage(acting_user: Any, shop_or_village: Shop | Region) -> None:
    village = shop_or_village.village if isinstance(shop_or_village, Shop) else shop_or_village
    require(acting_user, Perm.MANAGE_SHOP, village.code)


@transaction.atomic
def do_create_shop(village: Region, *, name: str, address: str = "", acting_user: Any) -> Shop:
    """Open a village's credit supermarket; names are unique within the village."""
    _manage(acting_user, village)
    if not village.is_village:
        raise DomainError("not_village", _("信用超市须属于一个村。"), field="village")
    name = _text(name, "name", NAME_MAX)
    address = _text(address, "address", ADDRESS_MAX, required=False)
    if Shop.objects.filter(village=village, name=name).exists():
        raise Conflict("shop_exists", _("本村已有“%s”。") % name, field="name")
    unit = open_owned_unit(UnitKind.SHOP, name=name, region=village, acting_user=acting_user)
    shop = Shop(village=village, unit=unit, name=name, address=address)
    try:
        with transaction.atomic():
            shop.save()
    except IntegrityError:
        raise Conflict("shop_exists", _("本村已有“%s”。") % name, field="name") from None
    audit.record(
        acting_user, "shop.create_shop", shop, region_code=village.code, after=audit.snapshot(shop)
    )
    return shop


@transaction.atomic
def do_edit_shop(shop: Shop, *, name: str, address: str, active: bool, acting_user: Any) -> Shop:
    """Rename, move or close a shop (a closed shop redeems nothing)."""
    shop = Shop.objects.select_for_update().select_related("village", "unit").get(pk=shop.pk)
    _manage(acting_user, shop)
    before = audit.snapshot(shop)
    shop.name = _text(name, "name", NAME_MAX)
    shop.address = _text(address, "address", ADDRESS_MAX, required=False)
    shop.active = active
    try:
        with transaction.atomic():
            shop.save()
    except IntegrityError:
        raise Conflict("shop_exists", _("本村已有“%s”。") % shop.name, field="name") from None
    rename_owned_unit(shop.unit, shop.name)
    old, new = audit.changed(before, audit.snapshot(shop))
    audit.record(
        acting_user, "shop.edit_shop", shop, region_code=shop.village.code, before=old, after=new
    )
    return shop


def holds_keeper_role(user: Any, village: Region) -> bool:
    return RoleAssignment.objects.filter(
        user=user, role=Role.KEEPER, region=village, active=True
    ).exists()


@transaction.atomic
def do_add_keeper(shop: Shop, user: Any, *, acting_user: Any) -> RoleAssignment:
    """Let a user holding the keeper role in the shop's village redeem at this shop (the shop
    keeper role in the shop's unit)."""
    shop = Shop.objects.select_for_update().select_related("village", "unit").get(pk=shop.pk)
    _manage(acting_user, shop)
    if not holds_keeper_role(user, shop.village):
        raise DomainError(
            "keeper_role_missing", _("此账号在本村没有店主角色，请先授予角色。"), field="user"
        )
    if keepers_of(shop).filter(user=user).exists():
        raise Conflict("keeper_exists", _("此人已是本店店主。"), field="user")
    keeper = assign_in_unit(user, Role.SHOP_KEEPER, shop.unit, acting_user=acting_user)
    audit.record(
        acting_user,
        "shop.add_keeper",
        keeper,
        region_code=shop.village.code,
        after={"shop": shop.pk, "user": user.pk},
    )
    return keeper


@transaction.atomic
def do_remove_keeper(keeper: RoleAssignment, *, acting_user: Any) -> None:
    """Stop a keeper redeeming at the shop (their past redemptions stay theirs; the role's row
    stays, ended, as history)."""
    shop = (
        Shop.objects.select_for_update()
        .select_related("village")
        .filter(unit_id=keeper.unit_id or 0)
        .first()
    )
    if shop is None:
        raise Conflict("keeper_gone", _("此店主已被移除。"))
    _manage(acting_user, shop)
    if keeper.role != Role.SHOP_KEEPER or not end_assignment(keeper):
        raise Conflict("keeper_gone", _("此店主已被移除。"))
    audit.record(
        acting_user,
        "shop.remove_keeper",
        keeper,
        region_code=shop.village.code,
        before={"shop": shop.pk, "user": keeper.user_id},
    )


@dataclass(frozen=True)
class GoodsData:
    """What a goods form or API call gives."""

    name: str
    price: int
    monthly_limit: int = 0
    active: bool = True


def _check_goods(data: GoodsData) -> GoodsData:
    name = _text(data.name, "name", NAME_MAX)
    if not isinstance(data.price, int) or data.price < 1 or data.price > 1_000_000:
        raise DomainError("price_invalid", _("所需积分应为1到1000000的整数。"), field="price")
    if not isinstance(data.monthly_limit, int) or not 0 <= data.monthly_limit <= 10_000:
        raise DomainError(
            "limit_invalid", _("每人每月限兑应为0到10000的整数（0为不限）。"), field="monthly_limit"
        )
    return GoodsData(
        name=name, price=data.price, monthly_limit=data.monthly_limit, active=data.active
    )


def _goods_snapshot(goods: Goods) -> dict[str, Any]:
    """The goods' fields for the audit trail (the photo by its stored name)."""
    data = audit.snapshot(goods, [f.name for f in Goods._meta.concrete_fields if f.name != "photo"])
    data["photo"] = goods.photo.name or ""
    return data


def _set_photo(goods: Goods, photo: tuple[str, PhotoSource] | None) -> None:
    if photo is None:
        return
    name, content = photo
    checked = check_photo(content, name, max_bytes=PHOTO_MAX_BYTES, field="photo")
    goods.photo.save(checked.as_file().name or "photo", checked.as_file(), save=False)
    goods.photo_type = checked.content_type


@transaction.atomic
def do_create_goods(
    shop: Shop,
    data: GoodsData,
    *,
    stock: int = 0,
    photo: tuple[str, PhotoSource] | None = None,
    acting_user: Any,
) -> Goods:
    """Put goods on a shop's shelf; an opening stock is logged as stock in."""
    _manage(acting_user, shop)
    data = _check_goods(data)
    if not isinstance(stock, int) or not 0 <= stock <= STOCK_MOVE_MAX:
        raise DomainError("stock_invalid", _("库存应为0到100000的整数。"), field="stock")
    goods = Goods(
        shop=shop,
        name=data.name,
        price=data.price,
        monthly_limit=data.monthly_limit,
        active=data.active,
        stock=0,
    )
    _set_photo(goods, photo)
    try:
        with transaction.atomic():
            goods.save()
    except IntegrityError:
        raise Conflict("goods_exists", _("本店已有“%s”。") % data.name, field="name") from None
    audit.record(
        acting_user,
        "shop.create_goods",
        goods,
        region_code=shop.village.code,
        after=_goods_snapshot(goods),
    )
    if stock:
        _move(goods, stock, StockReason.IN, _("初始库存"), acting_user)
    return goods


@transaction.atomic
def do_edit_goods(
    goods: Goods,
    data: GoodsData,
    *,
    photo: tuple[str, PhotoSource] | None = None,
    acting_user: Any,
) -> Goods:
    """Change a goods' name, price, limit or photo, or take it off the shelf (stock changes go
    through ``do_move_stock``)."""
    goods = Goods.objects.select_for_update().select_related("shop__village").get(pk=goods.pk)
    _manage(acting_user, goods.shop)
    data = _check_goods(data)
    before = _goods_snapshot(goods)
    goods.name = data.name
    goods.price = data.price
    goods.monthly_limit = data.monthly_limit
    goods.active = data.active
    _set_photo(goods, photo)
    try:
        with transaction.atomic():
            goods.save()
    except IntegrityError:
        raise Conflict("goods_exists", _("本店已有“%s”。") % data.name, field="name") from None
    old, new = audit.changed(before, _goods_snapshot(goods))
    audit.record(
        acting_user,
        "shop.edit_goods",
        goods,
        region_code=goods.shop.village.code,
        before=old,
        after=new,
    )
    return goods


def _move(
    goods: Goods,
    change: int,
    reason: str,
    note: str,
    acting_user: Any,
    redemption: Any = None,
) -> StockMove:
    """Change the stock by ``change`` under the database's check; the caller holds the lock."""
    updated = Goods.objects.filter(pk=goods.pk, stock__gte=-change if change < 0 else 0).update(
        stock=F("stock") + change
    )
    if not updated:
        raise Conflict(
            "out_of_stock",
            _("“%(name)s”库存不足（现有%(stock)d）。") % {"name": goods.name, "stock": goods.stock},
            field="quantity",
        )
    goods.stock += change
    return StockMove.objects.create(
        goods=goods,
        change=change,
        reason=reason,
        note=note,
        redemption=redemption,
        stock_after=goods.stock,
        by=acting_user,
    )


@transaction.atomic
def do_move_stock(goods: Goods, *, change: int, note: str = "", acting_user: Any) -> StockMove:
    """Stock in (positive) or out (negative, with a reason); stock never goes below zero."""
    goods = Goods.objects.select_for_update().select_related("shop__village").get(pk=goods.pk)
    _manage(acting_user, goods.shop)
    if not isinstance(change, int) or change == 0 or abs(change) > STOCK_MOVE_MAX:
        raise DomainError(
            "change_invalid", _("数量应为非零整数（入库为正，出库为负）。"), field="change"
        )
    note = _text(note, "note", NOTE_MAX, required=change < 0)
    move = _move(
        goods, change, StockReason.IN if change > 0 else StockReason.OUT, note, acting_user
    )
    audit.record(
        acting_user,
        "shop.move_stock",
        goods,
        region_code=goods.shop.village.code,
        before={"stock": goods.stock - change},
        after={"stock": goods.stock},
        reason=note,
    )
    return move
