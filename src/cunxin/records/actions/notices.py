"""Public notices (公示): publishing approved records, objections, and rulings on them."""

from __future__ import annotations

import datetime
from typing import Any

from django.db import transaction
from django.db.models import Max
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from cunxin.accounts.models import RoleAssignment
from cunxin.accounts.permissions import Perm, Role
from cunxin.core import audit
from cunxin.core.errors import Conflict, DomainError
from cunxin.core.scoping import require
from cunxin.ledger.models import ChainHead
from cunxin.notifications.actions import Note, notify
from cunxin.policy.selectors import policy_in_force
from cunxin.records.models import Notice, NoticeStatus, Objection, ObjectionStatus, Record, Status
from cunxin.records.workflow import RECORDS
from cunxin.regions.models import Region


@transaction.atomic
def do_publish_notice(village: Region, *, acting_user: Any) -> Notice:
    """Post every approved record of the village not yet in a notice, for the notice period.

    ``acting_user`` None means the scheduled publication (the policy's weekly day).
    """
    if acting_user is not None:
        require(acting_user, Perm.PUBLISH_NOTICES, village.code)
    # Lock the village row: two committee members publishing at once make one notice.
    Region.objects.select_for_update().get(pk=village.pk)
    records = list(
        Record.objects.select_for_update()
        .filter(village=village, status=Status.APPROVED, notice__isnull=True)
        .select_related("item")
        .order_by("pk")
    )
    if not records:
        raise DomainError("notice_empty", _("没有待公示的记录。"))
    now = timezone.now()
    policy = policy_in_force(village, timezone.localdate())
    if policy is None:
        raise DomainError("no_policy", _("本村还没有信用管理办法。"))
    head = ChainHead.objects.filter(village=village).first()
    number = (Notice.objects.filter(village=village).aggregate(n=Max("number"))["n"] or 0) + 1
    notice = Notice.objects.create(
        village=village,
        number=number,
        published_at=now,
        ends_at=now + datetime.timedelta(days=policy.notice_days),
        published_by=acting_user,
        chain_seq=head.seq if head else 0,
        chain_hash=head.hash if head else "0" * 64,
    )
    for record in records:
        record.notice = notice
    RECORDS.apply_many(records, Status.IN_NOTICE, actor=acting_user)
    audit.record(
        acting_user,
        "records.publish_notice",
        notice,
        region_code=village.code,
        after={"number": number, "records": len(records), "ends_at": notice.ends_at},
    )
    ends = timezone.localtime(notice.ends_at).strftime("%Y-%m-%d %H:%M")
    notify(
        Note(
            kind="notice_published",
            resident_id=r.resident_id,
            text=_("您的信用记录“%(item)s %(points)+d分”正在公示，%(ends)s截止，无异议即生效。")
            % {"item": r.item.name, "points": r.points, "ends": ends},
            link=reverse("records:record", args=[r.pk]),
        )
        for r in records
    )
    return notice


def _in_period(record: Record, now: datetime.datetime) -> Notice:
    notice = record.notice
    if notice is None or record.status not in (Status.IN_NOTICE, Status.DISPUTED):
        raise Conflict("not_in_notice", _("这条记录不在公示中。"))
    if now >= notice.ends_at:
        raise Conflict("notice_ended", _("公示期已结束，不能再提出异议。"))
    return notice


@transaction.atomic
def do_object(record: Record, *, reason: str, acting_user: Any) -> Objection:
    """A villager of the village objects to one line of its notice, with a reason."""
    reason = RECORDS.clean_reason(reason, to=Status.DISPUTED)
    record = (
        Record.objects.select_for_update(of=("self",))
        .select_related("notice", "village", "item")
        .get(pk=record.pk)
    )
    require(acting_user, Perm.OBJECT, record.village.code)
    # One objection per villager and line: a ruling is final (otherwise a dismissed objector
    # could hold a record out of effect for ever by objecting again).
    earlier = Objection.objects.filter(record=record, objector=acting_user).first()
    if earlier is not None and earlier.status == ObjectionStatus.OPEN:
        raise Conflict("objection_open", _("您对这条记录的异议还在处理中。"))
    if earlier is not None:
        raise Conflict(
            "objection_ruled",
            _("您对这条记录的异议已经处理（%(outcome)s：%(ruling)s），不能重复提出。")
            % {"outcome": earlier.get_status_display(), "ruling": earlier.ruling},
        )
    notice = _in_period(record, timezone.now())
    objection = Objection.objects.create(record=record, objector=acting_user, reason=reason)
    if record.status == Status.IN_NOTICE:
        RECORDS.apply(record, Status.DISPUTED, actor=acting_user, reason=reason)
    audit.record(
        acting_user, "records.object", objection, region_code=record.village.code, reason=reason
    )
    committee = RoleAssignment.objects.filter(
        role=Role.COMMITTEE, region=record.village, active=True
    )
    notify(
        Note(
            kind="objection_raised",
            user_id=a.user_id,
            text=_("公示第%(n)d期的记录 #%(id)d 收到异议，请评审会处理。")
            % {"n": notice.number, "id": record.pk},
            link=reverse("records:objections"),
        )
        for a in committee
    )
    return objection


@transaction.atomic
def do_rule_objection(
    objection: Objection, *, upheld: bool, ruling: str, acting_user: Any
) -> Objection:
    """Uphold (the record is cancelled) or dismiss (it stands) with a reason the objector sees."""
    ruling = RECORDS.clean_reason(ruling, to=Status.CANCELLED)
    objection = (
        Objection.objects.select_for_update()
        .select_related("record__village", "record__item")
        .get(pk=objection.pk)
    )
    record = (
        Record.objects.select_for_update(of=("self",))
        .select_related("village", "item")
        .get(pk=objection.record_id)
    )
    require(acting_user, Perm.RULE_OBJECTIONS, record.village.code)
    if objection.status != ObjectionStatus.OPEN:
        raise Conflict("objection_ruled", _("这条异议已经处理过了。"))
    now = timezone.now()
    objection.status = ObjectionStatus.UPHELD if upheld else ObjectionStatus.DISMISSED
    objection.ruling, objection.ruled_by, objection.ruled_at = ruling, acting_user, now
    objection.save()
    others = Objection.objects.filter(record=record, status=ObjectionStatus.OPEN).exclude(
        pk=objection.pk
    )
    if upheld:
        # One upheld objection settles the line: the rest are closed with the same ruling.
        others.update(
            status=ObjectionStatus.UPHELD, ruling=ruling, ruled_by=acting_user, ruled_at=now
        )
        RECORDS.apply(record, Status.CANCELLED, actor=acting_user, reason=ruling)
    elif not others.exists():
        RECORDS.apply(record, Status.IN_NOTICE, actor=acting_user, reason=ruling)
    audit.record(
        acting_user,
        "records.rule_objection",
        objection,
        region_code=record.village.code,
        after={"status": objection.status},
        reason=ruling,
    )
    outcome = _("异议成立，该记录已撤销") if upheld else _("异议不成立，该记录维持")
    notify(
        [
            Note(
                kind="objection_ruled",
                user_id=objection.objector_id,
                text=_("您对记录“%(item)s”的异议已处理：%(outcome)s。意见：%(ruling)s")
                % {"item": record.item.name, "outcome": outcome, "ruling": ruling},
                link=reverse("records:my_objections"),
            ),
            Note(
                kind="objection_ruled",
                resident_id=record.resident_id,
                text=_("您的信用记录“%(item)s”收到的异议已处理：%(outcome)s。")
                % {"item": record.item.name, "outcome": outcome},
                link=reverse("records:record", args=[record.pk]),
            ),
        ]
    )
    return objection


@transaction.atomic
def close_finished_notices(now: datetime.datetime | None = None) -> int:
    """Mark notices closed once their period is over and no line is still in dispute."""
    now = now or timezone.now()
    finished = Notice.objects.filter(status=NoticeStatus.PUBLISHED, ends_at__lte=now).exclude(
        records__status__in=[Status.IN_NOTICE, Status.DISPUTED]
    )
    return finished.update(status=NoticeStatus.CLOSED, closed_at=now)


def publish_scheduled(now: datetime.datetime | None = None) -> list[Notice]:
    """Publish, on each village's policy weekday, the approved records waiting for a notice."""
    now = now or timezone.now()
    today = timezone.localtime(now).date()
    villages = Region.objects.filter(
        pk__in=Record.objects.filter(status=Status.APPROVED, notice__isnull=True).values(
            "village_id"
        )
    )
    published = []
    for village in villages.order_by("code"):
        policy = policy_in_force(village, today)
        if policy is None or not policy.auto_publish or policy.publish_weekday != today.weekday():
            continue
        if Notice.objects.filter(village=village, published_at__date=today).exists():
            continue  # once a day at most, however often the job runs
        try:
            published.append(do_publish_notice(village, acting_user=None))
        except DomainError:
            continue
    return published
