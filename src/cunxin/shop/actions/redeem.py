"""Redemption (兑换): a villager's spendable points and the shop's stock go down together.

Order of locks, the same in every action here so that two keepers never deadlock: the
villager's spendable account, then (cancel only) the redemption, then the goods in primary-key
order, then whatever the ledger locks (the accounts in primary-key order, the village's chain).
Holding the villager's account first serialises everything done for one villager: the
``client_id`` check, the monthly limit and the balance are all read under it.
"""

from __future__ import annotations

import datetime
import uuid
from collections import defaultdict
from collections.abc import Sequence
from typing import Any

from django.db import transaction
from django.db.models import Sum
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from cunxin.accounts.permissions import Perm
from cunxin.blacklist.selectors import is_blacklisted
from cunxin.cards.identify import Customer, consume
from cunxin.core import audit
from cunxin.core.errors import Conflict, DomainError, Forbidden
from cunxin.core.scoping import may
from cunxin.ledger.actions import (
    LedgerError,
    TransferSpec,
    holder_account,
    post,
    resident_account_ids,
    reversal_spec,
)
from cunxin.ledger.models import Account, AccountKind, Currency
from cunxin.notifications.actions import Note, notify
from cunxin.people.models import Resident, ResidentStatus
from cunxin.records.standing import standing
from cunxin.shop.actions.catalogue import _move
from cunxin.shop.models import (
    Goods,
    Redemption,
    RedemptionLine,
    RedemptionStatus,
    Shop,
    StockReason,
)

KIND_REDEEM = "shop.redeem"
KIND_CANCEL = "shop.cancel"
MAX_QUANTITY = 999
MAX_LINES = 50
REASON_MAX = 200


def may_redeem(user: Any, shop: Shop) -> bool:
    """A keeper of this shop (the shop keeper role in its unit), or a platform admin."""
    return may(user, Perm.REDEEM, shop)


def may_cancel(user: Any, shop: Shop) -> bool:
    """A keeper of the shop, or who manages shops in its village."""
    return may_redeem(user, shop) or may(user, Perm.MANAGE_SHOP, shop)


def _lock_spendable(resident: Resident) -> int:
    """Lock the villager's spendable account (made on first use); its primary key."""
    account_id = resident_account_ids([(resident.pk, resident.village_id)], [Currency.SPENDABLE])[
        (resident.pk, Currency.SPENDABLE)
    ]
    Account.objects.select_for_update().filter(pk=account_id).values_list("pk").get()
    return account_id


def _merge(lines: Sequence[tuple[Goods | int, int]]) -> dict[int, int]:
    """Quantities per goods id; a goods listed twice is added up."""
    if not lines:
        raise DomainError("lines_empty", _("请至少选择一件商品。"), field="lines")
    if len(lines) > MAX_LINES:
        raise DomainError("lines_too_many", _("一次最多兑换%d种商品。") % MAX_LINES, field="lines")
    merged: dict[int, int] = defaultdict(int)
    for goods, quantity in lines:
        if isinstance(quantity, bool) or not isinstance(quantity, int) or quantity < 1:
            raise DomainError("quantity_invalid", _("数量应为正整数。"), field="quantity")
        merged[goods if isinstance(goods, int) else goods.pk] += quantity
    if any(q > MAX_QUANTITY for q in merged.values()):
        raise DomainError(
            "quantity_invalid", _("每种商品一次最多兑换%d件。") % MAX_QUANTITY, field="quantity"
        )
    return dict(merged)


def month_start(now: datetime.datetime | None = None) -> datetime.datetime:
    """Midnight of the first of this month, local time."""
    local = timezone.localtime(now)
    return local.replace(day=1, hour=0, minute=0, second=0, microsecond=0)


def used_this_month(resident: Resident, goods_ids: Sequence[int]) -> dict[int, int]:
    """How many of each goods the villager has taken this month (cancelled ones not counted)."""
    rows = (
        RedemptionLine.objects.filter(
            goods_id__in=list(goods_ids),
            redemption__resident=resident,
            redemption__status=RedemptionStatus.DONE,
            redemption__created_at__gte=month_start(),
        )
        .values("goods_id")
        .annotate(n=Sum("quantity"))
    )
    return {r["goods_id"]: r["n"] for r in rows}


def check_customer(shop: Shop, resident: Resident) -> None:
    """Refuse a customer who may not redeem here: another village, not on the roll, a score
    not above the base, or on the blacklist."""
    if resident.village_id != shop.village_id:
        raise Forbidden("customer_other_village", _("这位村民不属于本店所在村。"))
    if resident.status != ResidentStatus.ACTIVE:
        raise DomainError("customer_inactive", _("这位村民已不在册，不能兑换。"))
    now = standing(resident)
    if now.score <= now.base:
        raise DomainError(
            "below_base",
            _("信用分%(score)d未超过基础分%(base)d，暂不能兑换。")
            % {"score": now.score, "base": now.base},
        )
    if is_blacklisted(resident):
        raise DomainError("blacklisted", _("该村民在诚信黑名单上，不能兑换。"))


@transaction.atomic
def do_redeem(
    shop: Shop,
    customer: Customer,
    lines: Sequence[tuple[Goods | int, int]],
    *,
    client_id: uuid.UUID,
    acting_user: Any,
) -> Redemption:
    """Take goods for points: points and stock move in this one transaction, or nothing does.

    The same ``client_id`` again returns the first redemption, so a double click spends once.
    """
    shop = Shop.objects.select_related("village").get(pk=shop.pk)
    if not may_redeem(acting_user, shop):
        raise Forbidden("not_keeper", _("您不是本店店主，不能在本店兑换。"))
    if not isinstance(client_id, uuid.UUID):
        raise DomainError("client_id_invalid", _("提交编号无效，请刷新页面后重试。"))
    resident = Resident.objects.select_related("village").get(pk=customer.resident.pk)
    wanted = _merge(lines)
    account_id = _lock_spendable(resident)
    earlier = Redemption.objects.filter(client_id=client_id).first()
    if earlier is not None:
        if earlier.shop_id != shop.pk or earlier.resident_id != resident.pk:
            raise Conflict("client_id_reused", _("提交编号已被使用，请刷新页面后重试。"))
        return earlier
    if not shop.active:
        raise Conflict("shop_closed", _("本店已停业，不能兑换。"))
    check_customer(shop, resident)
    goods = list(
        Goods.objects.select_for_update().filter(pk__in=sorted(wanted), shop=shop).order_by("pk")
    )
    if len(goods) != len(wanted):
        raise DomainError("goods_unknown", _("所选商品不在本店。"), field="lines")
    used = used_this_month(resident, [g.pk for g in goods if g.monthly_limit])
    total = 0
    for g in goods:
        quantity = wanted[g.pk]
        if not g.active:
            raise Conflict("goods_inactive", _("“%s”已下架。") % g.name, field="lines")
        if g.stock < quantity:
            raise Conflict(
                "out_of_stock",
                _("“%(name)s”库存不足（现有%(stock)d）。") % {"name": g.name, "stock": g.stock},
                field="quantity",
            )
        if g.monthly_limit and used.get(g.pk, 0) + quantity > g.monthly_limit:
            raise Conflict(
                "monthly_limit",
                _("“%(name)s”每人每月限兑%(limit)d件，本月已兑%(used)d件。")
                % {"name": g.name, "limit": g.monthly_limit, "used": used.get(g.pk, 0)},
                field="quantity",
            )
        total += g.price * quantity
    shop_account = holder_account(
        AccountKind.SHOP, Currency.SPENDABLE, shop.village_id, shop.ledger_holder
    )
    try:
        transfer = post(
            TransferSpec(
                key=f"shop:redeem:{client_id}",
                kind=KIND_REDEEM,
                village_id=shop.village_id,
                legs=((account_id, -total), (shop_account.pk, total)),
                memo=_("%(shop)s兑换") % {"shop": shop.name},
                must_cover=(account_id,),
            )
        )
    except LedgerError as exc:
        if exc.code != "ledger_insufficient":
            raise
        balance = Account.objects.get(pk=account_id).balance
        raise Conflict(
            "insufficient_points",
            _("可用积分不足：需要%(need)d分，现有%(have)d分。") % {"need": total, "have": balance},
        ) from None
    balance_after = Account.objects.get(pk=account_id).balance
    redemption = Redemption.objects.create(
        shop=shop,
        resident=resident,
        client_id=client_id,
        via=customer.via,
        points=total,
        balance_after=balance_after,
        transfer=transfer,
        created_by=acting_user,
    )
    RedemptionLine.objects.bulk_create(
        [
            RedemptionLine(
                redemption=redemption, goods=g, name=g.name, quantity=wanted[g.pk], price=g.price
            )
            for g in goods
        ]
    )
    for g in goods:
        _move(g, -wanted[g.pk], StockReason.REDEEM, "", acting_user, redemption)
    consume(customer)
    audit.record(
        acting_user,
        "shop.redeem",
        redemption,
        region_code=shop.village.code,
        after={
            "resident": resident.pk,
            "points": total,
            "lines": {str(g.pk): wanted[g.pk] for g in goods},
            "via": customer.via,
            "transfer": transfer.pk,
        },
    )
    names = _("、").join(f"{g.name}×{wanted[g.pk]}" for g in goods)
    notify(
        [
            Note(
                kind="shop.redeem",
                resident_id=resident.pk,
                text=_("您在%(shop)s兑换了%(goods)s，使用%(points)d积分，剩余可用积分%(balance)d。")
                % {"shop": shop.name, "goods": names, "points": total, "balance": balance_after},
                link=reverse("people:me"),
            )
        ]
    )
    return redemption


@transaction.atomic
def do_cancel_redemption(redemption: Redemption, *, reason: str, acting_user: Any) -> Redemption:
    """Undo a redemption on the day it was made: the points and the stock go back, once."""
    redemption = Redemption.objects.select_related("shop__village", "resident").get(
        pk=redemption.pk
    )
    shop = redemption.shop
    if not may_cancel(acting_user, shop):
        raise Forbidden("forbidden", _("您没有权限撤销本店的兑换。"))
    reason = " ".join((reason or "").split())
    if not reason:
        raise DomainError("reason_required", _("请填写撤销原因。"), field="reason")
    if len(reason) > REASON_MAX:
        raise DomainError("reason_too_long", _("原因不超过%d个字。") % REASON_MAX, field="reason")
    _lock_spendable(redemption.resident)
    redemption = (
        Redemption.objects.select_for_update()
        .select_related("shop__village", "resident", "transfer")
        .get(pk=redemption.pk)
    )
    if redemption.status != RedemptionStatus.DONE:
        raise Conflict("already_cancelled", _("这笔兑换已经撤销过。"))
    if timezone.localdate(redemption.created_at) != timezone.localdate():
        raise Conflict("cancel_too_late", _("只能撤销当天的兑换。"))
    lines = list(redemption.lines.order_by("goods_id"))
    goods = {
        g.pk: g
        for g in Goods.objects.select_for_update()
        .filter(pk__in=[line.goods_id for line in lines])
        .order_by("pk")
    }
    transfer = post(
        reversal_spec(
            redemption.transfer,
            key=f"shop:cancel:{redemption.pk}",
            kind=KIND_CANCEL,
            memo=_("%(shop)s兑换撤销") % {"shop": shop.name},
        )
    )
    for line in lines:
        _move(
            goods[line.goods_id], line.quantity, StockReason.CANCEL, reason, acting_user, redemption
        )
    redemption.status = RedemptionStatus.CANCELLED
    redemption.cancel_transfer = transfer
    redemption.cancelled_by = acting_user
    redemption.cancelled_at = timezone.now()
    redemption.cancel_reason = reason
    redemption.save(
        update_fields=["status", "cancel_transfer", "cancelled_by", "cancelled_at", "cancel_reason"]
    )
    audit.record(
        acting_user,
        "shop.cancel_redemption",
        redemption,
        region_code=shop.village.code,
        before={"status": RedemptionStatus.DONE},
        after={"status": RedemptionStatus.CANCELLED, "transfer": transfer.pk},
        reason=reason,
    )
    notify(
        [
            Note(
                kind="shop.cancel",
                resident_id=redemption.resident_id,
                text=_("您在%(shop)s的兑换（小票%(number)s）已撤销，%(points)d积分已退回。")
                % {"shop": shop.name, "number": redemption.number, "points": redemption.points},
                link=reverse("people:me"),
            )
        ]
    )
    return redemption
