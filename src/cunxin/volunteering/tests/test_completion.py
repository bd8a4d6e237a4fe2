"""Completing an activity: hours become reward records through the records app, once."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

import pytest
from django.utils import timezone

from cunxin.conftest import World, login
from cunxin.core.errors import Conflict, DomainError, Forbidden
from cunxin.notifications.models import Message
from cunxin.policy.actions import do_save_policy
from cunxin.records.actions.collect import do_collect
from cunxin.records.actions.review import do_approve
from cunxin.records.models import Record, RecordEvent, Status
from cunxin.volunteering.actions.attendance import do_check_in, do_check_out
from cunxin.volunteering.actions.completion import do_complete_activity
from cunxin.volunteering.models import Activity, ActivityStatus, SignUp
from cunxin.volunteering.tests.helpers import held, published


def attend(w: World, activity: Activity, name: str, minutes: int, by: Any = None) -> SignUp:
    """Checked in at the start and out ``minutes`` later, by hand (by village A's collector)."""
    sign_up = SignUp.objects.get(activity=activity, resident__name=name)
    do_check_in(sign_up, at=activity.starts_at, acting_user=by or w.collector_a)
    do_check_out(
        sign_up,
        at=activity.starts_at + datetime.timedelta(minutes=minutes),
        acting_user=by or w.collector_a,
    )
    return sign_up


def test_completing_turns_each_attendees_hours_into_one_record_however_often(
    policy_world: World,
) -> None:
    w = policy_world
    activity = held(w, names=["张三", "李秀英", "王丽"])
    attend(w, activity, "张三", 4 * 60)
    attend(w, activity, "李秀英", 150)  # 2.5 hours
    # 王丽 signed up but did not come: nothing for her.
    first = do_complete_activity(activity, acting_user=w.committee_a)
    second = do_complete_activity(activity, acting_user=w.committee_a)

    records = list(Record.objects.order_by("resident__name").select_related("item", "resident"))
    assert [(r.resident.name, r.quantity, r.points) for r in records] == [
        ("张三", Decimal(4), 8),  # PW-R01: 2 points an hour
        ("李秀英", Decimal("2.5"), 5),
    ]
    assert {r.pk for r in first.records} == {r.pk for r in records}
    assert second.records == []
    record = records[0]
    assert record.item.code == "PW-R01"
    assert record.behaviour_date == activity.day
    assert record.collected_by == w.committee_a
    assert "周六河道清理" in record.note
    # Into the normal flow: waiting for the committee.
    assert record.status == Status.COLLECTED
    assert SignUp.objects.get(resident__name="张三").record == record
    activity.refresh_from_db()
    assert activity.status == ActivityStatus.COMPLETED
    assert Message.objects.filter(resident=record.resident, text__contains="待评审会审核").exists()
    # The villager sees the hours and the record on "my activities".
    mine = login(w.villager_a).get("/volunteering/mine/").content.decode()
    assert f"/records/{record.pk}/" in mine


def test_the_hour_records_go_through_review_like_any_other(policy_world: World) -> None:
    w = policy_world
    activity = held(w)
    attend(w, activity, "张三", 60)
    # The organiser is a committee member: they never review what they collected ...
    done = do_complete_activity(activity, acting_user=w.committee_a)
    record = done.records[0]
    with pytest.raises(Forbidden) as refusal:
        do_approve([record.pk], acting_user=w.committee_a)
    assert refusal.value.code == "review_own_record"
    # ... the centre organised this one instead, so the committee reviews.
    other = held(w, title="另一次清理", names=["李秀英"])
    attend(w, other, "李秀英", 60)
    made = do_complete_activity(other, acting_user=w.clerk).records[0]
    do_approve([made.pk], acting_user=w.committee_a)
    made.refresh_from_db()
    assert made.status == Status.APPROVED


def test_the_policy_may_approve_volunteer_hours_at_once(policy_world: World) -> None:
    w = policy_world
    # The village's own policy (its first version may start in the past) says so.
    do_save_policy(
        w.village_a,
        values={"name": "前双村办法", "volunteer_hours_approved": True},
        effective_from=datetime.date(2025, 1, 1),
        acting_user=w.clerk,
    )
    activity = held(w)
    attend(w, activity, "张三", 60)
    done = do_complete_activity(activity, acting_user=w.committee_a)
    record = Record.objects.get()
    assert record.status == Status.APPROVED
    assert [r.pk for r in done.approved] == [record.pk]
    approval = RecordEvent.objects.get(record=record, to_status=Status.APPROVED)
    assert approval.actor is None  # nobody reviewed it: the policy approved it
    assert "直接通过审核" in approval.reason
    assert Message.objects.filter(resident=record.resident, text__contains="已通过审核").exists()
    # Completing again changes nothing.
    do_complete_activity(activity, acting_user=w.committee_a)
    assert RecordEvent.objects.filter(record=record, to_status=Status.APPROVED).count() == 1


def test_completion_waits_for_everyone_to_check_out(policy_world: World) -> None:
    w = policy_world
    activity = held(w, names=["张三", "李秀英"])
    attend(w, activity, "张三", 60)
    do_check_in(
        SignUp.objects.get(resident__name="李秀英"),
        at=activity.starts_at,
        acting_user=w.collector_a,
    )
    with pytest.raises(Conflict) as open_check_in:
        do_complete_activity(activity, acting_user=w.committee_a)
    assert open_check_in.value.code == "still_checked_in"
    assert "李秀英" in str(open_check_in.value)
    assert not Record.objects.exists()


def test_an_activity_not_started_cannot_be_completed_and_a_collector_cannot_complete(
    policy_world: World,
) -> None:
    w = policy_world
    activity = published(w)
    with pytest.raises(DomainError) as early:
        do_complete_activity(activity, acting_user=w.committee_a)
    assert early.value.code == "not_started"
    with pytest.raises(Forbidden) as refusal:
        do_complete_activity(held(w, title="已结束"), acting_user=w.collector_a)
    assert refusal.value.code == "forbidden"


def test_a_refusal_by_the_records_app_stays_on_the_sign_up_and_a_retry_makes_it_later(
    policy_world: World,
) -> None:
    w = policy_world
    activity = held(w, names=["张三", "李秀英"])
    # 张三 already has this month's 40 points of PW-R01 (its monthly cap).
    do_collect(
        client_id=__import__("uuid").uuid4(),
        resident=w.resident("张三"),
        item_code="PW-R01",
        quantity=Decimal(20),
        behaviour_date=activity.day,
        acting_user=w.collector_a,
    )
    attend(w, activity, "张三", 60)
    attend(w, activity, "李秀英", 20)  # under half an hour: nothing to score
    done = do_complete_activity(activity, acting_user=w.committee_a)
    assert done.records == []
    zhang = SignUp.objects.get(resident__name="张三")
    li = SignUp.objects.get(resident__name="李秀英")
    assert "上限" in zhang.record_error
    assert "不足半小时" in li.record_error
    assert Message.objects.filter(resident=zhang.resident, text__contains="未能计分").count() == 1
    page = login(w.committee_a).get(f"/volunteering/activities/{activity.pk}/sign-ups/")
    assert "上限" in page.content.decode()
    # The earlier record is rejected; completing again now makes 张三's record, and tells him once.
    from cunxin.records.actions.review import do_reject

    do_reject([Record.objects.get().pk], reason="重复录入", acting_user=w.committee_a)
    again = do_complete_activity(activity, acting_user=w.committee_a)
    assert [r.resident_id for r in again.records] == [zhang.resident_id]
    zhang.refresh_from_db()
    assert zhang.record is not None
    assert zhang.record_error == ""
    do_complete_activity(activity, acting_user=w.committee_a)
    assert Message.objects.filter(resident=li.resident, text__contains="未能计分").count() == 1


def test_completed_and_cancelled_activities_take_no_more_changes(policy_world: World) -> None:
    w = policy_world
    activity = held(w)
    attend(w, activity, "张三", 60)
    do_complete_activity(activity, acting_user=w.committee_a)
    with pytest.raises(Conflict) as refusal:
        do_check_in(SignUp.objects.get(), acting_user=w.collector_a)
    assert refusal.value.code == "activity_closed"
    page = login(w.committee_a).get(f"/volunteering/activities/{activity.pk}/edit/")
    assert page.status_code == 404


def test_the_complete_button_reports_what_it_made(policy_world: World) -> None:
    w = policy_world
    activity = held(w)
    attend(w, activity, "张三", 60)
    response = login(w.committee_a).post(
        f"/volunteering/activities/{activity.pk}/complete/", follow=True
    )
    text = response.content.decode()
    assert "生成工时记录1条" in text
    assert timezone.now() > activity.ends_at
