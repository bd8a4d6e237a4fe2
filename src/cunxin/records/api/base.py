"""Shapes shared by the records API, the router, and listing records."""

from __future__ import annotations

import datetime
import uuid
from typing import Any

from django.http import HttpRequest
from django.urls import reverse
from ninja import Query, Router, Schema

from cunxin.accounts.permissions import Perm
from cunxin.core.fields import Code, Search
from cunxin.core.http import api_check
from cunxin.core.paging import Page, PageIn, paginate
from cunxin.core.scoping import may
from cunxin.records import selectors
from cunxin.records.models import Objection, Record

router = Router(tags=["records"])


# --- shapes ------------------------------------------------------------------------------------


class EvidenceOut(Schema):
    id: int
    url: str
    thumbnail_url: str
    content_type: str
    size: int
    width: int
    height: int


class RecordOut(Schema):
    id: int
    client_id: uuid.UUID
    status: str
    status_label: str
    resident_id: int
    resident_name: str
    village_code: str
    village_name: str
    item_code: str
    item_name: str
    item_version: int
    unit: str
    quantity: str
    behaviour_date: datetime.date
    note: str
    points: int
    base_points: int
    scoring_note: str
    policy_version: int
    collected_by: str | None
    created_at: datetime.datetime
    reviewed_at: datetime.datetime | None
    reject_reason: str
    notice_id: int | None
    notice_number: int | None
    effective_at: datetime.datetime | None
    reverses_id: int | None
    evidence: list[EvidenceOut]


def _record_out(r: Record, *, staff: bool = True) -> dict[str, Any]:
    return {
        "id": r.pk,
        "client_id": r.client_id,
        "status": r.status,
        "status_label": str(r.get_status_display()),
        "resident_id": r.resident_id,
        "resident_name": r.resident.name,
        "village_code": r.village.code,
        "village_name": r.village.name,
        "item_code": r.item.code,
        "item_name": r.item.name,
        "item_version": r.item.version,
        "unit": r.item.unit,
        "quantity": f"{r.quantity.normalize():f}",
        "behaviour_date": r.behaviour_date,
        "note": r.note,
        "points": r.points,
        "base_points": r.base_points,
        "scoring_note": r.scoring_note,
        "policy_version": r.policy.version,
        # The person a record is about sees the steps, not which staff member took them.
        "collected_by": r.collected_by.name if staff else None,
        "created_at": r.created_at,
        "reviewed_at": r.reviewed_at,
        "reject_reason": r.reject_reason,
        "notice_id": r.notice_id,
        "notice_number": r.notice.number if r.notice else None,
        "effective_at": r.effective_at,
        "reverses_id": r.reverses_id,
        "evidence": [
            {
                "id": e.pk,
                "url": reverse("records:evidence", kwargs={"pk": e.pk}),
                "thumbnail_url": reverse("records:evidence", kwargs={"pk": e.pk}) + "?size=thumb",
                "content_type": e.content_type,
                "size": e.size,
                "width": e.width,
                "height": e.height,
            }
            for e in r.evidence.all()
        ],
    }


def _with_everything(records: Any) -> Any:
    return records.select_related("collected_by", "policy").prefetch_related("evidence")


def _staff(request: HttpRequest, record: Record) -> bool:
    return may(request.user, Perm.VIEW_RECORDS, record.village.code)


# --- reading -----------------------------------------------------------------------------------


@router.get(
    "/records",
    response=Page[RecordOut],
    summary="信用记录（村民只看到自己的；mine=true：我采集的）",
)
def list_records(
    request: HttpRequest,
    paging: Query[PageIn],
    status: Code = "",
    village_code: Code = "",
    q: Search = "",
    mine: bool = False,
) -> dict[str, Any]:
    if mine:
        api_check(request, Perm.COLLECT_RECORDS)
        records = selectors.collected_by(request.user)
    else:
        api_check(request, Perm.VIEW_RECORDS, regions=False)
        records = selectors.records_for(request.user).order_by("-behaviour_date", "-id")
    if village_code:
        records = records.filter(village__code=village_code)
    records = selectors.filter_records(records, status=status, query=q)
    staff = bool(selectors.villages_for(request.user, Perm.VIEW_RECORDS).exists())
    return paginate(_with_everything(records), paging, lambda r: _record_out(r, staff=staff))


class EventOut(Schema):
    at: datetime.datetime
    from_status: str
    to_status: str
    actor: str | None
    reason: str


class ObjectionOut(Schema):
    id: int
    record_id: int
    resident_name: str
    item_name: str
    notice_number: int | None
    objector: str | None
    reason: str
    status: str
    status_label: str
    created_at: datetime.datetime
    ruling: str
    ruled_at: datetime.datetime | None


def _objection_out(o: Objection, *, name: str | None = None, staff: bool = True) -> dict[str, Any]:
    return {
        "id": o.pk,
        "record_id": o.record_id,
        "resident_name": name if name is not None else o.record.resident.name,
        "item_name": o.record.item.name,
        "notice_number": o.record.notice.number if o.record.notice else None,
        "objector": o.objector.name if staff else None,
        "reason": o.reason,
        "status": o.status,
        "status_label": str(o.get_status_display()),
        "created_at": o.created_at,
        "ruling": o.ruling,
        "ruled_at": o.ruled_at,
    }


class EntryOut(Schema):
    account: str
    currency: str
    amount: int


class TransferOut(Schema):
    key: str
    kind: str
    seq: int
    hash: str
    created_at: datetime.datetime
    entries: list[EntryOut]


class RecordDetailOut(RecordOut):
    item_id: int
    policy_name: str
    expires_on: datetime.date | None
    events: list[EventOut]
    objections: list[ObjectionOut]
    transfer: TransferOut | None
