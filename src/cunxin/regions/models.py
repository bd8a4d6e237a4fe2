"""Regions: province → city → county → town → village, keyed by 12-digit division codes."""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from cunxin.core.scoping import ScopedQuerySet


class Level(models.IntegerChoices):
    """The tiers of the national division code (统计用区划代码)."""

    PROVINCE = 1, _("省")
    CITY = 2, _("市")
    COUNTY = 3, _("县/区")
    TOWN = 4, _("镇/街道")
    VILLAGE = 5, _("村/社区")


# How many leading digits of the 12-digit code identify a region of each level.
PREFIX_LENGTH = {
    Level.PROVINCE: 2,
    Level.CITY: 4,
    Level.COUNTY: 6,
    Level.TOWN: 9,
    Level.VILLAGE: 12,
}


class Region(models.Model):
    """One administrative region; its code's leading digits are its whole ancestry."""

    code = models.CharField(_("区划代码"), max_length=12, unique=True)
    name = models.CharField(_("名称"), max_length=60)
    level = models.PositiveSmallIntegerField(_("级别"), choices=Level.choices)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("上级"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )

    objects = ScopedQuerySet.as_manager()
    scope_region_field = "code"
    # A village user sees the name of its town and county too.
    scope_include_ancestors = True

    class Meta:
        verbose_name = _("行政区划")
        verbose_name_plural = _("行政区划")
        ordering = ["code"]
        constraints = [
            models.CheckConstraint(
                condition=Q(code__regex=r"^[0-9]{12}$"), name="region_code_12_digits"
            ),
            models.CheckConstraint(
                condition=Q(level__gte=1, level__lte=5), name="region_level_known"
            ),
            models.UniqueConstraint(fields=["parent", "name"], name="region_name_unique_in_parent"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def prefix(self) -> str:
        """The leading digits every region inside this one shares."""
        return self.code[: PREFIX_LENGTH[Level(self.level)]]

    @property
    def is_village(self) -> bool:
        return self.level == Level.VILLAGE

    @property
    def is_town(self) -> bool:
        return self.level == Level.TOWN

    def town_code(self) -> str:
        """The code of the town this region lies in (itself if it is a town)."""
        return self.code[:9].ljust(12, "0")
