"""The coupon's and the gift's allowed status changes: one table each, checked by ``move``."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from cunxin.core.errors import Conflict
from cunxin.coupons.models import CouponStatus, GiftStatus

COUPON_TRANSITIONS: dict[str, frozenset[str]] = {
    CouponStatus.LIVE: frozenset(
        {CouponStatus.GIFTING, CouponStatus.USED, CouponStatus.EXPIRED, CouponStatus.LIVE}
    ),
    # Offered: accepted or declined (back to live, perhaps with a new owner), or expired.
    CouponStatus.GIFTING: frozenset({CouponStatus.LIVE, CouponStatus.EXPIRED}),
    CouponStatus.USED: frozenset(),
    CouponStatus.EXPIRED: frozenset(),
}

GIFT_TRANSITIONS: dict[str, frozenset[str]] = {
    GiftStatus.PENDING: frozenset(
        {GiftStatus.ACCEPTED, GiftStatus.DECLINED, GiftStatus.CANCELLED, GiftStatus.EXPIRED}
    ),
    GiftStatus.ACCEPTED: frozenset(),
    GiftStatus.DECLINED: frozenset(),
    GiftStatus.CANCELLED: frozenset(),
    GiftStatus.EXPIRED: frozenset(),
}


def check_coupon(current: str, new: str) -> None:
    """Refuse a coupon status change the table does not allow."""
    if new not in COUPON_TRANSITIONS[current]:
        raise Conflict(
            "coupon_state",
            _("这张信用券当前状态为“%(s)s”，不能进行此操作。"),
            params={"s": CouponStatus(current).label},
        )


def check_gift(current: str, new: str) -> None:
    """Refuse a gift status change the table does not allow."""
    if new not in GIFT_TRANSITIONS[current]:
        raise Conflict(
            "gift_state",
            _("这笔转赠当前状态为“%(s)s”，不能再处理。"),
            params={"s": GiftStatus(current).label},
        )
