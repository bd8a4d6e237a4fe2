"""Credit records and their lifecycle: collect → review → public notice → effective.

A record is scored when it is collected, by the policy and catalogue item versions in force on
the day of the behaviour, and never rescored by later policy changes. Every change of status
goes through ``records.workflow.RECORDS`` and leaves a ``RecordEvent``. An effective record
is never edited: a correction is a reversal record that goes through the same steps.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from cunxin.core.models import StatusEvent
from cunxin.core.scoping import ScopedQuerySet
from cunxin.policy.models import CarryOver


class Status(models.TextChoices):
    COLLECTED = "collected", _("待审核")
    APPROVED = "approved", _("待公示")
    REJECTED = "rejected", _("未通过审核")
    IN_NOTICE = "in_notice", _("公示中")
    DISPUTED = "disputed", _("有异议")
    EFFECTIVE = "effective", _("已生效")
    CANCELLED = "cancelled", _("已撤销")


class Record(models.Model):
    """One behaviour of one villager, with the points it is worth and where it stands."""

    client_id = models.UUIDField(_("提交编号"), unique=True, default=uuid.uuid4)
    village = models.ForeignKey("regions.Region", on_delete=models.PROTECT, related_name="+")
    resident = models.ForeignKey(
        "people.Resident", verbose_name=_("村民"), on_delete=models.PROTECT, related_name="records"
    )
    item = models.ForeignKey(
        "policy.CatalogueItem", verbose_name=_("行为"), on_delete=models.PROTECT, related_name="+"
    )
    policy = models.ForeignKey("policy.CreditPolicy", on_delete=models.PROTECT, related_name="+")
    quantity = models.DecimalField(_("数量"), max_digits=8, decimal_places=1, default=1)
    behaviour_date = models.DateField(_("行为日期"))
    note = models.TextField(_("说明"), blank=True)
    # Signed points as they will move the score: item points × quantity, capped, maybe doubled.
    points = models.IntegerField(_("分值"))
    base_points = models.IntegerField(_("未封顶分值"))
    scoring_note = models.CharField(_("计分说明"), max_length=200, blank=True)
    status = models.CharField(
        _("状态"), max_length=16, choices=Status.choices, default=Status.COLLECTED
    )
    collected_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("采集员"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(_("采集时间"), auto_now_add=True)
    reviewed_at = models.DateTimeField(_("审核时间"), null=True, blank=True)
    reject_reason = models.TextField(_("未通过原因"), blank=True)
    notice = models.ForeignKey(
        "records.Notice",
        verbose_name=_("公示"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="records",
    )
    effective_at = models.DateTimeField(_("生效时间"), null=True, blank=True)
    transfer = models.OneToOneField(
        "ledger.Transfer", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    # A correction: this record undoes an effective one, through the same steps.
    reverses = models.ForeignKey(
        "self",
        verbose_name=_("更正"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="reversals",
    )
    # When the points stop counting in the score (validity ended, or carried over at period end).
    expires_on = models.DateField(_("计分截止"), null=True, blank=True)
    score_closed_at = models.DateTimeField(null=True, blank=True)

    objects = ScopedQuerySet.as_manager()
    scope_region_field = "village__code"
    scope_resident_field = "resident_id"

    class Meta:
        verbose_name = _("信用记录")
        verbose_name_plural = _("信用记录")
        ordering = ["-behaviour_date", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=Status.values), name="record_status_known"
            ),
            models.CheckConstraint(condition=Q(quantity__gt=0), name="record_quantity_positive"),
            models.CheckConstraint(
                condition=~Q(status="effective") | Q(transfer__isnull=False),
                name="record_effective_has_transfer",
            ),
            # A record is corrected at most once (a refused correction may be asked again).
            models.UniqueConstraint(
                fields=["reverses"],
                condition=Q(reverses__isnull=False) & ~Q(status__in=["rejected", "cancelled"]),
                name="record_one_live_reversal",
            ),
        ]
        indexes = [
            models.Index(fields=["village", "status"]),
            models.Index(fields=["resident", "behaviour_date"]),
            models.Index(fields=["status", "expires_on"]),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.item.name} {self.points:+d}"


class RecordEvent(StatusEvent):
    """One step of a record's history: from which status to which, by whom, when, and why."""

    record = models.ForeignKey(Record, on_delete=models.PROTECT, related_name="events")

    statuses = Status

    def __str__(self) -> str:
        return f"{self.record_id}: {self.from_status}→{self.to_status}"


class Approval(models.Model):
    """A committee member's approval (a policy may ask for two before a record is approved)."""

    record = models.ForeignKey(Record, on_delete=models.PROTECT, related_name="approvals")
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["record", "reviewer"], name="approval_once_per_reviewer"
            )
        ]

    def __str__(self) -> str:
        return f"{self.record_id} by {self.reviewer_id}"


class Evidence(models.Model):
    """A photo (or scan) that shows the behaviour happened."""

    record = models.ForeignKey(Record, on_delete=models.PROTECT, related_name="evidence")
    file = models.FileField(upload_to="evidence/%Y/%m/")
    # A small JPEG for lists; empty for photos stored before thumbnails were made.
    thumbnail = models.FileField(upload_to="evidence/%Y/%m/", blank=True)
    content_type = models.CharField(max_length=40)
    size = models.PositiveIntegerField()
    width = models.PositiveIntegerField(default=0)
    height = models.PositiveIntegerField(default=0)
    sha256 = models.CharField(max_length=64)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return str(self.file.name)


class NoticeStatus(models.TextChoices):
    PUBLISHED = "published", _("公示中")
    CLOSED = "closed", _("公示结束")


class Notice(models.Model):
    """A village's public notice (公示): approved records posted for objections for a period."""

    village = models.ForeignKey("regions.Region", on_delete=models.PROTECT, related_name="+")
    number = models.PositiveIntegerField(_("期号"))
    status = models.CharField(
        max_length=16, choices=NoticeStatus.choices, default=NoticeStatus.PUBLISHED
    )
    published_at = models.DateTimeField(_("公示开始"))
    ends_at = models.DateTimeField(_("公示截止"))
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    closed_at = models.DateTimeField(null=True, blank=True)
    # The village's ledger chain head when the notice went up: printed on the poster.
    chain_seq = models.PositiveBigIntegerField(default=0)
    chain_hash = models.CharField(max_length=64, default="0" * 64)

    objects = ScopedQuerySet.as_manager()
    scope_region_field = "village__code"

    class Meta:
        verbose_name = _("公示")
        verbose_name_plural = _("公示")
        ordering = ["-published_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["village", "number"], name="notice_number_unique"),
            models.CheckConstraint(
                condition=Q(ends_at__gt=models.F("published_at")), name="notice_has_a_period"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.village_id} 第{self.number}期"


class ObjectionStatus(models.TextChoices):
    OPEN = "open", _("待处理")
    UPHELD = "upheld", _("异议成立")
    DISMISSED = "dismissed", _("异议不成立")


class Objection(models.Model):
    """A villager's objection to one line of a notice, and the committee's ruling."""

    record = models.ForeignKey(Record, on_delete=models.PROTECT, related_name="objections")
    objector = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    reason = models.TextField(_("异议理由"))
    status = models.CharField(
        max_length=16, choices=ObjectionStatus.choices, default=ObjectionStatus.OPEN
    )
    created_at = models.DateTimeField(auto_now_add=True)
    ruled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    ruled_at = models.DateTimeField(null=True, blank=True)
    ruling = models.TextField(_("处理意见"), blank=True)

    objects = ScopedQuerySet.as_manager()
    scope_region_field = "record__village__code"

    class Meta:
        verbose_name = _("异议")
        verbose_name_plural = _("异议")
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["record", "objector"],
                condition=Q(status="open"),
                name="objection_one_open_per_person",
            )
        ]

    def __str__(self) -> str:
        return f"{self.record_id} {self.status}"


class GradeChange(models.Model):
    """A villager's grade moved: from what to what, at which score, and why."""

    resident = models.ForeignKey(
        "people.Resident", on_delete=models.PROTECT, related_name="grade_changes"
    )
    from_grade = models.CharField(max_length=3)
    to_grade = models.CharField(max_length=3)
    score_before = models.IntegerField()
    score_after = models.IntegerField()
    at = models.DateTimeField(auto_now_add=True)
    cause = models.CharField(max_length=200)
    transfer = models.ForeignKey(
        "ledger.Transfer", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    objects = ScopedQuerySet.as_manager()
    scope_region_field = "resident__village__code"
    scope_resident_field = "resident_id"

    class Meta:
        ordering = ["-at", "-id"]

    def __str__(self) -> str:
        return f"{self.resident_id}: {self.from_grade}→{self.to_grade}"


class CarryOverRun(models.Model):
    """A village's carry-over (结转) at the end of a period: done once per village and period end,
    by the policy in force on that day; the per-resident transfers carry ``carry:`` keys."""

    village = models.ForeignKey("regions.Region", on_delete=models.PROTECT, related_name="+")
    period_end = models.DateField(_("结转截止日"))
    policy = models.ForeignKey("policy.CreditPolicy", on_delete=models.PROTECT, related_name="+")
    mode = models.CharField(_("结转方式"), max_length=16, choices=CarryOver.choices)
    percent = models.PositiveSmallIntegerField(_("保留比例（%）"))
    spendable_expired = models.BooleanField(_("未用积分作废"))
    residents_changed = models.PositiveIntegerField(_("变动人数"))
    # Signed sums over the village: score points moved back to issuance, spendable expired.
    score_returned = models.BigIntegerField(_("退回信用分"))
    spendable_returned = models.BigIntegerField(_("作废积分"))
    records_closed = models.PositiveIntegerField(_("结清记录数"))
    run_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("执行人"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    run_at = models.DateTimeField(_("执行时间"), auto_now_add=True)

    objects = ScopedQuerySet.as_manager()
    scope_region_field = "village__code"

    class Meta:
        verbose_name = _("结转")
        verbose_name_plural = _("结转")
        ordering = ["-period_end", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["village", "period_end"], name="carry_over_once_per_period"
            ),
            models.CheckConstraint(condition=Q(percent__lte=100), name="carry_over_run_percent"),
            models.CheckConstraint(
                condition=Q(mode__in=CarryOver.values), name="carry_over_run_mode_known"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.village_id} {self.period_end}"
