"""Collecting records by API: one, with photos, a team, an .xlsx import; reading one."""

from __future__ import annotations

import uuid
from typing import Any

from django.http import Http404, HttpRequest
from django.shortcuts import get_object_or_404
from ninja import Field, File, Form, Schema, Status
from ninja.files import UploadedFile
from ninja.params.functions import File as file_param
from ninja.params.functions import Form as form_param

from cunxin.accounts.permissions import Perm
from cunxin.core.fields import Code, Day, Id, Note, Search
from cunxin.core.http import api_check
from cunxin.people.models import Resident
from cunxin.policy.models import CatalogueItem
from cunxin.records import selectors
from cunxin.records.actions.collect import (
    MAX_TEAM,
    do_collect,
    do_collect_team,
    parse_quantity,
    team_client_id,
)
from cunxin.records.actions.imports import RecordImportResult, do_import_records
from cunxin.records.api.base import (
    RecordDetailOut,
    RecordOut,
    _objection_out,
    _record_out,
    _staff,
    _with_everything,
    router,
)
from cunxin.records.evidence import MAX_FILES, uploads
from cunxin.records.models import Record
from cunxin.regions.models import Region

# Form fields with a default: ``Form[T] = x`` loses x when T is an annotated type of
# core.fields, so the default goes into the parameter itself.
FORM_ONE = form_param("1")
FORM_EMPTY = form_param("")
NO_FILES = file_param(None, max_length=MAX_FILES)

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
    request: HttpRequest, q: Search = "", village_code: Code = "", resident_id: Id | None = None
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
    resident_id: Id
    item_code: Code
    quantity: Code = Field("1", description="数量，普通写法的数字，如 2 或 1.5")
    behaviour_date: Day
    note: Note = ""


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
    resident_id: Form[Id],
    item_code: Form[Code],
    behaviour_date: Form[Day],
    quantity: Code = FORM_ONE,
    note: Note = FORM_EMPTY,
    photos: list[UploadedFile] | None = NO_FILES,
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
        photos=uploads(list(photos or [])),
        acting_user=request.user,
    )
    return _collected(request, record, replayed)


class CollectTeamIn(Schema):
    client_id: uuid.UUID
    resident_ids: list[Id] = Field(max_length=MAX_TEAM)
    item_code: Code
    quantity: Code = Field("1", description="数量，普通写法的数字，如 2 或 1.5")
    behaviour_date: Day
    note: Note = ""


class CollectTeamOut(Schema):
    records: list[RecordOut]


@router.post(
    "/records/team",
    response={200: CollectTeamOut, 201: CollectTeamOut},
    summary="同一行为为多位村民采集（全部成功或全部不录）",
)
def collect_team(request: HttpRequest, payload: CollectTeamIn) -> Status[dict[str, Any]]:
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
def get_record(request: HttpRequest, record_id: Id) -> dict[str, Any]:
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


class RecordImportOut(Schema):
    dry_run: bool
    created: int
    unchanged: int
    points: int
    record_ids: list[int]


@router.post(
    "/import",
    response=RecordImportOut,
    summary="从 Excel 导入记录（有错则全部不导入；同一文件重复导入不变）",
)
def import_records(
    request: HttpRequest, file: File[UploadedFile], dry_run: Form[bool] = False
) -> RecordImportResult:
    api_check(request, Perm.COLLECT_RECORDS)
    return do_import_records(
        file, file.name or "records.xlsx", acting_user=request.user, dry_run=dry_run
    )
