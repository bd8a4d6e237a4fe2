"""Routes of records (collect, review, notices, objections, the villager's side) and of the
message centre. The data each route needs is made through the actions, once per test world."""

from __future__ import annotations

import datetime
import io
import uuid
from decimal import Decimal
from typing import Any

from django.utils import timezone
from openpyxl import Workbook

from cunxin.conftest import World
from cunxin.core.images import sample_image
from cunxin.notifications.actions import Note, notify
from cunxin.records.actions.collect import do_collect
from cunxin.records.actions.effect import take_effect_due
from cunxin.records.actions.notices import do_object, do_publish_notice
from cunxin.records.actions.review import do_approve
from cunxin.records.models import Evidence, Notice, Objection, Record
from cunxin.tests.access import Route, resident, upload

TODAY = timezone.localdate()
PHOTO = sample_image()
REASON = "那天他不在村里，没有参加"
MESSAGE = "您的信用记录已通过审核（测试消息）"


def _cache(w: World) -> dict[str, Any]:
    cache: dict[str, Any] = w.__dict__.setdefault("_records_routes", {})
    return cache


def collected(w: World) -> Record:
    """张三's record (2 hours of volunteering, with a photo) collected by collector_a."""
    cache = _cache(w)
    if "collected" not in cache:
        cache["collected"] = do_collect(
            client_id=uuid.uuid4(),
            resident=resident(w),
            item_code="PW-R01",
            quantity=Decimal(2),
            behaviour_date=TODAY,
            note="清扫公共区域",
            photos=[("p.jpg", PHOTO)],
            acting_user=w.collector_a,
        )
    record: Record = cache["collected"]
    return record


def approved(w: World) -> Record:
    cache = _cache(w)
    if "approved" not in cache:
        do_approve([collected(w).pk], acting_user=w.committee_a)
        cache["approved"] = Record.objects.get(pk=collected(w).pk)
    record: Record = cache["approved"]
    return record


def notice(w: World) -> Notice:
    cache = _cache(w)
    if "notice" not in cache:
        approved(w)
        cache["notice"] = do_publish_notice(w.village_a, acting_user=w.committee_a)
    found: Notice = cache["notice"]
    return found


def in_notice(w: World) -> Record:
    notice(w)
    return Record.objects.get(pk=collected(w).pk)


def objection(w: World) -> Objection:
    cache = _cache(w)
    if "objection" not in cache:
        cache["objection"] = do_object(in_notice(w), reason=REASON, acting_user=w.villager_a)
    found: Objection = cache["objection"]
    return found


def effective(w: World) -> Record:
    cache = _cache(w)
    if "effective" not in cache:
        notice(w)
        take_effect_due(timezone.now() + datetime.timedelta(days=30))
        cache["effective"] = Record.objects.get(pk=collected(w).pk)
    record: Record = cache["effective"]
    return record


def message(w: World) -> None:
    cache = _cache(w)
    if "message" not in cache:
        cache["message"] = notify([Note(kind="test", text=MESSAGE, resident_id=resident(w).pk)])


def evidence(w: World) -> Evidence:
    return Evidence.objects.get(record=collected(w))


def _collect_form(w: World, residents: list[str]) -> dict[str, Any]:
    return {
        "client_id": str(uuid.uuid4()),
        "resident": [resident(w, name).pk for name in residents],
        "item": "PW-R01",
        "quantity": "2",
        "behaviour_date": TODAY.isoformat(),
        "note": "清扫",
    }


def records_xlsx(rows: list[tuple[object, ...]]) -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.append(["村", "姓名", "身份证后四位", "行为编码", "数量", "行为日期", "说明"])
    for row in rows:
        sheet.append(list(row))
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _import_file(w: World) -> dict[str, Any]:
    zhang = resident(w)
    content = records_xlsx([("前双村", "张三", zhang.id_tail, "PW-R01", 2, TODAY, "清扫")])
    return {"file": upload(content, "records.xlsx")}


ROUTES = [
    # --- pages -------------------------------------------------------------------------------
    Route(
        "records:list",
        "get",
        lambda w: collected(w) and "/records/",
        "collector_a",
        ["collector_b", "clerk2"],
        villager_allowed=True,
        extra_refused=["keeper_a"],
    ),
    Route(
        "records:collect",
        "post",
        lambda w: "/records/new/",
        "collector_a",
        ["collector_b", "clerk2"],
        data=lambda w: _collect_form(w, ["张三"]),
        ok=(302,),
        extra_refused=["keeper_a"],
    ),
    Route(
        "records:collect_team",
        "post",
        lambda w: "/records/new/team/",
        "collector_a",
        ["collector_b", "clerk2"],
        data=lambda w: _collect_form(w, ["张三", "王建国"]),
        ok=(302,),
        extra_refused=["keeper_a"],
    ),
    Route(
        "records:resident_search",
        "get",
        lambda w: "/records/new/residents/?q=zs",
        "collector_a",
        ["collector_b", "clerk2"],
        extra_refused=["keeper_a"],
    ),
    Route(
        "records:item_search",
        "get",
        lambda w: "/records/new/items/?item_q=PW-R",
        "collector_a",
        ["clerk2"],
        extra_refused=["keeper_a"],
        secret="PW-R01",
    ),
    Route(
        "records:collected",
        "get",
        lambda w: collected(w) and "/records/mine/",
        "collector_a",
        ["collector_b"],
        extra_refused=["committee_a", "keeper_a"],
    ),
    Route(
        "records:import",
        "post",
        lambda w: "/records/import/",
        "collector_a",
        ["collector_b", "clerk2"],
        data=_import_file,
        extra_refused=["keeper_a"],
        secret="新增 1 条记录",
    ),
    Route(
        "records:record",
        "get",
        lambda w: f"/records/{collected(w).pk}/",
        "collector_a",
        ["collector_b", "clerk2"],
        villager_allowed=True,
        extra_refused=["keeper_a"],
    ),
    Route(
        "records:evidence",
        "get",
        lambda w: f"/records/evidence/{evidence(w).pk}/",
        "collector_a",
        ["collector_b", "clerk2"],
        villager_allowed=True,
        extra_refused=["keeper_a"],
        secret="JFIF",  # the marker of a JPEG (the test photos are real now)
    ),
    Route(
        "records:review",
        "get",
        lambda w: collected(w) and "/records/review/",
        "committee_a",
        ["clerk2"],
        extra_refused=["collector_a", "clerk"],
    ),
    Route(
        "records:notices",
        "get",
        lambda w: notice(w) and "/records/notices/",
        "committee_a",
        ["collector_b", "clerk2"],
        extra_refused=["keeper_a"],
        secret="第1期",
    ),
    Route(
        "records:publish",
        "post",
        lambda w: approved(w) and "/records/notices/publish/",
        "committee_a",
        ["clerk2"],
        data=lambda w: {"village": w.village_a.pk},
        ok=(302,),
        extra_refused=["collector_a", "clerk"],
    ),
    Route(
        "records:notice",
        "get",
        lambda w: f"/records/notices/{notice(w).pk}/",
        "committee_a",
        ["collector_b", "clerk2"],
    ),
    Route(
        "records:objections",
        "get",
        lambda w: objection(w) and "/records/objections/",
        "committee_a",
        ["clerk2"],
        extra_refused=["collector_a", "clerk"],
        secret=REASON,
    ),
    Route(
        "records:objection",
        "get",
        lambda w: f"/records/objections/{objection(w).pk}/",
        "committee_a",
        ["clerk2"],
        extra_refused=["collector_a", "clerk"],
        secret=REASON,
    ),
    Route(
        "records:village_notice",
        "get",
        lambda w: notice(w) and "/records/notice/",
        "villager_a",
        [],
        villager_allowed=True,
        extra_refused=["collector_a", "committee_a"],
        secret="参加村内志愿服务",
    ),
    Route(
        "records:object",
        "get",
        lambda w: f"/records/notice/{in_notice(w).pk}/object/",
        "villager_a",
        [],
        villager_allowed=True,
        extra_refused=["collector_a", "committee_a"],
        secret="参加村内志愿服务",
    ),
    Route(
        "records:my_objections",
        "get",
        lambda w: objection(w) and "/records/objections/mine/",
        "villager_a",
        [],
        villager_allowed=True,
        extra_refused=["collector_a", "committee_a"],
        secret=REASON,
    ),
    Route(
        "records:reverse",
        "get",
        lambda w: f"/records/{effective(w).pk}/reverse/",
        "committee_a",
        ["clerk2"],
        extra_refused=["collector_a"],
    ),
    Route(
        "notifications:inbox",
        "get",
        lambda w: message(w) or "/messages/",
        "villager_a",
        [],
        villager_allowed=True,
        extra_refused=["collector_a", "committee_a"],
        secret=MESSAGE,
    ),
    Route(
        "notifications:read",
        "post",
        lambda w: message(w) or "/messages/read/",
        "villager_a",
        [],
        villager_allowed=True,
        ok=(302,),
        extra_refused=["collector_a"],
        audited=False,  # the villager's own messages marked read: housekeeping, not an action
    ),
    # --- API ---------------------------------------------------------------------------------
    Route(
        "api:get /api/records/records",
        "get",
        lambda w: collected(w) and "/api/records/records",
        "collector_a",
        ["collector_b", "clerk2"],
        json=True,
        villager_allowed=True,
        extra_refused=["keeper_a"],
    ),
    Route(
        "api:get /api/records/records/{record_id}",
        "get",
        lambda w: f"/api/records/records/{collected(w).pk}",
        "collector_a",
        ["collector_b", "clerk2"],
        json=True,
        villager_allowed=True,
        extra_refused=["keeper_a"],
    ),
    Route(
        "api:post /api/records/records",
        "post",
        lambda w: "/api/records/records",
        "collector_a",
        ["collector_b", "clerk2"],
        json=True,
        data=lambda w: {
            "client_id": str(uuid.uuid4()),
            "resident_id": resident(w).pk,
            "item_code": "PW-R01",
            "quantity": "2",
            "behaviour_date": TODAY.isoformat(),
        },
        ok=(201,),
        extra_refused=["keeper_a"],
    ),
    Route(
        "api:post /api/records/records/upload",
        "post",
        lambda w: "/api/records/records/upload",
        "collector_a",
        ["collector_b", "clerk2"],
        data=lambda w: {
            "client_id": str(uuid.uuid4()),
            "resident_id": resident(w).pk,
            "item_code": "PW-R01",
            "quantity": "2",
            "behaviour_date": TODAY.isoformat(),
            "photos": [upload(PHOTO, "p.jpg")],
        },
        ok=(201,),
        extra_refused=["keeper_a"],
    ),
    Route(
        "api:post /api/records/records/team",
        "post",
        lambda w: "/api/records/records/team",
        "collector_a",
        ["collector_b", "clerk2"],
        json=True,
        data=lambda w: {
            "client_id": str(uuid.uuid4()),
            "resident_ids": [resident(w).pk, resident(w, "王建国").pk],
            "item_code": "PW-R01",
            "quantity": "2",
            "behaviour_date": TODAY.isoformat(),
        },
        ok=(201,),
        extra_refused=["keeper_a"],
    ),
    Route(
        "api:get /api/records/items",
        "get",
        lambda w: "/api/records/items?q=PW-R",
        "collector_a",
        ["clerk2"],
        json=True,
        extra_refused=["keeper_a"],
        secret="PW-R01",
    ),
    Route(
        "api:post /api/records/import",
        "post",
        lambda w: "/api/records/import",
        "collector_a",
        ["collector_b", "clerk2"],
        data=_import_file,
        extra_refused=["keeper_a"],
        secret='"created": 1',
    ),
    Route(
        "api:get /api/records/review",
        "get",
        lambda w: collected(w) and "/api/records/review",
        "committee_a",
        ["clerk2"],
        json=True,
        extra_refused=["collector_a", "clerk"],
    ),
    Route(
        "api:post /api/records/review/approve",
        "post",
        lambda w: "/api/records/review/approve",
        "committee_a",
        ["clerk2"],
        json=True,
        data=lambda w: {"record_ids": [collected(w).pk]},
        extra_refused=["collector_a", "clerk"],
    ),
    Route(
        "api:post /api/records/review/reject",
        "post",
        lambda w: "/api/records/review/reject",
        "committee_a",
        ["clerk2"],
        json=True,
        data=lambda w: {"record_ids": [collected(w).pk], "reason": "照片看不清"},
        extra_refused=["collector_a", "clerk"],
    ),
    Route(
        "api:post /api/records/records/{record_id}/reversal",
        "post",
        lambda w: f"/api/records/records/{effective(w).pk}/reversal",
        "committee_a",
        ["clerk2"],
        json=True,
        data=lambda w: {"reason": "重复录入"},
        ok=(201,),
        extra_refused=["collector_a"],
    ),
    Route(
        "api:get /api/records/notices",
        "get",
        lambda w: notice(w) and "/api/records/notices",
        "committee_a",
        ["collector_b", "clerk2"],
        json=True,
        extra_refused=["keeper_a"],
        secret="前双村",
    ),
    Route(
        "api:post /api/records/notices",
        "post",
        lambda w: approved(w) and "/api/records/notices",
        "committee_a",
        ["clerk2"],
        json=True,
        data=lambda w: {"village_code": w.village_a.code},
        ok=(201,),
        extra_refused=["collector_a", "clerk"],
        secret="前双村",
    ),
    Route(
        "api:get /api/records/notices/{notice_id}",
        "get",
        lambda w: f"/api/records/notices/{notice(w).pk}",
        "committee_a",
        ["collector_b", "clerk2"],
        json=True,
    ),
    Route(
        "api:get /api/records/notice/current",
        "get",
        lambda w: notice(w) and "/api/records/notice/current",
        "villager_a",
        [],
        json=True,
        villager_allowed=True,
        extra_refused=["collector_a", "committee_a"],
        secret="参加村内志愿服务",
    ),
    Route(
        "api:post /api/records/records/{record_id}/objections",
        "post",
        lambda w: f"/api/records/records/{in_notice(w).pk}/objections",
        "villager_a",
        [],
        json=True,
        data=lambda w: {"reason": REASON},
        villager_allowed=True,
        ok=(201,),
        extra_refused=["collector_a", "committee_a"],
        secret=REASON,
    ),
    Route(
        "api:get /api/records/objections",
        "get",
        lambda w: objection(w) and "/api/records/objections",
        "committee_a",
        ["clerk2"],
        json=True,
        extra_refused=["collector_a", "clerk"],
        secret=REASON,
    ),
    Route(
        "api:get /api/records/objections/mine",
        "get",
        lambda w: objection(w) and "/api/records/objections/mine",
        "villager_a",
        [],
        json=True,
        villager_allowed=True,
        extra_refused=["collector_a", "committee_a"],
        secret=REASON,
    ),
    Route(
        "api:post /api/records/objections/{objection_id}/ruling",
        "post",
        lambda w: f"/api/records/objections/{objection(w).pk}/ruling",
        "committee_a",
        ["clerk2"],
        json=True,
        data=lambda w: {"upheld": False, "ruling": "有照片为证"},
        extra_refused=["collector_a", "clerk"],
        secret=REASON,
    ),
    Route(
        "api:get /api/records/me",
        "get",
        lambda w: "/api/records/me",
        "villager_a",
        [],
        json=True,
        villager_allowed=True,
        extra_refused=["collector_a", "committee_a"],
    ),
    Route(
        "people:statement",
        "get",
        lambda w: effective(w) and "/people/me/statement/",
        "villager_a",
        [],
        villager_allowed=True,
        extra_refused=["collector_a", "committee_a"],
        secret="记录生效",
    ),
    Route(
        "api:get /api/records/me/statement",
        "get",
        lambda w: effective(w) and "/api/records/me/statement",
        "villager_a",
        [],
        json=True,
        villager_allowed=True,
        extra_refused=["collector_a", "committee_a"],
        secret="record.effect",
    ),
    Route(
        "api:get /api/notifications/messages",
        "get",
        lambda w: message(w) or "/api/notifications/messages",
        "villager_a",
        [],
        json=True,
        villager_allowed=True,
        extra_refused=["collector_a", "committee_a"],
        secret=MESSAGE,
    ),
    Route(
        "api:post /api/notifications/messages/read",
        "post",
        lambda w: message(w) or "/api/notifications/messages/read",
        "villager_a",
        [],
        json=True,
        data=lambda w: {},
        villager_allowed=True,
        extra_refused=["collector_a", "committee_a"],
        secret='"marked": 1',
        audited=False,  # the villager's own messages marked read: housekeeping, not an action
    ),
]
