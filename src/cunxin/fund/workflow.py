"""A fund payment's statuses: the one table of their changes and who may make each
(``core.workflow`` checks and applies it)."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import pgettext_lazy

from cunxin.accounts.permissions import Perm
from cunxin.core.errors import Forbidden
from cunxin.core.workflow import NEW, Reason, Workflow, holds
from cunxin.core.workflow import Transition as T
from cunxin.fund.models import Payment, PaymentChange
from cunxin.fund.models import PaymentStatus as S


def _fund_region(payment: Payment) -> str:
    return payment.fund.region.code


def checker(user: Any, payment: Payment) -> bool:
    """Another credit-centre user of the fund's region than the one who proposed it."""
    if not holds(user, Perm.MANAGE_FUND, _fund_region(payment)):
        return False
    if payment.proposed_by_id == getattr(user, "pk", None):
        raise Forbidden(
            "payment_own_proposal",
            _("不能审批自己提出的支出，请由信用中心的另一位工作人员审批。"),
        )
    return True


PAYMENTS: Workflow[Payment] = Workflow(
    Payment,
    S,
    [
        T(NEW, S.PROPOSED, who=Perm.MANAGE_FUND),
        # Approving posts the transfer: money moves exactly when it is approved.
        T(S.PROPOSED, S.APPROVED, who=checker, requires=("transfer", "decided_by", "decided_at")),
        # The proposer may withdraw their own proposal so.
        T(
            S.PROPOSED,
            S.REJECTED,
            who=Perm.MANAGE_FUND,
            reason=Reason(),
            requires=("decided_by", "decided_at"),
        ),
        # Decided is final: a wrong approval is answered by a new entry, not by undoing this one.
    ],
    code="payment_status",
    noun=pgettext_lazy("workflow", "支出"),
    event=PaymentChange,
    where=_fund_region,
)
