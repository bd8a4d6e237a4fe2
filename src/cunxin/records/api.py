"""API of records: the same actions and selectors the pages use, scoped the same way.

Collecting is idempotent by the client's id: sending the same ``client_id`` again answers 200
with the first record instead of 201 with a new one.
"""

from __future__ import annotations

import datetime
import uuid
from typing import Any

from django.conf import settings
from django.http import Http404, HttpRequest
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.translation import gettext as _
from ninja import Field, File, Form, Router, Schema, Status
from ninja.files import UploadedFile

from cunxin.accounts.permissions import Perm
from cunxin.core.errors import DomainError
from cunxin.core.http import api_check
from cunxin.people.models import Resident
from cunxin.policy.models import CatalogueItem
from cunxin.records import selectors
from cunxin.records.actions.collect import (
    do_collect,
    do_collect_team,
    parse_quantity,
    team_client_id,
)
from cunxin.records.actions.imports import RecordImportResult, do_import_records
from cunxin.records.actions.notices import do_object, do_publish_notice, do_rule_objection
from cunxin.records.actions.review import do_approve, do_reject, do_request_reversal
from cunxin.records.forms import read_photos
from cunxin.records.models import Notice, Objection, Record
from cunxin.records.standing import standing, statement
from cunxin.regions.models import Region

router = Router(tags=["records"])


# --- shapes ------------------------------------------------------------------------------------


class EvidenceOut(Schema):
    id: int
    url: str
    content_type: str
    size: int


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
                "content_type": e.content_type,
                "size": e.size,
            }
            for e in r.evidence.all()
        ],
    }


def _with_everything(records: Any) -> Any:
    return records.select_related("collected_by", "policy").prefetch_related("evidence")


class RecordPage(Schema):
    count: int
    items: list[RecordOut]


def _page(records: Any, limit: int, offset: int, *, staff: bool = True) -> dict[str, Any]:
    offset = max(offset, 0)
    limit = min(max(limit, 1), 200)
    return {
        "count": records.count(),
        "items": [_record_out(r, staff=staff) for r in records[offset : offset + limit]],
    }


def _staff(request: HttpRequest, record: Record) -> bool:
    return selectors.can(request.user, Perm.VIEW_RECORDS, record.village.code)


# --- reading -----------------------------------------------------------------------------------


@router.get(
    "/records", response=RecordPage, summary="信用记录（村民只看到自己的；mine=true：我采集的）"
)
def list_records(
    request: HttpRequest,
    status: str = "",
    village_code: str = "",
    q: str = "",
    mine: bool = False,
    limit: int = 50,
    offset: int = 0,
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
    return _page(_with_everything(records), limit, offset, staff=staff)


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


# --- collecting --------------------------------------------------------------------------------


class ItemOut(Schema):
    code: str
    name: str
    category: str
    direction: str
    scoring: str
    points: int
    signed_points: int
    unit: str
    monthly_cap: int | None
    evidence_required: bool
    version: int


class ItemsOut(Schema):
    village_code: str | None
    recent: list[ItemOut]
    items: list[ItemOut]


@router.get(
    "/items",
    response=ItemsOut,
    summary="可录入的行为：按编码或名称搜索，以及我最近用过的",
)
def list_items(
    request: HttpRequest, q: str = "", village_code: str = "", resident_id: int | None = None
) -> dict[str, Any]:
    api_check(request, Perm.COLLECT_RECORDS)
    village: Region | None
    if village_code:
        village = get_object_or_404(
            selectors.villages_for(request.user, Perm.COLLECT_RECORDS), code=village_code
        )
    else:
        village = selectors.collect_village(request.user, resident_id)
    found: list[CatalogueItem] = selectors.items_to_collect(village, q) if q.strip() else []
    return {
        "village_code": village.code if village else None,
        "recent": selectors.recent_items(request.user, village),
        "items": found[:50],
    }


class CollectIn(Schema):
    client_id: uuid.UUID
    resident_id: int
    item_code: str
    quantity: str = "1"
    behaviour_date: datetime.date
    note: str = ""


def _collect_resident(request: HttpRequest, resident_id: int) -> Resident:
    return get_object_or_404(
        Resident.objects.restrict(request.user, Perm.COLLECT_RECORDS).select_related("village"),
        pk=resident_id,
    )


def _replayed(client_id: uuid.UUID) -> bool:
    return Record.objects.filter(client_id=client_id).exists()


def _collected(request: HttpRequest, record: Record, replayed: bool) -> Status[dict[str, Any]]:
    scoped = selectors.records_for(request.user, Perm.COLLECT_RECORDS)
    return Status(200 if replayed else 201, _record_out(_with_everything(scoped).get(pk=record.pk)))


@router.post(
    "/records",
    response={200: RecordOut, 201: RecordOut},
    summary="采集一条记录（同一 client_id 重发返回第一次的记录）",
)
def collect(request: HttpRequest, payload: CollectIn) -> Status[dict[str, Any]]:
    api_check(request, Perm.COLLECT_RECORDS)
    resident = _collect_resident(request, payload.resident_id)
    replayed = _replayed(payload.client_id)
    record = do_collect(
        client_id=payload.client_id,
        resident=resident,
        item_code=payload.item_code,
        quantity=parse_quantity(payload.quantity),
        behaviour_date=payload.behaviour_date,
        note=payload.note,
        acting_user=request.user,
    )
    return _collected(request, record, replayed)


@router.post(
    "/records/upload",
    response={200: RecordOut, 201: RecordOut},
    summary="采集一条记录并上传照片（multipart/form-data）",
)
def collect_with_photos(
    request: HttpRequest,
    client_id: Form[uuid.UUID],
    resident_id: Form[int],
    item_code: Form[str],
    behaviour_date: Form[datetime.date],
    quantity: Form[str] = "1",
    note: Form[str] = "",
    photos: File[list[UploadedFile]] = None,  # type: ignore[assignment]
) -> Status[dict[str, Any]]:
    api_check(request, Perm.COLLECT_RECORDS)
    resident = _collect_resident(request, resident_id)
    replayed = _replayed(client_id)
    record = do_collect(
        client_id=client_id,
        resident=resident,
        item_code=item_code,
        quantity=parse_quantity(quantity),
        behaviour_date=behaviour_date,
        note=note,
        photos=read_photos(list(photos or [])),
        acting_user=request.user,
    )
    return _collected(request, record, replayed)


class TeamIn(Schema):
    client_id: uuid.UUID
    resident_ids: list[int]
    item_code: str
    quantity: str = "1"
    behaviour_date: datetime.date
    note: str = ""


class TeamOut(Schema):
    records: list[RecordOut]


@router.post(
    "/records/team",
    response={200: TeamOut, 201: TeamOut},
    summary="同一行为为多位村民采集（全部成功或全部不录）",
)
def collect_team(request: HttpRequest, payload: TeamIn) -> Status[dict[str, Any]]:
    api_check(request, Perm.COLLECT_RECORDS)
    ids = list(dict.fromkeys(payload.resident_ids))
    found = {
        r.pk: r
        for r in Resident.objects.restrict(request.user, Perm.COLLECT_RECORDS)
        .select_related("village")
        .filter(pk__in=ids)
    }
    if len(found) != len(ids):
        raise Http404
    replayed = bool(ids) and _replayed(team_client_id(payload.client_id, ids[0]))
    records = do_collect_team(
        client_id=payload.client_id,
        residents=[found[pk] for pk in payload.resident_ids],
        item_code=payload.item_code,
        quantity=parse_quantity(payload.quantity),
        behaviour_date=payload.behaviour_date,
        note=payload.note,
        acting_user=request.user,
    )
    fresh = _with_everything(selectors.records_for(request.user, Perm.COLLECT_RECORDS)).in_bulk(
        [r.pk for r in records]
    )
    return Status(
        200 if replayed else 201, {"records": [_record_out(fresh[r.pk]) for r in records]}
    )


# Registered after /records/upload and /records/team, which it would otherwise shadow.
@router.get(
    "/records/{record_id}",
    response=RecordDetailOut,
    summary="一条记录的全部：计分依据、证据、公示、异议、办理经过、记账",
)
def get_record(request: HttpRequest, record_id: int) -> dict[str, Any]:
    api_check(request, Perm.VIEW_RECORDS, regions=False)
    record = selectors.record_detail(request.user, record_id)
    if record is None:
        raise Http404
    staff = _staff(request, record)
    transfer = selectors.transfer_of(record) if staff else None
    return {
        **_record_out(record, staff=staff),
        "item_id": record.item_id,
        "policy_name": record.policy.name,
        "expires_on": record.expires_on,
        "events": [
            {
                "at": e.at,
                "from_status": e.from_status,
                "to_status": e.to_status,
                "actor": (e.actor.name if e.actor else None) if staff else None,
                "reason": e.reason,
            }
            for e in selectors.history(record)
        ],
        "objections": [
            _objection_out(o)
            for o in record.objections.select_related(
                "objector", "record__resident", "record__item", "record__notice"
            )
        ]
        if staff
        else [],
        "transfer": {
            "key": transfer.key,
            "kind": transfer.kind,
            "seq": transfer.seq,
            "hash": transfer.hash,
            "created_at": transfer.created_at,
            "entries": [
                {"account": e.account.kind, "currency": e.account.currency, "amount": e.amount}
                for e in transfer.entries.all()
            ],
        }
        if transfer
        else None,
    }


class ImportOut(Schema):
    dry_run: bool
    created: int
    unchanged: int
    points: int
    record_ids: list[int]


@router.post(
    "/import",
    response=ImportOut,
    summary="从 Excel 导入记录（有错则全部不导入；同一文件重复导入不变）",
)
def import_records(
    request: HttpRequest, file: File[UploadedFile], dry_run: Form[bool] = False
) -> RecordImportResult:
    api_check(request, Perm.COLLECT_RECORDS)
    if file.size and file.size > settings.ROSTER_MAX_BYTES:
        raise DomainError("file_too_large", _("文件太大，请分批导入。"))
    return do_import_records(
        file.read(), file.name or "records.xlsx", acting_user=request.user, dry_run=dry_run
    )


# --- review ------------------------------------------------------------------------------------


class QueueLineOut(Schema):
    record: RecordOut
    selectable: bool
    why_not: str


class QueueOut(Schema):
    count: int
    items: list[QueueLineOut]


@router.get("/review", response=QueueOut, summary="待审核记录（标明哪些不能由我审核及原因）")
def review_queue(
    request: HttpRequest, village_code: str = "", limit: int = 50, offset: int = 0
) -> dict[str, Any]:
    api_check(request, Perm.REVIEW_RECORDS)
    records = selectors.review_queue(request.user)
    if village_code:
        records = records.filter(village__code=village_code)
    offset, limit = max(offset, 0), min(max(limit, 1), 200)
    lines = selectors.queue_lines(request.user, records[offset : offset + limit])
    return {
        "count": records.count(),
        "items": [
            {"record": _record_out(x.record), "selectable": x.selectable, "why_not": x.why_not}
            for x in lines
        ],
    }


class IdsIn(Schema):
    record_ids: list[int]


class RejectIn(IdsIn):
    reason: str


class RecordsOut(Schema):
    records: list[RecordOut]


def _reviewable(request: HttpRequest, ids: list[int]) -> list[int]:
    """Ids outside the reviewer's scope answer 404, as a page would."""
    if not ids:
        raise DomainError("record_ids_empty", _("请先选择记录。"), field="record_ids")
    found = set(
        selectors.records_for(request.user, Perm.REVIEW_RECORDS)
        .filter(pk__in=ids)
        .values_list("pk", flat=True)
    )
    if found != set(ids):
        raise Http404
    return ids


def _records(request: HttpRequest, done: list[Record]) -> dict[str, Any]:
    fresh = _with_everything(selectors.records_for(request.user)).in_bulk([r.pk for r in done])
    return {"records": [_record_out(fresh[r.pk]) for r in done]}


@router.post("/review/approve", response=RecordsOut, summary="通过（可批量，全部成功或全部不变）")
def approve(request: HttpRequest, payload: IdsIn) -> dict[str, Any]:
    api_check(request, Perm.REVIEW_RECORDS)
    done = do_approve(_reviewable(request, payload.record_ids), acting_user=request.user)
    return _records(request, done)


@router.post("/review/reject", response=RecordsOut, summary="不通过（须填原因，可批量）")
def reject(request: HttpRequest, payload: RejectIn) -> dict[str, Any]:
    api_check(request, Perm.REVIEW_RECORDS)
    done = do_reject(
        _reviewable(request, payload.record_ids), reason=payload.reason, acting_user=request.user
    )
    return _records(request, done)


class ReasonIn(Schema):
    reason: str


@router.post(
    "/records/{record_id}/reversal",
    response={201: RecordOut},
    summary="申请更正已生效的记录（生成抵消记录，经审核、公示后生效）",
)
def request_reversal(
    request: HttpRequest, record_id: int, payload: ReasonIn
) -> Status[dict[str, Any]]:
    api_check(request, Perm.REVERSE_RECORDS)
    record = get_object_or_404(
        selectors.records_for(request.user, Perm.REVERSE_RECORDS), pk=record_id
    )
    reversal = do_request_reversal(record, reason=payload.reason, acting_user=request.user)
    return Status(201, _records(request, [reversal])["records"][0])


# --- notices -----------------------------------------------------------------------------------


class NoticeOut(Schema):
    id: int
    number: int
    village_code: str
    village_name: str
    status: str
    published_at: datetime.datetime
    ends_at: datetime.datetime
    lines: int
    open_objections: int
    chain_seq: int
    chain_hash: str


def _notice_out(n: Notice) -> dict[str, Any]:
    return {
        "id": n.pk,
        "number": n.number,
        "village_code": n.village.code,
        "village_name": n.village.name,
        "status": n.status,
        "published_at": n.published_at,
        "ends_at": n.ends_at,
        "lines": getattr(n, "lines", 0),
        "open_objections": getattr(n, "open_objections", 0),
        "chain_seq": n.chain_seq,
        "chain_hash": n.chain_hash,
    }


class NoticePage(Schema):
    count: int
    items: list[NoticeOut]


@router.get("/notices", response=NoticePage, summary="各期公示")
def list_notices(
    request: HttpRequest, village_code: str = "", limit: int = 50, offset: int = 0
) -> dict[str, Any]:
    api_check(request, Perm.VIEW_RECORDS)
    notices = selectors.notices_for(request.user)
    if village_code:
        notices = notices.filter(village__code=village_code)
    offset, limit = max(offset, 0), min(max(limit, 1), 200)
    return {
        "count": notices.count(),
        "items": [_notice_out(n) for n in notices[offset : offset + limit]],
    }


class PublishIn(Schema):
    village_code: str


@router.post("/notices", response={201: NoticeOut}, summary="立即发布本村待公示的记录")
def publish(request: HttpRequest, payload: PublishIn) -> Status[dict[str, Any]]:
    api_check(request, Perm.PUBLISH_NOTICES)
    village = get_object_or_404(
        selectors.villages_for(request.user, Perm.PUBLISH_NOTICES), code=payload.village_code
    )
    notice = do_publish_notice(village, acting_user=request.user)
    return Status(201, _notice_out(selectors.notices_for(request.user).get(pk=notice.pk)))


class NoticeDetailOut(Schema):
    notice: NoticeOut
    lines: list[RecordOut]
    objections: list[ObjectionOut]


@router.get(
    "/notices/{notice_id}", response=NoticeDetailOut, summary="一期公示的全部记录和待处理异议"
)
def get_notice(request: HttpRequest, notice_id: int) -> dict[str, Any]:
    api_check(request, Perm.VIEW_RECORDS)
    notice = get_object_or_404(selectors.notices_for(request.user), pk=notice_id)
    lines = _with_everything(selectors.notice_lines(notice).select_related("village", "notice"))
    return {
        "notice": _notice_out(notice),
        "lines": [_record_out(r) for r in lines],
        "objections": [
            _objection_out(o)
            for o in selectors.objections_for(request.user).filter(record__notice=notice)
        ],
    }


class PublicLineOut(Schema):
    record_id: int
    name: str
    item_name: str
    quantity: str
    unit: str
    behaviour_date: datetime.date
    points: int
    status: str
    status_label: str
    objectable: bool
    my_objection_open: bool


class CurrentNoticeOut(Schema):
    notice: NoticeOut
    lines: list[PublicLineOut]


@router.get(
    "/notice/current",
    response=list[CurrentNoticeOut],
    summary="本村正在公示的记录（他人姓名按办法打码），可对其提出异议",
)
def current_notice(request: HttpRequest) -> list[dict[str, Any]]:
    api_check(request, Perm.OBJECT)
    return [
        {
            "notice": _notice_out(notice),
            "lines": [
                {
                    "record_id": line.record.pk,
                    "name": line.name,
                    "item_name": line.record.item.name,
                    "quantity": f"{line.record.quantity.normalize():f}",
                    "unit": line.record.item.unit,
                    "behaviour_date": line.record.behaviour_date,
                    "points": line.record.points,
                    "status": line.record.status,
                    "status_label": str(line.record.get_status_display()),
                    "objectable": line.objectable,
                    "my_objection_open": line.mine_open,
                }
                for line in selectors.public_lines(request.user, notice)
            ],
        }
        for notice in selectors.current_notices(request.user)
    ]


# --- objections --------------------------------------------------------------------------------


@router.post(
    "/records/{record_id}/objections",
    response={201: ObjectionOut},
    summary="对本村公示中的一条记录提出异议",
)
def object_to(request: HttpRequest, record_id: int, payload: ReasonIn) -> Status[dict[str, Any]]:
    api_check(request, Perm.OBJECT)
    record = selectors.objectable_record(request.user, record_id)
    if record is None:
        raise Http404
    objection = do_object(record, reason=payload.reason, acting_user=request.user)
    return Status(
        201,
        _objection_out(
            _objections().get(pk=objection.pk), name=selectors.public_name(request.user, record)
        ),
    )


def _objections() -> Any:
    return Objection.objects.select_related(
        "objector", "record__resident", "record__item", "record__notice", "record__village"
    )


class ObjectionPage(Schema):
    count: int
    items: list[ObjectionOut]


@router.get("/objections", response=ObjectionPage, summary="待处理（或按状态）的异议")
def list_objections(
    request: HttpRequest, status: str = "open", limit: int = 50, offset: int = 0
) -> dict[str, Any]:
    api_check(request, Perm.RULE_OBJECTIONS)
    objections = selectors.objections_for(request.user, status)
    offset, limit = max(offset, 0), min(max(limit, 1), 200)
    return {
        "count": objections.count(),
        "items": [_objection_out(o) for o in objections[offset : offset + limit]],
    }


@router.get("/objections/mine", response=list[ObjectionOut], summary="我提出的异议和处理结果")
def my_objections(request: HttpRequest) -> list[dict[str, Any]]:
    api_check(request, Perm.OBJECT)
    return [
        _objection_out(o, name=selectors.public_name(request.user, o.record), staff=False)
        for o in selectors.my_objections(request.user).select_related("record__village")[:200]
    ]


class RulingIn(Schema):
    upheld: bool
    ruling: str


@router.post(
    "/objections/{objection_id}/ruling",
    response=ObjectionOut,
    summary="处理异议：成立（撤销记录）或不成立（维持），附处理意见",
)
def rule(request: HttpRequest, objection_id: int, payload: RulingIn) -> dict[str, Any]:
    api_check(request, Perm.RULE_OBJECTIONS)
    objection = get_object_or_404(selectors.objections_for(request.user, ""), pk=objection_id)
    do_rule_objection(
        objection, upheld=payload.upheld, ruling=payload.ruling, acting_user=request.user
    )
    return _objection_out(_objections().get(pk=objection.pk))


# --- the villager's standing -------------------------------------------------------------------


class GradeChangeOut(Schema):
    from_grade: str
    to_grade: str
    score_before: int
    score_after: int
    cause: str
    at: datetime.datetime


class StandingOut(Schema):
    resident_id: int
    name: str
    score: int
    grade: str
    spendable: int
    base: int
    grade_changes: list[GradeChangeOut]


def _own_resident(request: HttpRequest) -> Resident:
    api_check(request, Perm.VIEW_RECORDS, regions=False)
    resident_id = getattr(request.user, "resident_id", None)
    if resident_id is None:
        raise Http404
    return get_object_or_404(
        Resident.objects.restrict(request.user, Perm.VIEW_RECORDS).select_related("village"),
        pk=resident_id,
    )


@router.get("/me", response=StandingOut, summary="我的信用分、等级、可用积分和等级变化")
def my_standing(request: HttpRequest) -> dict[str, Any]:
    resident = _own_resident(request)
    now = standing(resident)
    return {
        "resident_id": resident.pk,
        "name": resident.name,
        "score": now.score,
        "grade": str(now.grade),
        "spendable": now.spendable,
        "base": now.base,
        "grade_changes": list(selectors.grade_changes(request.user, resident)[:50]),
    }


class StatementLineOut(Schema):
    kind: str
    label: str
    score: int
    spendable: int
    at: datetime.datetime
    record_id: int | None
    item_name: str
    cursor: int


class StatementOut(Schema):
    lines: list[StatementLineOut]
    older: int | None = Field(description="下一页：作为 before 传入；没有更早的为 null")


@router.get(
    "/me/statement",
    response=StatementOut,
    summary="我的积分明细：每一笔信用分和可用积分的变动，最新的在前",
)
def my_statement(
    request: HttpRequest, before: int | None = None, limit: int = 20
) -> dict[str, Any]:
    resident = _own_resident(request)
    limit = max(1, min(limit, 100))
    lines = statement(resident, limit=limit, before=before)
    return {
        "lines": [
            {
                "kind": s.line.transfer.kind,
                "label": s.label,
                "score": s.line.score,
                "spendable": s.line.spendable,
                "at": s.at,
                "record_id": s.record_id,
                "item_name": s.item_name,
                "cursor": s.line.cursor,
            }
            for s in lines
        ],
        "older": lines[-1].line.cursor if len(lines) == limit else None,
    }
