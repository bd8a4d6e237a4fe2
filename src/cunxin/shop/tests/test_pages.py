"""The keeper's phone and the committee's pages, as a user goes through them."""

from __future__ import annotations

import uuid

from cunxin.cards.identify import issue_code
from cunxin.cards.tests.helpers import NUMBER, PIN, bind
from cunxin.conftest import World, login
from cunxin.shop.models import Goods, Redemption, RedemptionStatus
from cunxin.shop.tests.helpers import OIL, PNG, RICE, goods, grant, redeemed, shop_a, spendable
from cunxin.tests.access import upload


def test_the_keeper_scans_picks_and_prints_a_receipt(policy_world: World) -> None:
    w = policy_world
    shop = shop_a(w)
    zhang = w.resident("张三")
    grant(zhang, 180)
    keeper = login(w.keeper_a)
    url = f"/shop/{shop.pk}/counter/"
    code, _expires = issue_code(zhang)
    assert keeper.post(url, {"step": "code", "code": code}).status_code == 302
    page = keeper.get(url).content.decode()
    # The keeper sees the masked name, the grade and the points, not the full name.
    assert "张*" in page
    assert "张三" not in page
    assert "180" in page
    client_id = str(uuid.uuid4())
    body = {
        "step": "redeem",
        "client_id": client_id,
        f"qty_{goods(shop, RICE).pk}": "1",
        f"qty_{goods(shop, OIL).pk}": "1",
    }
    done = keeper.post(url, body)
    assert done.status_code == 302
    receipt = keeper.get(done["Location"]).content.decode()
    assert RICE in receipt
    assert "80" in receipt
    assert "100" in receipt
    assert "张*" in receipt
    # The same form sent again (a double click) spends nothing more.
    keeper.post(url, {"step": "code", "code": code})
    keeper.post(url, body)
    assert Redemption.objects.count() == 1
    assert spendable(zhang) == 100
    today = keeper.get("/shop/redemptions/").content.decode()
    assert RICE in today


def test_a_villager_without_a_phone_pays_with_card_and_pin(policy_world: World) -> None:
    w = policy_world
    shop = shop_a(w)
    mother = w.resident("李秀英")
    grant(mother, 100)
    bind(w, "李秀英")
    keeper = login(w.keeper_a)
    url = f"/shop/{shop.pk}/counter/"
    wrong = keeper.post(url, {"step": "card", "card_number": NUMBER, "pin": "000000"})
    assert wrong.status_code == 200
    assert "密码错误" in wrong.content.decode()
    assert keeper.post(url, {"step": "card", "card_number": NUMBER, "pin": PIN}).status_code == 302
    keeper.post(
        url,
        {"step": "redeem", "client_id": str(uuid.uuid4()), f"qty_{goods(shop, OIL).pk}": "2"},
    )
    assert spendable(mother) == 40
    assert Redemption.objects.get().via == "card"


def test_a_refusal_is_shown_in_chinese_and_nothing_moves(policy_world: World) -> None:
    w = policy_world
    shop = shop_a(w)
    zhang = w.resident("张三")
    grant(zhang, 40)
    keeper = login(w.keeper_a)
    url = f"/shop/{shop.pk}/counter/"
    code, _expires = issue_code(zhang)
    keeper.post(url, {"step": "code", "code": code})
    page = keeper.post(
        url,
        {"step": "redeem", "client_id": str(uuid.uuid4()), f"qty_{goods(shop, RICE).pk}": "1"},
        follow=True,
    ).content.decode()
    assert "可用积分不足" in page
    forged = keeper.post(url, {"step": "code", "code": "123456"}).content.decode()
    assert "付款码无效" in forged
    assert not Redemption.objects.exists()
    assert goods(shop, RICE).stock == 10


def test_the_keeper_cancels_from_the_receipt(policy_world: World) -> None:
    w = policy_world
    redemption = redeemed(w)
    keeper = login(w.keeper_a)
    assert "撤销这笔兑换" in keeper.get(f"/shop/redemptions/{redemption.pk}/").content.decode()
    keeper.post(f"/shop/redemptions/{redemption.pk}/cancel/", {"reason": "拿错了"})
    again = keeper.post(
        f"/shop/redemptions/{redemption.pk}/cancel/", {"reason": "拿错了"}, follow=True
    )
    assert "已撤销" in again.content.decode()
    assert Redemption.objects.get().status == RedemptionStatus.CANCELLED
    assert spendable(w.resident("张三")) == 180


def test_the_committee_runs_the_shop(policy_world: World) -> None:
    w = policy_world
    committee = login(w.committee_a)
    created = committee.post(
        "/shop/new/", {"village": w.village_a.pk, "name": "前双村便民超市", "address": "村委会"}
    )
    assert created.status_code == 302
    shop_url = created["Location"]
    shop_id = int(shop_url.rstrip("/").split("/")[-1])
    committee.post(f"/shop/{shop_id}/keepers/", {"user": w.keeper_a.pk})
    committee.post(
        f"/shop/{shop_id}/goods/new/",
        {
            "name": "挂面",
            "price": "8",
            "monthly_limit": "0",
            "stock": "20",
            "active": "on",
            "photo": upload(PNG, "noodles.png"),
        },
    )
    noodles = Goods.objects.get(name="挂面")
    assert noodles.stock == 20
    assert noodles.photo
    refused = committee.post(
        f"/shop/{shop_id}/goods/new/",
        {
            "name": "酱油",
            "price": "5",
            "monthly_limit": "0",
            "stock": "1",
            "photo": upload(b"GIF89a", "x.gif"),
        },
    )
    assert "不是照片" in refused.content.decode()
    committee.post(f"/shop/goods/{noodles.pk}/stock/", {"change": "-3", "note": "受潮"})
    noodles.refresh_from_db()
    assert noodles.stock == 17
    page = committee.get(shop_url).content.decode()
    assert "挂面" in page
    assert w.keeper_a.name in page
    assert login(w.keeper_a).get(f"/shop/goods/{noodles.pk}/photo/").content == PNG
    # Another town's centre sees none of it.
    assert login(w.clerk2).get(shop_url).status_code == 404
