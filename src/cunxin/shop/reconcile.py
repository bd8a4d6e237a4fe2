"""How the shop's redemptions explain their ledger transfers (registered with
``ledger.reconcile``): a redemption moved its points from the villager's spendable account to
the shop's (``shop:<pk>``); a cancelled one was undone by a transfer moving them back."""

from __future__ import annotations

from collections.abc import Sequence

from django.db.models import CharField, F, QuerySet, Value
from django.db.models.functions import Cast, Concat
from django.utils.translation import gettext_lazy

from cunxin.ledger import reconcile
from cunxin.ledger.models import AccountKind, Currency
from cunxin.ledger.reconcile import Legs, Scope, leg
from cunxin.shop.actions.redeem import KIND_CANCEL, KIND_REDEEM
from cunxin.shop.models import Redemption, RedemptionStatus

KINDS = {
    KIND_REDEEM: gettext_lazy("信用超市兑换"),
    KIND_CANCEL: gettext_lazy("信用超市兑换撤销"),
}


def _pair(rows: QuerySet[Redemption], transfer: str, sign: int) -> list[Legs]:
    shop = Concat(Value("shop:"), Cast("shop_id", CharField()), output_field=CharField())
    return [
        leg(
            rows,
            transfer=transfer,
            account_kind=AccountKind.RESIDENT,
            currency=Currency.SPENDABLE,
            resident="resident_id",
            amount=-sign * F("points"),
        ),
        leg(
            rows,
            transfer=transfer,
            account_kind=AccountKind.SHOP,
            currency=Currency.SPENDABLE,
            village="shop__village_id",
            holder=shop,
            amount=sign * F("points"),
        ),
    ]


def legs(scope: Scope) -> Sequence[Legs]:
    rows = Redemption.objects.all()
    if scope is not None:
        rows = rows.filter(shop__village_id__in=scope)
    cancelled = rows.filter(status=RedemptionStatus.CANCELLED, cancel_transfer__isnull=False)
    return [*_pair(rows, "transfer_id", 1), *_pair(cancelled, "cancel_transfer_id", -1)]


def register() -> None:
    reconcile.register(reconcile.Reconciler(app="shop", kinds=KINDS, legs=legs))
