"""The records API: the same story as the pages, in JSON, scoped the same way."""

from __future__ import annotations

import datetime
import uuid
from pathlib import Path
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from cunxin.conftest import World, login
from cunxin.core.images import sample_image
from cunxin.records.actions.effect import take_effect_due
from cunxin.records.models import Notice, Record, Status
from cunxin.tests.access import upload

TODAY = timezone.localdate()
PHOTO = sample_image("PNG")


@pytest.fixture(autouse=True)
def _media(settings: Any, tmp_path: Path) -> None:
    settings.MEDIA_ROOT = tmp_path


def post(client: Client, url: str, body: dict[str, Any]) -> Any:
    return client.post(url, body, content_type="application/json")


def collect_body(w: World, name: str = "张三", **changes: Any) -> dict[str, Any]:
    return {
        "client_id": str(uuid.uuid4()),
        "resident_id": w.resident(name).pk,
        "item_code": "PW-R01",
        "quantity": "1.5",
        "behaviour_date": TODAY.isoformat(),
        "note": "巡河",
        **changes,
    }


def test_the_story_in_json(policy_world: World) -> None:
    w = policy_world
    collector, committee, villager = (
        login(w.collector_a),
        login(w.committee_a),
        login(w.villager_a),
    )
    created = post(collector, "/api/records/records", collect_body(w))
    assert created.status_code == 201, created.content
    record = created.json()
    assert record["points"] == 3
    assert record["status"] == "collected"
    assert record["quantity"] == "1.5"

    queue = committee.get("/api/records/review").json()
    assert [line["record"]["id"] for line in queue["items"]] == [record["id"]]
    assert queue["items"][0]["selectable"] is True
    approved = post(committee, "/api/records/review/approve", {"record_ids": [record["id"]]})
    assert approved.json()["records"][0]["status"] == "approved"

    notice = post(committee, "/api/records/notices", {"village_code": w.village_a.code})
    assert notice.status_code == 201
    assert notice.json()["lines"] == 1

    board = villager.get("/api/records/notice/current").json()
    line = board[0]["lines"][0]
    assert line["name"] == "张三"
    assert line["objectable"] is True
    objected = post(
        villager, f"/api/records/records/{record['id']}/objections", {"reason": "时长记多了"}
    )
    assert objected.status_code == 201
    objection = objected.json()
    assert objection["objector"] == w.villager_a.name

    open_ones = committee.get("/api/records/objections").json()
    assert [o["id"] for o in open_ones["items"]] == [objection["id"]]
    ruled = post(
        committee,
        f"/api/records/objections/{objection['id']}/ruling",
        {"upheld": True, "ruling": "经核实只有1小时"},
    )
    assert ruled.json()["status"] == "upheld"
    assert Record.objects.get().status == Status.CANCELLED
    mine = villager.get("/api/records/objections/mine").json()["items"]
    assert mine[0]["ruling"] == "经核实只有1小时"

    standing = villager.get("/api/records/me").json()
    assert standing["score"] == 1000
    assert standing["grade"] == "A"
    history = villager.get("/api/records/records").json()
    assert [r["status"] for r in history["items"]] == ["cancelled"]


def test_sending_the_same_client_id_again_returns_the_first_record(policy_world: World) -> None:
    w = policy_world
    collector = login(w.collector_a)
    body = collect_body(w)
    first = post(collector, "/api/records/records", body)
    again = post(collector, "/api/records/records", body)
    assert (first.status_code, again.status_code) == (201, 200)
    assert first.json()["id"] == again.json()["id"]
    assert Record.objects.count() == 1
    other = post(
        collector, "/api/records/records", {**body, "resident_id": w.resident("王建国").pk}
    )
    assert other.status_code == 409
    assert other.json()["code"] == "client_id_reused"


def test_photos_come_as_multipart_and_are_checked_by_content(policy_world: World) -> None:
    w = policy_world
    collector = login(w.collector_a)
    body = collect_body(w)
    response = collector.post(
        "/api/records/records/upload", {**body, "photos": [upload(PHOTO, "a.png")]}
    )
    assert response.status_code == 201, response.content
    evidence = response.json()["evidence"]
    assert evidence[0]["content_type"] == "image/png"
    assert collector.get(evidence[0]["url"]).content == PHOTO
    assert login(w.collector_b).get(evidence[0]["url"]).status_code == 404
    fake = collector.post(
        "/api/records/records/upload",
        {**collect_body(w), "photos": [upload(b"MZ not a photo", "virus.jpg")]},
    )
    assert fake.status_code == 400
    assert fake.json()["code"] == "photo_type"


def test_a_team_comes_in_one_call_all_or_nothing(policy_world: World) -> None:
    w = policy_world
    collector = login(w.collector_a)
    body = {
        "client_id": str(uuid.uuid4()),
        "resident_ids": [w.resident("张三").pk, w.resident("王建国").pk],
        "item_code": "PW-R01",
        "quantity": "2",
        "behaviour_date": TODAY.isoformat(),
    }
    first = post(collector, "/api/records/records/team", body)
    again = post(collector, "/api/records/records/team", body)
    assert (first.status_code, again.status_code) == (201, 200)
    assert Record.objects.count() == 2
    outside = post(
        collector,
        "/api/records/records/team",
        {**body, "client_id": str(uuid.uuid4()), "resident_ids": [w.resident("庄德胜").pk]},
    )
    assert outside.status_code == 404


def test_items_come_with_the_collectors_recent_ones(policy_world: World) -> None:
    w = policy_world
    collector = login(w.collector_a)
    assert collector.get("/api/records/items").json()["recent"] == []
    post(collector, "/api/records/records", collect_body(w))
    items = collector.get("/api/records/items?q=垃圾").json()
    assert [i["code"] for i in items["recent"]] == ["PW-R01"]
    assert "AP-P01" in [i["code"] for i in items["items"]]
    assert items["recent"][0]["unit"] == "小时"


def test_the_queue_says_why_a_line_cannot_be_decided(policy_world: World) -> None:
    w = policy_world
    committee = login(w.committee_a)
    post(committee, "/api/records/records", collect_body(w))
    line = committee.get("/api/records/review").json()["items"][0]
    assert line["selectable"] is False
    assert "其他评审会成员" in line["why_not"]
    refused = post(committee, "/api/records/review/approve", {"record_ids": [line["record"]["id"]]})
    assert refused.status_code == 403
    assert refused.json()["code"] == "review_own_record"


def test_a_rejection_without_a_reason_is_refused(policy_world: World) -> None:
    w = policy_world
    post(login(w.collector_a), "/api/records/records", collect_body(w))
    record = Record.objects.get()
    response = post(
        login(w.committee_a),
        "/api/records/review/reject",
        {"record_ids": [record.pk], "reason": ""},
    )
    assert response.status_code == 400
    assert response.json()["field"] == "reason"


def test_a_villager_sees_their_record_but_not_who_handled_it(policy_world: World) -> None:
    w = policy_world
    post(login(w.collector_a), "/api/records/records", collect_body(w))
    record = Record.objects.get()
    villager = login(w.villager_a)
    mine = villager.get(f"/api/records/records/{record.pk}").json()
    assert mine["collected_by"] is None
    assert all(e["actor"] is None for e in mine["events"])
    assert mine["transfer"] is None
    staff = login(w.collector_a).get(f"/api/records/records/{record.pk}").json()
    assert staff["collected_by"] == w.collector_a.name
    # Another villager's record is not there at all.
    post(login(w.collector_a), "/api/records/records", collect_body(w, "王建国"))
    other = Record.objects.get(resident__name="王建国")
    assert villager.get(f"/api/records/records/{other.pk}").status_code == 404


def test_the_board_masks_others_and_a_correction_goes_through_the_api(
    policy_world: World,
) -> None:
    w = policy_world
    collector, committee = login(w.collector_a), login(w.committee_a)
    for name in ("张三", "王建国"):
        post(collector, "/api/records/records", collect_body(w, name))
    ids = list(Record.objects.values_list("pk", flat=True))
    post(committee, "/api/records/review/approve", {"record_ids": ids})
    notice = post(committee, "/api/records/notices", {"village_code": w.village_a.code}).json()
    names = {
        line["name"]
        for line in login(w.villager_a).get("/api/records/notice/current").json()[0]["lines"]
    }
    assert names == {"张三", "王*国"}
    detail = committee.get(f"/api/records/notices/{notice['id']}").json()
    assert {r["resident_name"] for r in detail["lines"]} == {"张三", "王建国"}

    Notice.objects.update(
        published_at=timezone.now() - datetime.timedelta(days=8),
        ends_at=timezone.now() - datetime.timedelta(days=1),
    )
    take_effect_due()
    zhang = Record.objects.get(resident__name="张三")
    assert login(w.villager_a).get("/api/records/me").json()["score"] == 1000 + zhang.points
    reversal = post(committee, f"/api/records/records/{zhang.pk}/reversal", {"reason": "重复录入"})
    assert reversal.status_code == 201
    assert reversal.json()["points"] == -zhang.points
    assert reversal.json()["reverses_id"] == zhang.pk
    full = committee.get(f"/api/records/records/{zhang.pk}").json()
    assert full["transfer"]["key"] == f"record:{zhang.pk}:effect"
