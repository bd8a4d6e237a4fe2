"""The organiser's pages as a committee member meets them, without JavaScript."""

from __future__ import annotations

import datetime
from typing import Any

from django.utils import timezone

from cunxin.conftest import World, login
from cunxin.volunteering.models import Activity, ActivityStatus, Position, SignUp
from cunxin.volunteering.tests.helpers import published, sign


def form_data(w: World, **changes: Any) -> dict[str, Any]:
    start = timezone.localtime(timezone.now() + datetime.timedelta(days=5)).replace(
        hour=8, minute=0, second=0, microsecond=0
    )
    data: dict[str, Any] = {
        "region": w.village_a.pk,
        "title": "周六河道清理",
        "team": "",
        "place": "村东河道",
        "starts_at": start.strftime("%Y-%m-%dT%H:%M"),
        "ends_at": (start + datetime.timedelta(hours=4)).strftime("%Y-%m-%dT%H:%M"),
        "sign_up_deadline": (start - datetime.timedelta(hours=12)).strftime("%Y-%m-%dT%H:%M"),
        "item_code": "PW-R01",
        "description": "需要 20 人，4 小时",
        "positions-TOTAL_FORMS": "3",
        "positions-INITIAL_FORMS": "0",
        "positions-0-name": "清理河道",
        "positions-0-quota": "15",
        "positions-0-planned_hours": "4",
        "positions-1-name": "后勤保障",
        "positions-1-quota": "5",
        "positions-1-planned_hours": "3.5",
        "positions-2-name": "",
        "positions-2-quota": "",
        "positions-2-planned_hours": "",
    }
    data.update(changes)
    return data


def test_the_committee_drafts_publishes_and_edits_an_activity_with_positions(
    policy_world: World,
) -> None:
    w = policy_world
    committee = login(w.committee_a)
    page = committee.get("/volunteering/activities/new/").content.decode()
    assert "PW-R01" in page
    assert "positions-TOTAL_FORMS" in page
    response = committee.post("/volunteering/activities/new/", form_data(w))
    activity = Activity.objects.get()
    assert response["Location"] == f"/volunteering/activities/{activity.pk}/"
    assert activity.status == ActivityStatus.DRAFT
    assert [(p.name, p.quota, str(p.planned_hours)) for p in activity.positions.all()] == [
        ("清理河道", 15, "4.0"),
        ("后勤保障", 5, "3.5"),
    ]
    # Villagers do not see a draft.
    assert "周六河道清理" not in login(w.villager_a).get("/volunteering/").content.decode()
    committee.post(f"/volunteering/activities/{activity.pk}/publish/")
    activity.refresh_from_db()
    assert activity.status == ActivityStatus.PUBLISHED
    assert "周六河道清理" in login(w.villager_a).get("/volunteering/").content.decode()
    # The edit form holds the positions; a third one is added in the blank row.
    edit = committee.get(f"/volunteering/activities/{activity.pk}/edit/").content.decode()
    assert 'value="清理河道"' in edit
    river, support = activity.positions.order_by("order")
    committee.post(
        f"/volunteering/activities/{activity.pk}/edit/",
        form_data(
            w,
            **{
                "positions-TOTAL_FORMS": "4",
                "positions-INITIAL_FORMS": "2",
                "positions-0-id": river.pk,
                "positions-1-id": support.pk,
                "positions-2-name": "安全员",
                "positions-2-quota": "1",
                "positions-2-planned_hours": "4",
                "positions-3-name": "",
            },
        ),
    )
    assert list(activity.positions.values_list("name", flat=True)) == [
        "清理河道",
        "后勤保障",
        "安全员",
    ]


def test_the_form_says_what_is_wrong(policy_world: World) -> None:
    w = policy_world
    committee = login(w.committee_a)
    bad_item = committee.post("/volunteering/activities/new/", form_data(w, item_code="VM-P01"))
    assert bad_item.status_code == 200
    assert Activity.objects.count() == 0
    too_long = committee.post(
        "/volunteering/activities/new/", form_data(w, **{"positions-0-planned_hours": "6"})
    ).content.decode()
    assert "超过了活动时长" in too_long
    no_positions = committee.post(
        "/volunteering/activities/new/",
        form_data(w, **{"positions-0-name": "", "positions-1-name": ""}),
    ).content.decode()
    assert "请至少设置一个岗位" in no_positions
    late = committee.post(
        "/volunteering/activities/new/",
        form_data(w, sign_up_deadline=form_data(w)["ends_at"]),
    ).content.decode()
    assert "报名截止时间不能晚于活动开始时间" in late
    assert Activity.objects.count() == 0


def test_the_organisers_sign_up_list_shows_the_waiting_list(policy_world: World) -> None:
    w = policy_world
    activity = published(w, positions=[("清理河道", 1, "4"), ("后勤保障", 1, "2")])
    sign(w, activity, "张三")
    sign(w, activity, "李秀英")
    page = login(w.committee_a).get(f"/volunteering/activities/{activity.pk}/sign-ups/")
    waiting = page.content.decode().split('data-testid="waiting"', 1)[1]
    assert "李秀英" in waiting
    assert "张三" not in waiting
    # Assigning her to the free support place, by the form on the list.
    li = SignUp.objects.get(resident__name="李秀英")
    support = Position.objects.get(activity=activity, name="后勤保障")
    login(w.committee_a).post(
        f"/volunteering/activities/{activity.pk}/sign-ups/{li.pk}/move/", {"position": support.pk}
    )
    li.refresh_from_db()
    assert (li.status, li.position) == ("signed_up", support)


def test_the_villager_sees_their_activities_and_nobody_elses_names(policy_world: World) -> None:
    w = policy_world
    activity = published(w)
    sign(w, activity, "张三")
    sign(w, activity, "王建国")
    page = login(w.villager_a).get(f"/volunteering/activities/{activity.pk}/").content.decode()
    assert "我的报名" in page
    assert "王建国" not in page
    assert "报名名单" not in page
    assert (
        login(w.villager_a).get(f"/volunteering/activities/{activity.pk}/sign-ups/").status_code
        == 403
    )
    assert login(w.villager_a).get(f"/volunteering/activities/{activity.pk}/qr/").status_code == 403
    mine = login(w.villager_a).get("/volunteering/mine/").content.decode()
    assert "周六河道清理" in mine
