"""Households and residents. ID numbers are stored encrypted, found by a keyed hash."""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from cunxin.core.scoping import ScopedQuerySet


class Gender(models.TextChoices):
    MALE = "M", _("男")
    FEMALE = "F", _("女")


class ResidentStatus(models.TextChoices):
    """Whether the person still lives in the village; only active residents are scored."""

    ACTIVE = "active", _("在册")
    MOVED_OUT = "moved_out", _("已迁出")
    DECEASED = "deceased", _("已故")


class Household(models.Model):
    """A household (户) of a village: the unit statistics and honours roll up to."""

    village = models.ForeignKey(
        "regions.Region", verbose_name=_("村"), on_delete=models.PROTECT, related_name="households"
    )
    number = models.CharField(_("户号"), max_length=32)
    address = models.CharField(_("住址"), max_length=120, blank=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)

    objects = ScopedQuerySet.as_manager()
    scope_region_field = "village__code"

    class Meta:
        verbose_name = _("户")
        verbose_name_plural = _("户")
        ordering = ["village__code", "number"]
        constraints = [
            models.UniqueConstraint(fields=["village", "number"], name="household_number_unique")
        ]

    def __str__(self) -> str:
        return f"{self.number}"


class Resident(models.Model):
    """A villager (村民); scoring is per person, statistics are rolled up per household."""

    household = models.ForeignKey(
        Household, verbose_name=_("户"), on_delete=models.PROTECT, related_name="members"
    )
    # The household's village, kept on the resident so scoping needs no extra join.
    village = models.ForeignKey(
        "regions.Region", verbose_name=_("村"), on_delete=models.PROTECT, related_name="+"
    )
    name = models.CharField(_("姓名"), max_length=40)
    # " zhangsan zs " style tokens (every reading of polyphonic characters) for pinyin search.
    name_search = models.CharField(max_length=400, blank=True, editable=False)
    id_cipher = models.TextField(editable=False)
    id_hash = models.CharField(max_length=64, unique=True, editable=False)
    id_masked = models.CharField(_("身份证号"), max_length=18, editable=False)
    id_tail = models.CharField(max_length=4, db_index=True, editable=False)
    gender = models.CharField(_("性别"), max_length=1, choices=Gender.choices)
    birth_date = models.DateField(_("出生日期"))
    phone = models.CharField(_("联系电话"), max_length=20, blank=True, db_index=True)
    relation = models.CharField(_("与户主关系"), max_length=16)
    is_head = models.BooleanField(_("户主"), default=False)
    status = models.CharField(
        _("状态"), max_length=16, choices=ResidentStatus.choices, default=ResidentStatus.ACTIVE
    )
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    objects = ScopedQuerySet.as_manager()
    scope_region_field = "village__code"
    scope_resident_field = "id"
    audit_exclude = ("id_cipher", "id_hash", "name_search")

    class Meta:
        verbose_name = _("村民")
        verbose_name_plural = _("村民")
        ordering = ["village__code", "household__number", "-is_head", "birth_date"]
        constraints = [
            models.UniqueConstraint(
                fields=["household"], condition=Q(is_head=True), name="one_head_per_household"
            ),
            models.CheckConstraint(
                condition=Q(gender__in=["M", "F"]), name="resident_gender_known"
            ),
            models.CheckConstraint(
                condition=Q(status__in=ResidentStatus.values), name="resident_status_known"
            ),
        ]
        indexes = [models.Index(fields=["village", "name"])]

    def __str__(self) -> str:
        return self.name
