"""Units are created, edited, moved and deactivated here, and nowhere else (models.py lists the
invariants these keep).

Who manages units: whoever holds ``Perm.MANAGE_UNITS`` over the *county* a unit's region lies
in (a county's credit centre, for its departments, zones and town governments), or over the
region itself when it sits above a county; a unit tied to no region (an outside body serving
several counties) only the platform admin. Every action locks the unit's row first.
"""

from __future__ import annotations

from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Max, Value
from django.db.models.functions import Concat, Length, Substr
from django.utils.translation import gettext as _

from cunxin.accounts.permissions import Perm
from cunxin.core import audit
from cunxin.core.errors import Conflict, DomainError, Forbidden
from cunxin.core.scoping import may
from cunxin.regions.models import PREFIX_LENGTH, Level, Region
from cunxin.units.models import OWNED_KINDS, PATH_MAX, SEGMENT_DIGITS, Unit, UnitKind, segment

NAME_MAX = 60
REASON_MAX = 200
# Where an owned unit's region lies (invariant 4).
OWNED_LEVELS = {UnitKind.SHOP: (Level.VILLAGE,), UnitKind.MERCHANT: (Level.COUNTY, Level.TOWN)}


def _name(value: str) -> str:
    name = " ".join((value or "").split())
    if not name:
        raise DomainError("name_required", _("请填写单位名称。"), field="name")
    if len(name) > NAME_MAX:
        raise DomainError("name_too_long", _("不超过%d个字。") % NAME_MAX, field="name")
    return name


def _kind(value: str) -> UnitKind:
    try:
        kind = UnitKind(value)
    except ValueError:
        raise DomainError("kind_unknown", _("请选择单位类别。"), field="kind") from None
    if kind in OWNED_KINDS:
        raise DomainError(
            "kind_owned",
            _("信用超市和合作商家的单位随超市、商家开设，请到相应页面办理。"),
            field="kind",
        )
    return kind


def _managing_code(region: Region) -> str:
    """The code a manager must reach: the county of a town or village, else the region."""
    if region.level > Level.COUNTY:
        return region.code[: PREFIX_LENGTH[Level.COUNTY]].ljust(12, "0")
    return region.code


def may_manage_in(user: Any, region: Region | None) -> bool:
    """Whether the user may keep units tied to this region (None: tied to no region)."""
    if region is None:
        return may(user, Perm.MANAGE_UNITS, everywhere=True)
    return may(user, Perm.MANAGE_UNITS, region=_managing_code(region))


def may_manage(user: Any, unit: Unit) -> bool:
    """Whether the user may create, edit, move or deactivate this unit (not a shop's or a
    merchant's: those change with their shop or merchant)."""
    return not unit.owned and may_manage_in(user, unit.region)


def _require_manage(user: Any, region: Region | None) -> None:
    if not may_manage_in(user, region):
        raise Forbidden("forbidden", _("您没有权限进行此操作。"))


def _lock(unit: Unit) -> Unit:
    locked: Unit = (
        Unit.objects.select_for_update(of=("self",))
        .select_related("region", "parent")
        .get(pk=unit.pk)
    )
    if locked.owned:
        raise DomainError(
            "unit_owned", _("这是信用超市或合作商家的单位，请到相应页面修改。"), field="unit"
        )
    return locked


def _check_region(kind: str, region: Region | None, parent: Unit | None) -> None:
    """A town government is a town's; a sub-unit lies inside its parent's region."""
    if kind == UnitKind.TOWN_GOVERNMENT and (region is None or region.level != Level.TOWN):
        raise DomainError(
            "town_government_region", _("镇（街道）政府须对应一个镇（街道）。"), field="region"
        )
    levels = OWNED_LEVELS.get(UnitKind(kind))
    if levels is not None and (region is None or region.level not in levels):
        raise DomainError("unit_region", _("所属区划不符合单位类别。"), field="region")
    above = parent.region if parent is not None else None
    if above is not None and (region is None or not region.code.startswith(above.prefix)):
        raise DomainError(
            "region_outside_parent", _("下级单位的区划须在上级单位的区划之内。"), field="region"
        )


def _check_parent(parent: Unit | None, *, active: bool = True) -> None:
    """A parent takes sub-units: not a shop or merchant, not too deep, and active when the
    unit placed under it is (invariant 3)."""
    if parent is None:
        return
    if active and not parent.active:
        raise DomainError("parent_inactive", _("上级单位已停用。"), field="parent")
    if parent.owned:
        raise DomainError("parent_owned", _("信用超市和合作商家下不能设下级单位。"), field="parent")
    if len(parent.path) + SEGMENT_DIGITS + 1 > PATH_MAX:
        raise DomainError("too_deep", _("单位层级过多。"), field="parent")


def _insert(name: str, kind: str, parent: Unit | None, region: Region | None) -> Unit:
    """Write a unit and its path (the path holds its own id, known only after the insert)."""
    base = parent.path if parent is not None else ""
    unit = Unit(name=name, kind=kind, parent=parent, region=region, path=base + segment(0))
    try:
        with transaction.atomic():
            unit.save()
    except IntegrityError:
        raise Conflict("unit_exists", _("同一上级下已有“%s”。") % name, field="name") from None
    unit.path = base + segment(unit.pk)
    Unit.objects.filter(pk=unit.pk).update(path=unit.path)
    return unit


def _snapshot(unit: Unit) -> dict[str, Any]:
    return audit.snapshot(unit, ["name", "kind", "parent", "region", "path", "active"])


@transaction.atomic
def do_create_unit(
    *,
    name: str,
    kind: str,
    parent: Unit | None = None,
    region: Region | None = None,
    acting_user: Any,
) -> Unit:
    """Add a unit (a sub-unit under an active parent, in the parent's region when none is
    named); names are unique under one parent."""
    name = _name(name)
    unit_kind = _kind(kind)
    if parent is not None:
        parent = (
            Unit.objects.select_for_update(of=("self",)).select_related("region").get(pk=parent.pk)
        )
        if not may_manage_in(acting_user, parent.region):
            raise Forbidden("forbidden", _("您没有权限进行此操作。"))
    region = region if region is not None else (parent.region if parent else None)
    _require_manage(acting_user, region)
    _check_parent(parent)
    _check_region(unit_kind, region, parent)
    unit = _insert(name, unit_kind, parent, region)
    audit.record(
        acting_user,
        "units.create",
        unit,
        region_code=region.code if region else "",
        after=_snapshot(unit),
    )
    return unit


@transaction.atomic
def do_edit_unit(
    unit: Unit, *, name: str, kind: str, region: Region | None, acting_user: Any
) -> Unit:
    """Rename a unit, change its kind or region (its sub-units must stay inside the region)."""
    unit = _lock(unit)
    _require_manage(acting_user, unit.region)
    _require_manage(acting_user, region)
    unit_kind = _kind(kind)
    _check_region(unit_kind, region, unit.parent)
    if region is not None:
        outside = (
            Unit.objects.filter(path__startswith=unit.path, region__isnull=False)
            .exclude(pk=unit.pk)
            .exclude(region__code__startswith=region.prefix)
        )
        if outside.exists():
            raise DomainError(
                "children_outside_region",
                _("有下级单位不在这个区划之内，请先调整下级单位。"),
                field="region",
            )
    before = _snapshot(unit)
    unit.name = _name(name)
    unit.kind = unit_kind
    unit.region = region
    try:
        with transaction.atomic():
            unit.save(update_fields=["name", "kind", "region"])
    except IntegrityError:
        raise Conflict("unit_exists", _("同一上级下已有“%s”。") % unit.name, field="name") from None
    old, new = audit.changed(before, _snapshot(unit))
    audit.record(
        acting_user,
        "units.edit",
        unit,
        region_code=region.code if region else "",
        before=old,
        after=new,
    )
    return unit


@transaction.atomic
def do_move_unit(unit: Unit, *, parent: Unit | None, acting_user: Any) -> Unit:
    """Put a unit (with its sub-units) under another parent, or at the top; never under
    itself or one of its own sub-units."""
    unit = _lock(unit)
    _require_manage(acting_user, unit.region)
    if parent is not None:
        parent = Unit.objects.select_related("region").get(pk=parent.pk)
        if parent.path.startswith(unit.path):
            raise DomainError(
                "move_into_itself", _("不能移到本单位或其下级单位之下。"), field="parent"
            )
        if not may_manage_in(acting_user, parent.region):
            raise Forbidden("forbidden", _("您没有权限进行此操作。"))
        _check_parent(parent, active=unit.active)
    _check_region(unit.kind, unit.region, parent)
    old_path = unit.path
    new_path = (parent.path if parent is not None else "") + segment(unit.pk)
    subtree = Unit.objects.filter(path__startswith=old_path)
    longest = subtree.aggregate(n=Max(Length("path")))["n"] or len(old_path)
    if longest - len(old_path) + len(new_path) > PATH_MAX:
        raise DomainError("too_deep", _("单位层级过多。"), field="parent")
    before = _snapshot(unit)
    # One statement rewrites the subtree: every path keeps its tail below the moved unit.
    subtree.update(path=Concat(Value(new_path), Substr("path", len(old_path) + 1)))
    Unit.objects.filter(pk=unit.pk).update(parent=parent)
    unit.refresh_from_db()
    old, new = audit.changed(before, _snapshot(unit))
    audit.record(
        acting_user,
        "units.move",
        unit,
        region_code=unit.region.code if unit.region else "",
        before=old,
        after=new,
    )
    return unit


@transaction.atomic
def do_set_unit_active(unit: Unit, *, active: bool, reason: str, acting_user: Any) -> Unit:
    """Deactivate a unit and all its sub-units (their roles then reach nothing), or reactivate
    one whose parent is active; a reason is required."""
    unit = _lock(unit)
    _require_manage(acting_user, unit.region)
    reason = " ".join((reason or "").split())
    if not reason:
        raise DomainError("reason_required", _("请填写原因。"), field="reason")
    if len(reason) > REASON_MAX:
        raise DomainError("reason_too_long", _("不超过%d个字。") % REASON_MAX, field="reason")
    if active and unit.parent is not None and not unit.parent.active:
        raise DomainError("parent_inactive", _("上级单位已停用，请先启用上级单位。"))
    if active == unit.active:
        raise Conflict("unit_unchanged", _("单位已是这个状态。"))
    if active:
        changed = Unit.objects.filter(pk=unit.pk).update(active=True)
    else:
        changed = Unit.objects.filter(path__startswith=unit.path, active=True).update(active=False)
    unit.active = active
    audit.record(
        acting_user,
        "units.activate" if active else "units.deactivate",
        unit,
        region_code=unit.region.code if unit.region else "",
        before={"active": not active},
        after={"active": active, "units_changed": changed},
        reason=reason,
    )
    return unit


# --- units owned by a shop or a merchant ---------------------------------------------------------


def open_owned_unit(kind: str, *, name: str, region: Region, acting_user: Any) -> Unit:
    """The unit of a new shop or merchant, for the action that creates it (which has checked
    its own permission and runs this inside its transaction)."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("open_owned_unit must run inside the owning action's transaction")
    unit_kind = UnitKind(kind)
    assert unit_kind in OWNED_KINDS, kind
    _check_region(unit_kind, region, None)
    unit = _insert(name, unit_kind, None, region)
    audit.record(acting_user, "units.create", unit, region_code=region.code, after=_snapshot(unit))
    return unit


def rename_owned_unit(unit: Unit, name: str) -> None:
    """Keep a shop's or merchant's unit named as it is (called by its edit action)."""
    Unit.objects.filter(pk=unit.pk).update(name=name)
    unit.name = name
