"""Review by the village committee: approve or reject, one by one or in bulk; corrections."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from cunxin.accounts.permissions import Perm
from cunxin.core import audit
from cunxin.core.errors import Conflict, DomainError
from cunxin.core.scoping import require
from cunxin.core.workflow import NEW, passes
from cunxin.notifications.actions import Note, notify
from cunxin.records import scoring
from cunxin.records.models import Approval, Record, Status
from cunxin.records.workflow import RECORDS

# Counted when re-scoring at approval: only what the committee has already let through.
APPROVED_OR_LATER = (Status.APPROVED, Status.IN_NOTICE, Status.DISPUTED, Status.EFFECTIVE)


def _lock(record_ids: Sequence[int]) -> list[Record]:
    """The records, locked in id order, with what review needs."""
    records = list(
        Record.objects.select_for_update(of=("self",))
        .select_related("village", "item", "policy", "resident", "resident__village")
        .filter(pk__in=sorted(set(record_ids)))
        .order_by("pk")
    )
    if len(records) != len(set(record_ids)):
        raise DomainError("record_unknown", _("有的记录不存在或已被删除。"))
    return records


def may_review(user: Any, record: Record) -> bool:
    """Whether the user may approve or reject the record now (a committee member of its
    village who did not collect it, while it waits for review)."""
    return RECORDS.may(user, record, Status.APPROVED)


@transaction.atomic
def do_approve(record_ids: Sequence[int], *, acting_user: Any) -> list[Record]:
    """Approve records (all or none); with two approvals required, the second one counts."""
    records = _lock(record_ids)
    for record in records:
        RECORDS.check(record, Status.APPROVED, actor=acting_user)
    done: list[Record] = []
    now = timezone.now()
    for record in records:
        if Approval.objects.filter(record=record, reviewer=acting_user).exists():
            raise Conflict("already_approved", _("您已经审核过记录 #%s。") % record.pk)
        Approval.objects.create(record=record, reviewer=acting_user)
        needed = 2 if record.policy.two_approvals else 1
        if record.approvals.count() < needed:
            RECORDS.apply(
                record,
                Status.COLLECTED,
                actor=acting_user,
                reason=_("第一位评审会成员已同意，还需一位"),
            )
            continue
        # Re-score against what is already approved: two records collected at the same time
        # cannot both take the room left under a monthly cap.
        rescored = (
            scoring.score(
                record.resident,
                record.item.code,
                record.quantity,
                record.behaviour_date,
                exclude_record=record.pk,
                counted_statuses=APPROVED_OR_LATER,
                also_count=frozenset(r.pk for r in done),
                at_entry=False,
            )
            if record.reverses_id is None
            else None
        )
        if rescored is not None and rescored.points != record.points:
            record.points = rescored.points
            record.scoring_note = rescored.note[:200]
        record.reviewed_at = now
        done.append(record)
    RECORDS.apply_many(
        done, Status.APPROVED, actor=acting_user, fields=["points", "scoring_note", "reviewed_at"]
    )
    for record in done:
        audit.record(
            acting_user,
            "records.approve",
            record,
            region_code=record.village.code,
            after={"points": record.points},
        )
    notify(
        Note(
            kind="record_approved",
            resident_id=r.resident_id,
            text=_("您的信用记录“%(item)s %(points)+d分”已通过审核，将在下一期公示。")
            % {"item": r.item.name, "points": r.points},
            link=reverse("records:record", args=[r.pk]),
        )
        for r in done
    )
    return records


def approve_by_policy(
    records: Sequence[Record], *, reason: str, region_code: str, context: dict[str, Any]
) -> None:
    """Approve records that the policy lets through without review (volunteer hours, say).

    Runs inside the caller's transaction, on records it has just collected; no reviewer acts,
    so the audit and the records' history carry the policy's reason instead of a name.
    """
    if not records:
        return
    now = timezone.now()
    for record in records:
        record.reviewed_at = now
    RECORDS.apply_many(
        list(records), Status.APPROVED, actor=None, reason=reason, fields=["reviewed_at"]
    )
    for record in records:
        audit.record(
            None,
            "records.approve_by_policy",
            record,
            region_code=region_code,
            after={"points": record.points, "policy": record.policy_id, **context},
            reason=reason,
        )


@transaction.atomic
def do_reject(record_ids: Sequence[int], *, reason: str, acting_user: Any) -> list[Record]:
    """Reject records (all or none); the reason is required and shown to the villager."""
    reason = RECORDS.clean_reason(reason, to=Status.REJECTED)
    records = _lock(record_ids)
    for record in records:
        RECORDS.check(record, Status.REJECTED, actor=acting_user)
    now = timezone.now()
    for record in records:
        record.reject_reason = reason
        record.reviewed_at = now
    RECORDS.apply_many(
        records,
        Status.REJECTED,
        actor=acting_user,
        reason=reason,
        fields=["reject_reason", "reviewed_at"],
    )
    for record in records:
        audit.record(
            acting_user, "records.reject", record, region_code=record.village.code, reason=reason
        )
    notify(
        Note(
            kind="record_rejected",
            resident_id=r.resident_id,
            text=_("信用记录“%(item)s”未通过审核：%(reason)s")
            % {"item": r.item.name, "reason": reason},
            link=reverse("records:record", args=[r.pk]),
        )
        for r in records
    )
    return records


def check_reversal(user: Any, record: Record) -> None:
    """Refuse a correction unless the user may correct the village's records and the record
    is an effective one (not itself a correction) with no correction under way."""
    require(user, Perm.REVERSE_RECORDS, record.village.code)
    if record.status != Status.EFFECTIVE or record.reverses_id is not None:
        raise Conflict("not_reversible", _("只有已生效的记录可以更正。"))
    if (
        Record.objects.filter(reverses=record)
        .exclude(status__in=[Status.REJECTED, Status.CANCELLED])
        .exists()
    ):
        raise Conflict("already_reversing", _("这条记录已有更正在办理。"))


def may_reverse(user: Any, record: Record) -> bool:
    """Whether the user may open a correction of the record now."""
    return passes(check_reversal, user, record)


@transaction.atomic
def do_request_reversal(record: Record, *, reason: str, acting_user: Any) -> Record:
    """Open a correction of an effective record: a reversal record that goes through the same
    review, notice and effect as any other."""
    if not reason.strip():
        raise DomainError("reason_required", _("请填写更正原因。"), field="reason")
    reason = RECORDS.clean_reason(reason, to=Status.COLLECTED, source=NEW)
    original = _lock([record.pk])[0]
    check_reversal(acting_user, original)
    reversal = Record(
        client_id=uuid.uuid4(),
        village_id=original.village_id,
        resident_id=original.resident_id,
        item=original.item,
        policy=original.policy,
        quantity=original.quantity,
        behaviour_date=original.behaviour_date,
        note=reason,
        points=-original.points,
        base_points=-original.base_points,
        scoring_note=_("更正记录 #%s") % original.pk,
        collected_by=acting_user,
        reverses=original,
    )
    RECORDS.apply(reversal, Status.COLLECTED, actor=acting_user, reason=reason)
    audit.record(
        acting_user,
        "records.request_reversal",
        reversal,
        region_code=original.village.code,
        after={"reverses": original.pk, "points": reversal.points},
        reason=reason,
    )
    return reversal
