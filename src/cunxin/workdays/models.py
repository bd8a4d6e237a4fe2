"""The holiday table (节假日安排): per region and year, the public holidays and adjusted working
days (调休) that ``core.workdays`` turns into working time.

1. A table belongs to a region at county level or above and covers one calendar year; a
   region has at most one table per year (``workdays_year_unique``).
2. The nearest table up the region tree governs a place for that year: a province's table
   holds for every county in it unless the county imports its own year. A year with no table
   anywhere above counts weekends only, and the page warns the centre.
3. A table lists only the exceptional days: each day of a holiday period (放假, weekends
   inside it included, for display) and each adjusted working day (调休上班, always a Saturday
   or Sunday); every other day follows the week. A date appears once per table
   (``workdays_day_unique``) and lies in the table's year (checked by the import).
4. Tables change only through the actions (import, delete), each audited; every change moves
   ``changed_at``, which is how cached calendars know to reload.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from cunxin.core.scoping import ScopedQuerySet

FIRST_YEAR = 2000
LAST_YEAR = 2100


class DayKind(models.TextChoices):
    """What a listed day is."""

    HOLIDAY = "holiday", _("放假")
    WORKDAY = "workday", _("调休上班")


class CalendarYear(models.Model):
    """A region's holiday table for one year; the nearest table up the region tree governs."""

    region = models.ForeignKey(
        "regions.Region", verbose_name=_("所属区划"), on_delete=models.PROTECT, related_name="+"
    )
    year = models.PositiveSmallIntegerField(_("年份"))
    source = models.CharField(_("依据"), max_length=200, blank=True)
    changed_at = models.DateTimeField(_("更新时间"))
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("更新人"),
        on_delete=models.PROTECT,
        related_name="+",
    )

    objects = ScopedQuerySet.as_manager()
    scope_region_field = "region__code"
    # A county's table is read by the staff of its towns and villages.
    scope_include_ancestors = True

    class Meta:
        verbose_name = _("节假日表")
        verbose_name_plural = _("节假日表")
        ordering = ["region__code", "year"]
        constraints = [
            models.UniqueConstraint(fields=["region", "year"], name="workdays_year_unique"),
            models.CheckConstraint(
                condition=Q(year__gte=FIRST_YEAR, year__lte=LAST_YEAR),
                name="workdays_year_in_range",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.region} {self.year}"


class CalendarDay(models.Model):
    """One listed day of a table: a holiday or an adjusted working day (调休上班)."""

    table = models.ForeignKey(
        CalendarYear, verbose_name=_("节假日表"), on_delete=models.CASCADE, related_name="days"
    )
    date = models.DateField(_("日期"))
    kind = models.CharField(_("类型"), max_length=8, choices=DayKind.choices)
    name = models.CharField(_("名称"), max_length=20, blank=True)

    objects = ScopedQuerySet.as_manager()
    scope_region_field = "table__region__code"
    scope_include_ancestors = True

    class Meta:
        verbose_name = _("节假日")
        verbose_name_plural = _("节假日")
        ordering = ["date"]
        constraints = [
            models.UniqueConstraint(fields=["table", "date"], name="workdays_day_unique"),
            models.CheckConstraint(
                condition=Q(kind__in=[k.value for k in DayKind]), name="workdays_day_kind_known"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.date} {self.get_kind_display()} {self.name}"
