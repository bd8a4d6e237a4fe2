"""Review by API: the queue, approve, reject, ask for a correction."""

from __future__ import annotations

from typing import Any

from django.http import Http404, HttpRequest
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from ninja import Field, Query, Schema, Status

from cunxin.accounts.permissions import Perm
from cunxin.core.errors import DomainError
from cunxin.core.fields import Code, Id, Line
from cunxin.core.http import api_check
from cunxin.core.paging import MAX_LIMIT, Page, PageIn, paginate
from cunxin.records import selectors
from cunxin.records.actions.review import do_approve, do_reject, do_request_reversal
from cunxin.records.api.base import RecordOut, _record_out, _with_everything, router
from cunxin.records.models import Record

# --- review ------------------------------------------------------------------------------------


class QueueLineOut(Schema):
    record: RecordOut
    selectable: bool
    why_not: str


@router.get(
    "/review", response=Page[QueueLineOut], summary="待审核记录（标明哪些不能由我审核及原因）"
)
def review_queue(
    request: HttpRequest, paging: Query[PageIn], village_code: Code = ""
) -> dict[str, Any]:
    api_check(request, Perm.REVIEW_RECORDS)
    records = selectors.review_queue(request.user)
    if village_code:
        records = records.filter(village__code=village_code)
    # The page's lines are judged together (one query for all), so the slice comes first.
    page = paginate(records, paging)
    lines = selectors.queue_lines(request.user, page["items"])
    page["items"] = [
        {"record": _record_out(x.record), "selectable": x.selectable, "why_not": x.why_not}
        for x in lines
    ]
    return page


class IdsIn(Schema):
    record_ids: list[Id] = Field(max_length=MAX_LIMIT)


class RejectIn(IdsIn):
    reason: Line


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


class ReversalIn(Schema):
    reason: Line


@router.post(
    "/records/{record_id}/reversal",
    response={201: RecordOut},
    summary="申请更正已生效的记录（生成抵消记录，经审核、公示后生效）",
)
def request_reversal(
    request: HttpRequest, record_id: Id, payload: ReversalIn
) -> Status[dict[str, Any]]:
    api_check(request, Perm.REVERSE_RECORDS)
    record = get_object_or_404(
        selectors.records_for(request.user, Perm.REVERSE_RECORDS), pk=record_id
    )
    reversal = do_request_reversal(record, reason=payload.reason, acting_user=request.user)
    return Status(201, _records(request, [reversal])["records"][0])
