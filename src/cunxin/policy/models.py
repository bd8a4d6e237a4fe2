"""The credit policy (信用管理办法) and its behaviour catalogue, both versioned.

Rows are never edited in place: an edit adds a new version with the date from which it applies,
so a record is always scored by the version in force on the day of the behaviour. A town owns
the policy; a village may override it with versions of its own. Catalogue items follow the same
rule per item code, and a village item overrides the town's item of the same code.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from cunxin.core.scoping import ScopedQuerySet


class Grade(models.TextChoices):
    """The six credit grades, best first."""

    AAA = "AAA", "AAA"
    AA = "AA", "AA"
    A = "A", "A"
    B = "B", "B"
    C = "C", "C"
    D = "D", "D"


class CarryOver(models.TextChoices):
    """What happens to scores at the end of a period (结转)."""

    KEEP = "keep", _("保留")
    FRACTION = "fraction", _("按比例保留")
    RESET = "reset", _("重置为基础分")


class NameMasking(models.TextChoices):
    """How names appear on public pages (公示, 公开栏)."""

    MIDDLE = "middle", _("张*三（隐去中间字）")
    GIVEN = "given", _("张**（只显示姓）")
    FULL = "full", _("显示全名")


class Category(models.TextChoices):
    """The six categories of seed 000."""

    VILLAGE_MANAGEMENT = "village_management", _("村居管理")
    PUBLIC_WELFARE = "public_welfare", _("社会公益")
    CIVIC_MORALITY = "civic_morality", _("公民道德")
    GOVERNANCE = "governance", _("综合治理")
    APPEARANCE = "appearance", _("村容村貌")
    CONSTRUCTION = "construction", _("村居建设")


class Direction(models.TextChoices):
    REWARD = "reward", _("加分")
    PENALTY = "penalty", _("扣分")


class Scoring(models.TextChoices):
    FIXED = "fixed", _("固定分值")
    PER_UNIT = "per_unit", _("按单位计分")


class Versioned(models.Model):
    """Who made this version, when, why, and from which day it applies."""

    version = models.PositiveIntegerField(_("版本"))
    effective_from = models.DateField(_("生效日期"))
    created_at = models.DateTimeField(_("修改时间"), auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("修改人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    change_reason = models.CharField(_("修改说明"), max_length=200, blank=True)

    class Meta:
        abstract = True


class CreditPolicy(Versioned):
    """One version of a town's (or a village's overriding) credit policy."""

    region = models.ForeignKey(
        "regions.Region", verbose_name=_("适用区划"), on_delete=models.PROTECT, related_name="+"
    )
    region_code = models.CharField(max_length=12, db_index=True, editable=False)
    name = models.CharField(_("名称"), max_length=80, default="信用管理办法")
    base_score = models.PositiveIntegerField(_("基础分"), default=1000)
    aaa_min = models.PositiveIntegerField(_("AAA 最低分"), default=1050)
    aa_min = models.PositiveIntegerField(_("AA 最低分"), default=1030)
    a_min = models.PositiveIntegerField(_("A 最低分"), default=960)
    b_min = models.PositiveIntegerField(_("B 最低分"), default=850)
    c_min = models.PositiveIntegerField(_("C 最低分"), default=600)
    notice_days = models.PositiveSmallIntegerField(_("公示期（天）"), default=7)
    coupon_fen_per_point = models.PositiveIntegerField(
        _("每积分兑换信用券金额（单位：分）"), default=1000
    )
    coupon_valid_days = models.PositiveSmallIntegerField(_("信用券有效期（天）"), default=365)
    carry_over = models.CharField(
        _("结转方式"), max_length=16, choices=CarryOver.choices, default=CarryOver.KEEP
    )
    carry_over_percent = models.PositiveSmallIntegerField(_("结转保留比例（%）"), default=100)
    unspent_points_expire = models.BooleanField(_("结转时未用积分作废"), default=False)
    min_age = models.PositiveSmallIntegerField(_("参与评分最低年龄"), default=18)
    blacklist_grade = models.CharField(
        _("列入黑名单候选的等级"), max_length=3, choices=Grade.choices, default=Grade.D
    )
    name_masking = models.CharField(
        _("公开页面姓名显示"),
        max_length=16,
        choices=NameMasking.choices,
        default=NameMasking.MIDDLE,
    )
    repeat_penalty_doubles = models.BooleanField(_("有效期内重复扣分加倍"), default=True)
    two_approvals = models.BooleanField(_("需两名评审会成员审核"), default=False)
    entry_window_days = models.PositiveSmallIntegerField(
        _("行为发生后多少天内录入"), default=31, help_text=_("超过期限的行为不能再录入。")
    )
    auto_publish = models.BooleanField(_("每周自动公示"), default=False)
    publish_weekday = models.PositiveSmallIntegerField(
        _("自动公示日"),
        default=0,
        choices=[
            (0, _("星期一")),
            (1, _("星期二")),
            (2, _("星期三")),
            (3, _("星期四")),
            (4, _("星期五")),
            (5, _("星期六")),
            (6, _("星期日")),
        ],
    )
    repair_min_months = models.PositiveSmallIntegerField(
        _("列入黑名单后最短多少个月可申请信用修复"), default=6
    )
    stars_per_month = models.PositiveSmallIntegerField(_("每月信用之星人数"), default=5)
    demonstration_grade = models.CharField(
        _("信用示范户最低等级"),
        max_length=3,
        choices=Grade.choices,
        default=Grade.AA,
        help_text=_("户内每个参与评分的成员都达到此等级且当年无扣分，可评为信用示范户。"),
    )
    volunteer_hours_approved = models.BooleanField(
        _("志愿服务工时直接通过审核"),
        default=False,
        help_text=_("不选：签退后的工时记录和其他记录一样，先审核再公示。"),
    )
    daily_wage_fen = models.PositiveIntegerField(
        _("折算日工资（分）"),
        default=12000,
        help_text=_("用于计算志愿服务节省的劳务费用：工时 ÷ 8 × 日工资。"),
    )

    objects = ScopedQuerySet.as_manager()
    scope_region_field = "region_code"
    scope_include_ancestors = True

    class Meta:
        verbose_name = _("信用管理办法")
        verbose_name_plural = _("信用管理办法")
        ordering = ["region_code", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["region", "version"], name="policy_version_unique"),
            models.CheckConstraint(
                condition=Q(aaa_min__gt=F("aa_min"))
                & Q(aa_min__gt=F("a_min"))
                & Q(a_min__gt=F("b_min"))
                & Q(b_min__gt=F("c_min")),
                name="policy_grade_bands_descending",
            ),
            models.CheckConstraint(
                condition=Q(carry_over_percent__lte=100), name="policy_carry_over_percent"
            ),
            models.CheckConstraint(condition=Q(notice_days__gte=1), name="policy_notice_days"),
            models.CheckConstraint(
                condition=Q(coupon_fen_per_point__gte=1), name="policy_coupon_rate_positive"
            ),
            models.CheckConstraint(
                condition=Q(coupon_valid_days__gte=1), name="policy_coupon_valid_days_positive"
            ),
            models.CheckConstraint(
                condition=Q(publish_weekday__lte=6), name="policy_publish_weekday"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} v{self.version}"

    @property
    def coupon_yuan_per_point(self) -> str:
        """The exchange rate in yuan, for people (the stored value is in fen)."""
        yuan, fen = divmod(self.coupon_fen_per_point, 100)
        return f"{yuan}" if fen == 0 else f"{yuan}.{fen:02d}"

    @property
    def daily_wage_yuan(self) -> str:
        yuan, fen = divmod(self.daily_wage_fen, 100)
        return f"{yuan}" if fen == 0 else f"{yuan}.{fen:02d}"

    def bands(self) -> list[tuple[Grade, int]]:
        """Each grade with its lowest score, best first (D's floor is 0)."""
        return [
            (Grade.AAA, self.aaa_min),
            (Grade.AA, self.aa_min),
            (Grade.A, self.a_min),
            (Grade.B, self.b_min),
            (Grade.C, self.c_min),
            (Grade.D, 0),
        ]

    def grade_for(self, score: int) -> Grade:
        """The grade a credit score falls into."""
        for grade, floor in self.bands():
            if score >= floor:
                return grade
        return Grade.D


class CatalogueItem(Versioned):
    """One version of a behaviour in the catalogue, with how it is scored."""

    region = models.ForeignKey(
        "regions.Region", verbose_name=_("适用区划"), on_delete=models.PROTECT, related_name="+"
    )
    region_code = models.CharField(max_length=12, db_index=True, editable=False)
    code = models.CharField(_("编码"), max_length=16)
    name = models.CharField(_("行为名称"), max_length=80)
    category = models.CharField(_("类别"), max_length=24, choices=Category.choices)
    direction = models.CharField(_("加/扣分"), max_length=8, choices=Direction.choices)
    scoring = models.CharField(
        _("计分方式"), max_length=8, choices=Scoring.choices, default=Scoring.FIXED
    )
    points = models.PositiveIntegerField(_("分值"))
    unit = models.CharField(_("计分单位"), max_length=16, blank=True)
    monthly_cap = models.PositiveIntegerField(_("每人每月上限（分）"), null=True, blank=True)
    evidence_required = models.BooleanField(_("需要证据"), default=False)
    serious = models.BooleanField(_("严重失信"), default=False)
    validity_years = models.PositiveSmallIntegerField(
        _("有效期（年）"), null=True, blank=True, help_text=_("留空表示一直有效，直到结转。")
    )
    active = models.BooleanField(_("启用"), default=True)
    description = models.TextField(_("认定标准"), blank=True)
    # False once a newer version of the same code exists in the same region.
    is_latest = models.BooleanField(default=True, editable=False)

    objects = ScopedQuerySet.as_manager()
    scope_region_field = "region_code"
    scope_include_ancestors = True

    class Meta:
        verbose_name = _("行为条目")
        verbose_name_plural = _("行为目录")
        ordering = ["region_code", "code", "-version"]
        constraints = [
            models.UniqueConstraint(
                fields=["region", "code", "version"], name="catalogue_item_version_unique"
            ),
            models.UniqueConstraint(
                fields=["region", "code"],
                condition=Q(is_latest=True),
                name="catalogue_item_one_latest",
            ),
            models.CheckConstraint(condition=Q(points__gte=1), name="catalogue_points_positive"),
            models.CheckConstraint(
                condition=Q(scoring="fixed") | ~Q(unit=""), name="catalogue_unit_when_per_unit"
            ),
            models.CheckConstraint(
                condition=Q(category__in=Category.values), name="catalogue_category_known"
            ),
            models.CheckConstraint(
                condition=Q(direction__in=Direction.values), name="catalogue_direction_known"
            ),
            models.CheckConstraint(
                condition=Q(serious=False) | Q(direction="penalty"),
                name="catalogue_serious_only_penalty",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"

    @property
    def signed_points(self) -> int:
        """The points as they move a score: negative for a penalty."""
        return self.points if self.direction == Direction.REWARD else -self.points
