"""The coupon's and the gift's statuses: one table each (``core.workflow`` checks and applies
them). Neither keeps a status history of its own: a coupon's life is told by its gifts and
its uses, and a gift is itself the record of one offer; who acts is checked by the actions
(the villagers on either side of a gift, the counter that takes a coupon)."""

from __future__ import annotations

from django.utils.translation import pgettext_lazy

from cunxin.core.workflow import Transition as T
from cunxin.core.workflow import Workflow
from cunxin.coupons.models import Coupon, CouponStatus, Gift, GiftStatus

C = CouponStatus
G = GiftStatus

COUPONS: Workflow[Coupon] = Workflow(
    Coupon,
    C,
    [
        # A live coupon changes hands (live → live, a new owner), is offered, spent or lapses.
        T(C.LIVE, C.LIVE),
        T(C.LIVE, C.GIFTING),
        T(C.LIVE, C.USED),
        T(C.LIVE, C.EXPIRED),
        # Offered: accepted or declined (back to live, perhaps with a new owner), or expired.
        T(C.GIFTING, C.LIVE),
        T(C.GIFTING, C.EXPIRED),
    ],
    code="coupon_state",
    noun=pgettext_lazy("workflow", "信用券"),
)

GIFTS: Workflow[Gift] = Workflow(
    Gift,
    G,
    [
        T(G.PENDING, G.ACCEPTED),
        T(G.PENDING, G.DECLINED),
        T(G.PENDING, G.CANCELLED),
        T(G.PENDING, G.EXPIRED),
    ],
    code="gift_state",
    noun=pgettext_lazy("workflow", "转赠"),
)
