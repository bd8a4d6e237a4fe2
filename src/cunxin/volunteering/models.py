"""Volunteering (志愿服务): teams, activities with positions, sign-up and attendance.

Seed 003's village turned paid labour into volunteer work that earns points by the hour: the
hours a villager works at an activity become reward records through the catalogue's per-hour
item, and go through review and the public notice like any other record.
"""

from __future__ import annotations

import datetime

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cunxin.core.models import StatusEvent
from cunxin.core.scoping import ScopedQuerySet

# Teams most villages have (offered when a village sets up its teams; any other may be added).
COMMON_TEAMS = (
    _("党员先锋队"),
    _("巾帼服务队"),
    _("治安联防队"),
    _("青年志愿者"),
)


class Team(models.Model):
    """A village's volunteer team (志愿服务队), with a leader among its members."""

    village = models.ForeignKey(
        "regions.Region", verbose_name=_("村"), on_delete=models.PROTECT, related_name="+"
    )
    name = models.CharField(_("队名"), max_length=40)
    description = models.CharField(_("简介"), max_length=200, blank=True)
    leader = models.ForeignKey(
        "people.Resident",
        verbose_name=_("队长"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    active = models.BooleanField(_("在册"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ScopedQuerySet.as_manager()
    scope_region_field = "village__code"

    class Meta:
        verbose_name = _("志愿服务队")
        ordering = ["village_id", "name"]
        constraints = [
            models.UniqueConstraint(fields=["village", "name"], name="team_name_unique"),
        ]

    def __str__(self) -> str:
        return self.name


class TeamMember(models.Model):
    """A villager's membership of a team; leaving keeps the row (``left_on``) for history."""

    team = models.ForeignKey(Team, on_delete=models.PROTECT, related_name="members")
    resident = models.ForeignKey(
        "people.Resident", verbose_name=_("队员"), on_delete=models.PROTECT, related_name="+"
    )
    joined_on = models.DateField(_("入队日期"))
    left_on = models.DateField(_("离队日期"), null=True, blank=True)

    objects = ScopedQuerySet.as_manager()
    scope_region_field = "team__village__code"
    scope_resident_field = "resident_id"

    class Meta:
        verbose_name = _("队员")
        constraints = [
            # One current membership per team and villager; history rows may repeat.
            models.UniqueConstraint(
                fields=["team", "resident"],
                condition=Q(left_on__isnull=True),
                name="team_member_current_unique",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.team_id}:{self.resident_id}"


class ActivityStatus(models.TextChoices):
    """Where an activity stands: drafted, published for sign-up, cancelled, or completed."""

    DRAFT = "draft", _("草稿")
    PUBLISHED = "published", _("报名中")
    CANCELLED = "cancelled", _("已取消")
    COMPLETED = "completed", _("已结束")


class Activity(models.Model):
    """A volunteer activity of a village, or of a town (open to all its villages).

    The hours people work at it become reward records through the catalogue item ``item_code``
    (a per-hour reward item) when the organiser completes it.
    """

    region = models.ForeignKey(
        "regions.Region", verbose_name=_("组织单位"), on_delete=models.PROTECT, related_name="+"
    )
    team = models.ForeignKey(
        Team,
        verbose_name=_("志愿服务队"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="activities",
    )
    title = models.CharField(_("活动名称"), max_length=80)
    description = models.TextField(_("活动内容"), blank=True)
    place = models.CharField(_("地点"), max_length=120)
    starts_at = models.DateTimeField(_("开始时间"))
    ends_at = models.DateTimeField(_("结束时间"))
    sign_up_deadline = models.DateTimeField(_("报名截止"))
    item_code = models.CharField(_("计分行为"), max_length=16)
    status = models.CharField(
        _("状态"), max_length=16, choices=ActivityStatus.choices, default=ActivityStatus.DRAFT
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("发布人"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("修改时间"), auto_now=True)
    published_at = models.DateTimeField(_("发布时间"), null=True, blank=True)
    cancelled_at = models.DateTimeField(_("取消时间"), null=True, blank=True)
    cancel_reason = models.TextField(_("取消原因"), blank=True)
    completed_at = models.DateTimeField(_("完成时间"), null=True, blank=True)
    completed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    # Part of every check-in code: raising it makes every code shown so far worthless.
    qr_version = models.PositiveIntegerField(default=1)

    objects = ScopedQuerySet.as_manager()
    scope_region_field = "region__code"
    # A town's activity is open to its villages: their users see it too.
    scope_include_ancestors = True

    class Meta:
        verbose_name = _("志愿活动")
        verbose_name_plural = _("志愿活动")
        ordering = ["-starts_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=ActivityStatus.values), name="activity_status_known"
            ),
            models.CheckConstraint(
                condition=Q(ends_at__gt=models.F("starts_at")), name="activity_ends_after_start"
            ),
            models.CheckConstraint(
                condition=Q(sign_up_deadline__lte=models.F("starts_at")),
                name="activity_deadline_before_start",
            ),
        ]
        indexes = [models.Index(fields=["region", "starts_at"])]

    def __str__(self) -> str:
        return self.title

    @property
    def when(self) -> str:
        """The activity's time as villagers read it: ``2026-05-16 08:00–12:00``."""
        start = timezone.localtime(self.starts_at)
        end = timezone.localtime(self.ends_at)
        end_text = f"{end:%H:%M}" if end.date() == start.date() else f"{end:%m-%d %H:%M}"
        return f"{start:%Y-%m-%d %H:%M}–{end_text}"

    @property
    def day(self) -> datetime.date:
        """The local day the activity starts on: the behaviour date of its hours."""
        return timezone.localtime(self.starts_at).date()


class ActivityEvent(StatusEvent):
    """One step of an activity's history: drafted, published, cancelled, completed — who,
    when, why."""

    activity = models.ForeignKey(Activity, on_delete=models.PROTECT, related_name="events")

    statuses = ActivityStatus

    def __str__(self) -> str:
        return f"{self.activity_id}: {self.from_status}→{self.to_status}"


class Position(models.Model):
    """A position (岗位) of an activity: how many people it needs and for how many hours."""

    activity = models.ForeignKey(Activity, on_delete=models.PROTECT, related_name="positions")
    name = models.CharField(_("岗位"), max_length=40)
    quota = models.PositiveSmallIntegerField(_("需要人数"))
    planned_hours = models.DecimalField(_("计划工时（小时）"), max_digits=4, decimal_places=1)
    order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        verbose_name = _("岗位")
        ordering = ["activity_id", "order", "id"]
        constraints = [
            models.UniqueConstraint(fields=["activity", "name"], name="position_name_unique"),
            models.CheckConstraint(condition=Q(quota__gte=1), name="position_quota_positive"),
            models.CheckConstraint(
                condition=Q(planned_hours__gt=0), name="position_hours_positive"
            ),
        ]

    def __str__(self) -> str:
        return self.name


class SignUpStatus(models.TextChoices):
    SIGNED_UP = "signed_up", _("已报名")
    WAITLISTED = "waitlisted", _("候补")
    WITHDRAWN = "withdrawn", _("已退出")


# A sign-up that still holds (or waits for) a place.
LIVE_SIGN_UPS = (SignUpStatus.SIGNED_UP, SignUpStatus.WAITLISTED)


class SignUp(models.Model):
    """One villager's sign-up for a position, their attendance, hours and resulting record.

    A full position puts the villager on its waiting list, in the order they came
    (``queued_at``); a withdrawal moves the first of them up.
    """

    activity = models.ForeignKey(Activity, on_delete=models.PROTECT, related_name="sign_ups")
    position = models.ForeignKey(
        Position, verbose_name=_("岗位"), on_delete=models.PROTECT, related_name="sign_ups"
    )
    resident = models.ForeignKey(
        "people.Resident", verbose_name=_("村民"), on_delete=models.PROTECT, related_name="+"
    )
    status = models.CharField(_("状态"), max_length=16, choices=SignUpStatus.choices)
    signed_up_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("报名人"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(_("报名时间"), auto_now_add=True)
    queued_at = models.DateTimeField(_("排队时间"))
    withdrawn_at = models.DateTimeField(_("退出时间"), null=True, blank=True)
    check_in_at = models.DateTimeField(_("签到时间"), null=True, blank=True)
    check_out_at = models.DateTimeField(_("签退时间"), null=True, blank=True)
    checked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("签到操作人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    hours = models.DecimalField(
        _("工时（小时）"), max_digits=4, decimal_places=1, null=True, blank=True
    )
    record = models.OneToOneField(
        "records.Record",
        verbose_name=_("信用记录"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    # Why completing the activity made no record for an attendee (a monthly cap reached...).
    record_error = models.CharField(_("未计分原因"), max_length=200, blank=True)

    objects = ScopedQuerySet.as_manager()
    scope_region_field = "resident__village__code"
    scope_resident_field = "resident_id"

    class Meta:
        verbose_name = _("报名")
        verbose_name_plural = _("报名")
        ordering = ["activity_id", "queued_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=SignUpStatus.values), name="sign_up_status_known"
            ),
            # One live sign-up per villager and activity; withdrawn rows stay for history.
            models.UniqueConstraint(
                fields=["activity", "resident"],
                condition=Q(status__in=["signed_up", "waitlisted"]),
                name="sign_up_once_per_activity",
            ),
            models.CheckConstraint(
                condition=Q(check_out_at__isnull=True)
                | (Q(check_in_at__isnull=False) & Q(check_out_at__gte=models.F("check_in_at"))),
                name="sign_up_check_out_after_check_in",
            ),
            models.CheckConstraint(
                condition=Q(hours__isnull=True) | Q(hours__gte=0), name="sign_up_hours_not_negative"
            ),
            # Only a place-holder is checked in: the waiting list is moved up first.
            models.CheckConstraint(
                condition=Q(check_in_at__isnull=True) | Q(status="signed_up"),
                name="sign_up_checked_in_holds_a_place",
            ),
        ]
        indexes = [models.Index(fields=["position", "status", "queued_at"])]

    def __str__(self) -> str:
        return f"{self.activity_id}:{self.resident_id} {self.status}"

    @property
    def attended(self) -> bool:
        return self.check_in_at is not None
