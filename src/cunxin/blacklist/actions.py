"""State changes of the blacklist: confirm or dismiss a candidate, apply for and rule on credit
repair, and end cases on their end date. Every step is audited and leaves a ``CaseEvent``; the
villager is told of every decision about them.
"""

from __future__ import annotations

import calendar
import datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import connection, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from cunxin.accounts.models import RoleAssignment
from cunxin.accounts.permissions import Perm, Role
from cunxin.blacklist import selectors, workflow
from cunxin.blacklist.models import (
    ACTIVE,
    BlacklistCase,
    CaseStatus,
    RepairApplication,
    RepairStatus,
)
from cunxin.core import audit
from cunxin.core.errors import Conflict, DomainError, Forbidden
from cunxin.core.scoping import may, require
from cunxin.notifications.actions import Note, notify
from cunxin.people.models import Resident
from cunxin.records.evidence import check_photo

REASON_MIN = 4
RESTRICTION_MAX_LENGTH = 40
RESTRICTIONS_MAX = 10
# A listing lasts at most five years (the longest downgrade in the Weihai rules).
LISTING_MAX_DAYS = 5 * 366
HOURS_MAX = Decimal(10000)


def add_months(day: datetime.date, months: int) -> datetime.date:
    """The same day some months later; the 31st becomes the month's last day where needed."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return datetime.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def _reason(reason: str, field: str = "reason") -> str:
    reason = reason.strip()
    if len(reason) < REASON_MIN:
        raise DomainError(
            "reason_required", _("请写明理由（至少%d个字）。") % REASON_MIN, field=field
        )
    return reason[:2000]


def clean_restrictions(items: list[str]) -> list[str]:
    """The restrictions as the villager will read them: trimmed, no repeats, at least one."""
    cleaned: list[str] = []
    for item in items:
        for part in item.replace("；", "\n").replace(";", "\n").splitlines():
            part = part.strip()
            if not part or part in cleaned:
                continue
            if len(part) > RESTRICTION_MAX_LENGTH:
                raise DomainError(
                    "restriction_too_long",
                    _("每项限制措施不超过%d个字。") % RESTRICTION_MAX_LENGTH,
                    field="restrictions",
                )
            cleaned.append(part)
    if not cleaned:
        raise DomainError(
            "restrictions_required", _("请至少选择或填写一项限制措施。"), field="restrictions"
        )
    if len(cleaned) > RESTRICTIONS_MAX:
        raise DomainError(
            "restrictions_too_many",
            _("限制措施最多%d项。") % RESTRICTIONS_MAX,
            field="restrictions",
        )
    return cleaned


def _lock_resident(resident: Resident) -> Resident:
    # One decision at a time per villager: two committee members clicking at once make one case.
    return Resident.objects.select_for_update().select_related("village").get(pk=resident.pk)


def _candidate(resident: Resident, today: datetime.date) -> selectors.Candidate:
    if BlacklistCase.objects.filter(resident=resident, status__in=ACTIVE).exists():
        raise Conflict("case_open", _("%s 已在黑名单中。") % resident.name)
    found = selectors.candidate(resident, today)
    if found is None:
        raise Conflict(
            "not_candidate",
            _("%s 目前不是黑名单候选人（等级未达到黑名单线，也没有生效的严重失信记录）。")
            % resident.name,
        )
    return found


def _open_case(
    found: selectors.Candidate,
    to: str,
    *,
    reason: str,
    acting_user: Any,
    restrictions: list[str] | None = None,
    ends_on: datetime.date | None = None,
    repair_from: datetime.date | None = None,
) -> BlacklistCase:
    case = BlacklistCase(
        village=found.resident.village,
        resident=found.resident,
        basis=found.basis,
        score=found.score,
        grade=found.grade,
        reason=reason,
        restrictions=restrictions or [],
        ends_on=ends_on,
        repair_from=repair_from,
        decided_by=acting_user,
        decided_at=timezone.now(),
    )
    workflow.transition(case, to, actor=acting_user, reason=reason)
    case.serious_records.set(found.serious_records)
    return case


@transaction.atomic
def do_confirm_candidate(
    resident: Resident,
    *,
    reason: str,
    restrictions: list[str],
    ends_on: datetime.date,
    acting_user: Any,
) -> BlacklistCase:
    """List a candidate on the blacklist, with the reason, the restrictions and the end date."""
    require(acting_user, Perm.MANAGE_BLACKLIST, resident.village.code)
    reason = _reason(reason)
    cleaned = clean_restrictions(restrictions)
    today = timezone.localdate()
    if ends_on <= today:
        raise DomainError("ends_on_past", _("移出日期必须晚于今天。"), field="ends_on")
    if (ends_on - today).days > LISTING_MAX_DAYS:
        raise DomainError("ends_on_too_late", _("列入期限最长5年。"), field="ends_on")
    resident = _lock_resident(resident)
    found = _candidate(resident, today)
    months = found.policy.repair_min_months if found.policy is not None else 6
    case = _open_case(
        found,
        CaseStatus.LISTED,
        reason=reason,
        acting_user=acting_user,
        restrictions=cleaned,
        ends_on=ends_on,
        repair_from=add_months(today, months),
    )
    audit.record(
        acting_user,
        "blacklist.confirm",
        case,
        region_code=resident.village.code,
        after={
            "resident": resident.pk,
            "basis": case.basis,
            "score": case.score,
            "grade": case.grade,
            "restrictions": cleaned,
            "ends_on": ends_on,
            "repair_from": case.repair_from,
            "serious_records": [r.pk for r in found.serious_records],
        },
        reason=reason,
    )
    notify(
        [
            Note(
                kind="blacklist_listed",
                resident_id=resident.pk,
                text=_(
                    "经村信用评审会评审，您已被列入诚信黑名单，至%(ends)s。理由：%(reason)s。"
                    "限制措施：%(restrictions)s。%(repair)s起可申请信用修复。"
                )
                % {
                    "ends": ends_on.isoformat(),
                    "reason": reason,
                    "restrictions": "、".join(cleaned),
                    "repair": case.repair_from.isoformat() if case.repair_from else "",
                },
                link=reverse("blacklist:me"),
            )
        ]
    )
    return case


@transaction.atomic
def do_dismiss_candidate(resident: Resident, *, reason: str, acting_user: Any) -> BlacklistCase:
    """Decide not to list a candidate; the decision holds until something new happens."""
    require(acting_user, Perm.MANAGE_BLACKLIST, resident.village.code)
    reason = _reason(reason)
    resident = _lock_resident(resident)
    found = _candidate(resident, timezone.localdate())
    case = _open_case(found, CaseStatus.DISMISSED, reason=reason, acting_user=acting_user)
    audit.record(
        acting_user,
        "blacklist.dismiss",
        case,
        region_code=resident.village.code,
        after={"resident": resident.pk, "basis": case.basis, "score": case.score},
        reason=reason,
    )
    notify(
        [
            Note(
                kind="blacklist_dismissed",
                resident_id=resident.pk,
                text=_("村信用评审会审议了您的信用情况，决定不列入诚信黑名单。意见：%s") % reason,
                link=reverse("blacklist:me"),
            )
        ]
    )
    return case


def _lock_case(case: BlacklistCase) -> BlacklistCase:
    return (
        BlacklistCase.objects.select_for_update(of=("self",))
        .select_related("village", "resident")
        .get(pk=case.pk)
    )


def _hours(value: Decimal | int | str) -> Decimal:
    try:
        hours = Decimal(str(value)).quantize(Decimal("0.1"))
    except (InvalidOperation, ValueError):
        raise DomainError(
            "hours_invalid", _("志愿服务时长应是数字。"), field="volunteer_hours"
        ) from None
    if hours < 0 or hours > HOURS_MAX:
        raise DomainError(
            "hours_invalid",
            _("志愿服务时长应在0到%d小时之间。") % HOURS_MAX,
            field="volunteer_hours",
        )
    return hours


@transaction.atomic
def do_apply_repair(
    case: BlacklistCase,
    *,
    volunteer_hours: Decimal | int | str,
    commitment_signed: bool,
    text: str,
    commitment_file: tuple[str, bytes] | None = None,
    acting_user: Any,
) -> RepairApplication:
    """A listed villager applies for credit repair with evidence of good conduct, once the
    policy's minimum period since listing has passed."""
    case = _lock_case(case)
    if not may(acting_user, Perm.APPLY_REPAIR, region=case.village.code, resident=case.resident_id):
        raise Forbidden("forbidden", _("只能为本人申请信用修复。"))
    if case.status == CaseStatus.REPAIR_PENDING:
        raise Conflict("repair_pending", _("您的信用修复申请正在评审中。"))
    if case.status != CaseStatus.LISTED:
        raise Conflict("case_closed", _("该案件已结束，无需申请信用修复。"))
    today = timezone.localdate()
    if case.ends_on is not None and case.ends_on <= today:
        raise Conflict("case_closed", _("该案件已到期，无需申请信用修复。"))
    if case.repair_from is None or today < case.repair_from:
        raise DomainError(
            "repair_too_early",
            _("列入黑名单满规定期限后才能申请信用修复，请于%s以后再申请。")
            % (case.repair_from.isoformat() if case.repair_from else ""),
        )
    hours = _hours(volunteer_hours)
    if not commitment_signed:
        raise DomainError(
            "commitment_required", _("请先签署信用承诺书。"), field="commitment_signed"
        )
    text = text.strip()
    if len(text) < 10:
        raise DomainError(
            "text_required", _("请写明列入黑名单以来的表现（至少10个字）。"), field="text"
        )
    photo = None
    if commitment_file is not None:
        name, content = commitment_file
        try:
            photo = check_photo(content, name)
        except DomainError as exc:
            raise DomainError(exc.code, str(exc), field="commitment_file") from None
    application = RepairApplication(
        case=case,
        applicant=acting_user,
        volunteer_hours=hours,
        commitment_signed=True,
        text=text[:4000],
    )
    if photo is not None:
        upload = photo.as_file()
        application.commitment_file.save(upload.name or "scan", upload, save=False)
        application.commitment_type = photo.content_type
        application.commitment_sha256 = photo.sha256
    application.save()
    workflow.transition(
        case,
        CaseStatus.REPAIR_PENDING,
        actor=acting_user,
        reason=_("申请信用修复"),
        application=application,
    )
    audit.record(
        acting_user,
        "blacklist.apply_repair",
        application,
        region_code=case.village.code,
        after={
            "case": case.pk,
            "volunteer_hours": str(hours),
            "commitment_file": bool(photo),
        },
    )
    committee = RoleAssignment.objects.filter(role=Role.COMMITTEE, region=case.village, active=True)
    notify(
        Note(
            kind="repair_applied",
            user_id=a.user_id,
            text=_("%s 申请信用修复，请评审会评审。") % case.resident.name,
            link=reverse("blacklist:case", args=[case.pk]),
        )
        for a in committee
    )
    return application


@transaction.atomic
def do_rule_repair(
    application: RepairApplication, *, approve: bool, reason: str, acting_user: Any
) -> RepairApplication:
    """Approve (the case ends, repaired) or refuse (it stays listed; the villager may apply
    again later) a repair application; refusing needs a reason the villager reads."""
    # The case first, then the application: the order the end-date job takes them in.
    case = _lock_case(application.case)
    application = RepairApplication.objects.select_for_update().get(pk=application.pk)
    require(acting_user, Perm.MANAGE_BLACKLIST, case.village.code)
    if application.status != RepairStatus.PENDING:
        raise Conflict("repair_ruled", _("这份信用修复申请已经评审过了。"))
    reason = (reason.strip()[:2000] or _("同意信用修复")) if approve else _reason(reason)
    application.status = RepairStatus.APPROVED if approve else RepairStatus.REFUSED
    application.ruled_by = acting_user
    application.ruled_at = timezone.now()
    application.ruling = reason
    application.save(update_fields=["status", "ruled_by", "ruled_at", "ruling"])
    workflow.transition(
        case,
        CaseStatus.REPAIRED if approve else CaseStatus.LISTED,
        actor=acting_user,
        reason=reason,
        application=application,
    )
    audit.record(
        acting_user,
        "blacklist.rule_repair",
        application,
        region_code=case.village.code,
        after={"case": case.pk, "status": application.status},
        reason=reason,
    )
    text = (
        _("您的信用修复申请已通过，已移出诚信黑名单。意见：%s") % reason
        if approve
        else _("您的信用修复申请未通过。理由：%s。您可以继续努力后再次申请。") % reason
    )
    notify(
        [
            Note(
                kind="repair_ruled",
                resident_id=case.resident_id,
                text=text,
                link=reverse("blacklist:me"),
            )
        ]
    )
    return application


def end_due_cases(today: datetime.date | None = None, batch: int = 500) -> int:
    """Cases whose end date has come end (a pending repair lapses); safe to run twice."""
    today = today or timezone.localdate()
    total = 0
    while True:
        done = _end_batch(today, batch)
        total += done
        if done < batch:
            return total


@transaction.atomic
def _end_batch(today: datetime.date, batch: int) -> int:
    due = BlacklistCase.objects.filter(status__in=ACTIVE, ends_on__lte=today)
    if connection.features.has_select_for_update_skip_locked:
        due = due.select_for_update(skip_locked=True, of=("self",))
    cases = list(due.select_related("village").order_by("pk")[:batch])
    notes = []
    for case in cases:
        reason = _("列入期限（至%s）已满") % (case.ends_on.isoformat() if case.ends_on else "")
        pending = case.applications.filter(status=RepairStatus.PENDING).first()
        if pending is not None:
            pending.status = RepairStatus.LAPSED
            pending.ruled_at = timezone.now()
            pending.ruling = reason
            pending.save(update_fields=["status", "ruled_at", "ruling"])
        workflow.transition(
            case, CaseStatus.EXPIRED, actor=None, reason=reason, application=pending
        )
        audit.record(
            None,
            "blacklist.expire",
            case,
            region_code=case.village.code,
            after={"status": case.status},
            reason=reason,
        )
        notes.append(
            Note(
                kind="blacklist_ended",
                resident_id=case.resident_id,
                text=_("您的诚信黑名单列入期限已满，已移出黑名单。"),
                link=reverse("blacklist:me"),
            )
        )
    notify(notes)
    return len(cases)
