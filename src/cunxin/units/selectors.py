"""Read queries about units, each cut to what the user may see."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from cunxin.accounts.models import RoleAssignment
from cunxin.accounts.permissions import ROLE_UNIT_KINDS, Perm, Role
from cunxin.units.actions import may_manage
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
