"""Check-in and check-out: the QR code, the scan, by hand, and the hours they make."""

from __future__ import annotations

import datetime
import time
from decimal import Decimal
from unittest import mock

import pytest
from django.core import signing
from django.utils import timezone

from cunxin.conftest import World, login
from cunxin.core.errors import Conflict, DomainError, Forbidden
from cunxin.volunteering.actions.attendance import (
    QR_MAX_AGE,
    SALT,
    attendance_token,
    compute_hours,
    do_check_in,
    do_check_out,
    do_rotate_code,
    do_scan,
)
from cunxin.volunteering.actions.signups import do_move_sign_up, do_sign_up
from cunxin.volunteering.models import Activity, SignUp
from cunxin.volunteering.tests.helpers import HOUR, held, published, running, villager


def scan_page(activity: Activity) -> str:
    return f"/volunteering/scan/{attendance_token(activity)}/"


def test_the_first_scan_checks_in_and_a_later_one_checks_out(policy_world: World) -> None:
    w = policy_world
    activity = running(w)
    zhang = login(w.villager_a)
    url = scan_page(activity)
    # Opening the link changes nothing: a button does it.
    assert "签到" in zhang.get(url).content.decode()
    assert SignUp.objects.get().check_in_at is None
    done = zhang.post(url).content.decode()
    assert "签到成功" in done
    mine = SignUp.objects.get()
    assert mine.check_in_at is not None
    assert mine.checked_by == w.villager_a
    # Forty minutes later, a scan checks out (an hour of the activity had gone when they came).
    later = mine.check_in_at + datetime.timedelta(minutes=40)
    with mock.patch("django.utils.timezone.now", return_value=later):
        out = zhang.post(url).content.decode()
    assert "签退成功" in out
    mine.refresh_from_db()
    assert mine.check_out_at == later
    assert mine.hours == Decimal("0.5")


def test_a_double_check_in_is_refused(policy_world: World) -> None:
    w = policy_world
    activity = running(w)
    token = attendance_token(activity)
    do_scan(token, acting_user=w.villager_a)
    with pytest.raises(Conflict) as again:
        do_scan(token, acting_user=w.villager_a)
    assert again.value.code == "already_checked_in"
    with pytest.raises(Conflict) as by_hand:
        do_check_in(SignUp.objects.get(), acting_user=w.collector_a)
    assert by_hand.value.code == "already_checked_in"
    # On the page, the refusal is a clear message, not a second check-in.
    page = login(w.villager_a).post(scan_page(activity))
    assert page.status_code == 409
    assert "已于" in page.content.decode()


def test_check_out_without_check_in_is_refused(policy_world: World) -> None:
    w = policy_world
    running(w)
    with pytest.raises(Conflict) as refused:
        do_check_out(SignUp.objects.get(), acting_user=w.collector_a)
    assert refused.value.code == "not_checked_in"
    assert SignUp.objects.get().check_out_at is None


def test_an_expired_code_is_refused(policy_world: World) -> None:
    w = policy_world
    activity = running(w)
    with mock.patch("time.time", return_value=time.time() - QR_MAX_AGE - 60):
        old = attendance_token(activity)
    with pytest.raises(DomainError) as expired:
        do_scan(old, acting_user=w.villager_a)
    assert expired.value.code == "qr_expired"
    page = login(w.villager_a).get(f"/volunteering/scan/{old}/")
    assert page.status_code == 400
    assert "二维码已过期" in page.content.decode()
    assert SignUp.objects.get().check_in_at is None


@pytest.mark.parametrize(
    "forge",
    [
        lambda a: attendance_token(a)[:-3] + "abc",  # tampered signature
        lambda a: signing.dumps({"a": a.pk, "v": a.qr_version}, key="not-our-key", salt=SALT),
        lambda a: signing.dumps({"a": a.pk, "v": a.qr_version}, salt="another.purpose"),
        lambda a: "not-a-code",
    ],
    ids=["tampered", "other_key", "other_salt", "garbage"],
)
def test_a_forged_code_is_refused(policy_world: World, forge: object) -> None:
    w = policy_world
    activity = running(w)
    token = forge(activity)  # type: ignore[operator]
    with pytest.raises(DomainError) as forged:
        do_scan(token, acting_user=w.villager_a)
    assert forged.value.code == "qr_invalid"
    assert login(w.villager_a).post(f"/volunteering/scan/{token}/").status_code == 400
    assert SignUp.objects.get().check_in_at is None


def test_a_rotated_code_voids_the_ones_shown_before(policy_world: World) -> None:
    w = policy_world
    activity = running(w)
    shown = attendance_token(activity)
    do_rotate_code(activity, acting_user=w.committee_a)
    with pytest.raises(DomainError) as replaced:
        do_scan(shown, acting_user=w.villager_a)
    assert replaced.value.code == "qr_replaced"
    activity.refresh_from_db()
    assert not do_scan(attendance_token(activity), acting_user=w.villager_a).checked_out


def test_a_villager_not_signed_up_or_still_waiting_is_refused(policy_world: World) -> None:
    w = policy_world
    activity = running(w, names=[])
    token = attendance_token(activity)
    with pytest.raises(DomainError) as absent:
        do_scan(token, acting_user=w.villager_a)
    assert absent.value.code == "not_signed_up"
    # Waiting: the organiser must give them a place first.
    full = running(
        w, names=["李秀英", "王建国", "张三"], title="满员活动", positions=[("清理", 2, "4")]
    )
    with pytest.raises(DomainError) as waiting:
        do_scan(attendance_token(full), acting_user=w.villager_a)
    assert waiting.value.code == "waitlisted"


def test_a_villager_of_another_village_is_refused(policy_world: World) -> None:
    w = policy_world
    zhuang = villager(w, "庄德胜", "13905372001")
    activity = running(w)
    with pytest.raises(Forbidden) as refused:
        do_scan(attendance_token(activity), acting_user=zhuang)
    assert refused.value.code == "other_village"
    assert login(zhuang).post(scan_page(activity)).status_code == 403
    # Their collector cannot check in at village A's activity either.
    with pytest.raises(Forbidden) as refusal:
        do_check_in(SignUp.objects.get(), acting_user=w.collector_b)
    assert refusal.value.code == "forbidden"


def test_scanning_outside_the_activity_time_is_refused(policy_world: World) -> None:
    w = policy_world
    activity = published(w)  # three days ahead
    do_sign_up(activity, w.resident("张三"), acting_user=w.villager_a)
    with pytest.raises(DomainError) as early:
        do_scan(attendance_token(activity), acting_user=w.villager_a)
    assert early.value.code == "outside_window"


def test_hours_are_capped_by_the_planned_hours_and_the_activity_and_rounded_down(
    policy_world: World,
) -> None:
    w = policy_world
    activity = held(w, names=["张三", "李秀英", "王建国"], hours=4)
    river = activity.positions.get(name="清理河道")  # 4 hours planned
    support = activity.positions.get(name="后勤保障")  # 2 hours planned
    start, end = activity.starts_at, activity.ends_at
    # Pure arithmetic first.
    assert compute_hours(start, end, activity, river) == Decimal(4)
    assert compute_hours(start, end, activity, support) == Decimal(2)
    assert compute_hours(start - HOUR, end + HOUR, activity, river) == Decimal(4)
    assert compute_hours(start, start + datetime.timedelta(minutes=89), activity, river) == Decimal(
        "1"
    )
    assert compute_hours(start, start + datetime.timedelta(minutes=29), activity, river) == 0
    # By hand, from the paper sheet: early arrival and late leaving count only within the activity.
    zhang, li, wang = (SignUp.objects.get(resident__name=n) for n in ("张三", "李秀英", "王建国"))
    do_check_in(zhang, at=start - datetime.timedelta(minutes=30), acting_user=w.collector_a)
    do_check_out(zhang, at=end + datetime.timedelta(minutes=30), acting_user=w.collector_a)
    do_check_in(li, at=start + datetime.timedelta(minutes=10), acting_user=w.collector_a)
    do_check_out(li, at=start + datetime.timedelta(minutes=150), acting_user=w.collector_a)
    assert SignUp.objects.get(pk=zhang.pk).hours == Decimal(4)
    assert SignUp.objects.get(pk=li.pk).hours == Decimal("2")  # 2h20m → 2
    # 王建国 waited for the full river; the organiser gives him the support place, whose 2
    # planned hours cap his.
    do_move_sign_up(wang, support, acting_user=w.committee_a)
    do_check_in(wang, at=start, acting_user=w.committee_a)
    do_check_out(wang, at=end, acting_user=w.committee_a)
    assert SignUp.objects.get(pk=wang.pk).hours == Decimal(2)


def test_hand_times_must_be_plausible(policy_world: World) -> None:
    w = policy_world
    activity = running(w)
    zhang = SignUp.objects.get()
    with pytest.raises(DomainError) as future:
        do_check_in(zhang, at=timezone.now() + HOUR, acting_user=w.collector_a)
    assert future.value.code == "time_future"
    with pytest.raises(DomainError) as before:
        do_check_in(zhang, at=activity.starts_at - 3 * HOUR, acting_user=w.collector_a)
    assert before.value.code == "outside_window"
    do_check_in(zhang, acting_user=w.collector_a)
    with pytest.raises(DomainError) as refusal:
        do_check_out(
            zhang,
            at=activity.starts_at - HOUR + datetime.timedelta(minutes=1),
            acting_user=w.collector_a,
        )
    assert refusal.value.code == "check_out_before_check_in"


def test_the_organiser_shows_the_code_and_checks_people_in_by_hand(policy_world: World) -> None:
    w = policy_world
    activity = running(w, names=["张三", "李秀英"])
    organiser = login(w.committee_a)
    qr = organiser.get(f"/volunteering/activities/{activity.pk}/qr/").content.decode()
    assert 'data-testid="qr"' in qr
    assert "data:image/svg+xml" in qr
    assert 'http-equiv="refresh"' in qr
    sheet = organiser.get(f"/volunteering/activities/{activity.pk}/attendance/").content.decode()
    assert "李秀英" in sheet
    li = SignUp.objects.get(resident__name="李秀英")
    url = f"/volunteering/activities/{activity.pk}/attendance/{li.pk}/"
    organiser.post(url, {"direction": "in", "at": ""})
    li.refresh_from_db()
    assert li.check_in_at is not None
    assert li.checked_by == w.committee_a
    # Checking out with no check-in is refused with a message on the sheet.
    zhang = SignUp.objects.get(resident__name="张三")
    response = organiser.post(
        f"/volunteering/activities/{activity.pk}/attendance/{zhang.pk}/",
        {"direction": "out"},
        follow=True,
    )
    assert "还没有签到，不能签退" in response.content.decode()
    # A collector of another village sees nothing of it.
    assert (
        login(w.collector_b).get(f"/volunteering/activities/{activity.pk}/attendance/").status_code
        == 404
    )
