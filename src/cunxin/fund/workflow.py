"""The one table of allowed payment status changes, and the one function that checks it."""

from __future__ import annotations

from django.utils.translation import gettext as _

from cunxin.core.errors import Conflict
from cunxin.fund.models import Payment, PaymentStatus

TRANSITIONS: dict[str, frozenset[str]] = {
    PaymentStatus.PROPOSED: frozenset({PaymentStatus.APPROVED, PaymentStatus.REJECTED}),
    # Decided is final: a wrong approval is answered by a new entry, not by undoing this one.
    PaymentStatus.APPROVED: frozenset(),
    PaymentStatus.REJECTED: frozenset(),
}


def check(payment: Payment, to: str) -> None:
    """Refuse a change the table does not allow (a second click, two checkers at once)."""
    if to not in TRANSITIONS[payment.status]:
        raise Conflict(
            "payment_status",
            _("这笔支出当前为“%(status)s”，不能再改为“%(to)s”。")
            % {"status": payment.get_status_display(), "to": PaymentStatus(to).label},
        )
