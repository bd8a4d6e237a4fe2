"""Partner merchants: joining, discounts, the counter, sales and monthly settlement."""

from __future__ import annotations

import uuid

import pytest
from django.db import IntegrityError, transaction

from cunxin.cards.identify import identify, sign_code
from cunxin.cards.tests.helpers import NUMBER, PIN, bind
from cunxin.conftest import ROSTER_A, World, login
from cunxin.core.errors import Conflict, DomainError, Forbidden
from cunxin.core.models import AuditEntry
from cunxin.coupons.spending import spendable_fen
from cunxin.coupons.tests.helpers import balance
from cunxin.fund.actions import do_approve_payment, do_reject_payment
from cunxin.fund.models import Payment, PaymentStatus, Purpose
from cunxin.fund.tests.helpers import checker, donate, fund
from cunxin.ledger.checks import check_ledger
from cunxin.ledger.models import Currency
from cunxin.merchants.actions.merchants import (
    do_apply_merchant,
    do_refuse_merchant,
    do_resume_merchant,
    do_set_discounts,
    do_suspend_merchant,
)
from cunxin.merchants.actions.sales import do_sell, merchant_account
from cunxin.merchants.actions.settlement import do_mark_paid, do_settle_month
from cunxin.merchants.licence import clean_licence
from cunxin.merchants.models import MerchantStatus, Sale, Settlement
from cunxin.merchants.selectors import village_figures
from cunxin.merchants.tests.helpers import (
    LICENCE,
    LICENCE_C,
    age_to_last_month,
    code_for,
    customer,
    keeper_c,
    last_month,
    noodle_shop,
    other_town_shop,
    sold,
    zhang_with_coupons,
)
from cunxin.notifications.models import Message

pytestmark = pytest.mark.django_db
ZHANG_ID, ZHANG_PHONE = str(ROSTER_A[0][5]), str(ROSTER_A[0][6])


# --- the story -----------------------------------------------------------------------------------


def test_a_villager_pays_at_the_noodle_shop_with_card_and_pin(policy_world: World) -> None:
    w = policy_world
    merchant = noodle_shop(w)
    zhang_with_coupons(w)
    bind(w)
    zhang = w.resident("张三")
    assert spendable_fen(zhang) == 20000
    client = login(w.keeper_a)
    url = f"/merchants/{merchant.pk}/counter/"
    page = client.post(url, {"step": "card", "card_number": NUMBER, "pin": PIN}, follow=True)
    text = page.content.decode()
    assert "AA" in text
    assert "5%" in text
    assert "200" in text
    # The merchant learns the masked name, the grade, the discount and the balance; nothing else.
    assert "张三" not in text
    assert ZHANG_ID not in text
    assert ZHANG_PHONE not in text
    assert "1040" not in text
    client_id = uuid.uuid4()
    done = client.post(url, {"step": "sell", "amount": "50", "coupon": "", "client_id": client_id})
    sale = Sale.objects.get(client_id=client_id)
    assert done.status_code == 302
    assert done["Location"] == f"/merchants/sales/{sale.pk}/"
    # 50 yuan, 5% off = 47.50, all of it in coupons.
    assert (sale.discount_fen, sale.coupon_fen, sale.cash_fen) == (250, 4750, 0)
    assert spendable_fen(zhang) == 20000 - 4750
    assert balance(zhang, Currency.COUPON) == 20000 - 4750
    assert merchant_account(merchant).balance == 4750
    receipt = client.get(done["Location"]).content.decode()
    assert "47.50" in receipt
    assert "张三" not in receipt
    assert Message.objects.filter(resident=zhang, kind="merchants.sale").exists()
    assert AuditEntry.objects.filter(action="merchants.sell").count() == 1
    # A double click: the same client id gives the first sale, nothing spent twice.
    again = client.post(url, {"step": "sell", "amount": "50", "client_id": client_id})
    assert again.status_code == 302
    assert Sale.objects.count() == 1
    assert spendable_fen(zhang) == 20000 - 4750
    assert check_ledger() == []


def test_the_customer_api_says_only_name_grade_discount_and_balance(policy_world: World) -> None:
    w = policy_world
    merchant = noodle_shop(w)
    zhang_with_coupons(w)
    answer = login(w.keeper_a).post(
        f"/api/merchants/merchants/{merchant.pk}/customer",
        {"code": code_for(w)},
        content_type="application/json",
    )
    assert answer.status_code == 200
    body = answer.json()
    assert set(body) == {"name", "grade", "percent_off", "coupon_fen", "via"}
    assert (body["grade"], body["percent_off"], body["coupon_fen"]) == ("AA", 5, 20000)
    raw = answer.content.decode()
    assert "张三" not in raw
    assert ZHANG_ID not in raw
    assert ZHANG_PHONE not in raw
    assert "1040" not in raw


def test_a_sale_by_api_splits_coupons_and_cash_and_a_replay_returns_it(
    policy_world: World,
) -> None:
    w = policy_world
    merchant = noodle_shop(w)
    zhang_with_coupons(w)
    client = login(w.keeper_a)
    body = {"code": code_for(w), "client_id": str(uuid.uuid4()), "amount": "300", "coupon": ""}
    url = f"/api/merchants/merchants/{merchant.pk}/sales"
    first = client.post(url, body, content_type="application/json")
    assert first.status_code == 201, first.content
    data = first.json()
    # 300 yuan at 5% off is 285; 200 of it in coupons (all he has), 85 in cash.
    assert (data["discount_fen"], data["coupon_fen"], data["cash_fen"]) == (1500, 20000, 8500)
    again = client.post(url, body, content_type="application/json")
    assert again.status_code == 200
    assert again.json()["id"] == data["id"]
    assert spendable_fen(w.resident("张三")) == 0


def test_bad_amounts_are_refused_in_chinese(policy_world: World) -> None:
    w = policy_world
    merchant = noodle_shop(w)
    zhang_with_coupons(w)
    client = login(w.keeper_a)
    url = f"/api/merchants/merchants/{merchant.pk}/sales"
    for amount, code in [
        ("-5", "amount_not_positive"),
        ("1.234", "amount_precision"),
        ("abc", "amount_format"),
    ]:
        body = {"code": code_for(w), "client_id": str(uuid.uuid4()), "amount": amount}
        answer = client.post(url, body, content_type="application/json")
        assert answer.status_code == 400
        assert answer.json()["code"] == code
    body = {"code": code_for(w), "client_id": str(uuid.uuid4()), "amount": "10", "coupon": "20"}
    answer = client.post(url, body, content_type="application/json")
    assert answer.json()["code"] == "coupon_over_amount"
    assert not Sale.objects.exists()
    assert check_ledger() == []


def test_a_customer_may_pay_all_in_cash(policy_world: World) -> None:
    w = policy_world
    sale = sold(w, amount_fen=1000, coupon_fen=0)
    assert (sale.coupon_fen, sale.cash_fen, sale.transfer) == (0, 950, None)


# --- refusals ------------------------------------------------------------------------------------


def test_forged_expired_and_replayed_codes_are_refused(policy_world: World) -> None:
    import datetime

    from django.utils import timezone

    w = policy_world
    merchant = noodle_shop(w)
    zhang_with_coupons(w)
    zhang = w.resident("张三")
    forged = sign_code(zhang.pk, timezone.now(), 1234, salt="not-ours")
    with pytest.raises(DomainError) as exc:
        identify(code=forged, acting_user=w.keeper_a)
    assert exc.value.code == "code_forged"
    old = sign_code(zhang.pk, timezone.now() - datetime.timedelta(minutes=5), 1234)
    with pytest.raises(DomainError) as exc:
        identify(code=old, acting_user=w.keeper_a)
    assert exc.value.code == "code_expired"
    code = code_for(w)
    do_sell(
        merchant,
        identify(code=code, acting_user=w.keeper_a),
        amount_fen=1000,
        client_id=uuid.uuid4(),
        acting_user=w.keeper_a,
    )
    with pytest.raises(DomainError) as exc:
        identify(code=code, acting_user=w.keeper_a)
    assert exc.value.code == "code_used"
    assert Sale.objects.count() == 1


def test_two_keepers_with_one_code_take_it_once(policy_world: World) -> None:
    w = policy_world
    merchant = noodle_shop(w)
    zhang_with_coupons(w)
    # Both keepers identified the same code before either sold.
    first = customer(w)
    second = first
    do_sell(merchant, first, amount_fen=1000, client_id=uuid.uuid4(), acting_user=w.keeper_a)
    with pytest.raises(Conflict) as exc:
        do_sell(merchant, second, amount_fen=1000, client_id=uuid.uuid4(), acting_user=w.keeper_a)
    assert exc.value.code == "code_used"
    assert Sale.objects.count() == 1
    assert spendable_fen(w.resident("张三")) == 20000 - 950


def test_a_suspended_merchant_cannot_sell(policy_world: World) -> None:
    w = policy_world
    merchant = noodle_shop(w)
    zhang_with_coupons(w)
    do_suspend_merchant(merchant, reason="卫生检查不合格", acting_user=w.clerk)
    with pytest.raises(Conflict) as exc:
        do_sell(
            merchant, customer(w), amount_fen=1000, client_id=uuid.uuid4(), acting_user=w.keeper_a
        )
    assert exc.value.code == "merchant_not_active"
    page = login(w.keeper_a).get(f"/merchants/{merchant.pk}/counter/").content.decode()
    assert "不能收款" in page
    do_resume_merchant(merchant, acting_user=w.clerk)
    sale = do_sell(
        merchant, customer(w), amount_fen=1000, client_id=uuid.uuid4(), acting_user=w.keeper_a
    )
    assert sale.coupon_fen == 950


def test_a_merchant_of_another_town_cannot_take_our_villager(policy_world: World) -> None:
    w = policy_world
    zhang_with_coupons(w)
    theirs = other_town_shop(w)
    with pytest.raises(Forbidden) as refusal:
        identify(code=code_for(w), acting_user=keeper_c(w))
    assert refusal.value.code == "customer_elsewhere"
    answer = login(keeper_c(w)).post(
        f"/api/merchants/merchants/{theirs.pk}/customer",
        {"code": code_for(w)},
        content_type="application/json",
    )
    assert answer.status_code == 403
    assert "张" not in answer.content.decode()
    # Nor may they use our merchant's counter.
    ours = noodle_shop(w)
    assert login(keeper_c(w)).get(f"/merchants/{ours.pk}/counter/").status_code == 404


def test_a_villager_and_an_anonymous_visitor_cannot_sell(policy_world: World) -> None:
    w = policy_world
    merchant = noodle_shop(w)
    zhang_with_coupons(w)
    with pytest.raises(Forbidden) as refusal:
        do_sell(
            merchant, customer(w), amount_fen=1000, client_id=uuid.uuid4(), acting_user=w.villager_a
        )
    assert refusal.value.code == "forbidden"
    url = f"/api/merchants/merchants/{merchant.pk}/sales"
    body = {"code": code_for(w), "client_id": str(uuid.uuid4()), "amount": "10"}
    assert login(w.villager_a).post(url, body, content_type="application/json").status_code == 403
    assert login(None).post(url, body, content_type="application/json").status_code == 401
    assert not Sale.objects.exists()


def test_a_sale_for_more_coupons_than_held_is_refused_whole(policy_world: World) -> None:
    w = policy_world
    merchant = noodle_shop(w)
    zhang_with_coupons(w)
    with pytest.raises(Conflict) as exc:
        do_sell(
            merchant,
            customer(w),
            amount_fen=50000,
            coupon_fen=30000,
            client_id=uuid.uuid4(),
            acting_user=w.keeper_a,
        )
    assert exc.value.code == "coupon_insufficient"
    assert not Sale.objects.exists()
    assert spendable_fen(w.resident("张三")) == 20000


# --- joining -------------------------------------------------------------------------------------


def test_the_licence_check_character_is_verified() -> None:
    assert clean_licence(" 91110000802100433b ") == LICENCE
    for bad, code in [
        ("9111000080210043", "licence_length"),
        ("91110000802100433C", "licence_check"),
        ("9111000080210043IB", "licence_characters"),
    ]:
        with pytest.raises(DomainError) as exc:
            clean_licence(bad)
        assert exc.value.code == code
        assert exc.value.field == "licence_no"


def test_an_application_waits_for_the_centre_and_may_be_refused(world: World) -> None:
    merchant = do_apply_merchant(
        world.town,
        name="李记超市",
        address="庄头村",
        licence_no=LICENCE_C,
        phone="13905370000",
        acting_user=world.clerk,
    )
    assert merchant.status == MerchantStatus.APPLIED
    assert "李记超市" not in login(world.villager_a).get("/merchants/").content.decode()
    with pytest.raises(DomainError) as refusal:
        do_refuse_merchant(merchant, reason="", acting_user=world.clerk)
    assert refusal.value.code == "reason_required"
    with pytest.raises(Forbidden) as refusal:
        do_refuse_merchant(merchant, reason="材料不全", acting_user=world.clerk2)
    assert refusal.value.code == "forbidden"
    do_refuse_merchant(merchant, reason="材料不全", acting_user=world.clerk)
    merchant.refresh_from_db()
    assert (merchant.status, merchant.status_reason) == (MerchantStatus.REFUSED, "材料不全")
    with pytest.raises(Conflict) as refusal:
        do_apply_merchant(
            world.town,
            name="李记超市",
            address="庄头村",
            licence_no=LICENCE_C,
            phone="13905370000",
            acting_user=world.clerk,
        )
    assert refusal.value.code == "licence_taken"
    trail = AuditEntry.objects.filter(object_type="merchants.merchant", object_id=merchant.pk)
    assert trail.count() == 2


def test_villagers_see_partner_merchants_and_their_discounts(policy_world: World) -> None:
    w = policy_world
    noodle_shop(w)
    page = login(w.villager_a).get("/merchants/").content.decode()
    assert "老王面馆" in page
    assert "AAA 10% 优惠" in page
    other = login(w.clerk2).get("/merchants/").content.decode()
    assert "老王面馆" not in other


def test_discounts_are_bounded_and_only_ours_to_set(policy_world: World) -> None:
    w = policy_world
    merchant = noodle_shop(w)
    with pytest.raises(DomainError) as refusal:
        do_set_discounts(merchant, {"AAA": 80}, acting_user=w.clerk)
    assert refusal.value.code == "discount_range"
    with pytest.raises(Forbidden) as refusal:
        do_set_discounts(merchant, {"AAA": 20}, acting_user=keeper_c(w))
    assert refusal.value.code == "forbidden"


# --- settlement ----------------------------------------------------------------------------------


def test_a_month_is_settled_once_and_the_amounts_add_up(policy_world: World) -> None:
    w = policy_world
    donate(w, 100_000)
    fund(w)
    merchant = noodle_shop(w)
    sales = [sold(w, 5000), sold(w, 2000, coupon_fen=1000), sold(w, 1000, coupon_fen=0)]
    age_to_last_month(*sales)
    today_sale = sold(w, 1000)
    owed = sum(s.coupon_fen for s in sales)
    assert owed == 4750 + 1000
    settlement = do_settle_month(merchant, last_month(), acting_user=w.clerk)
    assert (settlement.amount_fen, settlement.sales_count) == (owed, 3)
    payment = settlement.payment
    assert payment is not None
    assert payment.purpose == Purpose.MERCHANT
    assert (payment.amount, payment.payee) == (owed, "老王面馆")
    # Settling again gives the same settlement and proposes nothing new.
    assert do_settle_month(merchant, last_month(), acting_user=w.clerk).pk == settlement.pk
    assert Payment.objects.count() == 1
    with pytest.raises(DomainError) as refusal:
        do_settle_month(merchant, today_sale.created_at.date(), acting_user=w.clerk)
    assert refusal.value.code == "month_not_over"
    with pytest.raises(Conflict) as refusal:
        do_mark_paid(settlement, acting_user=w.clerk)
    assert refusal.value.code == "payment_not_approved"
    do_approve_payment(payment, acting_user=checker(w))
    do_mark_paid(settlement, acting_user=w.clerk)
    do_mark_paid(settlement, acting_user=w.clerk)
    settlement.refresh_from_db()
    assert settlement.is_paid
    # What is left on the merchant's account is this month's, not yet settled.
    assert merchant_account(merchant).balance == today_sale.coupon_fen
    assert check_ledger() == []
    statement = (
        login(w.clerk)
        .get(f"/merchants/{merchant.pk}/statement/?month={last_month():%Y-%m}")
        .content.decode()
    )
    assert "57.50" in statement
    assert "已付清" in statement
    assert "张三" not in statement


def test_a_turned_down_payment_is_proposed_afresh(policy_world: World) -> None:
    w = policy_world
    donate(w, 100_000)
    merchant = noodle_shop(w)
    age_to_last_month(sold(w, 5000))
    settlement = do_settle_month(merchant, last_month(), acting_user=w.clerk)
    first = settlement.payment
    assert first is not None
    do_reject_payment(first, reason="凭证不全", acting_user=checker(w))
    again = do_settle_month(merchant, last_month(), acting_user=w.clerk)
    assert again.pk == settlement.pk
    assert again.payment_id != first.pk
    assert again.payment is not None
    assert again.payment.status == PaymentStatus.PROPOSED
    assert Settlement.objects.count() == 1


def test_the_database_refuses_a_sale_that_does_not_add_up(policy_world: World) -> None:
    sale = sold(policy_world, 1000)
    with pytest.raises(IntegrityError), transaction.atomic():
        Sale.objects.filter(pk=sale.pk).update(cash_fen=5)


def test_figures_count_coupons_spent_at_merchants(policy_world: World) -> None:
    w = policy_world
    sold(w, 5000)
    figures = village_figures(w.village_a)
    assert (figures.spent_fen, figures.issued_fen, figures.merchants, figures.sales) == (
        4750,
        20000,
        1,
        1,
    )
    assert figures.spent_percent == 24
    page = login(w.clerk).get("/merchants/figures/").content.decode()
    assert "47.50" in page
    assert "24%" in page


def test_the_counter_page_refuses_a_forged_code_in_chinese(policy_world: World) -> None:
    from django.utils import timezone

    w = policy_world
    merchant = noodle_shop(w)
    zhang_with_coupons(w)
    forged = sign_code(w.resident("张三").pk, timezone.now(), 4321, salt="not-ours")
    page = login(w.keeper_a).post(
        f"/merchants/{merchant.pk}/counter/", {"step": "code", "code": forged}
    )
    assert page.status_code == 200
    assert "付款码无效" in page.content.decode()
    assert 'data-testid="customer"' not in page.content.decode()


def test_a_cashier_of_a_suspended_merchant_sees_it_cannot_sell_by_api(policy_world: World) -> None:
    w = policy_world
    merchant = noodle_shop(w)
    zhang_with_coupons(w)
    do_suspend_merchant(merchant, reason="暂停整改", acting_user=w.clerk)
    body = {"code": code_for(w), "client_id": str(uuid.uuid4()), "amount": "10"}
    answer = login(w.keeper_a).post(
        f"/api/merchants/merchants/{merchant.pk}/sales", body, content_type="application/json"
    )
    assert answer.status_code == 409
    assert answer.json()["code"] == "merchant_not_active"
    # The code was not used up: the villager can pay elsewhere with it.
    assert not Sale.objects.exists()


def test_a_town_merchant_serves_every_village_of_the_town(policy_world: World) -> None:
    """The cashier is a keeper of 前双村, the merchant serves 李营 town: a villager of 庄头村
    is a customer too (the village shop, by contrast, serves its own village only)."""
    w = policy_world
    merchant = noodle_shop(w)
    code = code_for(w, "庄德胜")
    with pytest.raises(Forbidden) as refusal:
        identify(code=code, acting_user=w.keeper_a)  # as at the village shop
    assert refusal.value.code == "customer_elsewhere"
    found = identify(code=code, acting_user=w.keeper_a, serves=merchant.region)
    assert found.resident.name == "庄德胜"
    answer = login(w.keeper_a).post(
        f"/api/merchants/merchants/{merchant.pk}/customer",
        {"code": code_for(w, "庄德胜")},
        content_type="application/json",
    )
    assert answer.status_code == 200, answer.content.decode()
    assert answer.json()["name"] == "庄*胜"
