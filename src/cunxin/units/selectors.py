"""Read queries about units, each cut to what the user may see."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from cunxin.accounts.models import RoleAssignment, User
from cunxin.accounts.permissions import ROLE_NEEDS, ROLE_UNIT_KINDS, Perm, Role
from cunxin.accounts.selectors import grantable_roles
from cunxin.regions.models import Level, Region
from cunxin.units.actions import may_manage, may_manage_in
from cunxin.units.models import OWNED_KINDS, Unit


def units_for(user: Any, *, owned: bool = False) -> QuerySet[Unit]:
    """Units the user may see, in tree order; shops and merchants only when asked for."""
    units = Unit.objects.restrict(user, Perm.VIEW_UNITS).select_related("region", "parent")
    return units if owned else units.exclude(kind__in=OWNED_KINDS)


def managed_units(user: Any) -> list[Unit]:
    """Units the user may edit, move or put sub-units under."""
    return [u for u in units_for(user) if may_manage(user, u)]


def members_of(unit: Unit) -> QuerySet[RoleAssignment]:
    """Who holds a role in the unit now."""
    return (
        RoleAssignment.objects.filter(unit=unit, active=True)
        .select_related("user")
        .order_by("role", "user__name")
    )


def roles_for(unit: Unit) -> list[Role]:
    """The roles that may be held in a unit of this kind."""
    return [r for r, kinds in ROLE_UNIT_KINDS.items() if unit.kind in kinds]


def works_in(user: Any, permission: str, region_code: str) -> bool:
    """Whether the permission reaches a unit tied to this region (a keeper, through the
    shop's unit, works in the shop's village)."""
    return Unit.objects.restrict(user, permission).filter(region__code=region_code).exists()


def unit_regions(user: Any) -> QuerySet[Region]:
    """Regions (down to towns) the user may tie a unit to."""
    rows = Region.objects.restrict(user, Perm.MANAGE_UNITS, ancestors=False).filter(
        level__lte=Level.TOWN
    )
    return Region.objects.filter(pk__in=[r.pk for r in rows if may_manage_in(user, r)]).order_by(
        "code"
    )


def parent_choices(user: Any, unit: Unit | None = None) -> QuerySet[Unit]:
    """Active units the user may put a unit under (never the unit itself or its sub-units)."""
    ids = [u.pk for u in managed_units(user) if u.active]
    rows = Unit.objects.filter(pk__in=ids).order_by("path")
    return rows.exclude(path__startswith=unit.path) if unit is not None else rows


def member_candidates(user: Any) -> QuerySet[User]:
    """Active users the acting user manages, who may be given a role in a unit."""
    return User.objects.restrict(user, Perm.MANAGE_USERS).filter(is_active=True).order_by("name")


def member_roles(user: Any, unit: Unit) -> list[Role]:
    """Roles of the unit's kind the acting user may hand out on the unit's page (a shop's or
    merchant's people are appointed on its own page)."""
    grantable = set(grantable_roles(user, in_units=True))
    return [r for r in roles_for(unit) if r in grantable and r not in ROLE_NEEDS]
