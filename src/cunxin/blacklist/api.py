"""API of the blacklist and credit repair, and of carry-over (结转) at period end.

The same actions and selectors as the pages. Carry-over lives here for now because its
natural home (the records router) belongs to another part of the tree; its paths start with
``/carry-over/``.
"""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.http import Http404, HttpRequest
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext_lazy as _
from ninja import Field, File, Form, Query, Router, Schema, Status
from ninja.files import UploadedFile
from ninja.params.functions import Form as form_param

from cunxin.accounts.permissions import Perm
from cunxin.blacklist import actions, selectors
from cunxin.blacklist.models import (
    ACTIVE,
    BlacklistCase,
    CaseStatus,
    RepairApplication,
    RepairStatus,
)
from cunxin.core.errors import Forbidden
from cunxin.core.fields import Code, Day, Hours, Id, Line, LongNote, Note
from cunxin.core.http import api_check
from cunxin.core.paging import Page, PageIn, paginate
from cunxin.core.scoping import may
from cunxin.people.models import Resident
from cunxin.records.actions.carryover import CarryOverPlan, do_carry_over, plan_carry_over
from cunxin.records.models import CarryOverRun
from cunxin.regions.models import Level, Region

router = Router(tags=["blacklist"])
# A form field with a default (``Form[Hours] = 0`` would lose the default of an annotated type).
NO_HOURS = form_param(Decimal(0))


class SeriousRecordOut(Schema):
    id: int
    item: str
    behaviour_date: datetime.date
    points: int


class BlacklistCandidateOut(Schema):
    resident_id: int
    name: str
    village_code: str
    score: int
    grade: str
    basis: str
    serious_records: list[SeriousRecordOut]


def _serious(records: object) -> list[dict[str, object]]:
    return [
        {"id": r.pk, "item": r.item.name, "behaviour_date": r.behaviour_date, "points": r.points}
        for r in records  # type: ignore[attr-defined]
    ]


@router.get("/candidates", response=Page[BlacklistCandidateOut], summary="黑名单候选人（评审会）")
def list_candidates(
    request: HttpRequest, paging: Query[PageIn], village_code: Code = ""
) -> dict[str, object]:
    api_check(request, Perm.MANAGE_BLACKLIST)
    villages = selectors.blacklist_villages(request.user).order_by("code")
    if village_code:
        villages = villages.filter(code=village_code)
    found = []
    for village in villages:
        for c in selectors.village_candidates(village):
            found.append(
                {
                    "resident_id": c.resident.pk,
                    "name": c.resident.name,
                    "village_code": village.code,
                    "score": c.score,
                    "grade": c.grade,
                    "basis": c.basis,
                    "serious_records": _serious(c.serious_records),
                }
            )
    return paginate(found, paging)


class ApplicationOut(Schema):
    id: int
    case_id: int
    status: str
    status_label: str
    volunteer_hours: Decimal
    commitment_signed: bool
    has_commitment_file: bool
    text: str
    created_at: datetime.datetime
    ruled_at: datetime.datetime | None
    ruling: str


def _application_out(a: RepairApplication) -> dict[str, object]:
    return {
        "id": a.pk,
        "case_id": a.case_id,
        "status": a.status,
        "status_label": str(RepairStatus(a.status).label),
        "volunteer_hours": a.volunteer_hours,
        "commitment_signed": a.commitment_signed,
        "has_commitment_file": bool(a.commitment_file),
        "text": a.text,
        "created_at": a.created_at,
        "ruled_at": a.ruled_at,
        "ruling": a.ruling,
    }


class CaseEventOut(Schema):
    from_status: str
    to_status: str
    at: datetime.datetime
    actor: str
    reason: str


class CaseOut(Schema):
    id: int
    resident_id: int
    name: str
    village_code: str
    status: str
    status_label: str
    basis: str
    score: int
    grade: str
    reason: str
    restrictions: list[str]
    ends_on: datetime.date | None
    repair_from: datetime.date | None
    decided_at: datetime.datetime
    closed_at: datetime.datetime | None
    in_force: bool
    serious_records: list[SeriousRecordOut]
    applications: list[ApplicationOut]
    history: list[CaseEventOut]


def _case_out(case: BlacklistCase) -> dict[str, object]:
    return {
        "id": case.pk,
        "resident_id": case.resident_id,
        "name": case.resident.name,
        "village_code": case.village.code,
        "status": case.status,
        "status_label": str(CaseStatus(case.status).label),
        "basis": case.basis,
        "score": case.score,
        "grade": case.grade,
        "reason": case.reason,
        "restrictions": list(case.restrictions),
        "ends_on": case.ends_on,
        "repair_from": case.repair_from,
        "decided_at": case.decided_at,
        "closed_at": case.closed_at,
        "in_force": selectors.active_case(case.resident_id) == case,
        "serious_records": _serious(case.serious_records.select_related("item").order_by("pk")),
        "applications": [
            _application_out(a) for a in case.applications.order_by("-created_at", "-pk")
        ],
        "history": [
            {
                "from_status": e.from_status,
                "to_status": e.to_status,
                "at": e.at,
                "actor": e.actor.name if e.actor else "",
                "reason": e.reason,
            }
            for e in case.events.select_related("actor").order_by("at", "pk")
        ],
    }


class ConfirmIn(Schema):
    reason: Note
    restrictions: list[Line] = Field(max_length=50)
    ends_on: Day


class DismissIn(Schema):
    reason: Note


def _candidate_resident(request: HttpRequest, resident_id: Id) -> Resident:
    return get_object_or_404(
        selectors.candidate_residents(request.user).select_related("village"), pk=resident_id
    )


@router.post(
    "/candidates/{resident_id}/confirm",
    response={201: CaseOut},
    summary="列入诚信黑名单（理由、限制措施、移出日期）",
)
def confirm(request: HttpRequest, resident_id: Id, payload: ConfirmIn) -> Status[dict[str, object]]:
    api_check(request, Perm.MANAGE_BLACKLIST)
    resident = _candidate_resident(request, resident_id)
    case = actions.do_confirm_candidate(
        resident,
        reason=payload.reason,
        restrictions=payload.restrictions,
        ends_on=payload.ends_on,
        acting_user=request.user,
    )
    return Status(201, _case_out(case))


@router.post("/candidates/{resident_id}/dismiss", response={201: CaseOut}, summary="候选人不予列入")
def dismiss(request: HttpRequest, resident_id: Id, payload: DismissIn) -> Status[dict[str, object]]:
    api_check(request, Perm.MANAGE_BLACKLIST)
    resident = _candidate_resident(request, resident_id)
    case = actions.do_dismiss_candidate(
        resident,
        reason=payload.reason,
        acting_user=request.user,
    )
    return Status(201, _case_out(case))


class CaseRow(Schema):
    id: int
    resident_id: int
    name: str
    village_code: str
    status: str
    basis: str
    ends_on: datetime.date | None
    repair_from: datetime.date | None
    decided_at: datetime.datetime


def _case_row(c: BlacklistCase) -> dict[str, object]:
    return {
        "id": c.pk,
        "resident_id": c.resident_id,
        "name": c.resident.name,
        "village_code": c.village.code,
        "status": c.status,
        "basis": c.basis,
        "ends_on": c.ends_on,
        "repair_from": c.repair_from,
        "decided_at": c.decided_at,
    }


@router.get("/cases", response=Page[CaseRow], summary="黑名单案件（评审会）")
def list_cases(
    request: HttpRequest,
    paging: Query[PageIn],
    status: Code = "",
    active: bool = False,
    village_code: Code = "",
) -> dict[str, object]:
    api_check(request, Perm.MANAGE_BLACKLIST)
    cases = selectors.cases_for(request.user).order_by("-decided_at", "-pk")
    if status:
        cases = cases.filter(status=status)
    if active:
        cases = cases.filter(status__in=ACTIVE)
    if village_code:
        cases = cases.filter(village__code=village_code)
    return paginate(cases, paging, _case_row)


def _either(request: HttpRequest) -> None:
    """The committee's gate or the villager's own (a villager reads only their own case)."""
    if not may(request.user, Perm.MANAGE_BLACKLIST) and not may(request.user, Perm.APPLY_REPAIR):
        raise Forbidden("forbidden", _("您没有权限进行此操作。"))


@router.get("/cases/{case_id}", response=CaseOut, summary="案件详情（评审会，或本人）")
def get_case(request: HttpRequest, case_id: Id) -> dict[str, object]:
    _either(request)
    return _case_out(get_object_or_404(selectors.visible_cases(request.user), pk=case_id))


@router.get("/me", response=Page[CaseOut], summary="本人的黑名单情况")
def my_cases(request: HttpRequest, paging: Query[PageIn]) -> dict[str, object]:
    api_check(request, Perm.APPLY_REPAIR, regions=False)
    cases = selectors.own_cases(request.user).order_by("-decided_at", "-pk")
    return paginate(cases, paging, _case_out)


@router.post(
    "/cases/{case_id}/repair",
    response={201: ApplicationOut},
    summary="申请信用修复（本人；志愿服务时长、信用承诺书、说明，可附承诺书照片）",
)
def apply_repair(
    request: HttpRequest,
    case_id: Id,
    text: Form[LongNote],
    commitment_signed: Form[bool],
    volunteer_hours: Hours = NO_HOURS,
    commitment_file: File[UploadedFile] | None = None,
) -> Status[dict[str, object]]:
    api_check(request, Perm.APPLY_REPAIR, regions=False)
    case = get_object_or_404(selectors.own_cases(request.user), pk=case_id)
    upload = (commitment_file.name or "", commitment_file) if commitment_file else None
    application = actions.do_apply_repair(
        case,
        volunteer_hours=volunteer_hours,
        commitment_signed=commitment_signed,
        text=text,
        commitment_file=upload,
        acting_user=request.user,
    )
    return Status(201, _application_out(application))


class RepairRow(ApplicationOut):
    resident_id: int
    name: str
    village_code: str


def _repair_row(a: RepairApplication) -> dict[str, object]:
    return {
        **_application_out(a),
        "resident_id": a.case.resident_id,
        "name": a.case.resident.name,
        "village_code": a.case.village.code,
    }


@router.get("/repairs", response=Page[RepairRow], summary="信用修复申请（评审会；默认待评审）")
def list_repairs(
    request: HttpRequest, paging: Query[PageIn], status: Code = RepairStatus.PENDING
) -> dict[str, object]:
    api_check(request, Perm.MANAGE_BLACKLIST)
    repairs = selectors.repairs_for(request.user).order_by("created_at", "pk")
    if status in RepairStatus.values:
        repairs = repairs.filter(status=status)
    return paginate(repairs, paging, _repair_row)


class RepairRulingIn(Schema):
    approve: bool
    reason: Note = ""


@router.post(
    "/repairs/{application_id}/rule",
    response=ApplicationOut,
    summary="评审信用修复申请（同意则移出黑名单；不同意须写理由）",
)
def rule_repair(
    request: HttpRequest, application_id: Id, payload: RepairRulingIn
) -> dict[str, object]:
    api_check(request, Perm.MANAGE_BLACKLIST)
    application = get_object_or_404(selectors.repairs_for(request.user), pk=application_id)
    ruled = actions.do_rule_repair(
        application, approve=payload.approve, reason=payload.reason, acting_user=request.user
    )
    return _application_out(ruled)


# --- carry-over (结转) -----------------------------------------------------------------------------


def _carry_village(request: HttpRequest, code: str) -> Region:
    api_check(request, Perm.CARRY_OVER)
    village = Region.objects.filter(code=code, level=Level.VILLAGE).first()
    if village is None or not may(request.user, Perm.CARRY_OVER, code):
        raise Http404
    return village


class CarryLineOut(Schema):
    resident_id: int
    name: str
    score_before: int
    score_after: int
    spendable_before: int
    spendable_after: int
    changed: bool


class CarryPlanOut(Schema):
    village_code: str
    period_end: datetime.date
    mode: str
    percent: int
    unspent_points_expire: bool
    records_to_close: int
    score_returned: int
    spendable_returned: int
    already_done: bool
    lines: list[CarryLineOut]


def _plan_out(plan: CarryOverPlan, *, changed_only: bool) -> dict[str, object]:
    return {
        "village_code": plan.village.code,
        "period_end": plan.period_end,
        "mode": plan.mode,
        "percent": plan.percent,
        "unspent_points_expire": plan.policy.unspent_points_expire,
        "records_to_close": plan.records_to_close,
        "score_returned": plan.score_returned,
        "spendable_returned": plan.spendable_returned,
        "already_done": plan.done is not None,
        "lines": [
            {
                "resident_id": line.resident_id,
                "name": line.name,
                "score_before": line.score_before,
                "score_after": line.score_after,
                "spendable_before": line.spendable_before,
                "spendable_after": line.spendable_after,
                "changed": line.changed,
            }
            for line in (plan.changed if changed_only else plan.lines)
        ],
    }


@router.get(
    "/carry-over/plan",
    response=CarryPlanOut,
    summary="结转预览：每位村民结转前后的信用分和可用积分（不做改动）",
)
def carry_over_plan(
    request: HttpRequest, village_code: Code, period_end: Day, changed_only: bool = False
) -> dict[str, object]:
    village = _carry_village(request, village_code)
    return _plan_out(plan_carry_over(village, period_end), changed_only=changed_only)


class CarryIn(Schema):
    village_code: Code
    period_end: Day


class CarryRunOut(Schema):
    id: int
    village_code: str
    period_end: datetime.date
    mode: str
    percent: int
    spendable_expired: bool
    residents_changed: int
    score_returned: int
    spendable_returned: int
    records_closed: int
    run_at: datetime.datetime
    already_done: bool


def _run_out(run: CarryOverRun, *, already_done: bool = False) -> dict[str, object]:
    return {
        "id": run.pk,
        "village_code": run.village.code,
        "period_end": run.period_end,
        "mode": run.mode,
        "percent": run.percent,
        "spendable_expired": run.spendable_expired,
        "residents_changed": run.residents_changed,
        "score_returned": run.score_returned,
        "spendable_returned": run.spendable_returned,
        "records_closed": run.records_closed,
        "run_at": run.run_at,
        "already_done": already_done,
    }


@router.post(
    "/carry-over/runs",
    response={200: CarryRunOut, 201: CarryRunOut},
    summary="执行结转（同一村同一截止日只执行一次；再次提交返回已有结果，already_done 为真）",
)
def carry_over_run(request: HttpRequest, payload: CarryIn) -> Status[dict[str, object]]:
    village = _carry_village(request, payload.village_code)
    result = do_carry_over(village, payload.period_end, acting_user=request.user)
    return Status(
        201 if result.created else 200, _run_out(result.run, already_done=not result.created)
    )


@router.get("/carry-over/runs", response=Page[CarryRunOut], summary="结转记录")
def carry_over_runs(
    request: HttpRequest, paging: Query[PageIn], village_code: Code = ""
) -> dict[str, object]:
    api_check(request, Perm.CARRY_OVER)
    runs = CarryOverRun.objects.restrict(request.user, Perm.CARRY_OVER).select_related("village")
    if village_code:
        runs = runs.filter(village__code=village_code)
    return paginate(runs.order_by("-period_end", "-pk"), paging, _run_out)
