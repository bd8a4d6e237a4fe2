"""Pages: a year of the working calendar, importing and exporting a year's table, the official
arrangements in one click, deleting a year."""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from cunxin.accounts.permissions import Perm
from cunxin.core.errors import DomainError
from cunxin.core.http import CSV, XLSX, download, requires, run_action
from cunxin.core.workdays import missing_years
from cunxin.regions.models import Region
from cunxin.workdays import actions, official, selectors, spreadsheet
from cunxin.workdays.forms import DeleteForm, ImportForm, OfficialForm
from cunxin.workdays.models import FIRST_YEAR, LAST_YEAR, CalendarYear


def _index_url(region: Region, year: int) -> str:
    return reverse("workdays:index") + "?" + urlencode({"region": region.code, "year": year})


def _year(text: str) -> int:
    if text.isdigit() and FIRST_YEAR <= int(text) <= LAST_YEAR:
        return int(text)
    return timezone.localdate().year


@requires(Perm.VIEW_CALENDAR)
def index(request: HttpRequest) -> HttpResponse:
    """A year of a place's working calendar: which table governs it, the festivals, the months."""
    regions = list(selectors.viewable_regions(request.user).order_by("-level", "code"))
    if not regions:
        raise Http404
    code = request.GET.get("region", "")
    region = next((r for r in regions if r.code == code), regions[0])
    year = _year(request.GET.get("year", ""))
    own = CalendarYear.objects.filter(region=region).order_by("-year")
    # The State Council publishes next year's arrangement around November: from October on,
    # the centre is reminded while next year still has no table.
    today = timezone.localdate()
    coming = today.year + 1
    next_missing = today.month >= 10 and bool(
        missing_years(selectors.calendar_for(region.code), coming, coming)
    )
    return render(
        request,
        "workdays/index.html",
        {
            "view": selectors.year_view(region, year),
            "regions": sorted(regions, key=lambda r: r.code),
            "region": region,
            "year": year,
            "own_tables": own,
            "can_manage": actions.may_manage_calendar(request.user, region),
            "next_missing": next_missing,
            "coming": coming,
            "office_hours": "、".join(
                f"{start:%H:%M}–{end:%H:%M}" for start, end in selectors.office_hours().periods
            ),
            "delete_form": DeleteForm(),
        },
    )


def _manageable(request: HttpRequest) -> QuerySet[Region]:
    regions = selectors.manageable_regions(request.user).order_by("code")
    if not regions.exists():  # a town's centre holds the permission but keeps no table
        raise PermissionDenied
    return regions


@requires(Perm.MANAGE_CALENDAR)
def import_table(request: HttpRequest) -> HttpResponse:
    """Upload a year's table; every row is checked first, and a bad file imports nothing."""
    regions = _manageable(request)
    initial = {"region": regions.filter(code=request.GET.get("region", "")).first()}
    form = ImportForm(request.POST or None, request.FILES or None, regions=regions, initial=initial)
    result = None
    row_errors = None
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        upload = data["file"]
        try:
            result = actions.do_import_calendar(
                data["region"],
                upload.read(actions.MAX_BYTES + 1),
                upload.name,
                acting_user=request.user,
                source=data["source"],
                dry_run=data["dry_run"],
            )
        except spreadsheet.CalendarInvalid as exc:
            row_errors = exc.errors
            form.add_error(None, str(exc))
        except DomainError as exc:
            form.add_error(exc.field if exc.field in form.fields else "file", str(exc))
    return render(
        request,
        "workdays/import.html",
        {
            "form": form,
            "official_form": OfficialForm(regions=regions, initial=initial),
            "official_years": official.YEARS,
            "result": result,
            "row_errors": row_errors,
            "headers": spreadsheet.HEADERS,
        },
    )


@require_POST
@requires(Perm.MANAGE_CALENDAR)
def install_official(request: HttpRequest) -> HttpResponse:
    """Import the shipped State Council arrangements as the region's tables."""
    regions = _manageable(request)
    form = OfficialForm(request.POST, regions=regions)
    if form.is_valid():
        region = form.cleaned_data["region"]
        ok, results = run_action(
            form,
            lambda: actions.do_install_official_calendars(region, acting_user=request.user),
        )
        if ok:
            changed = [str(r.year) for r in results if r.any_change]
            if changed:
                messages.success(request, _("已导入：%s年。") % "、".join(changed))
            else:
                messages.info(request, _("没有变化：各年的安排已是国务院办公厅公布的安排。"))
            return redirect(_index_url(region, official.YEARS[-1]))
    for error in form.errors.values():
        messages.error(request, " ".join(str(e) for e in error))
    return redirect("workdays:import")


@requires(Perm.VIEW_CALENDAR)
def export_table(request: HttpRequest, pk: int) -> HttpResponse:
    """A year's table as .xlsx or .csv, in the layout the import reads."""
    table = get_object_or_404(selectors.tables_for(request.user), pk=pk)
    fmt = request.GET.get("fmt", "xlsx")
    days = list(table.days.values_list("date", "kind", "name"))
    title = _("%(region)s%(year)d年节假日") % {"region": table.region.name, "year": table.year}
    content = spreadsheet.write(days, fmt, title)
    return download(content, f"{title}.{fmt}", XLSX if fmt == "xlsx" else CSV)


@require_POST
@requires(Perm.MANAGE_CALENDAR)
def delete_table(request: HttpRequest, pk: int) -> HttpResponse:
    table = get_object_or_404(selectors.tables_for(request.user), pk=pk)
    form = DeleteForm(request.POST)
    if not form.is_valid():
        raise DomainError("reason_required", _("请说明删除的原因。"), field="reason")
    region, year = table.region, table.year
    actions.do_delete_calendar(table, acting_user=request.user, reason=form.cleaned_data["reason"])
    messages.success(
        request, _("已删除%(region)s%(year)d年的节假日表。") % {"region": region.name, "year": year}
    )
    return redirect(_index_url(region, year))
