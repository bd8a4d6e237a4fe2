"""A blacklist case's statuses: the one table of their changes and who may make each
(``core.workflow`` checks and applies it)."""

from __future__ import annotations

from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy

from cunxin.accounts.permissions import Perm
from cunxin.blacklist.models import ACTIVE, BlacklistCase, CaseEvent, RepairApplication
from cunxin.blacklist.models import CaseStatus as S
from cunxin.core.errors import Conflict, DomainError, Forbidden
from cunxin.core.scoping import may
from cunxin.core.workflow import NEW, Reason, Workflow
from cunxin.core.workflow import Transition as T


def the_villager(user: Any, case: BlacklistCase) -> bool:
    """Only the listed villager applies for repair, for themselves."""
    if not may(user, Perm.APPLY_REPAIR, region=case.village.code, resident=case.resident_id):
        raise Forbidden("forbidden", _("只能为本人申请信用修复。"))
    return True


def repair_due(case: BlacklistCase) -> None:
    """Repair may be asked for once the policy's minimum period has passed, before the end."""
    today = timezone.localdate()
    if case.ends_on is not None and case.ends_on <= today:
        raise Conflict("case_closed", _("该案件已到期，无需申请信用修复。"))
    if case.repair_from is None or today < case.repair_from:
        raise DomainError(
            "repair_too_early",
            _("列入黑名单满规定期限后才能申请信用修复，请于%s以后再申请。")
            % (case.repair_from.isoformat() if case.repair_from else ""),
        )


CASES: Workflow[BlacklistCase] = Workflow(
    BlacklistCase,
    S,
    [
        # The committee's first decision on a candidate opens the case.
        T(NEW, S.LISTED, who=Perm.MANAGE_BLACKLIST, reason=Reason()),
        T(NEW, S.DISMISSED, who=Perm.MANAGE_BLACKLIST, reason=Reason()),
        T(S.LISTED, S.REPAIR_PENDING, who=the_villager, guard=repair_due),
        # Refused, the case is listed again (the villager may apply later); approved, it ends.
        T(S.REPAIR_PENDING, S.LISTED, who=Perm.MANAGE_BLACKLIST, reason=Reason()),
        T(
            S.REPAIR_PENDING,
            S.REPAIRED,
            who=Perm.MANAGE_BLACKLIST,
            reason=Reason(required=False),
        ),
        # Only the end-date job.
        T((S.LISTED, S.REPAIR_PENDING), S.EXPIRED, who=lambda user, case: False),
    ],
    code="case_status",
    noun=pgettext_lazy("workflow", "案件"),
    event=CaseEvent,
    where=lambda case: case.village.code,
    new_label=gettext_lazy("候选"),
)


def move(
    case: BlacklistCase,
    to: str,
    *,
    actor: Any,
    reason: str = "",
    application: RepairApplication | None = None,
) -> CaseEvent | None:
    """Move a case (saving it, or creating it) through ``CASES``; a case leaving the
    blacklist is closed at that moment."""
    fields = []
    if to not in ACTIVE and case.closed_at is None:
        case.closed_at = timezone.now()
        fields.append("closed_at")
    event = CASES.apply(
        case, to, actor=actor, reason=reason, fields=fields, application=application
    )
    assert event is None or isinstance(event, CaseEvent)
    return event
