"""Core tables: the audit trail, the scheduler's job claims, and the shape of status history."""

from __future__ import annotations

from typing import ClassVar

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from cunxin.core.scoping import ScopedQuerySet


class AuditEntry(models.Model):
    """One change: who made it, when, to what, the state before and after, and why.

    Rows are only ever inserted, from inside the action that made the change.
    """

    at = models.DateTimeField(_("时间"), auto_now_add=True, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("操作人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    action = models.CharField(_("操作"), max_length=64, db_index=True)
    object_type = models.CharField(_("对象类型"), max_length=64)
    object_id = models.CharField(_("对象编号"), max_length=64, blank=True)
    object_repr = models.CharField(_("对象"), max_length=200, blank=True)
    # The 12-digit code of the region the change belongs to, so the trail is scoped like the data.
    region_code = models.CharField(_("区划代码"), max_length=12, blank=True, db_index=True)
    # The path of the unit the change belongs to (see core.scoping), so a unit's trail is
    # scoped like its rows on the second axis.
    unit_path = models.CharField(_("单位"), max_length=200, blank=True, default="", db_index=True)
    before = models.JSONField(_("修改前"), null=True, blank=True)
    after = models.JSONField(_("修改后"), null=True, blank=True)
    reason = models.TextField(_("原因"), blank=True)

    objects = ScopedQuerySet.as_manager()
    scope_region_field = "region_code"
    scope_unit_field = "unit_path"

    class Meta:
        verbose_name = _("操作记录")
        verbose_name_plural = _("操作记录")
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["object_type", "object_id"])]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.action} {self.object_repr}"


class JobRun(models.Model):
    """The schedule of one periodic job; a runner claims it by a conditional update."""

    name = models.CharField(max_length=100, primary_key=True)
    next_due = models.DateTimeField()
    claimed_until = models.DateTimeField(null=True, blank=True)
    last_started = models.DateTimeField(null=True, blank=True)
    last_finished = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)
    runs = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return self.name


class StatusEvent(models.Model):
    """One step of an object's status history: from which status to which, by whom (nobody:
    the system), when, and why. Rows are only ever inserted, by ``core.workflow``.

    Each workflow's event model inherits this shape, adds the foreign key to its object, and
    names the object's status enum in ``statuses`` so the history reads in words.
    """

    # The empty status is the object before it was saved (``core.workflow.NEW``).
    from_status = models.CharField(max_length=32, blank=True)
    to_status = models.CharField(max_length=32)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    at = models.DateTimeField(auto_now_add=True)
    reason = models.TextField(blank=True)

    statuses: ClassVar[type[models.TextChoices]]

    class Meta:
        abstract = True
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.from_status or '-'}→{self.to_status}"

    @property
    def from_label(self) -> str:
        """The status left, in words ("" for an object that was new)."""
        return str(self.statuses(self.from_status).label) if self.from_status else ""

    @property
    def to_label(self) -> str:
        """The status reached, in words."""
        return str(self.statuses(self.to_status).label)
