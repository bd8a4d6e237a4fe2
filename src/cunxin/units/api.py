"""API of units: the tree the user may see, one unit with its people, and the admin's and
county centre's changes, through the same actions as the pages."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from ninja import Router, Schema, Status

from cunxin.accounts.permissions import Perm
from cunxin.core.errors import DomainError, NotFound
from cunxin.core.fields import Code, Id, Name, Reason
from cunxin.core.http import api_check
from cunxin.regions.models import Region
from cunxin.units import selectors
from cunxin.units.actions import (
    do_create_unit,
    do_edit_unit,
    do_move_unit,
    do_set_unit_active,
    may_manage,
)
from cunxin.units.models import Unit, UnitKind

router = Router(tags=["units"])


class UnitOut(Schema):
    id: int
    name: str
    kind: UnitKind
    kind_label: str
    parent_id: int | None
    region_code: str | None
    path: str
    active: bool


class UnitMemberOut(Schema):
    id: int
    user_id: int
    name: str
    role: str
    role_label: str


class UnitDetailOut(UnitOut):
    members: list[UnitMemberOut]


class UnitEditIn(Schema):
    name: Name
    kind: UnitKind
    region_code: Code | None = None


class UnitIn(UnitEditIn):
    parent_id: Id | None = None


class MoveIn(Schema):
    parent_id: Id | None = None


class ActiveIn(Schema):
    active: bool
    reason: Reason


def _out(unit: Unit) -> dict[str, Any]:
    return {
        "id": unit.pk,
        "name": unit.name,
        "kind": unit.kind,
        "kind_label": str(unit.get_kind_display()),
        "parent_id": unit.parent_id,
        "region_code": unit.region.code if unit.region else None,
        "path": unit.path,
        "active": unit.active,
    }


def _unit(request: HttpRequest, unit_id: Id) -> Unit:
    unit: Unit = get_object_or_404(selectors.units_for(request.user, owned=True), pk=unit_id)
    return unit


def _managed(request: HttpRequest, unit_id: Id) -> Unit:
    unit = _unit(request, unit_id)
    if not may_manage(request.user, unit):
        raise NotFound("not_found", _("没有找到这个单位。"))
    return unit


def _region(request: HttpRequest, code: str | None) -> Region | None:
    if not code:
        return None
    region: Region | None = selectors.unit_regions(request.user).filter(code=code).first()
    if region is None:
        raise DomainError(
            "region_unknown", _("没有这个区划，或不在您的管辖范围。"), field="region_code"
        )
    return region


def _parent(request: HttpRequest, parent_id: int | None, unit: Unit | None = None) -> Unit | None:
    if parent_id is None:
        return None
    parent: Unit | None = selectors.parent_choices(request.user, unit).filter(pk=parent_id).first()
    if parent is None:
        raise DomainError("parent_unknown", _("没有这个上级单位，或不能选它。"), field="parent_id")
    return parent


@router.get("/units", response=list[UnitOut], summary="办理单位")
def list_units(request: HttpRequest, owned: bool = False) -> list[dict[str, Any]]:
    api_check(request, Perm.VIEW_UNITS)
    return [_out(u) for u in selectors.units_for(request.user, owned=owned)]


@router.post("/units", response={201: UnitOut}, summary="添加单位")
def create_unit(request: HttpRequest, payload: UnitIn) -> Status[dict[str, Any]]:
    api_check(request, Perm.MANAGE_UNITS)
    unit = do_create_unit(
        name=payload.name,
        kind=payload.kind,
        parent=_parent(request, payload.parent_id),
        region=_region(request, payload.region_code),
        acting_user=request.user,
    )
    return Status(201, _out(unit))


@router.get("/units/{unit_id}", response=UnitDetailOut, summary="单位详情")
def get_unit(request: HttpRequest, unit_id: Id) -> dict[str, Any]:
    api_check(request, Perm.VIEW_UNITS)
    unit = _unit(request, unit_id)
    members = [
        {
            "id": m.pk,
            "user_id": m.user_id,
            "name": m.user.name,
            "role": m.role,
            "role_label": str(m.get_role_display()),
        }
        for m in selectors.members_of(unit)
    ]
    return {**_out(unit), "members": members}


@router.post("/units/{unit_id}", response=UnitOut, summary="修改单位")
def edit_unit(request: HttpRequest, unit_id: Id, payload: UnitEditIn) -> dict[str, Any]:
    api_check(request, Perm.MANAGE_UNITS)
    unit = do_edit_unit(
        _managed(request, unit_id),
        name=payload.name,
        kind=payload.kind,
        region=_region(request, payload.region_code),
        acting_user=request.user,
    )
    return _out(unit)


@router.post("/units/{unit_id}/move", response=UnitOut, summary="移动单位")
def move_unit(request: HttpRequest, unit_id: Id, payload: MoveIn) -> dict[str, Any]:
    api_check(request, Perm.MANAGE_UNITS)
    unit = _managed(request, unit_id)
    moved = do_move_unit(
        unit, parent=_parent(request, payload.parent_id, unit), acting_user=request.user
    )
    return _out(moved)


@router.post("/units/{unit_id}/active", response=UnitOut, summary="停用或启用单位")
def set_active(request: HttpRequest, unit_id: Id, payload: ActiveIn) -> dict[str, Any]:
    api_check(request, Perm.MANAGE_UNITS)
    unit = do_set_unit_active(
        _managed(request, unit_id),
        active=payload.active,
        reason=payload.reason,
        acting_user=request.user,
    )
    return _out(unit)
