"""The one scoping mechanism: one question ("may this user do this, here?"), one filter.

**Two axes.** A role is held either in a *region* (province → city → county → town → village,
keyed by 12-digit division codes) or in a *unit* (an organisation that is not a region: a
department and its sub-units, a development zone, a town government, an outside body, a service
centre or hall, a shop, a merchant). For each permission a user's roles give one
:class:`Scope`: everything, a set of region prefixes (the leading digits of division codes: a
town's 9, a village's 12), a set of unit paths (a unit and its descendants, or the unit alone),
and/or a set of residents (a villager sees only their own data). The permissions table says how
far each role's permission reaches; the axes never cross: a role held in a region reaches no
unit, a role held in a unit reaches no region. The platform admin holds its role in neither,
which reaches everything; a role held in an inactive unit reaches nothing.

**Cheap ancestry on both axes.** Division codes make ancestry free: the town of village
``370811009201`` is ``370811009000``. A unit carries a materialised ``path`` (its ancestors'
ids and its own, each followed by ``/``), so "this unit and its descendants" is one indexed
prefix filter, and "this unit only" one equality.

**Places.** A model that can be scoped names the path to its region code
(``scope_region_field``), to its unit's path (``scope_unit_field``; ``"path"`` on the unit model
itself), and, where a villager may see rows of their own, to the resident
(``scope_resident_field``). A row is inside a scope when *any* of its coordinates is: an appeal
located in a town and dispatched to a department is read by the town's staff and by the
department's handlers. Models whose rows a region's descendants also see (a town's credit
policy, read by its villages) set ``scope_include_ancestors``.

**One way to ask.** ``may(user, perm, place)`` answers for one place — a scoped row, a region
code, or ``region=``/``unit=``/``resident=`` — and agrees with the filter:
``may(user, perm, row)`` is true exactly when ``row`` is in ``Model.objects.restrict(user,
perm)``. ``require`` is ``may`` that raises :class:`Forbidden`. Without a place, ``may`` asks
whether the user holds the permission anywhere (``beyond_self=True``: anywhere beyond their own
record, which is what a staff page needs). Pages use ``core.http.requires``, which calls
``may``; reads go through ``restrict``. Anonymous and inactive users reach nothing.
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


class HasPath(Protocol):
    """A unit as scoping sees it: its materialised path."""

    @property
    def path(self) -> str: ...


@dataclass(frozen=True)
class Scope:
    """What one permission reaches for one user."""

    everything: bool = False
    region_prefixes: frozenset[str] = field(default_factory=frozenset)
    # Units and their descendants (path prefixes), and units alone (exact paths).
    unit_paths: frozenset[str] = field(default_factory=frozenset)
    unit_exact: frozenset[str] = field(default_factory=frozenset)
    resident_ids: frozenset[int] = field(default_factory=frozenset)

    @property
    def empty(self) -> bool:
        return not (self.beyond_self or self.resident_ids)

    @property
    def beyond_self(self) -> bool:
        """Whether it reaches some region or unit, not only the user's own record."""
        return bool(self.everything or self.region_prefixes or self.unit_paths or self.unit_exact)

    def covers(
        self,
        *,
        region: str | None = None,
        unit: str | None = None,
        resident: int | None = None,
        ancestors: bool = False,
    ) -> bool:
        """Whether a place given by any of its coordinates lies inside the scope.

        ``region`` is a 12-digit code, ``unit`` a unit's path, ``resident`` a resident's id;
        with ``ancestors`` a region above one the scope reaches counts too.
        """
        if self.everything:
            return True
        if region:
            if any(region.startswith(p) for p in self.region_prefixes):
                return True
            if ancestors and any(region in ancestor_codes(p) for p in self.region_prefixes):
                return True
        if unit and (unit in self.unit_exact or any(unit.startswith(p) for p in self.unit_paths)):
            return True
        return resident is not None and resident in self.resident_ids

    def union(self, other: Scope) -> Scope:
        if self.everything or other.everything:
            return Scope(everything=True)
        return Scope(
            region_prefixes=self.region_prefixes | other.region_prefixes,
            unit_paths=self.unit_paths | other.unit_paths,
            unit_exact=self.unit_exact | other.unit_exact,
            resident_ids=self.resident_ids | other.resident_ids,
        )


NOTHING = Scope()
EVERYTHING = Scope(everything=True)


def scope_of(user: Any, permission: str) -> Scope:
    """The user's scope for a permission; anonymous visitors and inactive users get nothing.

    The data behind ``may`` and ``restrict``: selectors that build their own filters read it;
    a yes/no question goes through ``may``.
    """
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
        if p and not any(p.startswith(k) for k in kept):
            kept.append(p)
    return sorted(kept)


def scope_q(model: type[models.Model], scope: Scope, *, ancestors: bool = True) -> Q:
    """The filter that keeps exactly the model's rows inside the scope (without the rows of
    regions above it, which ``scope_include_ancestors`` adds, when not ``ancestors``)."""
    if scope.everything:
        return Q()
    region_field: str | None = getattr(model, "scope_region_field", None)
    unit_field: str | None = getattr(model, "scope_unit_field", None)
    resident_field: str | None = getattr(model, "scope_resident_field", None)
    q = Q(pk__in=[])
    if region_field:
        prefixes = _minimal(scope.region_prefixes)
        for prefix in prefixes:
            q |= Q(**{f"{region_field}__startswith": prefix})
        if ancestors and getattr(model, "scope_include_ancestors", False) and prefixes:
            above = sorted({code for p in prefixes for code in ancestor_codes(p)})
            q |= Q(**{f"{region_field}__in": above})
    if unit_field:
        subtrees = _minimal(scope.unit_paths)
        for path in subtrees:
            q |= Q(**{f"{unit_field}__startswith": path})
        alone = sorted(p for p in scope.unit_exact if p and not p.startswith(tuple(subtrees)))
        if alone:
            q |= Q(**{f"{unit_field}__in": alone})
    if resident_field and scope.resident_ids:
        q |= Q(**{f"{resident_field}__in": sorted(scope.resident_ids)})
    return q


_M = TypeVar("_M", bound=models.Model)


class ScopedQuerySet(models.QuerySet[_M]):
    """A queryset that can be cut to what a user may see."""

    def restrict(self, user: Any, permission: str, *, ancestors: bool = True) -> Self:
        """Only the rows the user's roles reach for this permission.

        ``ancestors=False`` leaves out the rows of regions above the user's reach that the
        model lets them read (``scope_include_ancestors``): what they manage, not what they see.
        """
        scope = scope_of(user, permission)
        if scope.everything:
            return self
        return self.filter(scope_q(self.model, scope, ancestors=ancestors))


def _follow(obj: Any, path: str | None) -> Any:
    """The value at a ``scope_*_field`` path (``village__code``) of a row, or None."""
    if not path:
        return None
    value = obj
    for part in path.split("__"):
        if value is None:
            return None
        value = getattr(value, part)
    return value


@dataclass(frozen=True)
class Place:
    """Where a row lies, by the coordinates its model declares."""

    region: str | None = None
    unit: str | None = None
    resident: int | None = None
    ancestors: bool = False


def unit_path_of(obj: models.Model) -> str:
    """The path of the unit a scoped row belongs to ("" for none)."""
    return str(_follow(obj, getattr(type(obj), "scope_unit_field", None)) or "")


def place_of(obj: models.Model) -> Place:
    """The place of a scoped row, read through the same fields ``restrict`` filters on."""
    model = type(obj)
    resident = _follow(obj, getattr(model, "scope_resident_field", None))
    return Place(
        region=_follow(obj, getattr(model, "scope_region_field", None)) or None,
        unit=_follow(obj, getattr(model, "scope_unit_field", None)) or None,
        resident=int(resident) if resident is not None else None,
        ancestors=bool(getattr(model, "scope_include_ancestors", False)),
    )


def may(
    user: Any,
    permission: str,
    where: models.Model | str | None = None,
    *,
    region: str | None = None,
    unit: HasPath | str | None = None,
    resident: int | None = None,
    beyond_self: bool = False,
    everywhere: bool = False,
) -> bool:
    """Whether the user may use the permission here.

    ``where`` is a scoped row (its declared place is used, so the answer agrees with
    ``restrict``) or a 12-digit region code; ``region``, ``unit`` (a unit or its path) and
    ``resident`` name a place by its coordinates, any one of which is enough. With no place the
    question is whether the user holds the permission anywhere — beyond their own record when
    ``beyond_self``; ``everywhere`` asks for a reach over everything (what no region or unit
    narrows down: the platform admin's).
    """
    scope = scope_of(user, permission)
    if everywhere:
        return scope.everything
    place = Place()
    if isinstance(where, models.Model):
        place = place_of(where)
    elif isinstance(where, str):
        region = region or where
    unit_path = unit if isinstance(unit, str) or unit is None else unit.path
    coordinates = Place(
        region=region or place.region,
        unit=unit_path or place.unit,
        resident=resident if resident is not None else place.resident,
        ancestors=place.ancestors,
    )
    if where is None and region is None and unit is None and resident is None:
        return scope.beyond_self if beyond_self else not scope.empty
    return scope.covers(
        region=coordinates.region,
        unit=coordinates.unit,
        resident=coordinates.resident,
        ancestors=coordinates.ancestors,
    )


def require(
    user: Any,
    permission: str,
    where: models.Model | str | None = None,
    *,
    region: str | None = None,
    unit: HasPath | str | None = None,
    resident: int | None = None,
    beyond_self: bool = False,
    everywhere: bool = False,
) -> None:
    """Refuse (:class:`Forbidden`) unless ``may`` says yes for the same question."""
    allowed = may(
        user,
        permission,
        where,
        region=region,
        unit=unit,
        resident=resident,
        beyond_self=beyond_self,
        everywhere=everywhere,
    )
    if not allowed:
        raise Forbidden("forbidden", _("您没有权限进行此操作。"))
