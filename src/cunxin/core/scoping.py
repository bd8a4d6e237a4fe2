"""The one scoping mechanism: every list, detail, API answer and export is cut to the user.

A user's roles give, for each permission, a :class:`Scope`: everything, a set of region
prefixes (the leading digits of 12-digit division codes: a town's 9, a village's 12), and/or a
set of residents (a villager sees only their own data). A model that can be scoped names the
path to its region code (``scope_region_field``) and, where a villager may see rows of their
own, the path to the resident (``scope_resident_field``). ``Model.objects.restrict(user, perm)``
is then the only way views read governed data.

Division codes make ancestry free: the town of village ``370811009201`` is ``370811009000``.
Models whose rows a region's descendants also see (a town's credit policy, read by its
villages) set ``scope_include_ancestors``.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, Protocol, Self, TypeVar

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from cunxin.core.errors import Forbidden

# Number of leading digits that identify a region at each level of the division code.
PREFIX_LENGTHS = (2, 4, 6, 9, 12)


def ancestor_codes(prefix: str) -> list[str]:
    """The 12-digit codes of every region above the one with this prefix (excluding itself)."""
    return [prefix[:n].ljust(12, "0") for n in PREFIX_LENGTHS if n < len(prefix)]


@dataclass(frozen=True)
class Scope:
    """What one permission reaches for one user."""

    everything: bool = False
    region_prefixes: frozenset[str] = field(default_factory=frozenset)
    resident_ids: frozenset[int] = field(default_factory=frozenset)

    @property
    def empty(self) -> bool:
        return not (self.everything or self.region_prefixes or self.resident_ids)

    def covers_region(self, code: str) -> bool:
        """Whether a region with this 12-digit code lies inside the scope."""
        return self.everything or any(code.startswith(p) for p in self.region_prefixes)

    def covers_resident(self, resident_id: int, region_code: str) -> bool:
        """Whether a resident (by id and village code) lies inside the scope."""
        return resident_id in self.resident_ids or self.covers_region(region_code)

    def union(self, other: Scope) -> Scope:
        if self.everything or other.everything:
            return Scope(everything=True)
        return Scope(
            region_prefixes=self.region_prefixes | other.region_prefixes,
            resident_ids=self.resident_ids | other.resident_ids,
        )


NOTHING = Scope()


class ScopedPrincipal(Protocol):
    """A user who can say what each permission reaches (accounts.User implements it)."""

    is_authenticated: bool

    def scope_for(self, permission: str) -> Scope: ...


def scope_of(user: Any, permission: str) -> Scope:
    """The user's scope for a permission; anonymous visitors and inactive users get nothing."""
    if user is None or not getattr(user, "is_authenticated", False):
        return NOTHING
    if not getattr(user, "is_active", False):
        return NOTHING
    result: Scope = user.scope_for(str(permission))
    return result


def _minimal(prefixes: Iterable[str]) -> list[str]:
    """Drop prefixes already covered by a shorter one, so the SQL stays small."""
    kept: list[str] = []
    for p in sorted(set(prefixes), key=len):
        if not any(p.startswith(k) for k in kept):
            kept.append(p)
    return sorted(kept)


def scope_q(model: type[models.Model], scope: Scope) -> Q:
    """The filter that keeps exactly the model's rows inside the scope."""
    if scope.everything:
        return Q()
    region_field: str | None = getattr(model, "scope_region_field", None)
    resident_field: str | None = getattr(model, "scope_resident_field", None)
    q = Q(pk__in=[])
    if region_field:
        prefixes = _minimal(scope.region_prefixes)
        for prefix in prefixes:
            q |= Q(**{f"{region_field}__startswith": prefix})
        if getattr(model, "scope_include_ancestors", False) and prefixes:
            ancestors = sorted({code for p in prefixes for code in ancestor_codes(p)})
            q |= Q(**{f"{region_field}__in": ancestors})
    if resident_field and scope.resident_ids:
        q |= Q(**{f"{resident_field}__in": sorted(scope.resident_ids)})
    return q


_M = TypeVar("_M", bound=models.Model)


class ScopedQuerySet(models.QuerySet[_M]):
    """A queryset that can be cut to what a user may see."""

    def restrict(self, user: Any, permission: str) -> Self:
        """Only the rows the user's roles reach for this permission."""
        scope = scope_of(user, permission)
        if scope.everything:
            return self
        return self.filter(scope_q(self.model, scope))


def require(user: Any, permission: str, region_code: str | None = None) -> Scope:
    """Refuse unless the user holds the permission (in the region, when one is named)."""
    scope = scope_of(user, permission)
    allowed = scope.covers_region(region_code) if region_code is not None else not scope.empty
    if not allowed:
        raise Forbidden("forbidden", _("您没有权限进行此操作。"))
    return scope
