"""Pages: the policy in force and its versions, the behaviour catalogue, their editing."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from cunxin.accounts.permissions import Perm
from cunxin.core.cleaning import parse_id
from cunxin.core.errors import DomainError
from cunxin.core.http import XLSX, download, requires, run_action
from cunxin.core.scoping import may
from cunxin.policy import actions, selectors
from cunxin.policy.catalogue_file import ITEM_FIELDS
from cunxin.policy.forms import CatalogueImportForm, ItemForm, PolicyForm
from cunxin.policy.models import CatalogueItem, Category, CreditPolicy, Direction
from cunxin.regions.models import Level, Region


def _region(request: HttpRequest, permission: str) -> Region:
    """The town or village the page is about: ?region=, else the user's own."""
    regions = Region.objects.restrict(request.user, permission).filter(
        level__in=[Level.TOWN, Level.VILLAGE]
    )
    raw = request.GET.get("region", "")
    if raw:
        region = regions.filter(pk=parse_id(raw) or 0).first()
        if region is None:
            raise Http404
        # A village user sees its town through ancestry; they read it, they are not "in" it.
        if not may(request.user, permission, region.code) and not region.is_town:
            raise Http404
        return region
    for assignment in getattr(request.user, "active_assignments", list)():
        own: Region | None = assignment.region
        if own is not None and own.level in (Level.TOWN, Level.VILLAGE):
            return own
    first: Region | None = regions.order_by("level", "code").first()
    if first is None:
        raise Http404
    return first


def _can_edit(request: HttpRequest, region: Region) -> bool:
    return may(request.user, Perm.EDIT_POLICY, region.code)


@requires(Perm.VIEW_POLICY, regions=False)
def policy_view(request: HttpRequest) -> HttpResponse:
    region = _region(request, Perm.VIEW_POLICY)
    today = timezone.localdate()
    in_force = selectors.policy_in_force(region, today)
    owners = selectors.policy_owner_codes(region)
    versions = CreditPolicy.objects.filter(region_code__in=owners).select_related(
        "created_by", "region"
    )
    return render(
        request,
        "policy/policy.html",
        {
            "region": region,
            "policy": in_force,
            "versions": versions.order_by("region_code", "-version"),
            "can_edit": _can_edit(request, region),
            "today": today,
        },
    )


@requires(Perm.EDIT_POLICY)
def policy_edit(request: HttpRequest) -> HttpResponse:
    region = _region(request, Perm.EDIT_POLICY)
    if not _can_edit(request, region):
        raise Http404
    current = selectors.latest_policy(region) or selectors.policy_in_force(
        region, timezone.localdate()
    )
    form = PolicyForm(request.POST or None, initial=_policy_initial(current))
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        values = {k: data[k] for k in actions.POLICY_FIELDS}
        ok, _policy = run_action(
            form,
            lambda: actions.do_save_policy(
                region,
                values=values,
                effective_from=data["effective_from"],
                acting_user=request.user,
                reason=data.get("change_reason", ""),
            ),
        )
        if ok:
            messages.success(request, _("已保存为新版本。"))
            return redirect(f"{reverse('policy:policy')}?region={region.pk}")
    return render(
        request, "policy/policy_edit.html", {"form": form, "region": region, "current": current}
    )


def _policy_initial(policy: CreditPolicy | None) -> dict[str, Any]:
    if policy is None:
        return {}
    return {k: getattr(policy, k) for k in actions.POLICY_FIELDS}


@requires(Perm.VIEW_POLICY, regions=False)
def catalogue(request: HttpRequest) -> HttpResponse:
    region = _region(request, Perm.VIEW_POLICY)
    items = list(selectors.catalogue_in_force(region, timezone.localdate()).values())
    category = request.GET.get("category", "")
    direction = request.GET.get("direction", "")
    query = request.GET.get("q", "").strip()
    if category:
        items = [i for i in items if i.category == category]
    if direction:
        items = [i for i in items if i.direction == direction]
    if query:
        items = [i for i in items if query in i.name or query.upper() in i.code]
    counts = {d: sum(1 for i in items if i.direction == d) for d in Direction.values}
    return render(
        request,
        "policy/catalogue.html",
        {
            "region": region,
            "items": items,
            "counts": counts,
            "categories": Category.choices,
            "directions": Direction.choices,
            "category": category,
            "direction": direction,
            "q": query,
            "can_edit": _can_edit(request, region),
        },
    )


@requires(Perm.VIEW_POLICY, regions=False)
def catalogue_item(request: HttpRequest, pk: int) -> HttpResponse:
    item = get_object_or_404(
        CatalogueItem.objects.restrict(request.user, Perm.VIEW_POLICY).select_related(
            "region", "created_by"
        ),
        pk=pk,
    )
    return render(
        request,
        "policy/item.html",
        {
            "item": item,
            "history": selectors.item_history(item.region, item.code),
            "can_edit": _can_edit(request, item.region),
        },
    )


@requires(Perm.EDIT_POLICY)
def catalogue_item_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    """Add an item, or save a new version of one (pk names the version being edited)."""
    if pk is not None:
        item = get_object_or_404(
            CatalogueItem.objects.restrict(request.user, Perm.EDIT_POLICY), pk=pk
        )
        region = item.region
        initial: dict[str, Any] = {k: getattr(item, k) for k in ITEM_FIELDS}
        initial["code"] = item.code
    else:
        item = None
        region = _region(request, Perm.EDIT_POLICY)
        initial = {"active": True}
    if not _can_edit(request, region):
        raise Http404
    initial["effective_from"] = timezone.localdate()
    form = ItemForm(request.POST or None, initial=initial)
    if item is not None:
        form.fields["code"].disabled = True
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        code = item.code if item is not None else data["code"]
        ok, saved = run_action(
            form,
            lambda: actions.do_save_catalogue_item(
                region,
                code=code,
                values={k: data.get(k) for k in ITEM_FIELDS},
                effective_from=data["effective_from"],
                acting_user=request.user,
                reason=data.get("change_reason", ""),
            ),
        )
        if ok:
            messages.success(
                request,
                _("已保存：%(code)s 第%(v)d版。") % {"code": saved.code, "v": saved.version},
            )
            return redirect("policy:item", pk=saved.pk)
    return render(request, "policy/item_edit.html", {"form": form, "item": item, "region": region})


@requires(Perm.EDIT_POLICY)
def catalogue_import(request: HttpRequest) -> HttpResponse:
    region = _region(request, Perm.EDIT_POLICY)
    if not _can_edit(request, region):
        raise Http404
    form = CatalogueImportForm(
        request.POST or None,
        request.FILES or None,
        initial={"effective_from": timezone.localdate()},
    )
    result = None
    row_errors = None
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            result = actions.do_import_catalogue(
                region,
                upload,
                upload.name,
                effective_from=form.cleaned_data["effective_from"],
                acting_user=request.user,
                reason=form.cleaned_data.get("change_reason", ""),
            )
        except actions.CatalogueInvalid as exc:
            row_errors = exc.errors
            form.add_error(None, str(exc))
        except DomainError as exc:
            form.add_error(exc.field if exc.field in form.fields else "file", str(exc))
    return render(
        request,
        "policy/catalogue_import.html",
        {"form": form, "region": region, "result": result, "row_errors": row_errors},
    )


@requires(Perm.VIEW_POLICY, regions=False)
def catalogue_export(request: HttpRequest) -> HttpResponse:
    region = _region(request, Perm.VIEW_POLICY)
    items = list(selectors.catalogue_in_force(region, timezone.localdate()).values())
    stamp = timezone.localdate().strftime("%Y%m%d")
    return download(
        actions.export_catalogue(region, items), f"行为目录-{region.name}-{stamp}.xlsx", XLSX
    )
