"""Read queries: which policy version and which catalogue are in force for a village on a day."""

from __future__ import annotations

import datetime

from cunxin.policy.models import CatalogueItem, CreditPolicy
from cunxin.regions.models import Region


def policy_owner_codes(region: Region) -> list[str]:
    """The codes whose policy applies to the region, nearest first: itself, then its town."""
    codes = [region.code]
    if region.is_village:
        codes.append(region.town_code())
    return codes


def policy_in_force(region: Region, day: datetime.date) -> CreditPolicy | None:
    """The version in force on the day: the village's own override if it has one, else its town's."""
    for code in policy_owner_codes(region):
        policy = (
            CreditPolicy.objects.filter(region_code=code, effective_from__lte=day)
            .order_by("-effective_from", "-version")
            .first()
        )
        if policy is not None:
            return policy
    return None


def latest_policy(region: Region) -> CreditPolicy | None:
    """The newest version owned by exactly this region (town or village override)."""
    return CreditPolicy.objects.filter(region=region).order_by("-version").first()


def catalogue_in_force(region: Region, day: datetime.date) -> dict[str, CatalogueItem]:
    """Every item by code as it stood on the day; a village's own item overrides its town's."""
    items: dict[str, CatalogueItem] = {}
    for code in reversed(policy_owner_codes(region)):
        rows = CatalogueItem.objects.filter(region_code=code, effective_from__lte=day).order_by(
            "code", "-effective_from", "-version"
        )
        seen: set[str] = set()
        for item in rows:
            if item.code in seen:
                continue
            seen.add(item.code)
            items[item.code] = item
    return dict(sorted(items.items()))


def item_in_force(region: Region, code: str, day: datetime.date) -> CatalogueItem | None:
    """One item as it stood on the day (the village's own version first), in one query."""
    owners = policy_owner_codes(region)
    candidates = list(
        CatalogueItem.objects.filter(region_code__in=owners, code=code, effective_from__lte=day)
        .select_related("region")
        .order_by("-effective_from", "-version")
    )
    for owner in owners:
        for item in candidates:
            if item.region_code == owner:
                return item
    return None


def latest_items(region: Region) -> list[CatalogueItem]:
    """The newest version of each item owned by exactly this region."""
    return list(CatalogueItem.objects.filter(region=region, is_latest=True).order_by("code"))


def item_history(region: Region, code: str) -> list[CatalogueItem]:
    return list(
        CatalogueItem.objects.filter(region=region, code=code)
        .select_related("created_by")
        .order_by("-version")
    )
