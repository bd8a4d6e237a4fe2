"""Pages: finding residents, a resident's record, households, roster import and export."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from cunxin.accounts.permissions import Perm
from cunxin.core.cleaning import parse_id
from cunxin.core.errors import DomainError
from cunxin.core.http import CSV, XLSX, download, paginate, query_without_page, requires, run_action
from cunxin.core.scoping import may
from cunxin.people import actions, selectors
from cunxin.people.forms import (
    ExportForm,
    ImportForm,
    ResidentAddForm,
    ResidentEditForm,
    RevealForm,
)
from cunxin.people.models import Household, Resident
from cunxin.people.roster import RosterInvalid
from cunxin.records import selectors as records
from cunxin.records.standing import standing, statement
from cunxin.regions.models import Level, Region


@requires(Perm.VIEW_PEOPLE)
def resident_list(request: HttpRequest) -> HttpResponse:
    """Search the residents in scope; htmx asks for just the results while typing."""
    query = request.GET.get("q", "")
    residents = selectors.residents_for(request.user)
    villages = Region.objects.restrict(request.user, Perm.VIEW_PEOPLE).filter(level=Level.VILLAGE)
    village_id = request.GET.get("village", "")
    if parse_id(village_id):
        residents = residents.filter(village_id=parse_id(village_id))
    residents = selectors.search(residents, query).order_by(
        "village__code", "household__number", "-is_head", "birth_date"
    )
    context = {
        "page_obj": paginate(request, residents, 30),
        "q": query,
        "villages": villages,
        "village_id": village_id,
        "query": query_without_page(request),
    }
    if request.headers.get("HX-Request"):
        return render(request, "people/_resident_results.html", context)
    return render(request, "people/resident_list.html", context)


def _resident(request: HttpRequest, pk: int, permission: str = Perm.VIEW_PEOPLE) -> Resident:
    return get_object_or_404(selectors.residents_for(request.user, permission), pk=pk)


@requires(Perm.VIEW_PEOPLE)
def resident_detail(request: HttpRequest, pk: int) -> HttpResponse:
    resident = _resident(request, pk)
    user = request.user
    code = resident.village.code
    return render(
        request,
        "people/resident_detail.html",
        {
            "resident": resident,
            "members": resident.household.members.exclude(pk=resident.pk).order_by(
                "-is_head", "birth_date"
            ),
            "can_reveal": may(user, Perm.REVEAL_ID, code),
            "can_edit": may(user, Perm.EDIT_PEOPLE, code),
            "can_open_login": may(user, Perm.MANAGE_USERS, code) and not hasattr(resident, "user"),
            "reveal_form": RevealForm(initial={"reason": _("核对身份")}),
        },
    )


@require_POST
@requires(Perm.REVEAL_ID)
def resident_reveal(request: HttpRequest, pk: int) -> HttpResponse:
    """Show the full ID number once (htmx swaps it in); the reveal is audited."""
    resident = _resident(request, pk, Perm.REVEAL_ID)
    form = RevealForm(request.POST)
    if not form.is_valid():
        raise DomainError("reason_required", _("请说明查看完整身份证号的原因。"), field="reason")
    value = actions.do_reveal_id(
        resident, acting_user=request.user, reason=form.cleaned_data["reason"]
    )
    return render(request, "people/_revealed.html", {"value": value})


@requires(Perm.EDIT_PEOPLE)
def resident_edit(request: HttpRequest, pk: int) -> HttpResponse:
    resident = _resident(request, pk, Perm.EDIT_PEOPLE)
    initial = {
        "name": resident.name,
        "phone": resident.phone,
        "relation": resident.relation,
        "status": resident.status,
    }
    form = ResidentEditForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        ok, _r = run_action(
            form,
            lambda: actions.do_update_resident(
                resident,
                name=data["name"],
                phone=data["phone"],
                relation=data["relation"],
                status=data["status"],
                acting_user=request.user,
                reason=data["reason"],
            ),
        )
        if ok:
            messages.success(request, _("已保存。"))
            return redirect("people:resident", pk=pk)
    return render(request, "people/resident_edit.html", {"form": form, "resident": resident})


@requires(Perm.VIEW_PEOPLE)
def household_detail(request: HttpRequest, pk: int) -> HttpResponse:
    household = get_object_or_404(
        Household.objects.restrict(request.user, Perm.VIEW_PEOPLE).select_related("village"), pk=pk
    )
    can_edit = may(request.user, Perm.EDIT_PEOPLE, household.village.code)
    form = ResidentAddForm(request.POST or None) if can_edit else None
    if request.method == "POST":
        if form is None:
            raise Http404
        if form.is_valid():
            data = form.cleaned_data
            ok, resident = run_action(
                form,
                lambda: actions.do_add_resident(
                    household=household,
                    name=data["name"],
                    relation=data["relation"],
                    id_number=data["id_number"],
                    phone=data["phone"],
                    acting_user=request.user,
                ),
            )
            if ok:
                messages.success(request, _("已添加：%s") % resident.name)
                return redirect("people:household", pk=pk)
    return render(
        request,
        "people/household_detail.html",
        {
            "household": household,
            "members": household.members.order_by("-is_head", "birth_date"),
            "form": form,
        },
    )


@requires(Perm.IMPORT_ROSTER)
def roster_import(request: HttpRequest) -> HttpResponse:
    """Upload a roster; every row is checked first, and a bad file imports nothing."""
    form = ImportForm(request.POST or None, request.FILES or None)
    result = None
    row_errors = None
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            result = actions.do_import_roster(
                upload, upload.name, acting_user=request.user, dry_run=form.cleaned_data["dry_run"]
            )
        except RosterInvalid as exc:
            row_errors = exc.errors
            form.add_error(None, str(exc))
        except DomainError as exc:
            form.add_error(exc.field if exc.field in form.fields else "file", str(exc))
    return render(
        request, "people/import.html", {"form": form, "result": result, "row_errors": row_errors}
    )


@requires(Perm.EXPORT_ROSTER)
def roster_export(request: HttpRequest) -> HttpResponse:
    villages = Region.objects.restrict(request.user, Perm.EXPORT_ROSTER).filter(level=Level.VILLAGE)
    form = ExportForm(request.POST or None, villages=villages)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        fmt = data["fmt"]
        ok, content = run_action(
            form,
            lambda: actions.do_export_roster(
                list(data["villages"]), fmt=fmt, acting_user=request.user, reason=data["reason"]
            ),
        )
        if ok:
            stamp = timezone.localdate().strftime("%Y%m%d")
            return download(content, f"花名册-{stamp}.{fmt}", XLSX if fmt == "xlsx" else CSV)
    return render(request, "people/export.html", {"form": form})


@login_required
def me(request: HttpRequest) -> HttpResponse:
    """A villager's own page: score, grade, spendable points, why the grade changed, every
    record with its rule, evidence and notice, their objections and messages."""
    resident_id = getattr(request.user, "resident_id", None)
    if resident_id is None:
        raise Http404
    resident = get_object_or_404(
        Resident.objects.restrict(request.user, Perm.VIEW_PEOPLE).select_related(
            "village__parent", "household"
        ),
        pk=resident_id,
    )
    return render(
        request,
        "people/me.html",
        {
            "resident": resident,
            "standing": standing(resident),
            "statement": statement(resident, limit=5),
            "grade_changes": records.grade_changes(request.user, resident)[:10],
            "page_obj": paginate(request, records.own_records(request.user, resident), 20),
            "objections": records.my_objections(request.user)[:5],
            "can_object": may(request.user, Perm.OBJECT),
        },
    )


STATEMENT_PAGE = 20


@login_required
def my_statement(request: HttpRequest) -> HttpResponse:
    """Every movement of the villager's two numbers, newest first, a page at a time: rewards
    and penalties taking effect, corrections, points whose validity ended, carry-overs."""
    resident_id = getattr(request.user, "resident_id", None)
    if resident_id is None:
        raise Http404
    resident = get_object_or_404(
        Resident.objects.restrict(request.user, Perm.VIEW_PEOPLE).select_related("village"),
        pk=resident_id,
    )
    before_text = request.GET.get("before", "")
    before = parse_id(before_text)
    lines = statement(resident, limit=STATEMENT_PAGE, before=before)
    return render(
        request,
        "people/statement.html",
        {
            "resident": resident,
            "standing": standing(resident),
            "lines": lines,
            "older": lines[-1].line.cursor if len(lines) == STATEMENT_PAGE else None,
            "paged": before is not None,
        },
    )
