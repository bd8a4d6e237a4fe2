"""Routes of coupons (信用券): a villager's wallet, conversion and gifts; the figures; the API.

Each URL builds what it needs through the actions first: 张三 (villager_a) with 180 points has
turned 20 of them into four 50-yuan coupons; 王建国 has coupons of his own (only he, or a
platform admin, may touch them); gifts are offered between the two, 王建国 with a login.
"""

from __future__ import annotations

import uuid
from typing import Any

from cunxin.accounts.actions import do_create_user
from cunxin.accounts.permissions import Role
from cunxin.conftest import PASSWORD, World
from cunxin.coupons.actions.gifts import do_gift
from cunxin.coupons.models import Coupon, Gift
from cunxin.coupons.tests.helpers import convert
from cunxin.tests.access import Route

C = "/coupons"
API = "/api/coupons"
STAFF = ["committee_a", "collector_a", "keeper_a", "clerk"]
STAFF_OTHERS = ["clerk2", "collector_b"]
SERIAL = "370811-"


def _zhang_coupon(w: World) -> Coupon:
    conversion = convert(w, "张三", 20, grant_first=180)
    return conversion.coupons.order_by("pk").first()  # type: ignore[return-value]


def _wang_coupon(w: World) -> Coupon:
    conversion = convert(w, "王建国", 10, grant_first=50)
    return conversion.coupons.order_by("pk").first()  # type: ignore[return-value]


def _wang_login(w: World) -> None:
    do_create_user(
        phone="13905371003",
        name="王建国",
        password=PASSWORD,
        role=Role.VILLAGER,
        region=w.village_a,
        resident=w.resident("王建国"),
        acting_user=w.clerk,
    )


def _gift_to_zhang(w: World) -> Gift:
    """王建国 offers 张三 a coupon; 张三 has a login, so it waits for him."""
    return do_gift(_wang_coupon(w), phone="13905371001", acting_user=w.admin)


def _gift_from_zhang(w: World) -> Gift:
    """张三 offers 王建国 (who has a login) a coupon."""
    _wang_login(w)
    return do_gift(_zhang_coupon(w), phone="13905371003", acting_user=w.villager_a)


def _after(setup: Any, url: str) -> Any:
    def build(w: World) -> str:
        setup(w)
        return url

    return build


def _convert_form(w: World) -> dict[str, Any]:
    return {"client_id": str(uuid.uuid4()), "points": "5"}


ROUTES = [
    # --- pages ---------------------------------------------------------------------------------
    Route(
        "coupons:mine",
        "get",
        _after(_zhang_coupon, f"{C}/"),
        "villager_a",
        [],
        villager_allowed=True,
        secret=SERIAL,
        extra_refused=STAFF,
    ),
    Route(
        "coupons:convert",
        "get",
        _after(lambda w: convert(w, "张三", 1, grant_first=30), f"{C}/convert/"),
        "villager_a",
        [],
        villager_allowed=True,
        secret="29 积分（290 元）",
        extra_refused=STAFF,
    ),
    Route(
        "coupons:convert",
        "post",
        _after(lambda w: convert(w, "张三", 1, grant_first=30), f"{C}/convert/"),
        "villager_a",
        [],
        data=_convert_form,
        villager_allowed=True,
        ok=(302,),
        extra_refused=STAFF,
    ),
    Route(
        "coupons:gift",
        "get",
        lambda w: f"{C}/{_zhang_coupon(w).pk}/gift/",
        "villager_a",
        STAFF_OTHERS,
        villager_allowed=True,
        secret=SERIAL,
        extra_refused=STAFF,
    ),
    # Another villager's coupon: 张三 may not open it (only 王建国, or a platform admin).
    Route(
        "coupons:gift",
        "get",
        lambda w: f"{C}/{_wang_coupon(w).pk}/gift/",
        "admin",
        STAFF_OTHERS,
        secret="王建国",
        extra_refused=STAFF,
    ),
    Route(
        "coupons:gift",
        "post",
        lambda w: f"{C}/{_zhang_coupon(w).pk}/gift/",
        "villager_a",
        STAFF_OTHERS,
        data=lambda w: {"receiver": str(w.resident("李秀英").pk), "phone": ""},
        villager_allowed=True,
        ok=(302,),
        extra_refused=STAFF,
    ),
    Route(
        "coupons:gift",
        "post",
        lambda w: f"{C}/{_wang_coupon(w).pk}/gift/",
        "admin",
        STAFF_OTHERS,
        data=lambda w: {"receiver": str(w.resident("王丽").pk), "phone": ""},
        ok=(302,),
        extra_refused=STAFF,
    ),
    Route(
        "coupons:accept",
        "post",
        lambda w: f"{C}/gifts/{_gift_to_zhang(w).pk}/accept/",
        "villager_a",
        STAFF_OTHERS,
        villager_allowed=True,
        ok=(302,),
        extra_refused=STAFF,
    ),
    # A gift 张三 made is not his to accept.
    Route(
        "coupons:accept",
        "post",
        lambda w: f"{C}/gifts/{_gift_from_zhang(w).pk}/accept/",
        "admin",
        STAFF_OTHERS,
        ok=(302,),
        extra_refused=STAFF,
    ),
    Route(
        "coupons:decline",
        "post",
        lambda w: f"{C}/gifts/{_gift_to_zhang(w).pk}/decline/",
        "villager_a",
        STAFF_OTHERS,
        villager_allowed=True,
        ok=(302,),
        extra_refused=STAFF,
    ),
    Route(
        "coupons:cancel",
        "post",
        lambda w: f"{C}/gifts/{_gift_from_zhang(w).pk}/cancel/",
        "villager_a",
        STAFF_OTHERS,
        villager_allowed=True,
        ok=(302,),
        extra_refused=STAFF,
    ),
    # ... and one made to him is not his to take back.
    Route(
        "coupons:cancel",
        "post",
        lambda w: f"{C}/gifts/{_gift_to_zhang(w).pk}/cancel/",
        "admin",
        STAFF_OTHERS,
        ok=(302,),
        extra_refused=STAFF,
    ),
    Route(
        "coupons:figures",
        "get",
        _after(_zhang_coupon, f"{C}/figures/"),
        "committee_a",
        STAFF_OTHERS,
        secret="前双村",
        extra_refused=["collector_a", "keeper_a"],
    ),
    # --- API -----------------------------------------------------------------------------------
    Route(
        "api:get /api/coupons/mine",
        "get",
        _after(_zhang_coupon, f"{API}/mine"),
        "villager_a",
        [],
        json=True,
        villager_allowed=True,
        secret=SERIAL,
        extra_refused=STAFF,
    ),
    Route(
        "api:post /api/coupons/convert",
        "post",
        _after(lambda w: convert(w, "张三", 1, grant_first=30), f"{API}/convert"),
        "villager_a",
        [],
        json=True,
        data=lambda w: {"points": 5, "client_id": str(uuid.uuid4())},
        villager_allowed=True,
        ok=(201,),
        secret=SERIAL,
        extra_refused=STAFF,
    ),
    Route(
        "api:post /api/coupons/{coupon_id}/gift",
        "post",
        lambda w: f"{API}/{_zhang_coupon(w).pk}/gift",
        "villager_a",
        STAFF_OTHERS,
        json=True,
        data=lambda w: {"receiver_id": w.resident("李秀英").pk},
        villager_allowed=True,
        ok=(201,),
        secret="李秀英",
        extra_refused=STAFF,
    ),
    Route(
        "api:post /api/coupons/{coupon_id}/gift",
        "post",
        lambda w: f"{API}/{_wang_coupon(w).pk}/gift",
        "admin",
        STAFF_OTHERS,
        json=True,
        data=lambda w: {"receiver_id": w.resident("王丽").pk},
        ok=(201,),
        secret="王丽",
        extra_refused=STAFF,
    ),
    Route(
        "api:post /api/coupons/gifts/{gift_id}/accept",
        "post",
        lambda w: f"{API}/gifts/{_gift_to_zhang(w).pk}/accept",
        "villager_a",
        STAFF_OTHERS,
        json=True,
        villager_allowed=True,
        secret="accepted",
        extra_refused=STAFF,
    ),
    Route(
        "api:post /api/coupons/gifts/{gift_id}/accept",
        "post",
        lambda w: f"{API}/gifts/{_gift_from_zhang(w).pk}/accept",
        "admin",
        STAFF_OTHERS,
        json=True,
        secret="accepted",
        extra_refused=STAFF,
    ),
    Route(
        "api:post /api/coupons/gifts/{gift_id}/decline",
        "post",
        lambda w: f"{API}/gifts/{_gift_to_zhang(w).pk}/decline",
        "villager_a",
        STAFF_OTHERS,
        json=True,
        villager_allowed=True,
        secret="declined",
        extra_refused=STAFF,
    ),
    Route(
        "api:post /api/coupons/gifts/{gift_id}/cancel",
        "post",
        lambda w: f"{API}/gifts/{_gift_from_zhang(w).pk}/cancel",
        "villager_a",
        STAFF_OTHERS,
        json=True,
        villager_allowed=True,
        secret="cancelled",
        extra_refused=STAFF,
    ),
    Route(
        "api:get /api/coupons/figures",
        "get",
        _after(_zhang_coupon, f"{API}/figures"),
        "committee_a",
        STAFF_OTHERS,
        json=True,
        secret="前双村",
        extra_refused=["collector_a", "keeper_a"],
    ),
]
