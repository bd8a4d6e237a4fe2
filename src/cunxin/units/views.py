"""Pages of units: the tree, a unit with its people, and the admin's and county centre's
changes (create, edit, move, deactivate; give and end roles in a unit)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from cunxin.accounts.actions import do_grant_role, do_revoke_role
from cunxin.accounts.permissions import Perm, Role
from cunxin.core.errors import DomainError, Forbidden, NotFound
from cunxin.core.http import requires, run_action
from cunxin.core.scoping import may
from cunxin.units import selectors
from cunxin.units.actions import (
    do_create_unit,
    do_edit_unit,
    do_move_unit,
    do_set_unit_active,
    may_manage,
)
from cunxin.units.forms import ActiveForm, MemberForm, MoveForm, NewUnitForm, UnitForm
from cunxin.units.models import Unit, UnitKind


def _unit(request: HttpRequest, pk: int) -> Unit:
    unit: Unit = get_object_or_404(selectors.units_for(request.user, owned=True), pk=pk)
    return unit


def _managed(request: HttpRequest, pk: int) -> Unit:
    unit = _unit(request, pk)
    if not may_manage(request.user, unit):
        raise NotFound("not_found", _("没有找到这个单位。"))
    return unit


def _may_staff(user: Any, unit: Unit) -> bool:
    """Whether the user manages the people of the unit (users over its region or the unit)."""
    code = unit.region.code if unit.region is not None else None
    return may(user, Perm.MANAGE_USERS, region=code, unit=unit)


@requires(Perm.VIEW_UNITS)
def index(request: HttpRequest) -> HttpResponse:
    """The units the user may see, as a tree; shops and merchants on request."""
    owned = request.GET.get("owned") == "1"
    return render(
        request,
        "units/index.html",
        {
            "units": selectors.units_for(request.user, owned=owned),
            "owned": owned,
            "can_create": bool(selectors.unit_regions(request.user))
            or may(request.user, Perm.MANAGE_UNITS, everywhere=True),
        },
    )


@requires(Perm.MANAGE_UNITS)
def unit_new(request: HttpRequest) -> HttpResponse:
    """Add a unit or a sub-unit."""
    form = NewUnitForm(
        request.POST or None,
        regions=selectors.unit_regions(request.user),
        parents=selectors.parent_choices(request.user),
        initial={"kind": UnitKind.DEPARTMENT, "parent": request.GET.get("parent")},
    )
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        ok, unit = run_action(
            form,
            lambda: do_create_unit(
                name=d["name"],
                kind=d["kind"],
                parent=d["parent"],
                region=d["region"],
                acting_user=request.user,
            ),
        )
        if ok:
            messages.success(request, _("已添加“%s”。") % unit.name)
            return redirect("units:unit", pk=unit.pk)
    return render(request, "units/new.html", {"form": form})


@requires(Perm.VIEW_UNITS)
def unit_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """A unit: where it sits, its sub-units and its people; the forms that change it."""
    unit = _unit(request, pk)
    manage = may_manage(request.user, unit)
    staff = _may_staff(request.user, unit)
    roles = selectors.member_roles(request.user, unit) if staff else []
    return render(
        request,
        "units/unit.html",
        {
            "unit": unit,
            "ancestors": Unit.objects.filter(pk__in=unit.ancestor_ids).order_by("path"),
            "children": selectors.units_for(request.user, owned=True)
            .filter(parent=unit)
            .order_by("name"),
            "members": selectors.members_of(unit),
            "manage": manage,
            "staff": staff,
            "edit_form": UnitForm(
                regions=selectors.unit_regions(request.user),
                initial={"name": unit.name, "kind": unit.kind, "region": unit.region_id},
            )
            if manage
            else None,
            "move_form": MoveForm(
                parents=selectors.parent_choices(request.user, unit),
                initial={"parent": unit.parent_id},
            )
            if manage
            else None,
            "active_form": ActiveForm() if manage else None,
            "member_form": MemberForm(users=selectors.member_candidates(request.user), roles=roles)
            if roles
            else None,
        },
    )


def _back(request: HttpRequest, unit: Unit, action: Any, done: str) -> HttpResponse:
    """Run a change from the unit page; a refusal is shown there, the page is not lost."""
    try:
        action()
    except (Forbidden, NotFound):
        raise
    except DomainError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, done)
    return redirect("units:unit", pk=unit.pk)


def _errors(request: HttpRequest, unit: Unit, form: Any) -> HttpResponse:
    for errors in form.errors.values():
        for error in errors:
            messages.error(request, str(error))
    return redirect("units:unit", pk=unit.pk)


@require_POST
@requires(Perm.MANAGE_UNITS)
def unit_edit(request: HttpRequest, pk: int) -> HttpResponse:
    unit = _managed(request, pk)
    form = UnitForm(request.POST, regions=selectors.unit_regions(request.user))
    if not form.is_valid():
        return _errors(request, unit, form)
    d = form.cleaned_data
    return _back(
        request,
        unit,
        lambda: do_edit_unit(
            unit, name=d["name"], kind=d["kind"], region=d["region"], acting_user=request.user
        ),
        _("已保存。"),
    )


@require_POST
@requires(Perm.MANAGE_UNITS)
def unit_move(request: HttpRequest, pk: int) -> HttpResponse:
    unit = _managed(request, pk)
    form = MoveForm(request.POST, parents=selectors.parent_choices(request.user, unit))
    if not form.is_valid():
        return _errors(request, unit, form)
    return _back(
        request,
        unit,
        lambda: do_move_unit(unit, parent=form.cleaned_data["parent"], acting_user=request.user),
        _("已移动。"),
    )


@require_POST
@requires(Perm.MANAGE_UNITS)
def unit_active(request: HttpRequest, pk: int) -> HttpResponse:
    """Deactivate (with its sub-units) or reactivate a unit, with a reason."""
    unit = _managed(request, pk)
    form = ActiveForm(request.POST)
    if not form.is_valid():
        return _errors(request, unit, form)
    active = request.POST.get("active") == "1"
    return _back(
        request,
        unit,
        lambda: do_set_unit_active(
            unit, active=active, reason=form.cleaned_data["reason"], acting_user=request.user
        ),
        _("已启用。") if active else _("已停用。"),
    )


@require_POST
@requires(Perm.MANAGE_USERS)
def member_add(request: HttpRequest, pk: int) -> HttpResponse:
    """Give a user a role in the unit (a handler, a leader)."""
    unit = _unit(request, pk)
    if not _may_staff(request.user, unit):
        raise NotFound("not_found", _("没有找到这个单位。"))
    form = MemberForm(
        request.POST,
        users=selectors.member_candidates(request.user),
        roles=selectors.member_roles(request.user, unit),
    )
    if not form.is_valid():
        return _errors(request, unit, form)
    d = form.cleaned_data
    return _back(
        request,
        unit,
        lambda: do_grant_role(
            d["user"], role=Role(d["role"]), region=None, unit=unit, acting_user=request.user
        ),
        _("已授予角色。"),
    )


@require_POST
@requires(Perm.MANAGE_USERS)
def member_remove(request: HttpRequest, pk: int, assignment_id: int) -> HttpResponse:
    """End a user's role in the unit (the row stays as history)."""
    unit = _unit(request, pk)
    if not _may_staff(request.user, unit):
        raise NotFound("not_found", _("没有找到这个单位。"))
    assignment = get_object_or_404(selectors.members_of(unit), pk=assignment_id)
    return _back(
        request,
        unit,
        lambda: do_revoke_role(assignment, acting_user=request.user),
        _("已收回角色。"),
    )
