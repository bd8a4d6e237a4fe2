"""How coupons explain their ledger transfers (registered with ``ledger.reconcile``).

- ``coupon.convert``: a conversion moved its points from the villager's spendable account to
  the village's issuance account, and its fen from the issuance COUPON account to the
  villager's; the coupons it issued add up to those fen.
- ``coupon.gift``: an accepted gift moved its fen from the giver's COUPON account to the
  receiver's.
- ``coupon.expire``: an expired coupon (keyed ``coupon:expire:<pk>``) gave what was left of it
  back to the issuance account.
- ``coupon.spend``: the coupon uses of a payment add up to what left the villager's COUPON
  account and what the payee received (whoever paid: the merchants app checks its sales).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from django.db.models import Case, CharField, F, OuterRef, Q, QuerySet, Subquery, Sum, Value, When
from django.db.models.functions import Cast, Concat
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from cunxin.coupons.models import Conversion, Coupon, CouponStatus, CouponUse, Gift, GiftStatus
from cunxin.ledger import reconcile
from cunxin.ledger.models import AccountKind, Currency, Entry, Transfer
from cunxin.ledger.reconcile import Finding, Legs, Scope, leg

KINDS = {
    "coupon.convert": gettext_lazy("积分兑换信用券"),
    "coupon.gift": gettext_lazy("信用券转赠"),
    "coupon.expire": gettext_lazy("信用券过期"),
}
SPEND_KINDS = {"coupon.spend": gettext_lazy("信用券消费")}


def _expiry_transfer() -> Subquery:
    key = Concat(Value("coupon:expire:"), Cast(OuterRef("pk"), CharField()))
    return Subquery(Transfer.objects.filter(key=key).values("pk")[:1])


def _expired(scope: Scope) -> QuerySet[Coupon]:
    coupons = Coupon.objects.filter(status=CouponStatus.EXPIRED, expired_fen__gt=0)
    if scope is not None:
        coupons = coupons.filter(village_id__in=scope)
    return coupons


def legs(scope: Scope) -> Sequence[Legs]:
    conversions = Conversion.objects.all()
    gifts = Gift.objects.filter(status=GiftStatus.ACCEPTED, transfer__isnull=False)
    if scope is not None:
        conversions = conversions.filter(village_id__in=scope)
        gifts = gifts.filter(village_id__in=scope)
    expired = _expired(scope).annotate(expiry=_expiry_transfer()).filter(expiry__isnull=False)
    found: list[Legs] = []
    for currency, amount in ((Currency.SPENDABLE, -F("points")), (Currency.COUPON, F("fen"))):
        found.append(
            leg(
                conversions,
                transfer="transfer_id",
                account_kind=AccountKind.RESIDENT,
                currency=currency,
                resident="resident_id",
                amount=amount,
            )
        )
        found.append(
            leg(
                conversions,
                transfer="transfer_id",
                account_kind=AccountKind.ISSUANCE,
                currency=currency,
                village="village_id",
                amount=-amount,
            )
        )
    for resident, sign in (("giver_id", -1), ("receiver_id", 1)):
        found.append(
            leg(
                gifts,
                transfer="transfer_id",
                account_kind=AccountKind.RESIDENT,
                currency=Currency.COUPON,
                resident=resident,
                amount=sign * F("amount_fen"),
            )
        )
    found.append(
        leg(
            expired,
            transfer="expiry",
            account_kind=AccountKind.RESIDENT,
            currency=Currency.COUPON,
            resident="owner_id",
            amount=-F("expired_fen"),
        )
    )
    found.append(
        leg(
            expired,
            transfer="expiry",
            account_kind=AccountKind.ISSUANCE,
            currency=Currency.COUPON,
            village="village_id",
            amount=F("expired_fen"),
        )
    )
    return found


def check(scope: Scope) -> Iterator[Finding]:
    yield from _expired_without_posting(scope)
    yield from _issued_as_converted(scope)


def _expired_without_posting(scope: Scope) -> Iterator[Finding]:
    missing = _expired(scope).annotate(expiry=_expiry_transfer()).filter(expiry__isnull=True)
    for serial, village_id, owner_id, fen in missing.order_by("pk").values_list(
        "serial", "village_id", "owner_id", "expired_fen"
    ):
        yield Finding(
            reconcile.MISSING,
            _("信用券 %(serial)s 已过期作废 %(fen)d 分，账本没有它的过期记账")
            % {"serial": serial, "fen": fen},
            village_id=village_id,
            resident_id=owner_id,
        )


def _issued_as_converted(scope: Scope) -> Iterator[Finding]:
    """The coupons a conversion issued add up to its fen (a coupon added afterwards shows)."""
    conversions = Conversion.objects.all()
    if scope is not None:
        conversions = conversions.filter(village_id__in=scope)
    wrong = (
        conversions.annotate(issued=Sum("coupons__face_fen"))
        .exclude(issued=F("fen"))
        .order_by("pk")
        .values_list("pk", "village_id", "resident_id", "transfer_id", "fen", "issued")
    )
    for pk, village_id, resident_id, transfer_id, fen, issued in wrong:
        yield Finding(
            reconcile.AMOUNT,
            _("第 %(pk)d 次兑换记账 %(fen)d 分，发出的信用券面值合计却是 %(issued)d 分")
            % {"pk": pk, "fen": fen, "issued": issued or 0},
            village_id=village_id,
            transfer_id=transfer_id,
            resident_id=resident_id,
        )


def spends(scope: Scope) -> Iterator[Finding]:
    """Per spend: what the uses add up to, what left villagers' COUPON accounts, and what the
    payee received must be one number."""
    entries = Entry.objects.filter(transfer__kind="coupon.spend")
    uses = CouponUse.objects.all()
    if scope is not None:
        entries = entries.filter(transfer__village_id__in=scope)
        uses = uses.filter(transfer__village_id__in=scope)
    paid = Q(amount__lt=0, account__kind=AccountKind.RESIDENT, account__currency=Currency.COUPON)
    posted = {
        row[0]: row[1:]
        for row in entries.values("transfer_id")
        .annotate(
            village=F("transfer__village_id"),
            out=Sum(Case(When(paid, then=-F("amount")), default=0)),
            received=Sum(Case(When(amount__gt=0, then=F("amount")), default=0)),
        )
        .values_list("transfer_id", "village", "out", "received")
    }
    used = dict(
        uses.values("transfer_id").annotate(s=Sum("amount_fen")).values_list("transfer_id", "s")
    )
    for transfer_id in sorted(set(posted) | set(used)):
        if transfer_id not in used:
            yield Finding(
                reconcile.UNEXPLAINED,
                "",
                village_id=posted[transfer_id][0],
                transfer_id=transfer_id,
            )
            continue
        spent = used[transfer_id]
        village_id, out, received = posted.get(transfer_id, (None, None, None))
        if out is None:
            yield Finding(
                reconcile.MISSING,
                _("信用券消费 %(fen)d 分，指向的转账不是信用券消费") % {"fen": spent},
                transfer_id=transfer_id,
            )
        elif (out, received) != (spent, spent):
            yield Finding(
                reconcile.AMOUNT,
                _("信用券使用合计 %(fen)d 分，账本付出 %(out)d 分、收款方收到 %(received)d 分")
                % {"fen": spent, "out": out, "received": received},
                village_id=village_id,
                transfer_id=transfer_id,
            )


def register() -> None:
    reconcile.register(reconcile.Reconciler(app="coupons", kinds=KINDS, legs=legs, check=check))
    reconcile.register(reconcile.Reconciler(app="coupons.spend", kinds=SPEND_KINDS, check=spends))
