"""Pages of carry-over (结转): choose a village and a period end, see the dry run, run it once."""

from __future__ import annotations

import datetime
from collections import defaultdict
from typing import Any

from django import forms
from django.contrib import messages
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from cunxin.accounts.permissions import Perm
from cunxin.core.forms import CleanForm
from cunxin.core.http import paginate, requires, run_action
from cunxin.ledger.models import Currency, Entry
from cunxin.records.actions.carryover import do_carry_over, plan_carry_over
from cunxin.records.models import CarryOverRun
from cunxin.regions.models import Level, Region


def _villages(user: Any) -> QuerySet[Region]:
    return Region.objects.restrict(user, Perm.CARRY_OVER).filter(level=Level.VILLAGE)


def _last_period_end() -> datetime.date:
    """The last day of the previous month: the usual period end."""
    return timezone.localdate().replace(day=1) - datetime.timedelta(days=1)


class CarryOverForm(CleanForm):
    village = forms.ModelChoiceField(
        label=gettext_lazy("村"), queryset=Region.objects.none(), empty_label=None
    )
    period_end = forms.DateField(
        label=gettext_lazy("结转截止日"),
        widget=forms.DateInput(attrs={"class": "weui-input", "type": "date"}, format="%Y-%m-%d"),
    )

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["village"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = _villages(user).order_by("code")
        self.fields["period_end"].initial = _last_period_end()


@requires(Perm.CARRY_OVER)
def index(request: HttpRequest) -> HttpResponse:
    """Past carry-overs, and the form that leads to a dry run."""
    runs = (
        CarryOverRun.objects.restrict(request.user, Perm.CARRY_OVER)
        .select_related("village", "run_by")
        .order_by("-period_end", "-pk")
    )
    return render(
        request,
        "records/carryover/index.html",
        {"form": CarryOverForm(user=request.user), "page_obj": paginate(request, runs)},
    )


@requires(Perm.CARRY_OVER)
def preview(request: HttpRequest) -> HttpResponse:
    """The dry run: exactly what the carry-over would change, resident by resident."""
    form = CarryOverForm(request.GET or None, user=request.user)
    plan = None
    if form.is_valid():
        _ok, plan = run_action(
            form,
            lambda: plan_carry_over(form.cleaned_data["village"], form.cleaned_data["period_end"]),
        )
    return render(
        request,
        "records/carryover/preview.html",
        {"form": form, "plan": plan, "show_all": request.GET.get("all") == "1"},
    )


@require_POST
@requires(Perm.CARRY_OVER)
def run(request: HttpRequest) -> HttpResponse:
    form = CarryOverForm(request.POST, user=request.user)
    if form.is_valid():
        ok, result = run_action(
            form,
            lambda: do_carry_over(
                form.cleaned_data["village"],
                form.cleaned_data["period_end"],
                acting_user=request.user,
            ),
        )
        if ok:
            if result.created:
                messages.success(request, _("结转完成。"))
            else:
                messages.warning(request, _("本期已经结转过，这次没有做任何改动。"))
            return redirect("carryover:detail", pk=result.run.pk)
    return render(
        request, "records/carryover/preview.html", {"form": form, "plan": None, "show_all": False}
    )


@requires(Perm.CARRY_OVER)
def detail(request: HttpRequest, pk: int) -> HttpResponse:
    """A carry-over done: its totals and what moved for each resident (from the ledger)."""
    done = get_object_or_404(
        CarryOverRun.objects.restrict(request.user, Perm.CARRY_OVER).select_related(
            "village", "run_by", "policy"
        ),
        pk=pk,
    )
    prefix = f"carry:{done.village.code}:{done.period_end.isoformat()}:"
    moved: dict[int, dict[str, Any]] = defaultdict(lambda: {"name": "", "score": 0, "spendable": 0})
    entries = (
        Entry.objects.filter(transfer__key__startswith=prefix, account__resident__isnull=False)
        .select_related("account__resident")
        .order_by("account__resident__name", "pk")
    )
    for entry in entries:
        resident = entry.account.resident
        assert resident is not None
        line = moved[resident.pk]
        line["name"] = resident.name
        key = "score" if entry.account.currency == Currency.SCORE else "spendable"
        line[key] -= entry.amount
    return render(
        request,
        "records/carryover/detail.html",
        {"run": done, "lines": sorted(moved.values(), key=lambda line: line["name"])},
    )
