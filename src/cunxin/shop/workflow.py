"""A redemption's statuses: the one table of their changes and who may make each
(``core.workflow`` checks and applies it)."""

from __future__ import annotations

from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy

from cunxin.accounts.permissions import Perm
from cunxin.core.errors import Conflict, Forbidden
from cunxin.core.scoping import may
from cunxin.core.workflow import NEW, Reason, Workflow
from cunxin.core.workflow import Transition as T
from cunxin.shop.models import Redemption, RedemptionEvent, Shop
from cunxin.shop.models import RedemptionStatus as S


def may_redeem(user: Any, shop: Shop) -> bool:
    """A keeper of this shop (the shop keeper role in its unit), or a platform admin."""
    return may(user, Perm.REDEEM, shop)


def may_cancel(user: Any, shop: Shop) -> bool:
    """A keeper of the shop, or who manages shops in its village."""
    return may_redeem(user, shop) or may(user, Perm.MANAGE_SHOP, shop)


def shop_staff(user: Any, redemption: Redemption) -> bool:
    """Who may undo the shop's redemptions (``may_cancel``)."""
    if not may_cancel(user, redemption.shop):
        raise Forbidden("forbidden", _("您没有权限撤销本店的兑换。"))
    return True


def same_day(redemption: Redemption) -> None:
    """A redemption is undone on the day it was made, or not at all."""
    if timezone.localdate(redemption.created_at) != timezone.localdate():
        raise Conflict("cancel_too_late", _("只能撤销当天的兑换。"))


REDEMPTIONS: Workflow[Redemption] = Workflow(
    Redemption,
    S,
    [
        # Made by do_redeem, which checks the keeper before any point moves.
        T(NEW, S.DONE),
        T(
            S.DONE,
            S.CANCELLED,
            who=shop_staff,
            reason=Reason(prompt=gettext_lazy("请填写撤销原因。")),
            guard=same_day,
            requires=("cancel_transfer", "cancelled_by", "cancelled_at", "cancel_reason"),
        ),
    ],
    # The code clients have known since before the table: cancelling twice is the only
    # change it refuses.
    code="already_cancelled",
    noun=pgettext_lazy("workflow", "兑换"),
    event=RedemptionEvent,
    where=lambda redemption: redemption.shop.village.code,
)
