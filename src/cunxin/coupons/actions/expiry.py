"""Expiry: a coupon past its last day returns what is left of it to the village's issuance
account, and an offer of it that is still open is closed. Safe to run twice: a coupon is
expired once (its status), and each return is a ledger transfer keyed by the coupon."""

from __future__ import annotations

import datetime
from collections import defaultdict

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from cunxin.core import audit
from cunxin.coupons.models import HELD, Coupon, CouponStatus, Gift, GiftStatus, yuan
from cunxin.coupons.workflow import COUPONS, GIFTS
from cunxin.ledger.actions import (
    TransferSpec,
    issuance_account_ids,
    post_many,
    resident_account_ids,
)
from cunxin.ledger.models import Currency
from cunxin.notifications.actions import Note, notify


def expire_due_coupons(today: datetime.date | None = None, batch: int = 500) -> int:
    """Expire every held coupon whose ``expires_on`` is before ``today``; returns how many."""
    today = today or timezone.localdate()
    done = 0
    while True:
        count = _expire_batch(today, batch)
        done += count
        if count < batch:
            return done


@transaction.atomic
def _expire_batch(today: datetime.date, batch: int) -> int:
    # Gifts first, then coupons, then ledger accounts: the order every action locks in.
    due_ids = list(
        Coupon.objects.filter(status__in=HELD, expires_on__lt=today)
        .order_by("pk")
        .values_list("pk", flat=True)[:batch]
    )
    if not due_ids:
        return 0
    open_gifts = list(
        Gift.objects.select_for_update()
        .filter(coupon_id__in=due_ids, status=GiftStatus.PENDING)
        .order_by("pk")
    )
    coupons = list(
        Coupon.objects.select_for_update(of=("self",))
        .filter(pk__in=due_ids, status__in=HELD, expires_on__lt=today)
        .select_related("village")
        .order_by("pk")
    )
    accounts = resident_account_ids(
        [(c.owner_id, c.village_id) for c in coupons], (Currency.COUPON,)
    )
    issuance = issuance_account_ids([c.village_id for c in coupons], (Currency.COUPON,))
    post_many(
        [
            TransferSpec(
                key=f"coupon:expire:{c.pk}",
                kind="coupon.expire",
                village_id=c.village_id,
                legs=(
                    (accounts[(c.owner_id, Currency.COUPON)], -c.remaining_fen),
                    (issuance[(c.village_id, Currency.COUPON)], c.remaining_fen),
                ),
                memo=_("信用券%(s)s过期") % {"s": c.serial},
            )
            for c in coupons
        ]
    )
    now = timezone.now()
    GIFTS.apply_many(
        open_gifts,
        GiftStatus.EXPIRED,
        actor=None,
        write=lambda gifts: Gift.objects.filter(pk__in=[g.pk for g in gifts]).update(
            status=GiftStatus.EXPIRED, decided_at=now
        ),
    )
    lost: dict[int, int] = defaultdict(int)
    for c in coupons:
        lost[c.owner_id] += c.remaining_fen
        c.expired_fen, c.remaining_fen = c.remaining_fen, 0
    COUPONS.apply_many(
        coupons, CouponStatus.EXPIRED, actor=None, fields=["expired_fen", "remaining_fen"]
    )
    for c in coupons:
        audit.record(
            None,
            "coupons.expire",
            c,
            region_code=c.village.code,
            before={"status": "held", "remaining_fen": c.expired_fen},
            after={"status": CouponStatus.EXPIRED, "remaining_fen": 0},
        )
    notify(
        Note(
            kind="coupon_expired",
            resident_id=owner,
            text=_("您有%(y)s元信用券已过有效期，已作废。") % {"y": yuan(fen)},
        )
        for owner, fen in sorted(lost.items())
    )
    return len(due_ids)
