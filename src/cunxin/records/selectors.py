"""Read queries of records, notices and objections, each cut to what the user may see."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from cunxin.accounts.permissions import Perm
from cunxin.core.cleaning import parse_id
from cunxin.ledger.models import Transfer
from cunxin.people.models import Resident
from cunxin.people.selectors import search
from cunxin.policy.masking import mask_name as masked
from cunxin.policy.models import CatalogueItem, CreditPolicy, NameMasking
from cunxin.policy.selectors import catalogue_in_force, policy_in_force
from cunxin.records.models import (
    GradeChange,
    Notice,
    NoticeStatus,
    Objection,
    ObjectionStatus,
    Record,
    RecordEvent,
    Status,
)
from cunxin.regions.models import Level, Region

# Statuses of a notice line a villager may still object to.
OBJECTABLE = (Status.IN_NOTICE, Status.DISPUTED)
RECENT_ITEMS = 8


def mask_name(name: str, policy: CreditPolicy | None) -> str:
    """A name as the village's policy shows it to other villagers (no policy: middle hidden,
    erring on the side of privacy); the one rule lives in ``policy.masking``."""
    return masked(name, policy.name_masking if policy is not None else NameMasking.MIDDLE)


def records_for(user: Any, permission: str = Perm.VIEW_RECORDS) -> QuerySet[Record]:
    """The records the user may see (a villager: their own), with what a list shows."""
    return Record.objects.restrict(user, permission).select_related(
        "resident", "village", "item", "notice"
    )


def filter_records(
    records: QuerySet[Record],
    *,
    status: str = "",
    village_id: int | None = None,
    query: str = "",
) -> QuerySet[Record]:
    """Narrow a list by status, village and the resident (name, pinyin, phone, ID tail)."""
    if status in Status.values:
        records = records.filter(status=status)
    if village_id:
        records = records.filter(village_id=village_id)
    if query.strip():
        records = records.filter(resident__in=search(Resident.objects.all(), query))
    return records


def collected_by(user: Any) -> QuerySet[Record]:
    """What the collector entered themselves, newest first."""
    return (
        records_for(user, Perm.COLLECT_RECORDS)
        .filter(collected_by=user)
        .order_by("-created_at", "-id")
    )


def villages_for(user: Any, permission: str) -> QuerySet[Region]:
    """The villages a permission of the user reaches (region reach only, not a villager's self)."""
    return Region.objects.restrict(user, permission).filter(level=Level.VILLAGE).order_by("code")


def residents_to_collect(user: Any, query: str) -> QuerySet[Resident]:
    """Active residents the collector may record behaviours of, found by what was typed."""
    residents = Resident.objects.restrict(user, Perm.COLLECT_RECORDS).filter(status="active")
    return (
        search(residents, query)
        .select_related("village", "household")
        .order_by("village__code", "name", "pk")
    )


def collect_village(user: Any, resident_id: object = None) -> Region | None:
    """The village whose catalogue the entry form offers: the chosen resident's, else the
    collector's first village."""
    picked = parse_id(resident_id)
    if picked is not None:
        resident = (
            Resident.objects.restrict(user, Perm.COLLECT_RECORDS)
            .select_related("village")
            .filter(pk=picked)
            .first()
        )
        if resident is not None:
            return resident.village
    return villages_for(user, Perm.COLLECT_RECORDS).first()


def items_to_collect(village: Region | None, query: str = "") -> list[CatalogueItem]:
    """The active items of the village's catalogue today, found by code or part of the name."""
    if village is None:
        return []
    items = [i for i in catalogue_in_force(village, timezone.localdate()).values() if i.active]
    text = query.strip()
    if text:
        upper = text.upper()
        items = [i for i in items if i.code.startswith(upper) or text in i.name]
    return items


def recent_items(
    user: Any, village: Region | None, limit: int = RECENT_ITEMS
) -> list[CatalogueItem]:
    """The items the collector used last (newest first), as they stand in today's catalogue."""
    if village is None:
        return []
    catalogue = {i.code: i for i in items_to_collect(village)}
    codes: list[str] = []
    for code in (
        Record.objects.filter(collected_by=user, reverses__isnull=True)
        .order_by("-created_at")
        .values_list("item__code", flat=True)[:200]
    ):
        if code not in codes and code in catalogue:
            codes.append(code)
        if len(codes) == limit:
            break
    return [catalogue[c] for c in codes]


@dataclass(frozen=True)
class QueueLine:
    """A record waiting for review, and whether this reviewer may decide it (and if not, why)."""

    record: Record
    selectable: bool
    why_not: str


def review_queue(user: Any, village_id: int | None = None) -> QuerySet[Record]:
    """Collected records waiting for review in the reviewer's villages, oldest first."""
    records = (
        records_for(user, Perm.REVIEW_RECORDS)
        .filter(status=Status.COLLECTED)
        .select_related("collected_by", "policy", "reverses")
        .prefetch_related("evidence", "approvals")
        .order_by("created_at", "id")
    )
    if village_id:
        records = records.filter(village_id=village_id)
    return records


def queue_lines(user: Any, records: Any) -> list[QueueLine]:
    """Mark the lines this reviewer may not decide: their own records, or ones they approved."""
    lines = []
    for record in records:
        why = ""
        if record.collected_by_id == user.pk:
            why = _("您采集的记录，须由其他评审会成员审核")
        elif any(a.reviewer_id == user.pk for a in record.approvals.all()):
            why = _("您已同意，等待第二位评审会成员审核")
        lines.append(QueueLine(record=record, selectable=not why, why_not=why))
    return lines


def notices_for(user: Any, permission: str = Perm.VIEW_RECORDS) -> QuerySet[Notice]:
    return (
        Notice.objects.restrict(user, permission)
        .select_related("village", "published_by")
        .annotate(
            lines=Count("records", distinct=True),
            open_objections=Count(
                "records__objections",
                filter=Q(records__objections__status=ObjectionStatus.OPEN),
                distinct=True,
            ),
        )
        .order_by("-published_at", "-id")
    )


def waiting_to_publish(user: Any) -> list[tuple[Region, int]]:
    """Villages the user may publish a notice for, with how many approved records wait."""
    villages = list(villages_for(user, Perm.PUBLISH_NOTICES))
    counts = dict(
        Record.objects.filter(village__in=villages, status=Status.APPROVED, notice__isnull=True)
        .values("village_id")
        .annotate(n=Count("id"))
        .values_list("village_id", "n")
    )
    return [(v, counts.get(v.pk, 0)) for v in villages]


def notice_lines(notice: Notice) -> QuerySet[Record]:
    return (
        notice.records.select_related("resident", "item")
        .prefetch_related("objections")
        .order_by("resident__name", "id")
    )


def current_notices(user: Any, now: datetime.datetime | None = None) -> QuerySet[Notice]:
    """Notices of the villager's village still open for objections, newest first."""
    now = now or timezone.now()
    return (
        Notice.objects.restrict(user, Perm.OBJECT)
        .filter(status=NoticeStatus.PUBLISHED, published_at__lte=now, ends_at__gt=now)
        .select_related("village")
        .order_by("-published_at", "-id")
    )


@dataclass(frozen=True)
class PublicLine:
    """A notice line as a villager sees it: another person's name masked."""

    record: Record
    name: str
    objectable: bool
    mine_open: bool
    mine_ruled: bool  # the villager objected to it and the committee has ruled: no second time


def public_lines(user: Any, notice: Notice) -> list[PublicLine]:
    """The lines of a notice for a villager: names masked as the policy says, except their own;
    which lines they may still object to."""
    policy = policy_in_force(notice.village, timezone.localdate())
    own = getattr(user, "resident_id", None)
    mine = dict(
        Objection.objects.filter(record__notice=notice, objector=user).values_list(
            "record_id", "status"
        )
    )
    open_period = notice.ends_at > timezone.now()
    return [
        PublicLine(
            record=r,
            name=r.resident.name if r.resident_id == own else mask_name(r.resident.name, policy),
            objectable=open_period and r.status in OBJECTABLE and r.pk not in mine,
            mine_open=mine.get(r.pk) == ObjectionStatus.OPEN,
            mine_ruled=r.pk in mine and mine[r.pk] != ObjectionStatus.OPEN,
        )
        for r in notice.records.select_related("resident", "item").order_by("id")
    ]


def public_name(user: Any, record: Record) -> str:
    """A line's name as a villager sees it: their own in full, anyone else's masked."""
    if record.resident_id == getattr(user, "resident_id", None):
        return record.resident.name
    return mask_name(record.resident.name, policy_in_force(record.village, timezone.localdate()))


def objectable_record(user: Any, record_id: int) -> Record | None:
    """A line of a notice of the user's village, still in its period, or None."""
    return (
        Record.objects.restrict(user, Perm.OBJECT)
        .select_related("resident", "item", "notice", "village")
        .filter(
            pk=record_id,
            status__in=OBJECTABLE,
            notice__status=NoticeStatus.PUBLISHED,
            notice__ends_at__gt=timezone.now(),
        )
        .first()
    )


def objections_for(user: Any, status: str = ObjectionStatus.OPEN) -> QuerySet[Objection]:
    """Objections the committee member rules on (open ones by default), oldest first."""
    objections = Objection.objects.restrict(user, Perm.RULE_OBJECTIONS).select_related(
        "record__resident", "record__item", "record__notice", "record__village", "objector"
    )
    if status in ObjectionStatus.values:
        objections = objections.filter(status=status)
    return objections.order_by("created_at", "id")


def my_objections(user: Any) -> QuerySet[Objection]:
    """The objections a villager raised, with the rulings."""
    return (
        Objection.objects.filter(objector=user)
        .select_related("record__item", "record__notice", "record__resident")
        .order_by("-created_at", "-id")
    )


def record_detail(user: Any, pk: int) -> Record | None:
    """One record the user may see, with everything its page shows."""
    return (
        Record.objects.restrict(user, Perm.VIEW_RECORDS)
        .select_related(
            "resident",
            "resident__household",
            "village",
            "item",
            "policy",
            "notice",
            "collected_by",
            "transfer",
            "reverses",
        )
        .filter(pk=pk)
        .first()
    )


def history(record: Record) -> QuerySet[RecordEvent]:
    return record.events.select_related("actor").order_by("at", "id")


def transfer_of(record: Record) -> Transfer | None:
    """The ledger posting of an effective record, with its entries."""
    if record.transfer_id is None:
        return None
    return (
        Transfer.objects.filter(pk=record.transfer_id).prefetch_related("entries__account").first()
    )


def grade_changes(user: Any, resident: Resident) -> QuerySet[GradeChange]:
    return GradeChange.objects.restrict(user, Perm.VIEW_RECORDS).filter(resident=resident)


def own_records(user: Any, resident: Resident) -> QuerySet[Record]:
    """A villager's own records, with the rule, evidence and notice of each line."""
    return (
        records_for(user)
        .filter(resident=resident)
        .select_related("policy")
        .prefetch_related("evidence")
        .order_by("-behaviour_date", "-id")
    )
