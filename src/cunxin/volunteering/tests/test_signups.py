"""Sign-up, the waiting list, withdrawal, moving people, deadlines, and who may sign up."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from cunxin.conftest import World, login
from cunxin.core.errors import Conflict, DomainError, Forbidden
from cunxin.notifications.models import Message
from cunxin.volunteering.actions.activities import do_cancel_activity, do_edit_activity
from cunxin.volunteering.actions.signups import do_move_sign_up, do_sign_up, do_withdraw
from cunxin.volunteering.models import SignUp, SignUpStatus
from cunxin.volunteering.tests.helpers import data, published, sign, villager


def messages_of(w: World, name: str) -> list[str]:
    return list(
        Message.objects.filter(resident=w.resident(name))
        .order_by("pk")
        .values_list("text", flat=True)
    )


def test_a_full_position_puts_people_on_its_waiting_list_and_a_withdrawal_moves_the_first_up(
    policy_world: World,
) -> None:
    w = policy_world
    activity = published(w, positions=[("清理河道", 2, "4")])
    first = sign(w, activity, "张三")
    second = sign(w, activity, "李秀英")
    third = sign(w, activity, "王建国")
    fourth = sign(w, activity, "王丽")
    assert [s.status for s in (first, second, third, fourth)] == [
        SignUpStatus.SIGNED_UP,
        SignUpStatus.SIGNED_UP,
        SignUpStatus.WAITLISTED,
        SignUpStatus.WAITLISTED,
    ]
    assert "候补名单第1位" in messages_of(w, "王建国")[-1]
    assert "候补名单第2位" in messages_of(w, "王丽")[-1]

    do_withdraw(second, acting_user=w.collector_a)

    statuses = dict(SignUp.objects.values_list("resident__name", "status"))
    assert statuses == {
        "张三": SignUpStatus.SIGNED_UP,
        "李秀英": SignUpStatus.WITHDRAWN,
        "王建国": SignUpStatus.SIGNED_UP,  # the first waiting moved up
        "王丽": SignUpStatus.WAITLISTED,
    }
    assert "候补成功" in messages_of(w, "王建国")[-1]
    assert not any("候补成功" in m for m in messages_of(w, "王丽"))


def test_the_villager_signs_up_and_withdraws_on_the_activity_page(policy_world: World) -> None:
    w = policy_world
    activity = published(w)
    zhang = login(w.villager_a)
    page = zhang.get(f"/volunteering/activities/{activity.pk}/").content.decode()
    assert "我要报名" in page
    position = activity.positions.order_by("order").first()
    assert position is not None
    response = zhang.post(
        f"/volunteering/activities/{activity.pk}/sign-up/", {"position": position.pk}, follow=True
    )
    assert "退出报名" in response.content.decode()
    mine = SignUp.objects.get(resident=w.resident("张三"))
    assert (mine.status, mine.signed_up_by) == (SignUpStatus.SIGNED_UP, w.villager_a)
    # Twice is refused, with a message, not a second sign-up.
    again = zhang.post(f"/volunteering/activities/{activity.pk}/sign-up/", follow=True)
    assert "已报名本活动" in again.content.decode()
    zhang.post(f"/volunteering/sign-ups/{mine.pk}/withdraw/")
    mine.refresh_from_db()
    assert mine.status == SignUpStatus.WITHDRAWN
    # "My activities" keeps the history.
    assert "已退出" in zhang.get("/volunteering/mine/").content.decode()


def test_a_villager_signs_up_only_themselves(policy_world: World) -> None:
    w = policy_world
    activity = published(w)
    with pytest.raises(Forbidden) as refusal:
        do_sign_up(activity, w.resident("李秀英"), acting_user=w.villager_a)
    assert refusal.value.code == "forbidden"


def test_a_villager_of_another_village_cannot_sign_up_for_a_village_activity(
    policy_world: World,
) -> None:
    w = policy_world
    zhuang = villager(w, "庄德胜", "13905372001")
    activity = published(w)
    # They do not even see it ...
    assert login(zhuang).get(f"/volunteering/activities/{activity.pk}/").status_code == 404
    assert RIVER_TITLE not in login(zhuang).get("/volunteering/").content.decode()
    # ... and the action refuses them outright.
    with pytest.raises(Forbidden) as refused:
        do_sign_up(activity, w.resident("庄德胜"), acting_user=zhuang)
    assert refused.value.code == "other_village"
    with pytest.raises(Forbidden) as refusal:
        do_sign_up(activity, w.resident("庄德胜"), acting_user=w.collector_b)
    assert refusal.value.code == "other_village"


RIVER_TITLE = "周六河道清理"


def test_a_town_activity_is_open_to_the_villagers_of_all_its_villages(policy_world: World) -> None:
    w = policy_world
    zhuang = villager(w, "庄德胜", "13905372001")
    kong = villager(w, "孔繁荣", "13905373001")  # village C, in the other town
    activity = published(w, by=w.clerk, region=w.town, title="街道环境整治")
    assert "街道环境整治" in login(zhuang).get("/volunteering/").content.decode()
    assert "街道环境整治" in login(w.villager_a).get("/volunteering/").content.decode()
    assert "街道环境整治" not in login(kong).get("/volunteering/").content.decode()
    do_sign_up(activity, w.resident("庄德胜"), acting_user=zhuang)
    do_sign_up(activity, w.resident("张三"), acting_user=w.villager_a)
    with pytest.raises(Forbidden) as refusal:
        do_sign_up(activity, w.resident("孔繁荣"), acting_user=kong)
    assert refusal.value.code == "other_village"
    # The village committee may not run the town's activity.
    with pytest.raises(Forbidden) as refusal:
        do_cancel_activity(activity, reason="下雨", acting_user=w.committee_a)
    assert refusal.value.code == "forbidden"


def test_sign_up_closes_at_the_deadline_but_the_organiser_may_still_add_someone(
    policy_world: World,
) -> None:
    w = policy_world
    soon = timezone.now() + datetime.timedelta(hours=2)
    activity = published(w, starts_at=soon, deadline=timezone.now() - datetime.timedelta(minutes=5))
    with pytest.raises(DomainError) as late:
        do_sign_up(activity, w.resident("张三"), acting_user=w.villager_a)
    assert late.value.code == "deadline_passed"
    with pytest.raises(DomainError) as refusal:
        do_sign_up(activity, w.resident("李秀英"), acting_user=w.collector_a)
    assert refusal.value.code == "deadline_passed"
    added = do_sign_up(activity, w.resident("李秀英"), acting_user=w.committee_a)
    assert added.status == SignUpStatus.SIGNED_UP


def test_nobody_signs_up_for_a_draft_or_a_cancelled_activity(policy_world: World) -> None:
    from cunxin.volunteering.actions.activities import do_create_activity

    w = policy_world
    draft = do_create_activity(data(w), acting_user=w.committee_a)
    with pytest.raises(Conflict) as refusal:
        do_sign_up(draft, w.resident("张三"), acting_user=w.villager_a)
    assert refusal.value.code == "not_published"
    assert login(w.villager_a).get(f"/volunteering/activities/{draft.pk}/").status_code == 404
    activity = published(w, title="另一次")
    do_cancel_activity(activity, reason="大雨，改期", acting_user=w.committee_a)
    with pytest.raises(Conflict) as refusal:
        do_sign_up(activity, w.resident("张三"), acting_user=w.villager_a)
    assert refusal.value.code == "activity_closed"


def test_the_organiser_assigns_waiting_people_and_moves_people_between_positions(
    policy_world: World,
) -> None:
    w = policy_world
    activity = published(w, positions=[("清理河道", 1, "4"), ("后勤保障", 1, "2")])
    river, support = list(activity.positions.order_by("order"))
    zhang = sign(w, activity, "张三")
    li = sign(w, activity, "李秀英")  # river is full: waiting
    assert li.status == SignUpStatus.WAITLISTED
    # Moving 张三 to the free support place frees the river place for 李秀英.
    do_move_sign_up(zhang, support, acting_user=w.committee_a)
    statuses = dict(SignUp.objects.values_list("resident__name", "status"))
    assert statuses == {"张三": SignUpStatus.SIGNED_UP, "李秀英": SignUpStatus.SIGNED_UP}
    assert SignUp.objects.get(resident__name="李秀英").position == river
    # Both full now: moving 张三 back is refused.
    with pytest.raises(Conflict) as full:
        do_move_sign_up(zhang, river, acting_user=w.committee_a)
    assert full.value.code == "position_full"
    # A collector may sign people up but not assign them.
    with pytest.raises(Forbidden) as refusal:
        do_move_sign_up(zhang, river, acting_user=w.collector_a)
    assert refusal.value.code == "forbidden"
    assert "岗位“后勤保障”" in messages_of(w, "张三")[-1]


def test_editing_a_published_activity_tells_everyone_signed_up_or_waiting(
    policy_world: World,
) -> None:
    w = policy_world
    activity = published(w, positions=[("清理河道", 1, "4")])
    sign(w, activity, "张三")
    sign(w, activity, "李秀英")  # waiting
    changed = data(w, positions=[("清理河道", 1, "4")])
    position = activity.positions.get()
    new = type(changed)(
        **{
            **changed.__dict__,
            "place": "村西河道",
            "positions": [type(changed.positions[0])("清理河道", 2, "4", position.pk)],
        }
    )
    do_edit_activity(activity, new, acting_user=w.committee_a)
    assert "村西河道" in messages_of(w, "张三")[-1]
    # The quota went up: 李秀英 moved up and was told so, and of the change.
    assert SignUp.objects.get(resident__name="李秀英").status == SignUpStatus.SIGNED_UP
    texts = messages_of(w, "李秀英")
    assert any("候补成功" in t for t in texts)
    assert any("村西河道" in t for t in texts)
    assert not messages_of(w, "王建国")


def test_a_position_keeps_its_people(policy_world: World) -> None:
    w = policy_world
    activity = published(w, positions=[("清理河道", 2, "4"), ("后勤保障", 1, "2")])
    sign(w, activity, "张三")
    sign(w, activity, "李秀英")
    base = data(w)
    river = activity.positions.get(name="清理河道")
    smaller = type(base)(
        **{**base.__dict__, "positions": [type(base.positions[0])("清理河道", 1, "4", river.pk)]}
    )
    with pytest.raises(Conflict) as refused:
        do_edit_activity(activity, smaller, acting_user=w.committee_a)
    assert refused.value.code == "quota_below_taken"
    # Removing the empty support position is fine.
    kept = type(base)(
        **{**base.__dict__, "positions": [type(base.positions[0])("清理河道", 2, "4", river.pk)]}
    )
    do_edit_activity(activity, kept, acting_user=w.committee_a)
    assert list(activity.positions.values_list("name", flat=True)) == ["清理河道"]


def test_cancelling_needs_a_reason_and_tells_everyone(policy_world: World) -> None:
    w = policy_world
    activity = published(w)
    sign(w, activity, "张三")
    with pytest.raises(DomainError) as refusal:
        do_cancel_activity(activity, reason=" ", acting_user=w.committee_a)
    assert refusal.value.code == "reason_required"
    do_cancel_activity(activity, reason="暴雨预警，活动取消", acting_user=w.committee_a)
    assert "暴雨预警，活动取消" in messages_of(w, "张三")[-1]
    page = login(w.villager_a).get(f"/volunteering/activities/{activity.pk}/").content.decode()
    assert "已取消" in page
    assert "暴雨预警" in page


def test_a_collector_signs_up_a_villager_without_a_phone(policy_world: World) -> None:
    w = policy_world
    activity = published(w)
    collector = login(w.collector_a)
    url = f"/volunteering/activities/{activity.pk}/sign-up/others/"
    found = collector.post(url, {"q": "lxy", "find": "1"}).content.decode()
    assert "李秀英" in found
    li = w.resident("李秀英")
    position = activity.positions.order_by("order").first()
    assert position is not None
    response = collector.post(url, {"q": "lxy", "resident": li.pk, "position": position.pk})
    assert response.status_code == 302
    sign_up = SignUp.objects.get(resident=li)
    assert (sign_up.status, sign_up.signed_up_by) == (SignUpStatus.SIGNED_UP, w.collector_a)
    assert "您已报名活动" in messages_of(w, "李秀英")[-1]
    # Without picking anyone the page says so instead of saving.
    again = collector.post(url, {"position": position.pk}).content.decode()
    assert "请先搜索并选择村民" in again
    # A villager of village B cannot be found there by village A's collector.
    assert "庄德胜" not in collector.post(url, {"q": "庄", "find": "1"}).content.decode()
