"""Routes of the shop: shops, keepers, goods, stock, the counter, receipts and figures.

Each URL builds what it needs through the actions first: 前双村's supermarket kept by
keeper_a with rice and oil, and (where a redemption is needed) 张三 having taken a bag of rice
and a bottle of oil. ``keeper_a`` sees only the shops they keep; the committee and the credit
centre manage the shops of their villages.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

from cunxin.accounts.models import RoleAssignment
from cunxin.cards.identify import issue_code
from cunxin.conftest import PERSONA_NAMES, World
from cunxin.shop.models import Goods, Redemption
from cunxin.shop.selectors import keepers_of
from cunxin.shop.tests.helpers import OIL, PNG, RICE, goods, grant, redeemed, shop_a
from cunxin.tests.access import Route, upload

S = "/shop"
API = "/api/shop"
SHOP = "前双村信用超市"
# Same role elsewhere: the other town's centre, a collector (no shop permission) of village B.
OTHERS = ["clerk2"]
NOT_MANAGER = ["keeper_a", "collector_a"]


def _after(setup: Callable[[World], object], url: str) -> Callable[[World], str]:
    def build(w: World) -> str:
        setup(w)
        return url

    return build


def _shop_id(w: World) -> int:
    return shop_a(w).pk


def _oil(w: World) -> Goods:
    return goods(shop_a(w), OIL)


def _keeper(w: World) -> RoleAssignment:
    return keepers_of(shop_a(w)).get(user=w.keeper_a)


def _redeemed(w: World) -> Redemption:
    return redeemed(w)


def _code_body(w: World) -> dict[str, Any]:
    zhang = w.resident("张三")
    grant(zhang, 180)
    code, _expires = issue_code(zhang)
    return {"code": code}


def _redeem_body(w: World) -> dict[str, Any]:
    return {
        **_code_body(w),
        "client_id": str(uuid.uuid4()),
        "lines": [{"goods_id": goods(shop_a(w), RICE).pk, "quantity": 1}],
    }


def _goods_form(w: World) -> dict[str, Any]:
    return {"name": "挂面", "price": "8", "monthly_limit": "0", "stock": "20", "active": "on"}


ROUTES = [
    # --- pages: shops, keepers, goods, stock ---------------------------------------------------
    Route(
        "shop:index",
        "get",
        _after(shop_a, f"{S}/"),
        "committee_a",
        ["clerk2", "collector_b"],
        secret=SHOP,
        extra_refused=["collector_a"],
    ),
    Route(
        "shop:index",
        "get",
        _after(shop_a, f"{S}/"),
        "keeper_a",
        ["clerk2"],
        secret=SHOP,
    ),
    Route(
        "shop:shop_new",
        "get",
        lambda w: f"{S}/new/",
        "committee_a",
        OTHERS,
        secret="前双村",
        extra_refused=NOT_MANAGER,
    ),
    Route(
        "shop:shop_new",
        "post",
        lambda w: f"{S}/new/",
        "committee_a",
        OTHERS,
        data=lambda w: {"village": w.village_a.pk, "name": "便民信用超市", "address": ""},
        ok=(302,),
        secret="前双村",
        extra_refused=NOT_MANAGER,
    ),
    Route(
        "shop:shop",
        "get",
        lambda w: f"{S}/{_shop_id(w)}/",
        "keeper_a",
        OTHERS,
        secret=RICE,
        extra_refused=["collector_a"],
    ),
    Route(
        "shop:shop_edit",
        "post",
        lambda w: f"{S}/{_shop_id(w)}/edit/",
        "committee_a",
        OTHERS,
        data=lambda w: {"name": SHOP, "address": "村委会", "active": "on"},
        ok=(302,),
        extra_refused=NOT_MANAGER,
    ),
    Route(
        "shop:keeper_add",
        "post",
        lambda w: f"{S}/{_shop_id(w)}/keepers/",
        "committee_a",
        OTHERS,
        data=lambda w: {"user": _unkept(w)},
        ok=(302,),
        extra_refused=NOT_MANAGER,
    ),
    Route(
        "shop:keeper_remove",
        "post",
        lambda w: f"{S}/{_shop_id(w)}/keepers/{_keeper(w).pk}/remove/",
        "committee_a",
        OTHERS,
        ok=(302,),
        extra_refused=NOT_MANAGER,
    ),
    Route(
        "shop:goods_new",
        "get",
        lambda w: f"{S}/{_shop_id(w)}/goods/new/",
        "committee_a",
        OTHERS,
        secret=SHOP,
        extra_refused=NOT_MANAGER,
    ),
    Route(
        "shop:goods_new",
        "post",
        lambda w: f"{S}/{_shop_id(w)}/goods/new/",
        "committee_a",
        OTHERS,
        data=lambda w: {**_goods_form(w), "photo": upload(PNG, "noodles.png")},
        ok=(302,),
        secret=SHOP,
        extra_refused=NOT_MANAGER,
    ),
    Route(
        "shop:goods_edit",
        "get",
        lambda w: f"{S}/goods/{_oil(w).pk}/edit/",
        "committee_a",
        OTHERS,
        secret=OIL,
        extra_refused=NOT_MANAGER,
    ),
    Route(
        "shop:stock",
        "post",
        lambda w: f"{S}/goods/{_oil(w).pk}/stock/",
        "clerk",
        OTHERS,
        data=lambda w: {"change": "10", "note": "进货"},
        ok=(302,),
        extra_refused=NOT_MANAGER,
    ),
    Route(
        "shop:stock_moves",
        "get",
        lambda w: f"{S}/goods/{_oil(w).pk}/moves/",
        "keeper_a",
        OTHERS,
        secret="初始库存",
        extra_refused=["collector_a"],
    ),
    Route(
        "shop:photo",
        "get",
        lambda w: f"{S}/goods/{_with_photo(w).pk}/photo/",
        "keeper_a",
        OTHERS,
        secret="PNG",
        extra_refused=["collector_a"],
    ),
    Route(
        "shop:figures",
        "get",
        _after(_redeemed, f"{S}/figures/"),
        "committee_a",
        OTHERS,
        secret=SHOP,
        extra_refused=NOT_MANAGER,
    ),
    # --- pages: the counter and receipts -------------------------------------------------------
    Route(
        "shop:counter",
        "get",
        lambda w: f"{S}/{_shop_id(w)}/counter/",
        "keeper_a",
        OTHERS,
        secret=SHOP,
        extra_refused=["committee_a", "collector_a"],
    ),
    Route(
        "shop:counter",
        "post",
        lambda w: f"{S}/{_shop_id(w)}/counter/",
        "keeper_a",
        OTHERS,
        data=lambda w: {"step": "code", **_code_body(w)},
        ok=(302,),
        secret=SHOP,
        extra_refused=["committee_a", "collector_a"],
        writes=False,  # reading the customer's code only remembers them in the session
    ),
    Route(
        "shop:redemptions",
        "get",
        _after(_redeemed, f"{S}/redemptions/"),
        "keeper_a",
        ["clerk2"],
        secret=RICE,
        extra_refused=["collector_a"],
    ),
    Route(
        "shop:receipt",
        "get",
        lambda w: f"{S}/redemptions/{_redeemed(w).pk}/",
        "keeper_a",
        OTHERS,
        secret=RICE,
        extra_refused=["collector_a"],
    ),
    Route(
        "shop:cancel",
        "post",
        lambda w: f"{S}/redemptions/{_redeemed(w).pk}/cancel/",
        "committee_a",
        OTHERS,
        data=lambda w: {"reason": "拿错了"},
        ok=(302,),
        extra_refused=["collector_a"],
    ),
    # --- API ------------------------------------------------------------------------------------
    Route(
        "api:get /api/shop/shops",
        "get",
        _after(shop_a, f"{API}/shops"),
        "keeper_a",
        ["clerk2", "collector_b"],
        secret=SHOP,
        extra_refused=["collector_a"],
    ),
    Route(
        "api:post /api/shop/shops",
        "post",
        lambda w: f"{API}/shops",
        "committee_a",
        OTHERS,
        data=lambda w: {"village_code": w.village_a.code, "name": "便民信用超市"},
        json=True,
        ok=(201,),
        secret="便民信用超市",
        extra_refused=NOT_MANAGER,
    ),
    Route(
        "api:get /api/shop/shops/{shop_id}",
        "get",
        lambda w: f"{API}/shops/{_shop_id(w)}",
        "keeper_a",
        OTHERS,
        secret=SHOP,
        extra_refused=["collector_a"],
    ),
    Route(
        "api:post /api/shop/shops/{shop_id}",
        "post",
        lambda w: f"{API}/shops/{_shop_id(w)}",
        "committee_a",
        OTHERS,
        data=lambda w: {"name": SHOP, "address": "村委会", "active": True},
        json=True,
        secret=SHOP,
        extra_refused=NOT_MANAGER,
    ),
    Route(
        "api:get /api/shop/shops/{shop_id}/keepers",
        "get",
        lambda w: f"{API}/shops/{_shop_id(w)}/keepers",
        "committee_a",
        OTHERS,
        secret=PERSONA_NAMES["keeper_a"],
        extra_refused=NOT_MANAGER,
    ),
    Route(
        "api:post /api/shop/shops/{shop_id}/keepers",
        "post",
        lambda w: f"{API}/shops/{_shop_id(w)}/keepers",
        "committee_a",
        OTHERS,
        data=lambda w: {"user_id": _unkept(w)},
        json=True,
        ok=(201,),
        secret=PERSONA_NAMES["keeper_a"],
        extra_refused=NOT_MANAGER,
    ),
    Route(
        "api:post /api/shop/shops/{shop_id}/keepers/{keeper_id}/remove",
        "post",
        lambda w: f"{API}/shops/{_shop_id(w)}/keepers/{_keeper(w).pk}/remove",
        "committee_a",
        OTHERS,
        json=True,
        secret="[]",
        extra_refused=NOT_MANAGER,
    ),
    Route(
        "api:get /api/shop/shops/{shop_id}/goods",
        "get",
        lambda w: f"{API}/shops/{_shop_id(w)}/goods",
        "keeper_a",
        OTHERS,
        secret=RICE,
        extra_refused=["collector_a"],
    ),
    Route(
        "api:post /api/shop/shops/{shop_id}/goods",
        "post",
        lambda w: f"{API}/shops/{_shop_id(w)}/goods",
        "committee_a",
        OTHERS,
        data=lambda w: {"name": "挂面", "price": 8, "stock": 20},
        json=True,
        ok=(201,),
        secret="挂面",
        extra_refused=NOT_MANAGER,
    ),
    Route(
        "api:post /api/shop/goods/{goods_id}",
        "post",
        lambda w: f"{API}/goods/{_oil(w).pk}",
        "committee_a",
        OTHERS,
        data=lambda w: {"name": OIL, "price": 35, "monthly_limit": 2},
        json=True,
        secret=OIL,
        extra_refused=NOT_MANAGER,
    ),
    Route(
        "api:post /api/shop/goods/{goods_id}/photo",
        "post",
        lambda w: f"{API}/goods/{_oil(w).pk}/photo",
        "committee_a",
        OTHERS,
        data=lambda w: {"photo": upload(PNG, "oil.png")},
        secret=OIL,
        extra_refused=NOT_MANAGER,
    ),
    Route(
        "api:post /api/shop/goods/{goods_id}/stock",
        "post",
        lambda w: f"{API}/goods/{_oil(w).pk}/stock",
        "clerk",
        OTHERS,
        data=lambda w: {"change": 10, "note": "进货"},
        json=True,
        ok=(201,),
        secret="进货",
        extra_refused=NOT_MANAGER,
    ),
    Route(
        "api:get /api/shop/goods/{goods_id}/moves",
        "get",
        lambda w: f"{API}/goods/{_oil(w).pk}/moves",
        "keeper_a",
        OTHERS,
        secret="stock_after",
        extra_refused=["collector_a"],
    ),
    Route(
        "api:post /api/shop/shops/{shop_id}/customer",
        "post",
        lambda w: f"{API}/shops/{_shop_id(w)}/customer",
        "keeper_a",
        OTHERS,
        data=_code_body,
        json=True,
        secret="张*",
        extra_refused=["committee_a", "collector_a"],
        writes=False,  # tells who pays and what they may spend; nothing is stored
    ),
    Route(
        "api:post /api/shop/shops/{shop_id}/redemptions",
        "post",
        lambda w: f"{API}/shops/{_shop_id(w)}/redemptions",
        "keeper_a",
        OTHERS,
        data=_redeem_body,
        json=True,
        ok=(201,),
        secret=RICE,
        extra_refused=["committee_a", "collector_a"],
    ),
    Route(
        "api:get /api/shop/redemptions",
        "get",
        _after(_redeemed, f"{API}/redemptions"),
        "keeper_a",
        ["clerk2"],
        secret=RICE,
        extra_refused=["collector_a"],
    ),
    Route(
        "api:get /api/shop/redemptions/{redemption_id}",
        "get",
        lambda w: f"{API}/redemptions/{_redeemed(w).pk}",
        "committee_a",
        OTHERS,
        secret=RICE,
        extra_refused=["collector_a"],
    ),
    Route(
        "api:post /api/shop/redemptions/{redemption_id}/cancel",
        "post",
        lambda w: f"{API}/redemptions/{_redeemed(w).pk}/cancel",
        "keeper_a",
        OTHERS,
        data=lambda w: {"reason": "拿错了"},
        json=True,
        secret=RICE,
        extra_refused=["collector_a"],
    ),
    Route(
        "api:get /api/shop/figures",
        "get",
        _after(_redeemed, f"{API}/figures"),
        "committee_a",
        OTHERS,
        secret=SHOP,
        extra_refused=NOT_MANAGER,
    ),
]


def _with_photo(w: World) -> Goods:
    from cunxin.shop.actions.catalogue import GoodsData, do_edit_goods

    oil = _oil(w)
    return do_edit_goods(
        oil, GoodsData(name=oil.name, price=oil.price), photo=("oil.png", PNG), acting_user=w.clerk
    )


def _unkept(w: World) -> int:
    """keeper_a, removed from the shop first so that they can be added again."""
    from cunxin.shop.actions.catalogue import do_remove_keeper

    do_remove_keeper(_keeper(w), acting_user=w.committee_a)
    return int(w.keeper_a.pk)


# A merchant's cashier is a keeper of village A too, but keeps no shop: wherever the shop's
# keeper works or is refused, the cashier is refused.
for _route in ROUTES:
    if _route.right == "keeper_a" or "keeper_a" in _route.extra_refused + _route.others:
        _route.extra_refused = [*_route.extra_refused, "cashier_a"]
