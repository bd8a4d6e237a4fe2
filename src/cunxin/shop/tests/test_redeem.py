"""Redemption: points and stock move together, or nothing is written."""

from __future__ import annotations

import datetime
import uuid

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from cunxin.accounts.actions import do_create_user
from cunxin.accounts.permissions import Role
from cunxin.blacklist.models import BlacklistCase, CaseStatus
from cunxin.cards.identify import issue_code
from cunxin.conftest import PASSWORD, World
from cunxin.core.errors import Conflict, DomainError, Forbidden
from cunxin.ledger.checks import check_ledger
from cunxin.ledger.models import Transfer
from cunxin.notifications.models import Message
from cunxin.records.standing import statement
from cunxin.shop.actions.catalogue import GoodsData, do_add_keeper, do_create_goods, do_create_shop
from cunxin.shop.actions.redeem import do_cancel_redemption, do_redeem
from cunxin.shop.models import Goods, Redemption, RedemptionEvent, RedemptionStatus, StockMove
from cunxin.shop.tests.helpers import (
    OIL,
    RICE,
    card,
    goods,
    grant,
    redeemed,
    shop_a,
    spendable,
    yesterday,
)


def _nothing_written(w: World, before_stock: dict[str, int], points: int) -> None:
    shop = shop_a(w)
    assert not Redemption.objects.exists()
    assert not Transfer.objects.filter(kind="shop.redeem").exists()
    assert {g.name: g.stock for g in Goods.objects.filter(shop=shop)} == before_stock
    assert not StockMove.objects.filter(reason="redeem").exists()
    assert spendable(w.resident("张三")) == points


def _refused(w: World, lines: list[tuple[str, int]], points: int = 180) -> DomainError:
    shop = shop_a(w)
    zhang = w.resident("张三")
    if points:
        grant(zhang, points)
    before = {g.name: g.stock for g in Goods.objects.filter(shop=shop)}
    with pytest.raises(DomainError) as caught:
        do_redeem(
            shop,
            card(zhang),
            [(goods(shop, name), qty) for name, qty in lines],
            client_id=uuid.uuid4(),
            acting_user=w.keeper_a,
        )
    _nothing_written(w, before, points)
    return caught.value


def test_a_redemption_moves_points_and_stock_together(policy_world: World) -> None:
    w = policy_world
    redemption = redeemed(w)
    shop = shop_a(w)
    zhang = w.resident("张三")
    assert redemption.points == 80
    assert spendable(zhang) == 100
    assert redemption.balance_after == 100
    assert goods(shop, RICE).stock == 9
    assert goods(shop, OIL).stock == 4
    moves = StockMove.objects.filter(redemption=redemption)
    assert sorted(m.change for m in moves) == [-1, -1]
    assert redemption.transfer.kind == "shop.redeem"
    assert check_ledger() == []
    # The villager is told, and sees it in their statement; the score does not go down.
    assert Message.objects.filter(resident=zhang, kind="shop.redeem").exists()
    lines = statement(zhang)
    assert lines[0].line.transfer == redemption.transfer
    assert lines[0].line.spendable == -80
    assert lines[0].line.score == 0


def test_insufficient_points_are_refused_with_nothing_written(policy_world: World) -> None:
    err = _refused(policy_world, [(RICE, 2), (OIL, 1)], points=100)
    assert err.code == "insufficient_points"
    assert "可用积分不足" in str(err)


def test_out_of_stock_is_refused_with_nothing_written(policy_world: World) -> None:
    err = _refused(policy_world, [(OIL, 6)], points=500)
    assert err.code == "out_of_stock"


def test_the_monthly_limit_counts_this_months_redemptions(policy_world: World) -> None:
    w = policy_world
    shop = shop_a(w)
    zhang = w.resident("张三")
    grant(zhang, 500)
    do_redeem(
        shop, card(zhang), [(goods(shop, RICE), 2)], client_id=uuid.uuid4(), acting_user=w.keeper_a
    )
    with pytest.raises(Conflict) as caught:
        do_redeem(
            shop,
            card(zhang),
            [(goods(shop, RICE), 1)],
            client_id=uuid.uuid4(),
            acting_user=w.keeper_a,
        )
    assert caught.value.code == "monthly_limit"
    assert goods(shop, RICE).stock == 8
    assert spendable(zhang) == 400


def test_more_than_the_monthly_limit_at_once_is_refused(policy_world: World) -> None:
    assert _refused(policy_world, [(RICE, 3)], points=500).code == "monthly_limit"


def test_a_score_not_above_the_base_is_refused(policy_world: World) -> None:
    err = _refused(policy_world, [(OIL, 1)], points=0)
    assert err.code == "below_base"


def test_a_blacklisted_villager_is_refused(policy_world: World) -> None:
    w = policy_world
    zhang = w.resident("张三")
    # Listed for a serious act, though rewards since have taken the score above the base.
    BlacklistCase.objects.create(
        village=w.village_a,
        resident=zhang,
        status=CaseStatus.LISTED,
        basis="serious",
        score=900,
        grade="B",
        reason="严重失信",
        ends_on=timezone.localdate() + datetime.timedelta(days=365),
        repair_from=timezone.localdate() + datetime.timedelta(days=180),
        decided_by=w.committee_a,
        decided_at=timezone.now(),
    )
    assert _refused(w, [(OIL, 1)]).code == "blacklisted"


def test_bad_quantities_and_foreign_goods_are_refused(policy_world: World) -> None:
    w = policy_world
    shop = shop_a(w)
    zhang = w.resident("张三")
    grant(zhang, 180)
    other = do_create_shop(w.village_b, name="庄头村信用超市", acting_user=w.clerk)
    foreign = do_create_goods(other, GoodsData(name="酱油", price=5), stock=3, acting_user=w.clerk)
    for lines, code in (
        ([(goods(shop, OIL), 0)], "quantity_invalid"),
        ([(goods(shop, OIL), -1)], "quantity_invalid"),
        ([], "lines_empty"),
        ([(foreign, 1)], "goods_unknown"),
    ):
        with pytest.raises(DomainError) as refusal:
            do_redeem(shop, card(zhang), lines, client_id=uuid.uuid4(), acting_user=w.keeper_a)
        assert refusal.value.code == code
    assert not Redemption.objects.exists()
    assert spendable(zhang) == 180


def test_the_same_client_id_twice_posts_once(policy_world: World) -> None:
    w = policy_world
    shop = shop_a(w)
    zhang = w.resident("张三")
    grant(zhang, 180)
    client_id = uuid.uuid4()
    lines = [(goods(shop, RICE), 1)]
    first = do_redeem(shop, card(zhang), lines, client_id=client_id, acting_user=w.keeper_a)
    again = do_redeem(shop, card(zhang), lines, client_id=client_id, acting_user=w.keeper_a)
    assert again.pk == first.pk
    assert Redemption.objects.count() == 1
    assert spendable(zhang) == 130
    assert goods(shop, RICE).stock == 9


def test_a_pay_code_is_used_up_by_the_redemption(policy_world: World) -> None:
    from cunxin.cards.identify import identify

    w = policy_world
    shop = shop_a(w)
    zhang = w.resident("张三")
    grant(zhang, 180)
    code, _expires = issue_code(zhang)
    customer = identify(code=code, acting_user=w.keeper_a)
    do_redeem(
        shop, customer, [(goods(shop, OIL), 1)], client_id=uuid.uuid4(), acting_user=w.keeper_a
    )
    with pytest.raises(DomainError) as caught:
        do_redeem(
            shop, customer, [(goods(shop, OIL), 1)], client_id=uuid.uuid4(), acting_user=w.keeper_a
        )
    assert caught.value.code == "code_used"
    assert spendable(zhang) == 150
    assert goods(shop, OIL).stock == 4


def test_a_keeper_of_another_shop_or_village_is_refused(policy_world: World) -> None:
    w = policy_world
    shop = shop_a(w)
    zhang = w.resident("张三")
    grant(zhang, 180)
    keeper_b = do_create_user(
        phone="13800000077",
        name="庄头店主",
        password=PASSWORD,
        role=Role.KEEPER,
        region=w.village_b,
        acting_user=w.clerk,
    )
    # A second shop of village A whose keeper does not keep the first.
    keeper_a2 = do_create_user(
        phone="13800000078",
        name="前双店员",
        password=PASSWORD,
        role=Role.KEEPER,
        region=w.village_a,
        acting_user=w.clerk,
    )
    second = do_create_shop(w.village_a, name="前双村二店", acting_user=w.committee_a)
    do_add_keeper(second, keeper_a2, acting_user=w.committee_a)
    for user in (keeper_b, keeper_a2, w.committee_a, w.villager_a, w.collector_a):
        with pytest.raises(Forbidden) as refusal:
            do_redeem(
                shop,
                card(zhang),
                [(goods(shop, OIL), 1)],
                client_id=uuid.uuid4(),
                acting_user=user,
            )
        assert refusal.value.code == "not_keeper"
    # keeper_b may not be made a keeper of a village-A shop either.
    with pytest.raises(DomainError) as refusal:
        do_add_keeper(shop, keeper_b, acting_user=w.committee_a)
    assert refusal.value.code == "keeper_role_missing"
    assert spendable(zhang) == 180


def test_a_villager_of_another_village_cannot_redeem_here(policy_world: World) -> None:
    w = policy_world
    shop = shop_a(w)
    zhuang = w.resident("庄德胜")
    grant(zhuang, 100)
    with pytest.raises(Forbidden) as refusal:
        do_redeem(
            shop,
            card(zhuang),
            [(goods(shop, OIL), 1)],
            client_id=uuid.uuid4(),
            acting_user=w.keeper_a,
        )
    assert refusal.value.code == "customer_other_village"


def test_a_same_day_cancel_restores_points_and_stock_once(policy_world: World) -> None:
    w = policy_world
    redemption = redeemed(w)
    shop = shop_a(w)
    zhang = w.resident("张三")
    cancelled = do_cancel_redemption(redemption, reason="拿错了", acting_user=w.keeper_a)
    assert cancelled.status == RedemptionStatus.CANCELLED
    assert spendable(zhang) == 180
    assert goods(shop, RICE).stock == 10
    assert goods(shop, OIL).stock == 5
    assert cancelled.cancel_transfer is not None
    assert cancelled.cancel_transfer.reverses_id == redemption.transfer_id
    with pytest.raises(Conflict) as caught:
        do_cancel_redemption(redemption, reason="再撤一次", acting_user=w.committee_a)
    assert caught.value.code == "already_cancelled"
    assert spendable(zhang) == 180
    assert goods(shop, RICE).stock == 10
    assert check_ledger() == []
    # A cancelled redemption does not count towards the monthly limit.
    do_redeem(
        shop, card(zhang), [(goods(shop, RICE), 2)], client_id=uuid.uuid4(), acting_user=w.keeper_a
    )


def test_the_committee_may_cancel_but_not_a_day_later(policy_world: World) -> None:
    w = policy_world
    redemption = yesterday(redeemed(w))
    with pytest.raises(Conflict) as caught:
        do_cancel_redemption(redemption, reason="拿错了", acting_user=w.committee_a)
    assert caught.value.code == "cancel_too_late"
    assert spendable(w.resident("张三")) == 100


def test_a_cancel_needs_a_reason_and_the_right_person(policy_world: World) -> None:
    w = policy_world
    redemption = redeemed(w)
    with pytest.raises(DomainError) as caught:
        do_cancel_redemption(redemption, reason="  ", acting_user=w.keeper_a)
    assert caught.value.code == "reason_required"
    for user in (w.collector_a, w.collector_b, w.clerk2, w.villager_a):
        with pytest.raises(Forbidden) as refusal:
            do_cancel_redemption(redemption, reason="拿错了", acting_user=user)
        assert refusal.value.code == "forbidden"
    assert Redemption.objects.get().status == RedemptionStatus.DONE


def test_the_database_refuses_negative_stock(policy_world: World) -> None:
    shop = shop_a(policy_world)
    with pytest.raises(IntegrityError), transaction.atomic():
        Goods.objects.filter(shop=shop, name=OIL).update(stock=-1)


def test_stock_out_needs_a_reason_and_never_goes_below_zero(policy_world: World) -> None:
    from cunxin.shop.actions.catalogue import do_move_stock

    w = policy_world
    oil = goods(shop_a(w), OIL)
    with pytest.raises(DomainError) as refusal:
        do_move_stock(oil, change=-1, note="", acting_user=w.committee_a)
    assert refusal.value.code == "note_required"
    with pytest.raises(Conflict) as refusal:
        do_move_stock(oil, change=-6, note="过期", acting_user=w.committee_a)
    assert refusal.value.code == "out_of_stock"
    do_move_stock(oil, change=-5, note="过期", acting_user=w.committee_a)
    do_move_stock(oil, change=20, note="进货", acting_user=w.committee_a)
    oil.refresh_from_db()
    assert oil.stock == 20
    assert list(oil.moves.values_list("change", flat=True)) == [20, -5, 5]
    with pytest.raises(Forbidden) as refusal:
        do_move_stock(oil, change=1, acting_user=w.keeper_a)
    assert refusal.value.code == "forbidden"
    with pytest.raises(Forbidden) as refusal:
        do_move_stock(oil, change=1, acting_user=w.clerk2)
    assert refusal.value.code == "forbidden"


def test_a_same_day_cancel_leaves_its_history_who_when_and_why(policy_world: World) -> None:
    w = policy_world
    redemption = redeemed(w)
    do_cancel_redemption(redemption, reason="拿错了", acting_user=w.keeper_a)
    steps = list(
        RedemptionEvent.objects.filter(redemption=redemption).values_list(
            "from_status", "to_status", "actor", "reason"
        )
    )
    assert steps == [
        ("", RedemptionStatus.DONE, w.keeper_a.pk, ""),
        (RedemptionStatus.DONE, RedemptionStatus.CANCELLED, w.keeper_a.pk, "拿错了"),
    ]
