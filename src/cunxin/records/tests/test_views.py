"""The record pages as their users meet them: a collector in the lane, the committee, a villager."""

from __future__ import annotations

import datetime
import re
import uuid
from pathlib import Path
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from cunxin.accounts.actions import do_create_user
from cunxin.accounts.models import User
from cunxin.accounts.permissions import Role
from cunxin.conftest import World, login
from cunxin.core.images import sample_image
from cunxin.notifications.models import Message
from cunxin.policy.models import CreditPolicy, NameMasking
from cunxin.records.actions.effect import expire_due, take_effect_due
from cunxin.records.models import Notice, Objection, ObjectionStatus, Record, Status
from cunxin.records.selectors import mask_name
from cunxin.tests.access import upload

TODAY = timezone.localdate()
LATER = timezone.now() + datetime.timedelta(days=30)
PHOTO = sample_image()


@pytest.fixture(autouse=True)
def _media(settings: Any, tmp_path: Path) -> None:
    settings.MEDIA_ROOT = tmp_path


def entry(w: World, names: list[str], **changes: Any) -> dict[str, Any]:
    """What the entry form sends after picking villagers and an item."""
    return {
        "client_id": str(uuid.uuid4()),
        "resident": [w.resident(n).pk for n in names],
        "item": "PW-R01",
        "quantity": "2",
        "behaviour_date": TODAY.isoformat(),
        "note": "清扫公共区域",
        **changes,
    }


def test_the_story_from_the_lane_to_the_villagers_page(policy_world: World) -> None:
    w = policy_world
    collector, committee, villager = (
        login(w.collector_a),
        login(w.committee_a),
        login(w.villager_a),
    )
    # The collector finds 张三 by pinyin initials and records two hours with a photo.
    found = collector.get("/records/new/residents/?q=zs").content.decode()
    assert "张三" in found
    data = entry(w, ["张三"], photos=[upload(PHOTO, "square.jpg")])
    response = collector.post("/records/new/", data)
    assert response.status_code == 302
    done = collector.get(response["Location"]).content.decode()
    assert "已保存" in done
    assert "+4" in done
    record = Record.objects.get()
    assert record.evidence.count() == 1
    # The next entry remembers the item in "recently used".
    assert "参加村内志愿服务" in collector.get("/records/new/").content.decode()
    assert "待审核" in collector.get("/records/mine/").content.decode()

    # The committee sees it in the queue with its photo and approves it.
    queue = committee.get("/records/review/").content.decode()
    assert "张三" in queue
    assert f"/records/evidence/{record.evidence.get().pk}/" in queue
    response = committee.post("/records/review/", {"ids": [record.pk], "action": "approve"})
    assert response.status_code == 302
    assert Record.objects.get().status == Status.APPROVED

    # Publishes the notice.
    response = committee.post("/records/notices/publish/", {"village": w.village_a.pk})
    assert response.status_code == 302
    notice_page = committee.get(response["Location"]).content.decode()
    assert "张三" in notice_page
    assert "第1期" in notice_page

    # The villager sees the line and objects to it.
    board = villager.get("/records/notice/").content.decode()
    assert f"/records/notice/{record.pk}/object/" in board
    response = villager.post(f"/records/notice/{record.pk}/object/", {"reason": "那天我不在村里"})
    assert response.status_code == 302
    assert Record.objects.get().status == Status.DISPUTED
    objection = Objection.objects.get()

    # The committee dismisses it with a reason the objector sees.
    assert "那天我不在村里" in committee.get("/records/objections/").content.decode()
    response = committee.post(
        f"/records/objections/{objection.pk}/",
        {"outcome": ObjectionStatus.DISMISSED, "ruling": "有照片为证"},
    )
    assert response.status_code == 302
    assert "有照片为证" in villager.get("/records/objections/mine/").content.decode()

    # The notice ends; the villager's page shows the new score, the line and its basis.
    take_effect_due(LATER)
    me = villager.get("/people/me/").content.decode()
    assert "1004" in me
    assert "已生效" in me
    assert "PW-R01" in me
    assert "第1期公示" in me
    assert f"/records/evidence/{record.evidence.get().pk}/" in me
    detail = villager.get(f"/records/{record.pk}/").content.decode()
    assert "有照片为证" in detail  # why it stands
    assert w.committee_a.name not in detail  # who took each step is for staff
    # And the villager may open the photo of their own record.
    assert villager.get(f"/records/evidence/{record.evidence.get().pk}/").content == PHOTO


def test_a_double_submit_of_the_entry_form_makes_one_record(policy_world: World) -> None:
    w = policy_world
    collector = login(w.collector_a)
    data = entry(w, ["张三"])
    first = collector.post("/records/new/", data)
    again = collector.post("/records/new/", data)
    assert first.status_code == again.status_code == 302
    assert Record.objects.count() == 1
    assert first["Location"] == again["Location"]


def test_the_entry_form_carries_a_fresh_client_id_each_time(policy_world: World) -> None:
    collector = login(policy_world.collector_a)
    ids = [
        re.search(r'name="client_id" value="([0-9a-f-]+)"', collector.get("/records/new/").text)
        for _ in range(2)
    ]
    assert ids[0]
    assert ids[1]
    assert ids[0].group(1) != ids[1].group(1)


def test_a_refused_entry_keeps_what_was_typed_and_says_why(policy_world: World) -> None:
    w = policy_world
    collector = login(w.collector_a)
    tomorrow = (TODAY + datetime.timedelta(days=1)).isoformat()
    page = collector.post("/records/new/", entry(w, ["张三"], behaviour_date=tomorrow))
    assert page.status_code == 200
    text = page.content.decode()
    assert "行为日期不能晚于今天" in text
    assert 'value="{}" checked'.format(w.resident("张三").pk) in text
    assert Record.objects.count() == 0
    missing = collector.post("/records/new/", entry(w, [], item=""))
    assert "请先搜索并选择村民" in missing.content.decode()


def test_without_javascript_the_search_button_shows_results_instead_of_saving(
    policy_world: World,
) -> None:
    w = policy_world
    collector = login(w.collector_a)
    data = {"client_id": str(uuid.uuid4()), "q": "王", "find": "resident", "quantity": "1"}
    page = collector.post("/records/new/", data).content.decode()
    assert "王建国" in page
    assert Record.objects.count() == 0


def test_an_item_is_found_by_code_or_name_and_shows_its_unit(policy_world: World) -> None:
    collector = login(policy_world.collector_a)
    by_code = collector.get("/records/new/items/?item_q=pw-r01").content.decode()
    assert "参加村内志愿服务" in by_code
    assert 'data-unit="小时"' in by_code
    by_name = collector.get("/records/new/items/?item_q=乱扔垃圾").content.decode()
    assert "AP-P01" in by_name


def test_a_team_is_recorded_in_one_go_and_a_resend_changes_nothing(policy_world: World) -> None:
    w = policy_world
    collector = login(w.collector_a)
    data = entry(w, ["张三", "王建国", "张小明"])
    assert collector.post("/records/new/team/", data).status_code == 302
    assert collector.post("/records/new/team/", data).status_code == 302
    assert Record.objects.count() == 3


def test_a_collector_cannot_record_a_villager_of_another_village(policy_world: World) -> None:
    w = policy_world
    response = login(w.collector_b).post("/records/new/", entry(w, ["张三"]))
    assert response.status_code == 404
    assert Record.objects.count() == 0


def test_the_queue_shows_ones_own_records_but_does_not_let_them_be_ticked(
    policy_world: World,
) -> None:
    w = policy_world
    committee = login(w.committee_a)
    committee.post("/records/new/", entry(w, ["张三"]))
    mine = Record.objects.get()
    page = committee.get("/records/review/").content.decode()
    assert "您采集的记录，须由其他评审会成员审核" in page
    assert f'name="ids" value="{mine.pk}"' not in page
    # Sent anyway, it is refused and nothing changes.
    response = committee.post("/records/review/", {"ids": [mine.pk], "action": "approve"})
    assert "须由其他评审会成员审核" in response.content.decode()
    assert Record.objects.get().status == Status.COLLECTED


def test_bulk_rejection_needs_a_reason_and_tells_each_villager(policy_world: World) -> None:
    w = policy_world
    collector = login(w.collector_a)
    collector.post("/records/new/", entry(w, ["张三"]))
    collector.post("/records/new/", entry(w, ["王建国"]))
    ids = list(Record.objects.values_list("pk", flat=True))
    committee = login(w.committee_a)
    page = committee.post("/records/review/", {"ids": ids, "action": "reject", "reason": ""})
    assert "不通过时必须填写原因" in page.content.decode()
    committee.post("/records/review/", {"ids": ids, "action": "reject", "reason": "照片看不清"})
    assert set(Record.objects.values_list("status", flat=True)) == {Status.REJECTED}
    assert Message.objects.filter(kind="record_rejected").count() == 2
    assert "照片看不清" in login(w.villager_a).get("/people/me/").content.decode()


def test_a_committee_of_another_village_cannot_approve_by_sending_ids(
    policy_world: World,
) -> None:
    w = policy_world
    login(w.collector_a).post("/records/new/", entry(w, ["张三"]))
    record = Record.objects.get()
    other = do_create_user(
        phone="13912340003",
        name="庄头评审",
        password="init-pass-123",
        role=Role.COMMITTEE,
        region=w.village_b,
        acting_user=w.clerk,
    )
    User.objects.filter(pk=other.pk).update(must_change_password=False)
    client = login(other)
    queue = client.get("/records/review/")
    assert queue.status_code == 200
    assert "张三" not in queue.content.decode()
    response = client.post("/records/review/", {"ids": [record.pk], "action": "approve"})
    assert response.status_code == 404
    assert Record.objects.get().status == Status.COLLECTED


def _effective(w: World) -> Record:
    login(w.collector_a).post("/records/new/", entry(w, ["张三"]))
    committee = login(w.committee_a)
    record = Record.objects.get()
    committee.post("/records/review/", {"ids": [record.pk], "action": "approve"})
    committee.post("/records/notices/publish/", {"village": w.village_a.pk})
    # The notice period passes.
    Notice.objects.update(
        published_at=timezone.now() - datetime.timedelta(days=8),
        ends_at=timezone.now() - datetime.timedelta(days=1),
    )
    take_effect_due()
    return Record.objects.get(pk=record.pk)


def test_a_correction_is_asked_from_the_records_page(policy_world: World) -> None:
    w = policy_world
    record = _effective(w)
    committee = login(w.committee_a)
    detail = committee.get(f"/records/{record.pk}/").content.decode()
    assert f"/records/{record.pk}/reverse/" in detail
    assert f"record:{record.pk}:effect" in detail  # the ledger posting is shown
    response = committee.post(f"/records/{record.pk}/reverse/", {"reason": "重复录入"})
    assert response.status_code == 302
    reversal = Record.objects.get(reverses=record)
    assert reversal.points == -record.points
    again = committee.post(f"/records/{record.pk}/reverse/", {"reason": "再来一次"})
    assert "已有更正在办理" in again.content.decode()


def test_the_record_page_shows_rule_notice_history_and_posting(policy_world: World) -> None:
    w = policy_world
    record = _effective(w)
    page = login(w.collector_a).get(f"/records/{record.pk}/").content.decode()
    for text in ("PW-R01", "第 1 版", "测试办法", "第1期公示", "待审核", "已生效", "分录"):
        assert text in page, text


def test_publishing_with_nothing_approved_says_so(policy_world: World) -> None:
    w = policy_world
    committee = login(w.committee_a)
    response = committee.post("/records/notices/publish/", {"village": w.village_a.pk}, follow=True)
    assert "没有待公示的记录" in response.content.decode()


def test_the_villagers_board_masks_other_peoples_names(policy_world: World) -> None:
    w = policy_world
    collector = login(w.collector_a)
    collector.post("/records/new/", entry(w, ["张三"]))
    collector.post("/records/new/", entry(w, ["王建国"]))
    committee = login(w.committee_a)
    committee.post(
        "/records/review/",
        {"ids": list(Record.objects.values_list("pk", flat=True)), "action": "approve"},
    )
    committee.post("/records/notices/publish/", {"village": w.village_a.pk})
    board = login(w.villager_a).get("/records/notice/").content.decode()
    assert "张三" in board  # one's own line in full
    assert "王建国" not in board
    assert "王*国" in board


def test_an_objection_after_the_period_is_not_offered(policy_world: World) -> None:
    w = policy_world
    record = _effective(w)
    villager = login(w.villager_a)
    assert villager.get(f"/records/notice/{record.pk}/object/").status_code == 404
    assert "目前没有正在公示的记录" in villager.get("/records/notice/").content.decode()


@pytest.mark.parametrize(
    ("name", "rule", "shown"),
    [
        ("张三", NameMasking.MIDDLE, "张*"),
        ("张小明", NameMasking.MIDDLE, "张*明"),
        ("欧阳小明", NameMasking.MIDDLE, "欧**明"),
        ("张小明", NameMasking.GIVEN, "张**"),
        ("张三", NameMasking.GIVEN, "张**"),
        ("张小明", NameMasking.FULL, "张小明"),
        ("张小明", None, "张*明"),
    ],
)
def test_names_are_masked_as_the_policy_says(name: str, rule: str | None, shown: str) -> None:
    policy = CreditPolicy(name_masking=rule) if rule else None
    assert mask_name(name, policy) == shown


def test_the_menu_offers_each_role_its_record_pages(policy_world: World) -> None:
    w = policy_world

    def menu(client: Client) -> str:
        page = client.get("/", follow=True).content.decode()
        return page.split('class="cx-nav"', 1)[1].split("</nav>", 1)[0]

    assert "/records/new/" in menu(login(w.collector_a))
    assert "/records/review/" not in menu(login(w.collector_a))
    committee = menu(login(w.committee_a))
    assert "/records/review/" in committee
    assert "/records/objections/" in committee
    villager = menu(login(w.villager_a))
    assert "/records/notice/" in villager
    assert "/messages/" in villager
    assert "/records/new/" not in villager


@pytest.mark.parametrize(
    ("persona", "url"),
    [
        ("committee_a", "/records/review/"),
        ("collector_a", "/records/mine/"),
        ("collector_a", "/records/"),
        ("villager_a", "/people/me/"),
        ("committee_a", "/api/records/review"),
        ("collector_a", "/api/records/records"),
    ],
)
def test_a_record_list_costs_the_same_queries_with_more_lines(
    policy_world: World, persona: str, url: str
) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    w = policy_world
    collector = login(w.collector_a)

    def add(n: int) -> None:
        for _ in range(n):
            data = entry(w, ["张三"], quantity="1", photos=[upload(PHOTO, "p.jpg")])
            assert collector.post("/records/new/", data).status_code == 302

    def queries() -> int:
        client = login(w.users[persona])
        client.get(url)  # warm the session
        with CaptureQueriesContext(connection) as captured:
            assert client.get(url).status_code == 200
        return len(captured)

    add(1)
    few = queries()
    add(3)
    assert queries() == few


def test_with_two_approvals_the_first_one_says_a_second_is_needed(policy_world: World) -> None:
    from cunxin.policy.actions import do_save_policy

    w = policy_world
    do_save_policy(
        w.town,
        values={"two_approvals": True},
        effective_from=TODAY,
        acting_user=w.clerk,
        reason="两人审核",
    )
    login(w.collector_a).post("/records/new/", entry(w, ["张三"]))
    record = Record.objects.get()
    committee = login(w.committee_a)
    page = committee.post(
        "/records/review/", {"ids": [record.pk], "action": "approve"}, follow=True
    ).content.decode()
    assert "1 条还需第二位评审会成员审核" in page
    assert "您已同意，等待第二位评审会成员审核" in page
    assert Record.objects.get().status == Status.COLLECTED


def test_the_villager_reads_every_movement_of_their_points_with_its_reason(
    policy_world: World,
) -> None:
    w = policy_world
    record = _effective(w)
    villager = login(w.villager_a)
    me = villager.get("/people/me/").content.decode()
    assert "记录生效" in me
    assert f"/records/{record.pk}/" in me
    assert "/people/me/statement/" in me

    # The reward's validity (here: this year only) ends: the score line goes, the spendable
    # points stay.
    Record.objects.filter(pk=record.pk).update(expires_on=record.behaviour_date)
    assert expire_due() == 1
    page = villager.get("/people/me/statement/").content.decode()
    rows = re.findall(r"<tr><td>(.*?)</tr>", page, re.S)
    assert "有效期满" in rows[0]
    assert f"-{record.points}" in rows[0]
    assert "记录生效" in rows[1]
    assert rows[1].count(f"+{record.points}") == 2

    body = villager.get("/api/records/me/statement?limit=1").json()
    assert [line["kind"] for line in body["lines"]] == ["record.expiry"]
    assert body["lines"][0]["score"] == -record.points
    assert body["lines"][0]["spendable"] == 0
    older = villager.get(f"/api/records/me/statement?limit=1&before={body['older']}").json()
    assert older["lines"][0]["record_id"] == record.pk
    assert older["lines"][0]["item_name"] == record.item.name
    assert older["older"] is not None
    last = villager.get(f"/api/records/me/statement?limit=1&before={older['older']}").json()
    assert last == {"lines": [], "older": None}

    # A page number that is not one is read as the first page, not an error.
    assert villager.get("/people/me/statement/?before=abc").status_code == 200
