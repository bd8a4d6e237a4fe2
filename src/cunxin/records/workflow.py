"""A credit record's statuses: the one table of their changes and who may make each
(``core.workflow`` checks and applies it)."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy

from cunxin.accounts.permissions import Perm
from cunxin.core.errors import Forbidden
from cunxin.core.workflow import NEW, Reason, Workflow, holds
from cunxin.core.workflow import Transition as T
from cunxin.records.models import Record, RecordEvent
from cunxin.records.models import Status as S


def reviewer(user: Any, record: Record) -> bool:
    """A committee member of the record's village, who did not collect it themselves."""
    if not holds(user, Perm.REVIEW_RECORDS, record.village.code):
        return False
    if record.collected_by_id == getattr(user, "pk", None):
        raise Forbidden(
            "review_own_record", _("记录 #%s 是您采集的，须由其他评审会成员审核。") % record.pk
        )
    return True


RULING = Reason(field="ruling", prompt=gettext_lazy("请填写处理意见，异议人会看到。"))

RECORDS: Workflow[Record] = Workflow(
    Record,
    S,
    [
        # Collected (do_collect checks the collector), or a correction opened with a reason
        # (do_request_reversal checks who may correct).
        T(NEW, S.COLLECTED, reason=Reason(required=False)),
        # The first approval of two: kept in the history, the status stays.
        T(S.COLLECTED, S.COLLECTED, who=reviewer),
        # Without an actor: approved by the policy (volunteer hours, say).
        T(S.COLLECTED, S.APPROVED, who=reviewer),
        T(
            S.COLLECTED,
            S.REJECTED,
            who=reviewer,
            reason=Reason(prompt=gettext_lazy("不通过时必须填写原因。")),
        ),
        # Without an actor: the policy's weekly publication.
        T(S.APPROVED, S.IN_NOTICE, who=Perm.PUBLISH_NOTICES, requires=("notice",)),
        T(
            S.IN_NOTICE,
            S.DISPUTED,
            who=Perm.OBJECT,
            reason=Reason(prompt=gettext_lazy("请写明异议理由（至少%(n)d个字）。")),
        ),
        # Only the effect job, when the notice period ended without an objection open.
        T(S.IN_NOTICE, S.EFFECTIVE, who=lambda user, record: False, requires=("transfer",)),
        # An objection upheld cancels the record; dismissed, it goes back into the notice.
        T(S.DISPUTED, S.IN_NOTICE, who=Perm.RULE_OBJECTIONS, reason=RULING),
        T(S.DISPUTED, S.CANCELLED, who=Perm.RULE_OBJECTIONS, reason=RULING),
    ],
    code="record_status",
    noun=pgettext_lazy("workflow", "记录"),
    event=RecordEvent,
    where=lambda record: record.village.code,
)
