"""Public notices and objections by API."""

from __future__ import annotations

import datetime
from typing import Any

from django.http import Http404, HttpRequest
from django.shortcuts import get_object_or_404
from ninja import Query, Schema, Status

from cunxin.accounts.permissions import Perm
from cunxin.core.fields import Code, Id, Note
from cunxin.core.http import api_check
from cunxin.core.paging import Page, PageIn, paginate
from cunxin.records import selectors
from cunxin.records.actions.notices import do_object, do_publish_notice, do_rule_objection
from cunxin.records.api.base import (
    ObjectionOut,
    RecordOut,
    _objection_out,
    _record_out,
    _with_everything,
    router,
)
from cunxin.records.models import Notice, Objection

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


@router.get("/notices", response=Page[NoticeOut], summary="各期公示")
def list_notices(
    request: HttpRequest, paging: Query[PageIn], village_code: Code = ""
) -> dict[str, Any]:
    api_check(request, Perm.VIEW_RECORDS)
    notices = selectors.notices_for(request.user)
    if village_code:
        notices = notices.filter(village__code=village_code)
    return paginate(notices, paging, _notice_out)


class PublishIn(Schema):
    village_code: Code


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
def get_notice(request: HttpRequest, notice_id: Id) -> dict[str, Any]:
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


class ObjectionIn(Schema):
    reason: Note


@router.post(
    "/records/{record_id}/objections",
    response={201: ObjectionOut},
    summary="对本村公示中的一条记录提出异议",
)
def object_to(request: HttpRequest, record_id: Id, payload: ObjectionIn) -> Status[dict[str, Any]]:
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


@router.get("/objections", response=Page[ObjectionOut], summary="待处理（或按状态）的异议")
def list_objections(
    request: HttpRequest, paging: Query[PageIn], status: Code = "open"
) -> dict[str, Any]:
    api_check(request, Perm.RULE_OBJECTIONS)
    objections = selectors.objections_for(request.user, status)
    return paginate(objections, paging, _objection_out)


@router.get("/objections/mine", response=Page[ObjectionOut], summary="我提出的异议和处理结果")
def my_objections(request: HttpRequest, paging: Query[PageIn]) -> dict[str, Any]:
    api_check(request, Perm.OBJECT)
    mine = selectors.my_objections(request.user).select_related("record__village")
    return paginate(
        mine,
        paging,
        lambda o: _objection_out(
            o, name=selectors.public_name(request.user, o.record), staff=False
        ),
    )


class RulingIn(Schema):
    upheld: bool
    ruling: Note


@router.post(
    "/objections/{objection_id}/ruling",
    response=ObjectionOut,
    summary="处理异议：成立（撤销记录）或不成立（维持），附处理意见",
)
def rule(request: HttpRequest, objection_id: Id, payload: RulingIn) -> dict[str, Any]:
    api_check(request, Perm.RULE_OBJECTIONS)
    objection = get_object_or_404(selectors.objections_for(request.user, ""), pk=objection_id)
    do_rule_objection(
        objection, upheld=payload.upheld, ruling=payload.ruling, acting_user=request.user
    )
    return _objection_out(_objections().get(pk=objection.pk))
