"""Conversion, gifts, spending and expiry, told as 张三's story and its bad turns."""

from __future__ import annotations

import datetime
import uuid
from typing import Any

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from cunxin.blacklist.tests.helpers import listed_case, travel
from cunxin.conftest import World
from cunxin.core.errors import Conflict, DomainError, Forbidden
from cunxin.core.jobs import REGISTRY
from cunxin.coupons.actions.conversion import do_convert, quote, split
from cunxin.coupons.actions.expiry import expire_due_coupons
from cunxin.coupons.actions.gifts import (
    do_accept_gift,
    do_cancel_gift,
    do_decline_gift,
    do_gift,
    lapse_due_gifts,
)
from cunxin.coupons.models import Coupon, CouponStatus, Gift, GiftStatus
from cunxin.coupons.selectors import figures, wallet
from cunxin.coupons.serials import is_valid
from cunxin.coupons.spending import spend
from cunxin.coupons.tests.helpers import balance, coupons_of, grant, merchant_account
from cunxin.ledger.checks import check_ledger
from cunxin.ledger.models import Currency
from cunxin.notifications.models import Message

TODAY = timezone.localdate()


def _zhang(w: World, points: int = 180) -> Any:
    zhang = w.resident("张三")
    grant(zhang, points)
    return zhang


def test_zhang_turns_20_points_into_200_yuan_of_coupons(policy_world: World) -> None:
    w = policy_world
    zhang = _zhang(w)
    conversion = do_convert(zhang, 20, client_id=uuid.uuid4(), acting_user=w.villager_a)
    assert conversion.fen == 20_000
    assert balance(zhang, Currency.SPENDABLE) == 160
    assert balance(zhang, Currency.SCORE) == 180  # converting does not lower the score
    assert balance(zhang, Currency.COUPON) == 20_000
    coupons = coupons_of(zhang)
    assert [c.face_fen for c in coupons] == [5000] * 4
    assert all(is_valid(c.serial) and c.serial.startswith("370811-") for c in coupons)
    assert {c.expires_on for c in coupons} == {TODAY + datetime.timedelta(days=365)}
    assert check_ledger() == []


def test_denominations_are_fifty_then_ten_then_the_rest() -> None:
    assert split(20_000) == [5000] * 4
    assert split(7_000) == [5000, 1000, 1000]
    assert split(1_234) == [1000, 234]
    assert split(30) == [30]


def test_a_double_click_converts_once(policy_world: World) -> None:
    w = policy_world
    zhang = _zhang(w)
    client_id = uuid.uuid4()
    first = do_convert(zhang, 20, client_id=client_id, acting_user=w.villager_a)
    again = do_convert(zhang, 20, client_id=client_id, acting_user=w.villager_a)
    assert again.pk == first.pk
    assert balance(zhang, Currency.SPENDABLE) == 160
    assert len(coupons_of(zhang)) == 4
    with pytest.raises(Conflict) as refusal:
        do_convert(zhang, 30, client_id=client_id, acting_user=w.villager_a)
    assert refusal.value.code == "conversion_client_id"


def test_only_points_above_the_base_convert(policy_world: World) -> None:
    w = policy_world
    zhang = _zhang(w, 10)
    with pytest.raises(Conflict) as refused:
        do_convert(zhang, 11, client_id=uuid.uuid4(), acting_user=w.villager_a)
    assert refused.value.code == "points_insufficient"
    assert "最多可兑换10积分" in str(refused.value)
    for bad in (0, -5):
        with pytest.raises(DomainError) as refusal:
            do_convert(zhang, bad, client_id=uuid.uuid4(), acting_user=w.villager_a)
        assert refusal.value.code == "points_invalid"
    assert balance(zhang, Currency.SPENDABLE) == 10
    assert not coupons_of(zhang)


def test_a_penalised_villager_below_the_base_converts_nothing(policy_world: World) -> None:
    w = policy_world
    zhang = _zhang(w, 30)
    grant(zhang, -50)  # a penalty: score 980, spendable -20
    assert quote(zhang).convertible == 0
    with pytest.raises(Conflict) as refusal:
        do_convert(zhang, 1, client_id=uuid.uuid4(), acting_user=w.villager_a)
    assert refusal.value.code == "points_insufficient"


def test_a_blacklisted_villager_converts_nothing_until_the_day_the_case_ends(
    policy_world: World,
) -> None:
    w = policy_world
    zhang = _zhang(w, 400)
    ends_on = TODAY + datetime.timedelta(days=30)
    listed_case(w, ends_on=ends_on)  # a confirmed serious penalty, through the actions
    assert balance(zhang, Currency.SPENDABLE) == 300  # plenty above the base all the same

    def convert() -> Any:
        return do_convert(zhang, 20, client_id=uuid.uuid4(), acting_user=w.villager_a)

    for days in (0, 29):  # today, and the last day of the case
        with travel(days=days):
            assert quote(zhang).convertible == 0
            with pytest.raises(Forbidden) as refused:
                convert()
            assert refused.value.code == "blacklisted"
            assert "黑名单" in str(refused.value)
    assert not coupons_of(zhang)
    assert balance(zhang, Currency.SPENDABLE) == 300
    with travel(days=30):  # the case ends on its end date: the villager converts again
        assert quote(zhang).convertible == 300
        assert convert().fen == 20_000
    assert balance(zhang, Currency.SPENDABLE) == 280


def test_no_one_converts_another_villagers_points(policy_world: World) -> None:
    w = policy_world
    wang = w.resident("王建国")
    grant(wang, 50)
    for who in ("villager_a", "committee_a", "clerk", "keeper_a"):
        with pytest.raises(Forbidden) as refusal:
            do_convert(wang, 5, client_id=uuid.uuid4(), acting_user=w.users[who])
        assert refusal.value.code == "forbidden"
    assert balance(wang, Currency.SPENDABLE) == 50


def test_the_rate_and_validity_follow_the_policy(policy_world: World) -> None:
    from cunxin.policy.actions import do_save_policy

    w = policy_world
    do_save_policy(
        w.town,
        values={"name": "测试办法", "coupon_fen_per_point": 500, "coupon_valid_days": 30},
        effective_from=TODAY,
        acting_user=w.clerk,
        reason="信用券半年有效",
    )
    zhang = _zhang(w)
    do_convert(zhang, 3, client_id=uuid.uuid4(), acting_user=w.villager_a)
    coupons = coupons_of(zhang)
    assert [c.face_fen for c in coupons] == [1000, 500]
    assert coupons[0].expires_on == TODAY + datetime.timedelta(days=30)


# --- gifts -------------------------------------------------------------------------------------


def _two_hundred(w: World) -> list[Coupon]:
    zhang = _zhang(w)
    do_convert(zhang, 20, client_id=uuid.uuid4(), acting_user=w.villager_a)
    return coupons_of(zhang)


def test_zhang_gifts_50_yuan_to_his_mother_who_has_no_login(policy_world: World) -> None:
    w = policy_world
    coupon = _two_hundred(w)[0]
    mother = w.resident("李秀英")
    gift = do_gift(coupon, receiver_id=mother.pk, acting_user=w.villager_a)
    # She cannot accept on a phone, so the coupon is hers at once.
    assert gift.status == GiftStatus.ACCEPTED
    coupon.refresh_from_db()
    assert coupon.owner_id == mother.pk
    assert coupon.status == CouponStatus.LIVE
    assert balance(mother, Currency.COUPON) == 5000
    assert balance(w.resident("张三"), Currency.COUPON) == 15_000
    assert Message.objects.filter(resident=mother, kind="coupon_gift_received").exists()
    assert Message.objects.filter(resident__name="张三", kind="coupon_gift_accepted").exists()


def _login_for(w: World, name: str, phone: str) -> Any:
    from cunxin.accounts.actions import do_create_user
    from cunxin.accounts.permissions import Role
    from cunxin.conftest import PASSWORD

    user = do_create_user(
        phone=phone,
        name=name,
        password=PASSWORD,
        role=Role.VILLAGER,
        region=w.village_a,
        resident=w.resident(name),
        acting_user=w.clerk,
    )
    type(user).objects.filter(pk=user.pk).update(must_change_password=False)
    user.refresh_from_db()
    return user


def test_a_gift_waits_for_the_receiver_to_accept(policy_world: World) -> None:
    w = policy_world
    coupon = _two_hundred(w)[0]
    wang = w.resident("王建国")
    wang_user = _login_for(w, "王建国", "13905371003")
    gift = do_gift(coupon, phone="139 0537 1003", acting_user=w.villager_a)
    assert gift.status == GiftStatus.PENDING
    coupon.refresh_from_db()
    assert coupon.status == CouponStatus.GIFTING
    assert Message.objects.filter(resident=wang, kind="coupon_gift_offered").exists()
    # While on offer, the coupon is neither spendable by the giver nor giftable again.
    with pytest.raises(Conflict) as refusal:
        do_gift(coupon, receiver_id=w.resident("李秀英").pk, acting_user=w.villager_a)
    assert refusal.value.code == "coupon_gifting"
    with pytest.raises(Forbidden) as refusal:
        do_accept_gift(gift, acting_user=w.villager_a)  # the giver cannot accept it
    assert refusal.value.code == "forbidden"
    do_accept_gift(gift, acting_user=wang_user)
    coupon.refresh_from_db()
    assert coupon.owner_id == wang.pk
    assert balance(wang, Currency.COUPON) == 5000
    with pytest.raises(Conflict) as refusal:
        do_accept_gift(gift, acting_user=wang_user)  # a second click
    assert refusal.value.code == "gift_state"
    assert balance(wang, Currency.COUPON) == 5000


def test_a_declined_or_cancelled_gift_returns_the_coupon(policy_world: World) -> None:
    w = policy_world
    first, second = _two_hundred(w)[:2]
    wang_user = _login_for(w, "王建国", "13905371003")
    gift = do_gift(first, phone="13905371003", acting_user=w.villager_a)
    do_decline_gift(gift, acting_user=wang_user)
    first.refresh_from_db()
    assert (first.status, first.owner.name) == (CouponStatus.LIVE, "张三")
    assert Message.objects.filter(resident__name="张三", kind="coupon_gift_declined").exists()
    gift = do_gift(second, phone="13905371003", acting_user=w.villager_a)
    with pytest.raises(Forbidden) as refusal:
        do_cancel_gift(gift, acting_user=wang_user)  # only the giver takes it back
    assert refusal.value.code == "forbidden"
    do_cancel_gift(gift, acting_user=w.villager_a)
    second.refresh_from_db()
    assert second.status == CouponStatus.LIVE
    with pytest.raises(Conflict) as refusal:
        do_accept_gift(gift, acting_user=wang_user)
    assert refusal.value.code == "gift_state"
    assert balance(w.resident("王建国"), Currency.COUPON) == 0


def test_an_unanswered_gift_lapses_after_seven_days(policy_world: World) -> None:
    w = policy_world
    coupon = _two_hundred(w)[0]
    wang_user = _login_for(w, "王建国", "13905371003")
    gift = do_gift(coupon, phone="13905371003", acting_user=w.villager_a)
    later = timezone.now() + datetime.timedelta(days=8)
    assert lapse_due_gifts(later) == 1
    assert lapse_due_gifts(later) == 0  # safe twice
    gift.refresh_from_db()
    coupon.refresh_from_db()
    assert gift.status == GiftStatus.EXPIRED
    assert coupon.status == CouponStatus.LIVE
    with pytest.raises(Conflict) as refusal:
        do_accept_gift(gift, acting_user=wang_user)
    assert refusal.value.code == "gift_state"


@pytest.mark.parametrize(
    ("phone", "code", "message"),
    [
        ("13905371001", "gift_to_self", "不能转赠给自己"),
        ("13900000000", "receiver_unknown", "没有登记这个手机号"),
        ("", "receiver_required", "请填写接收人的手机号"),
        ("13905372001", "receiver_unknown", "没有登记这个手机号"),  # 庄德胜: another village
    ],
)
def test_gift_errors_are_clear(policy_world: World, phone: str, code: str, message: str) -> None:
    w = policy_world
    coupon = _two_hundred(w)[0]
    with pytest.raises(DomainError) as refused:
        do_gift(coupon, phone=phone, acting_user=w.villager_a)
    assert refused.value.code == code
    assert message in str(refused.value)
    coupon.refresh_from_db()
    assert coupon.status == CouponStatus.LIVE
    assert not Gift.objects.exists()


def test_used_and_expired_coupons_cannot_be_gifted(policy_world: World) -> None:
    w = policy_world
    first, second = _two_hundred(w)[:2]
    zhang = w.resident("张三")
    with transaction.atomic():
        spend(
            zhang,
            5000,
            to_account_id=merchant_account(w).pk,
            key="pay:1",
            village_id=w.village_a.pk,
            memo="面馆",
        )
    Coupon.objects.filter(pk=second.pk).update(expires_on=TODAY - datetime.timedelta(days=1))
    for coupon in (first, second):
        with pytest.raises(Conflict) as refused:
            do_gift(coupon, receiver_id=w.resident("李秀英").pk, acting_user=w.villager_a)
        assert refused.value.code == "coupon_not_live"
        assert "已用完或已过期" in str(refused.value)


def test_a_gift_to_someone_outside_the_household_needs_their_phone(policy_world: World) -> None:
    w = policy_world
    coupon = _two_hundred(w)[0]
    with pytest.raises(DomainError) as refusal:
        do_gift(coupon, receiver_id=w.resident("王建国").pk, acting_user=w.villager_a)
    assert refusal.value.code == "receiver_unknown"
    with pytest.raises(DomainError) as refusal:
        do_gift(coupon, receiver_id=w.resident("张三").pk, acting_user=w.villager_a)
    assert refusal.value.code == "gift_to_self"


# --- spending ----------------------------------------------------------------------------------


def test_spending_takes_the_soonest_expiring_coupons_first(policy_world: World) -> None:
    w = policy_world
    coupons = _two_hundred(w)
    Coupon.objects.filter(pk=coupons[2].pk).update(expires_on=TODAY + datetime.timedelta(days=3))
    zhang = w.resident("张三")
    merchant = merchant_account(w)
    with transaction.atomic():
        uses = spend(
            zhang,
            7000,
            to_account_id=merchant.pk,
            key="pay:1",
            village_id=w.village_a.pk,
            memo="面馆",
        )
    assert [(u.coupon_id, u.amount_fen) for u in uses] == [
        (coupons[2].pk, 5000),
        (coupons[0].pk, 2000),
    ]
    merchant.refresh_from_db()
    assert merchant.balance == 7000
    assert balance(zhang, Currency.COUPON) == 13_000
    statuses = {c.pk: (c.status, c.remaining_fen) for c in coupons_of(zhang)}
    assert statuses[coupons[2].pk] == (CouponStatus.USED, 0)
    assert statuses[coupons[0].pk] == (CouponStatus.LIVE, 3000)
    # The same payment again (a retried request) spends nothing more.
    with transaction.atomic():
        again = spend(
            zhang,
            7000,
            to_account_id=merchant.pk,
            key="pay:1",
            village_id=w.village_a.pk,
            memo="面馆",
        )
    assert {u.pk for u in again} == {u.pk for u in uses}
    assert balance(zhang, Currency.COUPON) == 13_000


def test_spending_more_than_the_balance_is_refused_and_nothing_moves(policy_world: World) -> None:
    w = policy_world
    _two_hundred(w)
    zhang = w.resident("张三")
    with pytest.raises(Conflict) as refused, transaction.atomic():
        spend(
            zhang,
            20_001,
            to_account_id=merchant_account(w).pk,
            key="pay:2",
            village_id=w.village_a.pk,
            memo="超市",
        )
    assert refused.value.code == "coupon_insufficient"
    assert "信用券余额不足" in str(refused.value)
    assert balance(zhang, Currency.COUPON) == 20_000


def test_a_coupon_on_offer_is_not_spent(policy_world: World) -> None:
    w = policy_world
    coupon = _two_hundred(w)[0]
    _login_for(w, "王建国", "13905371003")
    do_gift(coupon, phone="13905371003", acting_user=w.villager_a)
    with pytest.raises(Conflict) as refusal, transaction.atomic():
        spend(
            w.resident("张三"),
            15_001,
            to_account_id=merchant_account(w).pk,
            key="pay:3",
            village_id=w.village_a.pk,
            memo="",
        )
    assert refusal.value.code == "coupon_insufficient"


# --- expiry and figures ------------------------------------------------------------------------


def test_expired_coupons_return_to_the_village_and_twice_is_safe(policy_world: World) -> None:
    w = policy_world
    coupons = _two_hundred(w)
    zhang = w.resident("张三")
    with transaction.atomic():
        spend(
            zhang,
            1000,
            to_account_id=merchant_account(w).pk,
            key="pay:4",
            village_id=w.village_a.pk,
            memo="",
        )
    _login_for(w, "王建国", "13905371003")
    gift = do_gift(coupons[3], phone="13905371003", acting_user=w.villager_a)
    later = TODAY + datetime.timedelta(days=366)
    assert expire_due_coupons(later) == 4
    assert expire_due_coupons(later) == 0
    assert balance(zhang, Currency.COUPON) == 0
    gift.refresh_from_db()
    assert gift.status == GiftStatus.EXPIRED
    found = figures(w.village_a)
    assert (found.issued, found.spent, found.outstanding, found.expired) == (
        20_000,
        1000,
        0,
        19_000,
    )
    assert found.spent_percent == 5
    assert Message.objects.filter(resident=zhang, kind="coupon_expired").count() == 1
    assert "coupons.expire" in REGISTRY
    assert "coupons.lapse_gifts" in REGISTRY


def test_the_wallet_shows_what_is_held_and_offered(policy_world: World) -> None:
    w = policy_world
    coupons = _two_hundred(w)
    _login_for(w, "王建国", "13905371003")
    do_gift(coupons[0], phone="13905371003", acting_user=w.villager_a)
    mine = wallet(w.resident("张三"))
    assert mine.balance_fen == 20_000
    assert mine.balance_yuan == "200"
    assert len(mine.outgoing) == 1
    assert wallet(w.resident("王建国")).incoming[0].amount_fen == 5000


def test_the_database_refuses_a_coupon_with_value_but_no_status(policy_world: World) -> None:
    w = policy_world
    coupon = _two_hundred(w)[0]
    with pytest.raises(IntegrityError), transaction.atomic():
        Coupon.objects.filter(pk=coupon.pk).update(status=CouponStatus.USED)
    with pytest.raises(IntegrityError), transaction.atomic():
        Coupon.objects.filter(pk=coupon.pk).update(remaining_fen=6000)
