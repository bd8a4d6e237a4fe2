"""Pages: the villages a user oversees, one village's households, adding a region."""

from __future__ import annotations

from django.contrib import messages
from django.db.models import Count, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _

from cunxin.accounts.permissions import Perm
from cunxin.core.http import paginate, query_without_page, requires, run_action
from cunxin.core.scoping import may
from cunxin.people.models import Household
from cunxin.regions.actions import do_create_region
from cunxin.regions.forms import RegionForm
from cunxin.regions.models import Level, Region
from cunxin.regions.selectors import villages_for


@requires(Perm.VIEW_PEOPLE)
def village_list(request: HttpRequest) -> HttpResponse:
    villages = villages_for(request.user, Perm.VIEW_PEOPLE)
    return render(
        request,
        "regions/village_list.html",
        {
            "villages": villages,
            "can_add_region": may(request.user, Perm.MANAGE_REGIONS),
            "can_import": may(request.user, Perm.IMPORT_ROSTER),
            "can_export": may(request.user, Perm.EXPORT_ROSTER),
        },
    )


@requires(Perm.VIEW_PEOPLE)
def village_detail(request: HttpRequest, pk: int) -> HttpResponse:
    village = get_object_or_404(
        villages_for(request.user, Perm.VIEW_PEOPLE).select_related("parent__parent"), pk=pk
    )
    query = request.GET.get("q", "").strip()
    households = (
        Household.objects.filter(village=village)
        .annotate(size=Count("members", filter=Q(members__status="active")))
        .prefetch_related("members")
        .order_by("number")
    )
    if query:
        households = households.filter(
            Q(number__contains=query) | Q(members__name__contains=query)
        ).distinct()
    return render(
        request,
        "regions/village_detail.html",
        {
            "village": village,
            "page_obj": paginate(request, households, 40),
            "q": query,
            "query": query_without_page(request),
        },
    )


@requires(Perm.MANAGE_REGIONS)
def region_create(request: HttpRequest) -> HttpResponse:
    parents = Region.objects.restrict(request.user, Perm.MANAGE_REGIONS).exclude(
        level=Level.VILLAGE
    )
    form = RegionForm(request.POST or None, parents=parents, initial={"level": Level.VILLAGE})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        ok, region = run_action(
            form,
            lambda: do_create_region(
                code=data["code"],
                name=data["name"],
                level=Level(data["level"]),
                parent=data["parent"],
                acting_user=request.user,
            ),
        )
        if ok:
            messages.success(request, _("已新增：%s") % region.name)
            return redirect("regions:villages")
    return render(request, "regions/region_form.html", {"form": form})
