"""Units (办理单位 / 机构): organisations that are not regions, the second axis of scope.

Departments (住建局) and their sub-units (开发办, 市政处), development zones, town governments,
outside bodies (供电公司), the appeals/service centre and service halls — and the credit
system's shops and merchants. Users hold roles *in a unit* (accounts.RoleAssignment.unit); the
permissions table says which permissions reach the unit alone or the unit and its descendants.

Invariants (held by ``units.actions`` and by the constraints below):

1. ``path`` is the unit's materialised path: its ancestors' ids and its own, each as 8 digits
   followed by ``/`` (``00000003/00000017/``), so "this unit and its descendants" is one
   indexed prefix filter (``path__startswith``). Only the actions write it, when a unit is
   created or moved; moving rewrites the whole subtree in one statement.
2. A unit is never its own ancestor: a unit cannot move under itself or a descendant.
3. An active unit's ancestors are active: deactivating a unit deactivates its descendants, and
   nothing is created or moved under an inactive unit. A role held in an inactive unit reaches
   nothing.
4. A town government is tied to a region (the check constraint); the actions check it is a
   town, that a shop's region is a village, and a merchant's a town or county.
5. Shop and merchant units belong to their shop or merchant: only the shop's and the merchant's
   actions create or rename them; the unit pages do not edit them.
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cunxin.core.scoping import ScopedQuerySet

# Digits of one path segment; ids beyond them still work (the "/" ends each segment), they only
# sort out of tree order.
SEGMENT_DIGITS = 8
PATH_MAX = 200


def segment(pk: int) -> str:
    """One unit's part of a path."""
    return f"{pk:0{SEGMENT_DIGITS}d}/"


class UnitKind(models.TextChoices):
    """What kind of organisation a unit is."""

    DEPARTMENT = "department", _("部门")
    ZONE = "zone", _("开发区")
    TOWN_GOVERNMENT = "town_gov", _("镇（街道）政府")
    OUTSIDE = "outside", _("外部单位")
    CENTRE = "centre", _("服务中心")
    HALL = "hall", _("服务大厅")
    SHOP = "shop", _("信用超市")
    MERCHANT = "merchant", _("合作商家")


# Units owned by another app's row (invariant 5).
OWNED_KINDS = frozenset({UnitKind.SHOP, UnitKind.MERCHANT})


class Unit(models.Model):
    """An organisation users hold roles in; it and its descendants share a path prefix."""

    name = models.CharField(_("名称"), max_length=60)
    kind = models.CharField(_("类别"), max_length=16, choices=UnitKind.choices)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("上级单位"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    region = models.ForeignKey(
        "regions.Region",
        verbose_name=_("所属区划"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    path = models.CharField(max_length=PATH_MAX, db_index=True, editable=False)
    active = models.BooleanField(_("启用"), default=True)
    created_at = models.DateTimeField(_("创建时间"), default=timezone.now)

    objects = ScopedQuerySet.as_manager()
    # Staff of a region see the units tied to it; a unit's members see it (and, for a leader,
    # its descendants) through the path.
    scope_region_field = "region__code"
    scope_unit_field = "path"

    class Meta:
        verbose_name = _("办理单位")
        verbose_name_plural = _("办理单位")
        ordering = ["path"]
        constraints = [
            models.CheckConstraint(condition=Q(kind__in=UnitKind.values), name="unit_kind_known"),
            models.CheckConstraint(
                condition=Q(path__regex=r"^([0-9]+/)+$"), name="unit_path_shape"
            ),
            models.CheckConstraint(
                condition=~Q(kind=UnitKind.TOWN_GOVERNMENT) | Q(region__isnull=False),
                name="unit_town_government_has_region",
            ),
            models.CheckConstraint(condition=~Q(parent=models.F("pk")), name="unit_not_own_parent"),
            models.UniqueConstraint(fields=["parent", "name"], name="unit_name_unique_in_parent"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def depth(self) -> int:
        """0 for a top-level unit."""
        return self.path.count("/") - 1

    @property
    def ancestor_ids(self) -> list[int]:
        """Ids of the units above this one, the top first."""
        return [int(s) for s in self.path.split("/")[:-2]]

    @property
    def owned(self) -> bool:
        """Whether the unit stands for a shop or merchant (changed only through it)."""
        return self.kind in OWNED_KINDS
