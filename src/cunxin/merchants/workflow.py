"""A partner merchant's statuses: the one table of their changes and who may make each
(``core.workflow`` checks and applies it)."""

from __future__ import annotations

from django.utils.translation import pgettext_lazy

from cunxin.accounts.permissions import Perm
from cunxin.core.workflow import NEW, Reason, Workflow
from cunxin.core.workflow import Transition as T
from cunxin.merchants.models import Merchant, MerchantEvent
from cunxin.merchants.models import MerchantStatus as S

DECIDED = ("decided_by", "decided_at")

MERCHANTS: Workflow[Merchant] = Workflow(
    Merchant,
    S,
    [
        # A keeper or the credit centre applies (do_apply_merchant says who may, where).
        T(NEW, S.APPLIED),
        T(S.APPLIED, S.ACTIVE, who=Perm.MANAGE_MERCHANTS, requires=DECIDED),
        T(S.APPLIED, S.REFUSED, who=Perm.MANAGE_MERCHANTS, reason=Reason(), requires=DECIDED),
        T(S.ACTIVE, S.SUSPENDED, who=Perm.MANAGE_MERCHANTS, reason=Reason()),
        T(S.SUSPENDED, S.ACTIVE, who=Perm.MANAGE_MERCHANTS),
    ],
    code="merchant_status",
    noun=pgettext_lazy("workflow", "商家"),
    event=MerchantEvent,
    where=lambda merchant: merchant.region.code,
)
