"""The coupon pages and API as 张三, his neighbour and the committee use them."""

from __future__ import annotations

import json
import uuid

from cunxin.conftest import World, login
from cunxin.coupons.models import Coupon, CouponStatus, Gift, GiftStatus
from cunxin.coupons.tests.helpers import balance, convert, coupons_of, grant
from cunxin.coupons.tests.test_coupons import _login_for
from cunxin.ledger.models import Currency


def test_zhang_converts_on_his_phone_and_a_double_click_converts_once(
    policy_world: World,
) -> None:
    w = policy_world
    zhang = w.resident("张三")
    grant(zhang, 180)
    client = login(w.villager_a)
    page = client.get("/coupons/convert/").content.decode()
    assert "1 积分 = 10 元信用券" in page
    assert "180 积分（1800 元）" in page
    form = {"client_id": str(uuid.uuid4()), "points": "20"}
    assert client.post("/coupons/convert/", form).status_code == 302
    assert client.post("/coupons/convert/", form).status_code == 302
    assert balance(zhang, Currency.SPENDABLE) == 160
    mine = client.get("/coupons/").content.decode()
    assert "200" in mine
    assert mine.count("370811-") == 4
    too_many = client.post("/coupons/convert/", {"client_id": str(uuid.uuid4()), "points": "999"})
    assert too_many.status_code == 200
    assert "可兑换积分不足" in too_many.content.decode()
    forged = client.post("/coupons/convert/", {"client_id": "not-a-uuid", "points": "abc"})
    assert forged.status_code == 200
    assert balance(zhang, Currency.SPENDABLE) == 160


def test_zhang_gifts_his_mother_50_yuan_from_the_page(policy_world: World) -> None:
    w = policy_world
    convert(w, "张三", 20, grant_first=180)
    coupon = coupons_of(w.resident("张三"))[0]
    client = login(w.villager_a)
    page = client.get(f"/coupons/{coupon.pk}/gift/").content.decode()
    assert "李秀英" in page  # his household is offered
    unknown = client.post(f"/coupons/{coupon.pk}/gift/", {"phone": "13900000000"})
    assert "没有登记这个手机号" in unknown.content.decode()
    mother = w.resident("李秀英")
    done = client.post(f"/coupons/{coupon.pk}/gift/", {"receiver": str(mother.pk), "phone": ""})
    assert done.status_code == 302
    assert balance(mother, Currency.COUPON) == 5000
    # The coupon is hers now: his page no longer lists it, and he cannot gift it again.
    assert client.get(f"/coupons/{coupon.pk}/gift/").status_code == 404
    assert "150" in client.get("/coupons/").content.decode()


def test_the_neighbour_accepts_on_his_page_and_cannot_touch_zhangs_coupons(
    policy_world: World,
) -> None:
    w = policy_world
    convert(w, "张三", 20, grant_first=180)
    coupon = coupons_of(w.resident("张三"))[0]
    wang = login(_login_for(w, "王建国", "13905371003"))
    zhang = login(w.villager_a)
    zhang.post(f"/coupons/{coupon.pk}/gift/", {"phone": "13905371003"})
    gift = Gift.objects.get()
    assert gift.status == GiftStatus.PENDING
    assert "张*转赠给您 50 元信用券" in wang.get("/coupons/").content.decode()
    assert wang.get(f"/coupons/{coupon.pk}/gift/").status_code == 404
    assert wang.post(f"/coupons/gifts/{gift.pk}/cancel/").status_code == 403
    assert zhang.post(f"/coupons/gifts/{gift.pk}/accept/").status_code == 403
    assert wang.post(f"/coupons/gifts/{gift.pk}/accept/").status_code == 302
    # A second click is told the gift is done, and nothing moves twice.
    again = wang.post(f"/coupons/gifts/{gift.pk}/accept/", follow=True).content.decode()
    assert "已经是“已接收”" in again
    assert balance(w.resident("王建国"), Currency.COUPON) == 5000
    assert Coupon.objects.get(pk=coupon.pk).owner.name == "王建国"


def test_each_side_of_a_gift_sees_the_other_named_as_the_policy_masks_villagers(
    policy_world: World,
) -> None:
    w = policy_world
    convert(w, "张三", 20, grant_first=180)
    first, second = coupons_of(w.resident("张三"))[:2]
    wang = login(_login_for(w, "王建国", "13905371003"))
    zhang = login(w.villager_a)
    sent = zhang.post(f"/coupons/{first.pk}/gift/", {"phone": "13905371003"}, follow=True)
    assert "等待王*国在7天内接收" in sent.content.decode()
    assert "转赠给王*国，等待接收" in zhang.get("/coupons/").content.decode()
    assert zhang.get("/api/coupons/mine").json()["outgoing"][0]["receiver_name"] == "王*国"
    incoming = wang.get("/api/coupons/mine").json()["incoming"][0]
    assert (incoming["giver_name"], incoming["receiver_name"]) == ("张*", "王建国")
    assert "王建国" not in zhang.get("/coupons/").content.decode()
    assert "张三" not in wang.get("/coupons/").content.decode()
    # His own household is named in full: the family he gifts to.
    mother = w.resident("李秀英")
    done = zhang.post(f"/coupons/{second.pk}/gift/", {"receiver": str(mother.pk)}, follow=True)
    assert "已转赠给李秀英" in done.content.decode()


def test_the_committee_sees_the_villages_coupon_figures(policy_world: World) -> None:
    w = policy_world
    convert(w, "张三", 20, grant_first=180)
    page = login(w.committee_a).get("/coupons/figures/").content.decode()
    assert "前双村" in page
    assert "200" in page
    assert "0%" in page
    other = login(w.clerk2).get("/coupons/figures/").content.decode()
    assert "前双村" not in other
    assert login(w.villager_a).get("/coupons/figures/").status_code == 403


def test_the_api_converts_gifts_and_answers_errors_in_chinese(policy_world: World) -> None:
    w = policy_world
    grant(w.resident("张三"), 180)
    client = login(w.villager_a)
    body = {"points": 20, "client_id": str(uuid.uuid4())}
    made = client.post("/api/coupons/convert", body, content_type="application/json")
    assert made.status_code == 201
    assert made.json()["fen"] == 20_000
    again = client.post("/api/coupons/convert", body, content_type="application/json")
    assert again.json()["id"] == made.json()["id"]
    mine = client.get("/api/coupons/mine").json()
    assert mine["balance_fen"] == 20_000
    assert mine["convertible_points"] == 160
    coupon_id = mine["coupons"][0]["id"]
    to_self = client.post(
        f"/api/coupons/{coupon_id}/gift",
        {"phone": "13905371001"},
        content_type="application/json",
    )
    assert to_self.status_code == 400
    assert to_self.json()["message"] == "不能转赠给自己。"
    bad = client.post(
        "/api/coupons/convert",
        json.dumps({"points": "很多", "client_id": "x"}),
        content_type="application/json",
    )
    assert bad.status_code == 422
    assert Coupon.objects.filter(status=CouponStatus.LIVE).count() == 4


def test_an_admin_without_a_resident_gets_a_page_not_an_error(policy_world: World) -> None:
    w = policy_world
    page = login(w.admin).get("/coupons/")
    assert page.status_code == 200
    assert "没有对应的村民" in page.content.decode()
    assert login(w.admin).get("/api/coupons/mine").status_code == 400


def test_the_conversion_shows_on_the_villagers_statement(policy_world: World) -> None:
    w = policy_world
    convert(w, "张三", 20, grant_first=180)
    page = login(w.villager_a).get("/people/me/statement/").content.decode()
    assert "兑换信用券" in page
    assert "-20" in page
