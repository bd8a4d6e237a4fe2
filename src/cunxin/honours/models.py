"""Honours (信用表彰): monthly credit stars, the rotating red flag, demonstration households and
yearly stars, chosen by rule and confirmed by the village committee.

A ``Round`` is one village's honours for one month (stars and the red flag) or one year
(demonstration households and yearly stars). Opening it computes the picks by rule (a draft);
the committee may swap a pick for another eligible candidate, or strike a household, each with
a reason, and confirms. A confirmed round is final: a correction reopens it (with a reason, kept
in its history) and confirms it again. Confirming confers the honours on people
(``Conferral``): each honoured villager is told, sees it on their honours page, and, where the
village has set a reward item for the kind of honour, gets a reward record through the records
app (review, notice, effect) — once, however often the round is confirmed.

Every change of a round's status goes through ``honours.workflow.ROUNDS`` and leaves a
``RoundEvent``.
"""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from cunxin.core.models import StatusEvent
from cunxin.core.scoping import ScopedQuerySet


class Period(models.TextChoices):
    MONTH = "month", _("月度")
    YEAR = "year", _("年度")


class RoundStatus(models.TextChoices):
    DRAFT = "draft", _("待确认")
    CONFIRMED = "confirmed", _("已确认")


class How(models.TextChoices):
    """How a pick came to be: by the rule, or swapped in by the committee (with a reason)."""

    RULE = "rule", _("按规则评出")
    SWAP = "swap", _("评审会调整")


class Kind(models.TextChoices):
    """The honours a villager can receive."""

    STAR = "star", _("月度信用之星")
    RED_FLAG = "red_flag", _("流动红旗")
    DEMONSTRATION = "demonstration", _("信用示范户")
    YEAR_STAR = "year_star", _("年度信用之星")


# Which honours each period confers.
KINDS_OF = {
    Period.MONTH: (Kind.STAR, Kind.RED_FLAG),
    Period.YEAR: (Kind.DEMONSTRATION, Kind.YEAR_STAR),
}


class Round(models.Model):
    """One village's honours for one month or one year: a draft until the committee confirms."""

    village = models.ForeignKey(
        "regions.Region", verbose_name=_("村"), on_delete=models.PROTECT, related_name="+"
    )
    period = models.CharField(_("周期"), max_length=8, choices=Period.choices)
    # The first day of the month, or 1 January of the year.
    starts_on = models.DateField(_("起始日"))
    status = models.CharField(
        _("状态"), max_length=16, choices=RoundStatus.choices, default=RoundStatus.DRAFT
    )
    # The policy in force on the period's last day: how many stars, who is scored, which grade.
    policy = models.ForeignKey("policy.CreditPolicy", on_delete=models.PROTECT, related_name="+")
    computed_at = models.DateTimeField(_("计算时间"))
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("发起人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("确认人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    confirmed_at = models.DateTimeField(_("确认时间"), null=True, blank=True)

    objects = ScopedQuerySet.as_manager()
    scope_region_field = "village__code"

    class Meta:
        verbose_name = _("表彰评选")
        verbose_name_plural = _("表彰评选")
        ordering = ["-starts_on", "period", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["village", "period", "starts_on"], name="honour_round_once_per_period"
            ),
            models.CheckConstraint(
                condition=Q(period__in=Period.values), name="honour_round_period_known"
            ),
            models.CheckConstraint(
                condition=Q(status__in=RoundStatus.values), name="honour_round_status_known"
            ),
            # A confirmed round says who confirmed it and when; a draft has neither.
            models.CheckConstraint(
                condition=(
                    Q(status="confirmed", confirmed_at__isnull=False, confirmed_by__isnull=False)
                    | Q(status="draft", confirmed_at__isnull=True, confirmed_by__isnull=True)
                ),
                name="honour_round_confirmed_by_someone",
            ),
        ]
        indexes = [models.Index(fields=["village", "period", "status", "-starts_on"])]

    def __str__(self) -> str:
        return f"{self.village_id} {self.label}"

    @property
    def is_month(self) -> bool:
        return self.period == Period.MONTH

    @property
    def year(self) -> int:
        return self.starts_on.year

    @property
    def label(self) -> str:
        """The period as people read it: 2026年10月, or 2026年度."""
        if self.is_month:
            return gettext("%(y)d年%(m)d月") % {"y": self.starts_on.year, "m": self.starts_on.month}
        return gettext("%d年度") % self.starts_on.year

    @property
    def ends_on(self) -> datetime.date:
        """The period's last day."""
        if not self.is_month:
            return datetime.date(self.starts_on.year, 12, 31)
        following = (self.starts_on + datetime.timedelta(days=32)).replace(day=1)
        return following - datetime.timedelta(days=1)

    @property
    def is_confirmed(self) -> bool:
        return self.status == RoundStatus.CONFIRMED


class RoundEvent(StatusEvent):
    """One step of a round's history: opened, recomputed, confirmed, reopened — who, when, why."""

    round = models.ForeignKey(Round, on_delete=models.PROTECT, related_name="events")

    statuses = RoundStatus

    def __str__(self) -> str:
        return f"{self.round_id}: {self.from_status}→{self.to_status}"

    @property
    def step(self) -> str:
        """What the committee (or the month-end job) did, in words."""
        if not self.from_status:
            return gettext("按规则计算候选人")
        if self.to_status == RoundStatus.CONFIRMED:
            return gettext("确认")
        if self.from_status == RoundStatus.CONFIRMED:
            return gettext("重新打开")
        return gettext("重新计算")


def _swap_has_reason(prefix: str) -> list[models.BaseConstraint]:
    """A pick by rule carries no reason; one swapped in by the committee must."""
    return [
        models.CheckConstraint(condition=Q(how__in=How.values), name=f"{prefix}_how_known"),
        models.CheckConstraint(
            condition=Q(how="rule", reason="") | (Q(how="swap") & ~Q(reason="")),
            name=f"{prefix}_swap_has_reason",
        ),
    ]


class StarPick(models.Model):
    """A star of a round (monthly, or yearly in a year's round) at a rank, with the figures it
    was chosen on."""

    round = models.ForeignKey(Round, on_delete=models.PROTECT, related_name="stars")
    rank = models.PositiveSmallIntegerField(_("名次"))
    resident = models.ForeignKey(
        "people.Resident", verbose_name=_("村民"), on_delete=models.PROTECT, related_name="+"
    )
    points = models.IntegerField(_("净得分"))
    penalties = models.PositiveIntegerField(_("扣分次数"), default=0)
    hours = models.DecimalField(_("志愿服务时长"), max_digits=8, decimal_places=1, default=0)
    # Yearly stars: how many of the year's months the villager was a star.
    months = models.PositiveSmallIntegerField(_("获评月数"), default=0)
    how = models.CharField(max_length=8, choices=How.choices, default=How.RULE)
    reason = models.CharField(_("调整理由"), max_length=400, blank=True)
    replaced = models.ForeignKey(
        "people.Resident",
        verbose_name=_("原人选"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )

    objects = ScopedQuerySet.as_manager()
    scope_region_field = "round__village__code"
    scope_resident_field = "resident_id"

    class Meta:
        verbose_name = _("信用之星")
        verbose_name_plural = _("信用之星")
        ordering = ["round_id", "rank"]
        constraints = [
            models.UniqueConstraint(fields=["round", "rank"], name="star_rank_unique"),
            models.UniqueConstraint(fields=["round", "resident"], name="star_once_per_round"),
            models.CheckConstraint(condition=Q(rank__gte=1), name="star_rank_positive"),
            models.CheckConstraint(condition=Q(hours__gte=0), name="star_hours_not_negative"),
            *_swap_has_reason("star"),
        ]

    def __str__(self) -> str:
        return f"{self.round_id} #{self.rank} {self.resident_id}"


class FlagPick(models.Model):
    """The red flag (流动红旗) of a month's round: the team with the best average net points of
    its scored current members."""

    round = models.OneToOneField(Round, on_delete=models.PROTECT, related_name="flag")
    team = models.ForeignKey(
        "volunteering.Team",
        verbose_name=_("志愿服务队"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    points = models.IntegerField(_("队员净得分合计"))
    members = models.PositiveIntegerField(_("参与评分的队员数"))
    hours = models.DecimalField(_("志愿服务时长"), max_digits=9, decimal_places=1, default=0)
    how = models.CharField(max_length=8, choices=How.choices, default=How.RULE)
    reason = models.CharField(_("调整理由"), max_length=400, blank=True)
    replaced = models.ForeignKey(
        "volunteering.Team",
        verbose_name=_("原人选"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )

    objects = ScopedQuerySet.as_manager()
    scope_region_field = "round__village__code"

    class Meta:
        verbose_name = _("流动红旗")
        verbose_name_plural = _("流动红旗")
        constraints = [
            models.CheckConstraint(condition=Q(members__gte=1), name="flag_has_members"),
            *_swap_has_reason("flag"),
        ]

    def __str__(self) -> str:
        return f"{self.round_id} {self.team_id}"

    @property
    def average(self) -> Decimal:
        return (Decimal(self.points) / self.members).quantize(Decimal("0.1"))


class HouseholdPick(models.Model):
    """A credit demonstration household (信用示范户) of a year's round; the committee may strike
    one from the list, with a reason."""

    round = models.ForeignKey(Round, on_delete=models.PROTECT, related_name="households")
    household = models.ForeignKey(
        "people.Household", verbose_name=_("户"), on_delete=models.PROTECT, related_name="+"
    )
    members = models.PositiveSmallIntegerField(_("参与评分的成员数"))
    lowest_score = models.IntegerField(_("成员最低信用分"))
    struck = models.BooleanField(_("评审会不予评定"), default=False)
    reason = models.CharField(_("不予评定理由"), max_length=400, blank=True)

    objects = ScopedQuerySet.as_manager()
    scope_region_field = "round__village__code"

    class Meta:
        verbose_name = _("信用示范户")
        verbose_name_plural = _("信用示范户")
        ordering = ["round_id", "household__number"]
        constraints = [
            models.UniqueConstraint(fields=["round", "household"], name="household_once_per_round"),
            models.CheckConstraint(condition=Q(members__gte=1), name="household_has_members"),
            models.CheckConstraint(
                condition=Q(struck=False, reason="") | (Q(struck=True) & ~Q(reason="")),
                name="household_struck_has_reason",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.round_id} {self.household_id}"


class Conferral(models.Model):
    """An honour conferred on one villager when a round is confirmed, with the reward record it
    brought (if the village rewards that honour). Withdrawn, not deleted, when a reopened round
    is confirmed without them."""

    round = models.ForeignKey(Round, on_delete=models.PROTECT, related_name="conferrals")
    kind = models.CharField(_("荣誉"), max_length=16, choices=Kind.choices)
    resident = models.ForeignKey(
        "people.Resident", verbose_name=_("村民"), on_delete=models.PROTECT, related_name="+"
    )
    rank = models.PositiveSmallIntegerField(_("名次"), null=True, blank=True)
    team = models.ForeignKey(
        "volunteering.Team", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    household = models.ForeignKey(
        "people.Household", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    conferred_at = models.DateTimeField(_("授予时间"))
    record = models.OneToOneField(
        "records.Record",
        verbose_name=_("奖励记录"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    # Why no reward record could be made (a monthly cap reached, the person moved out...).
    reward_error = models.CharField(_("未计奖励原因"), max_length=200, blank=True)
    withdrawn_at = models.DateTimeField(_("撤回时间"), null=True, blank=True)
    withdrawn_reason = models.CharField(_("撤回原因"), max_length=400, blank=True)

    objects = ScopedQuerySet.as_manager()
    scope_region_field = "round__village__code"
    scope_resident_field = "resident_id"

    class Meta:
        verbose_name = _("所获荣誉")
        verbose_name_plural = _("所获荣誉")
        ordering = ["-conferred_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["round", "kind", "resident"], name="conferral_once_per_round"
            ),
            models.CheckConstraint(condition=Q(kind__in=Kind.values), name="conferral_kind_known"),
            models.CheckConstraint(
                condition=Q(withdrawn_at__isnull=True, withdrawn_reason="")
                | (Q(withdrawn_at__isnull=False) & ~Q(withdrawn_reason="")),
                name="conferral_withdrawn_has_reason",
            ),
        ]
        indexes = [models.Index(fields=["resident", "-conferred_at"])]

    def __str__(self) -> str:
        return f"{self.round_id} {self.kind} {self.resident_id}"


class RewardSetting(models.Model):
    """The catalogue item a village's honour of one kind is rewarded with (none: no points)."""

    village = models.ForeignKey("regions.Region", on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(_("荣誉"), max_length=16, choices=Kind.choices)
    item_code = models.CharField(_("奖励行为编码"), max_length=16, blank=True)
    updated_at = models.DateTimeField(auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )

    objects = ScopedQuerySet.as_manager()
    scope_region_field = "village__code"

    class Meta:
        verbose_name = _("表彰奖励设置")
        verbose_name_plural = _("表彰奖励设置")
        constraints = [
            models.UniqueConstraint(fields=["village", "kind"], name="reward_setting_unique"),
            models.CheckConstraint(
                condition=Q(kind__in=Kind.values), name="reward_setting_kind_known"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.village_id} {self.kind} {self.item_code or '-'}"
