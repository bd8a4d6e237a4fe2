"""The shop API: the same story as the pages, in JSON, scoped the same way."""

from __future__ import annotations

import uuid
from typing import Any

from django.test import Client

from cunxin.cards.identify import issue_code
from cunxin.conftest import World, login
from cunxin.shop.models import Redemption
from cunxin.shop.tests.helpers import RICE, grant, spendable


def post(client: Client, url: str, body: dict[str, Any]) -> Any:
    return client.post(url, body, content_type="application/json")


def test_the_story_in_json(policy_world: World) -> None:
    w = policy_world
    committee, keeper = login(w.committee_a), login(w.keeper_a)
    shop = post(committee, "/api/shop/shops", {"village_code": w.village_a.code, "name": "超市"})
    assert shop.status_code == 201, shop.content
    shop_id = shop.json()["id"]
    added = post(committee, f"/api/shop/shops/{shop_id}/keepers", {"user_id": w.keeper_a.pk})
    assert added.status_code == 201, added.content
    rice = post(
        committee,
        f"/api/shop/shops/{shop_id}/goods",
        {"name": RICE, "price": 50, "stock": 3, "monthly_limit": 2},
    )
    assert rice.status_code == 201, rice.content
    rice_id = rice.json()["id"]
    zhang = w.resident("张三")
    grant(zhang, 180)
    code, _expires = issue_code(zhang)
    who = post(keeper, f"/api/shop/shops/{shop_id}/customer", {"code": code}).json()
    assert who == {"name": "张*", "grade": who["grade"], "spendable": 180, "via": "code"}
    body = {
        "code": code,
        "client_id": str(uuid.uuid4()),
        "lines": [{"goods_id": rice_id, "quantity": 2}],
    }
    done = post(keeper, f"/api/shop/shops/{shop_id}/redemptions", body)
    assert done.status_code == 201, done.content
    assert done.json()["points"] == 100
    assert done.json()["balance_after"] == 80
    # A retry of the same request answers the first redemption; nothing more is spent.
    again = post(keeper, f"/api/shop/shops/{shop_id}/redemptions", body)
    assert again.status_code == 200
    assert again.json()["id"] == done.json()["id"]
    assert spendable(zhang) == 80
    # The code is used up; a fresh one is refused for the monthly limit, in Chinese.
    code2, _expires = issue_code(zhang)
    over = post(
        keeper,
        f"/api/shop/shops/{shop_id}/redemptions",
        {
            **body,
            "code": code2,
            "client_id": str(uuid.uuid4()),
            "lines": [{"goods_id": rice_id, "quantity": 1}],
        },
    )
    assert over.status_code == 409
    assert over.json()["code"] == "monthly_limit"
    assert "每人每月限兑" in over.json()["message"]
    listed = keeper.get("/api/shop/redemptions").json()["items"]
    assert [r["number"] for r in listed] == [done.json()["number"]]
    cancelled = post(
        keeper, f"/api/shop/redemptions/{done.json()['id']}/cancel", {"reason": "拿错了"}
    )
    assert cancelled.status_code == 200
    assert cancelled.json()["cancelled"] is True
    twice = post(keeper, f"/api/shop/redemptions/{done.json()['id']}/cancel", {"reason": "拿错了"})
    assert twice.status_code == 409
    assert twice.json()["code"] == "already_cancelled"
    assert spendable(zhang) == 180
    assert committee.get("/api/shop/figures").json() == []


def test_bad_input_gets_a_clear_answer(policy_world: World) -> None:
    w = policy_world
    keeper = login(w.keeper_a)
    committee = login(w.committee_a)
    shop_id = post(
        committee, "/api/shop/shops", {"village_code": w.village_a.code, "name": "超市"}
    ).json()["id"]
    post(committee, f"/api/shop/shops/{shop_id}/keepers", {"user_id": w.keeper_a.pk})
    forged = post(
        keeper,
        f"/api/shop/shops/{shop_id}/redemptions",
        {"code": "99999", "client_id": str(uuid.uuid4()), "lines": []},
    )
    assert forged.status_code == 400
    assert forged.json()["code"] == "code_forged"
    broken = post(keeper, f"/api/shop/shops/{shop_id}/redemptions", {"code": "1", "client_id": "x"})
    assert broken.status_code == 422
    price = post(committee, f"/api/shop/shops/{shop_id}/goods", {"name": "米", "price": 0})
    assert price.status_code == 400
    assert price.json()["field"] == "price"
    assert not Redemption.objects.exists()
