"""The one table of allowed case status changes, and the one function that applies it."""

from __future__ import annotations

from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _

from cunxin.blacklist.models import ACTIVE, BlacklistCase, CaseEvent, CaseStatus, RepairApplication
from cunxin.core.errors import Conflict

# The status of a case not yet saved: the committee's first decision opens it.
NEW = ""

TRANSITIONS: dict[str, frozenset[str]] = {
    NEW: frozenset({CaseStatus.LISTED, CaseStatus.DISMISSED}),
    # Listed: the villager applies for repair, or the end date comes.
    CaseStatus.LISTED: frozenset({CaseStatus.REPAIR_PENDING, CaseStatus.EXPIRED}),
    # Refused, the case is listed again (the villager may apply later); approved, it ends.
    CaseStatus.REPAIR_PENDING: frozenset(
        {CaseStatus.LISTED, CaseStatus.REPAIRED, CaseStatus.EXPIRED}
    ),
    CaseStatus.DISMISSED: frozenset(),
    CaseStatus.REPAIRED: frozenset(),
    CaseStatus.EXPIRED: frozenset(),
}


def label(status: str) -> str:
    return str(CaseStatus(status).label) if status else _("候选")


def check(case: BlacklistCase, to: str) -> None:
    """Refuse a status change the table does not allow (e.g. a second click after it happened)."""
    current = case.status if case.pk else NEW
    if to not in TRANSITIONS[current]:
        raise Conflict(
            "case_status",
            _("该案件当前为“%(status)s”，不能改为“%(to)s”。")
            % {"status": label(current), "to": label(to)},
        )


def transition(
    case: BlacklistCase,
    to: str,
    *,
    actor: Any,
    reason: str = "",
    application: RepairApplication | None = None,
) -> CaseEvent:
    """Move a case (saving it, or creating it) to a new status and keep one history row."""
    check(case, to)
    from_status = case.status if case.pk else NEW
    case.status = to
    if to not in ACTIVE and case.closed_at is None:
        case.closed_at = timezone.now()
    case.save()
    return CaseEvent.objects.create(
        case=case,
        from_status=from_status,
        to_status=to,
        actor=actor if getattr(actor, "pk", None) else None,
        reason=reason[:2000],
        application=application,
    )
