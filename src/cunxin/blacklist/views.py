"""Pages of the blacklist (诚信黑名单) and credit repair (信用修复).

The committee: candidates and cases of its village, confirm or dismiss a candidate, rule on
repair applications. The villager: their own cases, and the repair application.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from cunxin.accounts.permissions import Perm
from cunxin.blacklist import actions, selectors
from cunxin.blacklist.forms import ConfirmForm, DismissForm, RepairForm, RuleForm
from cunxin.blacklist.models import ACTIVE, BlacklistCase, CaseStatus, RepairStatus
from cunxin.core.http import paginate, query_without_page, requires, run_action
from cunxin.people.models import Resident
from cunxin.regions.models import Region


def _village(request: HttpRequest) -> tuple[list[Region], Region | None]:
    villages = list(selectors.blacklist_villages(request.user).order_by("code"))
    wanted = request.GET.get("village", "")
    chosen = next((v for v in villages if str(v.pk) == wanted), None)
    return villages, chosen or (villages[0] if villages else None)


@requires(Perm.MANAGE_BLACKLIST)
def index(request: HttpRequest) -> HttpResponse:
    """The committee's desk: this village's candidates, cases in force, pending repairs."""
    villages, village = _village(request)
    candidates = selectors.village_candidates(village) if village else []
    cases = selectors.cases_for(request.user).filter(status__in=ACTIVE)
    repairs = selectors.repairs_for(request.user).filter(status=RepairStatus.PENDING)
    if village is not None:
        cases = cases.filter(village=village)
        repairs = repairs.filter(case__village=village)
    return render(
        request,
        "blacklist/index.html",
        {
            "villages": villages,
            "village": village,
            "candidates": candidates,
            "cases": cases.order_by("ends_on", "pk"),
            "pending_repairs": repairs.count(),
        },
    )


@requires(Perm.MANAGE_BLACKLIST)
def case_list(request: HttpRequest) -> HttpResponse:
    """Every case the committee keeps, by status."""
    cases = selectors.cases_for(request.user)
    status = request.GET.get("status", "")
    if status in CaseStatus.values:
        cases = cases.filter(status=status)
    query = request.GET.get("q", "").strip()
    if query:
        cases = cases.filter(resident__name__contains=query)
    return render(
        request,
        "blacklist/cases.html",
        {
            "page_obj": paginate(request, cases.order_by("-decided_at", "-pk")),
            "status": status,
            "statuses": CaseStatus.choices,
            "q": query,
            "query": query_without_page(request),
        },
    )


def _candidate_page(
    request: HttpRequest,
    resident: Resident,
    confirm_form: ConfirmForm | None = None,
    dismiss_form: DismissForm | None = None,
) -> HttpResponse:
    found = selectors.candidate(resident)
    return render(
        request,
        "blacklist/candidate.html",
        {
            "resident": resident,
            "candidate": found,
            "active": selectors.active_case(resident),
            "confirm_form": confirm_form or ConfirmForm(),
            "dismiss_form": dismiss_form or DismissForm(),
            "past": selectors.cases_for(request.user).filter(resident=resident),
        },
    )


def _resident(request: HttpRequest, pk: int) -> Resident:
    return get_object_or_404(
        selectors.candidate_residents(request.user).select_related("village", "household"), pk=pk
    )


@requires(Perm.MANAGE_BLACKLIST)
def candidate(request: HttpRequest, pk: int) -> HttpResponse:
    """Why a villager is a candidate, and the forms to confirm or dismiss."""
    return _candidate_page(request, _resident(request, pk))


@require_POST
@requires(Perm.MANAGE_BLACKLIST)
def confirm(request: HttpRequest, pk: int) -> HttpResponse:
    resident = _resident(request, pk)
    form = ConfirmForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        ok, case = run_action(
            form,
            lambda: actions.do_confirm_candidate(
                resident,
                reason=data["reason"],
                restrictions=form.all_restrictions(),
                ends_on=data["ends_on"],
                acting_user=request.user,
            ),
        )
        if ok:
            messages.success(request, _("已列入诚信黑名单，并已通知本人。"))
            return redirect("blacklist:case", pk=case.pk)
    return _candidate_page(request, resident, confirm_form=form)


@require_POST
@requires(Perm.MANAGE_BLACKLIST)
def dismiss(request: HttpRequest, pk: int) -> HttpResponse:
    resident = _resident(request, pk)
    form = DismissForm(request.POST)
    if form.is_valid():
        ok, case = run_action(
            form,
            lambda: actions.do_dismiss_candidate(
                resident, reason=form.cleaned_data["reason"], acting_user=request.user
            ),
        )
        if ok:
            messages.success(request, _("已决定不予列入。"))
            return redirect("blacklist:case", pk=case.pk)
    return _candidate_page(request, resident, dismiss_form=form)


def _case_context(case: BlacklistCase) -> dict[str, Any]:
    return {
        "case": case,
        "events": case.events.select_related("actor").order_by("at", "pk"),
        "applications": case.applications.select_related("ruled_by").order_by("-created_at"),
        "serious_records": case.serious_records.select_related("item").order_by("pk"),
    }


@requires(Perm.MANAGE_BLACKLIST)
def case_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """A case with its history; a pending repair application can be ruled on here."""
    case = get_object_or_404(selectors.cases_for(request.user), pk=pk)
    pending = selectors.pending_repair(case)
    return render(
        request,
        "blacklist/case.html",
        {
            **_case_context(case),
            "pending": pending,
            "conduct": selectors.conduct_since(case) if pending else None,
            "rule_form": RuleForm() if pending else None,
        },
    )


@requires(Perm.MANAGE_BLACKLIST)
def repair_list(request: HttpRequest) -> HttpResponse:
    """Repair applications waiting for the committee (or all of them)."""
    repairs = selectors.repairs_for(request.user)
    status = request.GET.get("status", RepairStatus.PENDING)
    if status in RepairStatus.values:
        repairs = repairs.filter(status=status)
    return render(
        request,
        "blacklist/repairs.html",
        {
            "page_obj": paginate(request, repairs.order_by("created_at", "pk")),
            "status": status,
            "statuses": RepairStatus.choices,
            "query": query_without_page(request),
        },
    )


@require_POST
@requires(Perm.MANAGE_BLACKLIST)
def rule(request: HttpRequest, pk: int) -> HttpResponse:
    application = get_object_or_404(selectors.repairs_for(request.user), pk=pk)
    form = RuleForm(request.POST)
    if form.is_valid():
        ok, _a = run_action(
            form,
            lambda: actions.do_rule_repair(
                application,
                approve=form.cleaned_data["approve"],
                reason=form.cleaned_data["reason"],
                acting_user=request.user,
            ),
        )
        if ok:
            messages.success(request, _("评审结果已保存，并已通知本人。"))
            return redirect("blacklist:case", pk=application.case_id)
    case = application.case
    return render(
        request,
        "blacklist/case.html",
        {
            **_case_context(case),
            "pending": selectors.pending_repair(case),
            "conduct": selectors.conduct_since(case),
            "rule_form": form,
        },
    )


# --- the villager --------------------------------------------------------------------------------


@requires(Perm.APPLY_REPAIR, regions=False)
def me(request: HttpRequest) -> HttpResponse:
    """The villager's own cases: reasons, restrictions, end dates, history and repair."""
    if getattr(request.user, "resident_id", None) is None:
        raise Http404
    cases = [
        {**_case_context(case), "can_apply": actions.may_apply_repair(request.user, case)}
        for case in selectors.own_cases(request.user).order_by("-decided_at", "-pk")
    ]
    return render(request, "blacklist/me.html", {"cases": cases})


@requires(Perm.APPLY_REPAIR, regions=False)
def apply(request: HttpRequest, pk: int) -> HttpResponse:
    """The villager applies for credit repair on their own case."""
    case = get_object_or_404(selectors.own_cases(request.user), pk=pk)
    form = RepairForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        upload = data.get("commitment_file")
        ok, _a = run_action(
            form,
            lambda: actions.do_apply_repair(
                case,
                volunteer_hours=data["volunteer_hours"],
                commitment_signed=data["commitment_signed"],
                text=data["text"],
                commitment_file=(upload.name, upload) if upload else None,
                acting_user=request.user,
            ),
        )
        if ok:
            messages.success(request, _("信用修复申请已提交，请等待村信用评审会评审。"))
            return redirect("blacklist:me")
    return render(
        request,
        "blacklist/apply.html",
        {"case": case, "form": form, "can_apply": actions.may_apply_repair(request.user, case)},
    )


@login_required
def repair_file(request: HttpRequest, pk: int) -> HttpResponse:
    """The commitment scan, to the committee and to the applicant (never a public URL)."""
    application = get_object_or_404(
        selectors.visible_repairs(request.user).exclude(commitment_file=""), pk=pk
    )
    # At most a phone photo (records.evidence.MAX_BYTES): read whole, not streamed.
    with application.commitment_file.open("rb") as file:
        response = HttpResponse(file.read(), content_type=application.commitment_type)
    response["Cache-Control"] = "private, max-age=86400"
    response["X-Content-Type-Options"] = "nosniff"
    return response
