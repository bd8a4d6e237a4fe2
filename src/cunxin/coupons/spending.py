"""Spending coupons: the contract the merchants app (and the card) pays through.

``spend`` runs inside the caller's transaction (the payment it belongs to): it locks the
villager's live coupons in primary-key order, takes them soonest-expiring first, whole or in
part, posts one ledger transfer from the villager's COUPON account to ``to_account_id`` and
writes a ``CouponUse`` per coupon touched. The same ``key`` again returns the first uses.
"""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cunxin.core.errors import Conflict, DomainError
from cunxin.coupons.models import Coupon, CouponStatus, CouponUse, yuan
from cunxin.coupons.workflow import COUPONS
from cunxin.ledger.actions import TransferSpec, post, resident_account_ids
from cunxin.ledger.models import Currency, Transfer
from cunxin.people.models import Resident


def spendable_fen(resident: Resident) -> int:
    """What the villager can pay with coupons today (live, unexpired, not on offer)."""
    return sum(
        Coupon.objects.filter(
            owner=resident, status=CouponStatus.LIVE, expires_on__gte=timezone.localdate()
        ).values_list("remaining_fen", flat=True)
    )


def spend(
    resident: Resident,
    amount_fen: int,
    *,
    to_account_id: int,
    key: str,
    village_id: int,
    memo: str,
) -> list[CouponUse]:
    """Pay ``amount_fen`` from the villager's coupons to an account; refuses more than they
    hold. Idempotent by ``key`` (the ledger transfer's key)."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("coupons.spend must run inside the caller's transaction")
    if isinstance(amount_fen, bool) or not isinstance(amount_fen, int) or amount_fen < 1:
        raise DomainError("amount_invalid", _("支付金额必须大于0。"), field="amount")
    today = timezone.localdate()
    coupons = list(
        Coupon.objects.select_for_update()
        .filter(owner=resident, status=CouponStatus.LIVE, expires_on__gte=today)
        .order_by("pk")
    )
    # Looked up under the coupons' locks: a retry racing its first attempt waits for it here
    # and then finds its transfer, rather than taking the coupons a second time.
    done = Transfer.objects.filter(key=key).first()
    if done is not None:
        return list(CouponUse.objects.filter(transfer=done).select_related("coupon"))
    available = sum(c.remaining_fen for c in coupons)
    if amount_fen > available:
        raise Conflict(
            "coupon_insufficient",
            _("信用券余额不足：可用%(have)s元，需付%(need)s元。"),
            field="amount",
            params={"have": yuan(available), "need": yuan(amount_fen)},
        )
    source = resident_account_ids([(resident.pk, resident.village_id)], (Currency.COUPON,))[
        (resident.pk, Currency.COUPON)
    ]
    transfer = post(
        TransferSpec(
            key=key,
            kind="coupon.spend",
            village_id=village_id,
            legs=((source, -amount_fen), (to_account_id, amount_fen)),
            memo=memo,
            must_cover=(source,),
        )
    )
    uses: list[CouponUse] = []
    left = amount_fen
    for coupon in sorted(coupons, key=lambda c: (c.expires_on, c.pk)):
        if left == 0:
            break
        take = min(left, coupon.remaining_fen)
        left -= take
        coupon.remaining_fen -= take
        if coupon.remaining_fen == 0:
            COUPONS.apply(coupon, CouponStatus.USED, actor=None, fields=["remaining_fen"])
        else:
            coupon.save(update_fields=["remaining_fen"])
        uses.append(CouponUse(coupon=coupon, transfer=transfer, amount_fen=take, memo=memo[:200]))
    CouponUse.objects.bulk_create(uses)
    return uses
