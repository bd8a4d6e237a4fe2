"""How the fund's rows explain their ledger transfers (registered with ``ledger.reconcile``):
a donation moved money from the region's ``donors`` account to the fund's (``fund:<pk>``), a
reversed donation moved it back, an approved payment moved it from the fund to ``payees``."""

from __future__ import annotations

from collections.abc import Sequence

from django.db.models import CharField, F, QuerySet, Value
from django.db.models.functions import Cast, Concat
from django.utils.translation import gettext_lazy

from cunxin.fund.models import DONORS, PAYEES, Donation, Payment, PaymentStatus
from cunxin.ledger import reconcile
from cunxin.ledger.models import AccountKind, Currency
from cunxin.ledger.reconcile import Legs, Scope, leg

KINDS = {
    "fund.donation": gettext_lazy("信用基金捐赠"),
    "fund.donation_reversal": gettext_lazy("信用基金捐赠冲正"),
    "fund.payment": gettext_lazy("信用基金支出"),
}


def _money(
    rows: QuerySet[Donation] | QuerySet[Payment],
    transfer: str,
    source: str | None,
    target: str | None,
) -> list[Legs]:
    """``amount`` from ``source`` to ``target`` (None: the fund's own account)."""
    fund = Concat(Value("fund:"), Cast("fund_id", CharField()), output_field=CharField())
    return [
        leg(
            rows,
            transfer=transfer,
            account_kind=AccountKind.OUTSIDE if holder else AccountKind.FUND,
            currency=Currency.MONEY,
            village="fund__region_id",
            holder=holder or fund,
            amount=sign * F("amount"),
        )
        for holder, sign in ((source, -1), (target, 1))
    ]


def legs(scope: Scope) -> Sequence[Legs]:
    donations = Donation.objects.all()
    payments = Payment.objects.filter(status=PaymentStatus.APPROVED, transfer__isnull=False)
    if scope is not None:
        donations = donations.filter(fund__region_id__in=scope)
        payments = payments.filter(fund__region_id__in=scope)
    reversed_ = donations.filter(reversal__isnull=False)
    return [
        *_money(donations, "transfer_id", DONORS, None),
        *_money(reversed_, "reversal_id", None, DONORS),
        *_money(payments, "transfer_id", None, PAYEES),
    ]


def register() -> None:
    reconcile.register(reconcile.Reconciler(app="fund", kinds=KINDS, legs=legs))
