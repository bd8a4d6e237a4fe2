"""The integrity blacklist (诚信黑名单) and credit repair (信用修复).

Candidates are not stored: ``selectors.candidates`` finds them from the ledger and the records
(grade at or under the policy's threshold, or a serious penalty in force). A committee decision
opens a ``BlacklistCase``: dismissed at once, or listed with its reason, restrictions and end
date. A listed villager may apply for repair once the policy's minimum period has passed; the
committee approves (the case ends, repaired) or refuses (the case stays listed). Cases also end
on their end date. Every change of a case's status goes through ``blacklist.workflow.CASES`` and
leaves a ``CaseEvent``.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop

from cunxin.core.models import StatusEvent
from cunxin.core.scoping import ScopedQuerySet


class CaseStatus(models.TextChoices):
    DISMISSED = "dismissed", _("不予列入")
    LISTED = "listed", _("已列入黑名单")
    REPAIR_PENDING = "repair_pending", _("信用修复审核中")
    REPAIRED = "repaired", _("已信用修复")
    EXPIRED = "expired", _("期满移出")


# A villager on an active case is on the blacklist (until its end date).
ACTIVE = (CaseStatus.LISTED, CaseStatus.REPAIR_PENDING)


class Basis(models.TextChoices):
    """What made the villager a candidate."""

    GRADE = "grade", _("信用等级达到黑名单线")
    SERIOUS = "serious", _("有严重失信行为")
    BOTH = "both", _("信用等级达到黑名单线且有严重失信行为")


# Restrictions the committee usually lists (offered as checkboxes; free text may add others).
# Stored as the Chinese source text, shown through gettext.
COMMON_RESTRICTIONS = (
    gettext_noop("政策扶持"),
    gettext_noop("临时救助"),
    gettext_noop("评优评先"),
    gettext_noop("信用贷款优惠"),
    gettext_noop("信用超市兑换"),
)


class BlacklistCase(models.Model):
    """A committee decision on a candidate; while listed, the villager is on the blacklist."""

    village = models.ForeignKey("regions.Region", on_delete=models.PROTECT, related_name="+")
    resident = models.ForeignKey(
        "people.Resident",
        verbose_name=_("村民"),
        on_delete=models.PROTECT,
        related_name="blacklist_cases",
    )
    status = models.CharField(_("状态"), max_length=16, choices=CaseStatus.choices)
    basis = models.CharField(_("列入依据"), max_length=16, choices=Basis.choices)
    # The villager's standing when the committee decided.
    score = models.IntegerField(_("当时信用分"))
    grade = models.CharField(_("当时信用等级"), max_length=3)
    serious_records = models.ManyToManyField(
        "records.Record", verbose_name=_("严重失信记录"), blank=True, related_name="+"
    )
    reason = models.TextField(_("评审理由"))
    restrictions = models.JSONField(_("限制措施"), default=list, blank=True)
    ends_on = models.DateField(_("移出日期"), null=True, blank=True)
    repair_from = models.DateField(_("可申请信用修复日期"), null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(_("评审时间"))
    closed_at = models.DateTimeField(_("结束时间"), null=True, blank=True)

    objects = ScopedQuerySet.as_manager()
    scope_region_field = "village__code"
    scope_resident_field = "resident_id"

    class Meta:
        verbose_name = _("黑名单案件")
        verbose_name_plural = _("黑名单案件")
        ordering = ["-decided_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=CaseStatus.values), name="blacklist_case_status_known"
            ),
            models.CheckConstraint(
                condition=Q(basis__in=Basis.values), name="blacklist_case_basis_known"
            ),
            # A villager has at most one case in force.
            models.UniqueConstraint(
                fields=["resident"],
                condition=Q(status__in=[s.value for s in ACTIVE]),
                name="blacklist_one_active_case",
            ),
            # Listing needs an end date and a repair date; a dismissal has neither.
            models.CheckConstraint(
                condition=(
                    Q(status="dismissed", ends_on__isnull=True, repair_from__isnull=True)
                    | (~Q(status="dismissed") & Q(ends_on__isnull=False, repair_from__isnull=False))
                ),
                name="blacklist_case_dates",
            ),
            # A case in force is open; every other one has closed.
            models.CheckConstraint(
                condition=(
                    Q(status__in=[s.value for s in ACTIVE], closed_at__isnull=True)
                    | (~Q(status__in=[s.value for s in ACTIVE]) & Q(closed_at__isnull=False))
                ),
                name="blacklist_case_closed_when_ended",
            ),
        ]
        indexes = [models.Index(fields=["village", "status"])]

    def __str__(self) -> str:
        return f"#{self.pk} {self.resident_id} {self.status}"

    @property
    def is_active(self) -> bool:
        return self.status in ACTIVE


class RepairStatus(models.TextChoices):
    PENDING = "pending", _("待评审")
    APPROVED = "approved", _("同意修复")
    REFUSED = "refused", _("不同意修复")
    LAPSED = "lapsed", _("名单已到期，无需评审")


class RepairApplication(models.Model):
    """A listed villager's application for credit repair, with evidence of good conduct."""

    case = models.ForeignKey(BlacklistCase, on_delete=models.PROTECT, related_name="applications")
    applicant = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    volunteer_hours = models.DecimalField(
        _("志愿服务时长（小时）"), max_digits=6, decimal_places=1, default=0
    )
    commitment_signed = models.BooleanField(_("已签署信用承诺书"))
    commitment_file = models.FileField(
        _("承诺书照片或扫描件"), upload_to="repair/%Y/%m/", blank=True
    )
    commitment_type = models.CharField(max_length=40, blank=True)
    commitment_sha256 = models.CharField(max_length=64, blank=True)
    text = models.TextField(_("修复说明"))
    status = models.CharField(
        _("状态"), max_length=16, choices=RepairStatus.choices, default=RepairStatus.PENDING
    )
    created_at = models.DateTimeField(_("申请时间"), auto_now_add=True)
    ruled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    ruled_at = models.DateTimeField(_("评审时间"), null=True, blank=True)
    ruling = models.TextField(_("评审意见"), blank=True)

    objects = ScopedQuerySet.as_manager()
    scope_region_field = "case__village__code"
    scope_resident_field = "case__resident_id"

    class Meta:
        verbose_name = _("信用修复申请")
        verbose_name_plural = _("信用修复申请")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=RepairStatus.values), name="repair_status_known"
            ),
            models.CheckConstraint(
                condition=Q(commitment_signed=True), name="repair_commitment_signed"
            ),
            models.CheckConstraint(
                condition=Q(volunteer_hours__gte=0), name="repair_hours_not_negative"
            ),
            models.UniqueConstraint(
                fields=["case"], condition=Q(status="pending"), name="repair_one_pending_per_case"
            ),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} case {self.case_id} {self.status}"


class CaseEvent(StatusEvent):
    """One step of a case's history: from which status to which, by whom, when, and why."""

    case = models.ForeignKey(BlacklistCase, on_delete=models.PROTECT, related_name="events")
    application = models.ForeignKey(
        RepairApplication, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    statuses = CaseStatus

    def __str__(self) -> str:
        return f"{self.case_id}: {self.from_status}→{self.to_status}"
