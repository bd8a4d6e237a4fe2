"""The merchant's statuses and the one table of allowed changes."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from cunxin.core.errors import Conflict
from cunxin.merchants.models import MerchantStatus as S

TRANSITIONS: dict[str, frozenset[str]] = {
    S.APPLIED: frozenset({S.ACTIVE, S.REFUSED}),
    S.ACTIVE: frozenset({S.SUSPENDED}),
    S.SUSPENDED: frozenset({S.ACTIVE}),
    S.REFUSED: frozenset(),
}


def check(current: str, to: str) -> None:
    """Refuse a change the table does not allow (a stale page, a double click)."""
    if to not in TRANSITIONS.get(current, frozenset()):
        raise Conflict(
            "merchant_status",
            _("商家当前状态为“%(now)s”，不能进行此操作，请刷新页面。"),
            params={"now": S(current).label},
        )
