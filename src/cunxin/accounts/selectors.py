"""Read queries about users and what a user may hand out."""

from __future__ import annotations

from typing import Any

from django.db.models import Prefetch, Q, QuerySet

from cunxin.accounts.models import RoleAssignment, User
from cunxin.accounts.permissions import GRANTABLE, ROLE_LEVELS, ROLE_UNIT_KINDS, Perm, Role
from cunxin.regions.models import Level, Region


def grantable_roles(user: Any, *, in_units: bool = False) -> list[Role]:
    """The roles held in regions (or, ``in_units``, in units) that the user may hand out
    somewhere, in the order of the Role enum."""
    axis = ROLE_UNIT_KINDS if in_units else ROLE_LEVELS
    if getattr(user, "is_superuser", False):
        return [r for r in Role if r in axis]
    roles: set[Role] = set()
    for assignment in user.active_assignments():
        roles |= GRANTABLE.get(Role(assignment.role), frozenset())
    return [r for r in Role if r in roles and r in axis]


def manageable_regions(user: Any) -> QuerySet[Region]:
    """Towns and villages in which the user may create logins."""
    return (
        Region.objects.restrict(user, Perm.MANAGE_USERS)
        .filter(level__in=[Level.COUNTY, Level.TOWN, Level.VILLAGE])
        .order_by("code")
    )


def users_for(user: Any, query: str = "") -> QuerySet[User]:
    """Users the viewer may see: those whose home region lies in the viewer's scope."""
    users = User.objects.restrict(user, Perm.VIEW_USERS).prefetch_related(
        Prefetch(
            "assignments",
            queryset=RoleAssignment.objects.filter(active=True).select_related("region", "unit"),
            to_attr="current_roles",
        )
    )
    query = query.strip()
    if query:
        users = users.filter(Q(name__contains=query) | Q(phone__contains=query))
    return users.order_by("home_region_code", "name")
