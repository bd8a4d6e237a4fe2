"""Read queries about regions."""

from __future__ import annotations

from typing import Any

from django.db.models import Count, Q, QuerySet

from cunxin.accounts.permissions import Perm
from cunxin.regions.models import Level, Region


def villages_for(user: Any, permission: str = Perm.VIEW_REGIONS) -> QuerySet[Region]:
    """The villages the user may see, with household and resident counts."""
    return (
        Region.objects.restrict(user, permission)
        .filter(level=Level.VILLAGE)
        .annotate(
            household_count=Count("households", distinct=True),
            resident_count=Count(
                "households__members",
                filter=Q(households__members__status="active"),
                distinct=True,
            ),
        )
        .select_related("parent")
        .order_by("code")
    )


def towns_for(user: Any, permission: str = Perm.VIEW_REGIONS) -> QuerySet[Region]:
    """The towns the user may act in (for policies: a village user reads, not edits, its town)."""
    return Region.objects.restrict(user, permission).filter(level=Level.TOWN).order_by("code")


def regions_by_code(codes: list[str]) -> dict[str, Region]:
    return {r.code: r for r in Region.objects.filter(code__in=codes)}
