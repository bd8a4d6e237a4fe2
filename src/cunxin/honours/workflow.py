"""An honours round's statuses: the one table of their changes and who may make each
(``core.workflow`` checks and applies it)."""

from __future__ import annotations

import datetime

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy

from cunxin.accounts.permissions import Perm
from cunxin.core.errors import DomainError
from cunxin.core.workflow import NEW, Reason, Workflow
from cunxin.core.workflow import Transition as T
from cunxin.honours.models import Round, RoundEvent
from cunxin.honours.models import RoundStatus as S


def can_confirm_from(r: Round) -> datetime.date:
    """The first day the round may be confirmed: a month's last day; a year from December."""
    if r.is_month:
        return r.ends_on
    return datetime.date(r.year, 12, 1)


def period_over(r: Round) -> None:
    """A round is confirmed once its period has (nearly) run: the month's last day."""
    ready = can_confirm_from(r)
    if timezone.localdate() < ready:
        raise DomainError(
            "too_early",
            _("%(period)s的评选要到%(day)s才能确认。")
            % {"period": r.label, "day": ready.isoformat()},
        )


ROUNDS: Workflow[Round] = Workflow(
    Round,
    S,
    [
        # Opened by the committee, or by the month-end job for every village.
        T(NEW, S.DRAFT, who=Perm.CHOOSE_HONOURS),
        # A draft is recomputed (draft → draft) or confirmed.
        T(S.DRAFT, S.DRAFT, who=Perm.CHOOSE_HONOURS),
        T(S.DRAFT, S.CONFIRMED, who=Perm.CHOOSE_HONOURS, guard=period_over),
        # A confirmed round is final; a correction reopens it, with a reason.
        T(S.CONFIRMED, S.DRAFT, who=Perm.CHOOSE_HONOURS, reason=Reason()),
    ],
    code="round_status",
    noun=pgettext_lazy("workflow", "评选"),
    event=RoundEvent,
    where=lambda r: r.village.code,
    new_label=gettext_lazy("未评选"),
)
