"""How merchants' rows explain their ledger transfers (registered with ``ledger.reconcile``).

- ``merchant.settlement``: a paid settlement moved its fen from the merchant's COUPON account
  (``merchant:<pk>``) to the fund region's ``settled`` account, and equals the coupon part of
  the sales it settles.
- A sale paid partly in coupons names the spend (explained by the coupons app): it must have
  moved the sale's coupon part from the customer to the merchant's account.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from django.db.models import CharField, F, Sum, Value
from django.db.models.functions import Cast, Coalesce, Concat
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from cunxin.ledger import reconcile
from cunxin.ledger.models import AccountKind, Currency
from cunxin.ledger.reconcile import Finding, Legs, Scope, leg
from cunxin.merchants.models import SETTLED, Sale, Settlement

KINDS = {"merchant.settlement": gettext_lazy("合作商家结算")}


def _merchant() -> Concat:
    return Concat(Value("merchant:"), Cast("merchant_id", CharField()), output_field=CharField())


def legs(scope: Scope) -> Sequence[Legs]:
    paid = Settlement.objects.filter(transfer__isnull=False)
    if scope is not None:
        paid = paid.filter(transfer__village_id__in=scope)
    return [
        leg(
            paid,
            transfer="transfer_id",
            account_kind=AccountKind.MERCHANT,
            currency=Currency.COUPON,
            village="merchant__region_id",
            holder=_merchant(),
            amount=-F("amount_fen"),
        ),
        leg(
            paid,
            transfer="transfer_id",
            account_kind=AccountKind.OUTSIDE,
            currency=Currency.COUPON,
            village="payment__fund__region_id",
            holder=SETTLED,
            amount=F("amount_fen"),
        ),
    ]


def sale_legs(scope: Scope) -> Sequence[Legs]:
    sales = Sale.objects.filter(transfer__isnull=False)
    if scope is not None:
        sales = sales.filter(transfer__village_id__in=scope)
    return [
        leg(
            sales,
            transfer="transfer_id",
            account_kind=AccountKind.RESIDENT,
            currency=Currency.COUPON,
            resident="resident_id",
            amount=-F("coupon_fen"),
        ),
        leg(
            sales,
            transfer="transfer_id",
            account_kind=AccountKind.MERCHANT,
            currency=Currency.COUPON,
            village="merchant__region_id",
            holder=_merchant(),
            amount=F("coupon_fen"),
        ),
    ]


def check(scope: Scope) -> Iterator[Finding]:
    """A settlement's amount is the coupon part of the sales it settles."""
    settlements = Settlement.objects.all()
    if scope is not None:
        settlements = settlements.filter(merchant__region_id__in=scope)
    wrong = (
        settlements.annotate(claimed=Coalesce(Sum("sales__coupon_fen"), 0))
        .exclude(claimed=F("amount_fen"))
        .order_by("pk")
        .values_list(
            "pk",
            "merchant__name",
            "month",
            "merchant__region_id",
            "transfer_id",
            "amount_fen",
            "claimed",
        )
    )
    for _pk, name, month, region_id, transfer_id, amount, claimed in wrong:
        yield Finding(
            reconcile.AMOUNT,
            _("%(name)s %(month)s 结算 %(amount)d 分，所结销售的信用券合计却是 %(claimed)d 分")
            % {"name": name, "month": f"{month:%Y-%m}", "amount": amount, "claimed": claimed},
            village_id=region_id,
            transfer_id=transfer_id,
        )


def register() -> None:
    reconcile.register(reconcile.Reconciler(app="merchants", kinds=KINDS, legs=legs, check=check))
    reconcile.register(
        reconcile.Reconciler(
            app="merchants.sales",
            kinds={"coupon.spend": gettext_lazy("合作商家销售")},
            legs=sale_legs,
            claims=False,
        )
    )
