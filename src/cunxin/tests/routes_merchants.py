"""Routes of partner merchants: the list, applying, decisions, staff, discounts, the counter,
receipts, statements, settlement and figures.

Each URL builds what it needs through the actions first: 老王面馆 serving 李营街道, applied
for by keeper_a (its cashier) and approved by the clerk; where a sale is needed, 张三 (AA, 200
yuan of coupons) has paid there. ``clerk2`` is the credit centre of the other town.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import replace
from typing import Any

from cunxin.accounts.actions import do_create_user
from cunxin.accounts.models import User
from cunxin.accounts.permissions import Role
from cunxin.conftest import PASSWORD, World
from cunxin.fund.actions import do_approve_payment
from cunxin.fund.tests.helpers import checker, donate
from cunxin.merchants.actions.merchants import cashiers_of
from cunxin.merchants.actions.settlement import do_settle_month
from cunxin.merchants.models import Sale, Settlement
from cunxin.merchants.tests.helpers import (
    LICENCE_C,
    NOODLES,
    age_to_last_month,
    code_for,
    last_month,
    noodle_shop,
    sold,
    zhang_with_coupons,
)
from cunxin.tests.access import Route

M = "/merchants"
API = "/api/merchants"
OTHERS = ["clerk2"]
NOT_STAFF = ["committee_a", "collector_a"]
NOT_CENTRE = ["keeper_a", "committee_a", "collector_a"]


def _after(setup: Callable[[World], object], url: Callable[[World], str]) -> Callable[[World], str]:
    def build(w: World) -> str:
        setup(w)
        return url(w)

    return build


def _pk(w: World) -> int:
    return noodle_shop(w).pk


def _sale(w: World) -> Sale:
    return Sale.objects.first() or sold(w)


def _code_body(w: World) -> dict[str, Any]:
    noodle_shop(w)
    zhang_with_coupons(w)
    return {"code": code_for(w)}


def _second_keeper(w: World) -> User:
    """A keeper of 前双村 at no counter yet (made by the clerk): adding them to the noodle
    shop is a change the matrix can see (keeper_a is its cashier already)."""
    found = w.__dict__.get("_second_keeper")
    if found is None:
        found = do_create_user(
            phone="13800000077",
            name="前双二号店员",
            password=PASSWORD,
            role=Role.KEEPER,
            region=w.village_a,
            acting_user=w.clerk,
        )
        w.__dict__["_second_keeper"] = found
    return found


def _settled(w: World) -> Settlement:
    """Last month's sale settled, the fund's payment approved by a second clerk."""
    donate(w, 100_000)
    age_to_last_month(sold(w))
    settlement = do_settle_month(noodle_shop(w), last_month(), acting_user=w.clerk)
    assert settlement.payment is not None
    do_approve_payment(settlement.payment, acting_user=checker(w))
    return settlement


ROUTES = [
    # --- pages ---------------------------------------------------------------------------------
    Route(
        "merchants:index",
        "get",
        _after(noodle_shop, lambda w: f"{M}/"),
        "villager_a",
        OTHERS,
        villager_allowed=True,
        secret=NOODLES,
        extra_refused=["collector_a"],
    ),
    Route(
        "merchants:apply",
        "get",
        lambda w: f"{M}/apply/",
        "keeper_a",
        OTHERS,
        secret="李营街道",
        extra_refused=["collector_a", "committee_a"],
    ),
    Route(
        "merchants:apply",
        "post",
        lambda w: f"{M}/apply/",
        "clerk",
        OTHERS,
        data=lambda w: {
            "region": w.town.pk,
            "name": "李记超市",
            "address": "庄头村",
            "licence_no": LICENCE_C,
            "phone": "13905370000",
        },
        ok=(302,),
        secret="李营街道",
        extra_refused=["collector_a", "committee_a"],
    ),
    Route(
        "merchants:figures",
        "get",
        _after(sold, lambda w: f"{M}/figures/"),
        "clerk",
        OTHERS,
        secret="前双村",
        extra_refused=["keeper_a"],
    ),
    Route(
        "merchants:detail",
        "get",
        lambda w: f"{M}/{_pk(w)}/",
        "keeper_a",
        OTHERS,
        secret=NOODLES,
        extra_refused=NOT_STAFF,
    ),
    Route(
        "merchants:detail",
        "get",
        lambda w: f"{M}/{_pk(w)}/",
        "clerk",
        OTHERS,
        secret=NOODLES,
    ),
    Route(
        "merchants:status",
        "post",
        lambda w: f"{M}/{_pk(w)}/status/suspend/",
        "clerk",
        OTHERS,
        data=lambda w: {"reason": "卫生检查"},
        ok=(302,),
        extra_refused=NOT_CENTRE,
    ),
    Route(
        "merchants:staff_add",
        "post",
        lambda w: f"{M}/{_pk(w)}/staff/",
        "clerk",
        OTHERS,
        data=lambda w: {"user": _second_keeper(w).pk},
        ok=(302,),
        extra_refused=NOT_CENTRE,
    ),
    Route(
        "merchants:staff_remove",
        "post",
        lambda w: (
            f"{M}/{_pk(w)}/staff/{cashiers_of(noodle_shop(w)).get(user=w.keeper_a).pk}/remove/"
        ),
        "clerk",
        OTHERS,
        ok=(302,),
        extra_refused=NOT_CENTRE,
    ),
    Route(
        "merchants:discounts",
        "post",
        lambda w: f"{M}/{_pk(w)}/discounts/",
        "keeper_a",
        OTHERS,
        data=lambda w: {"AAA": "12", "AA": "6", "A": "2", "B": "0", "C": "0", "D": "0"},
        ok=(302,),
        extra_refused=NOT_STAFF,
    ),
    Route(
        "merchants:counter",
        "get",
        lambda w: f"{M}/{_pk(w)}/counter/",
        "keeper_a",
        OTHERS,
        secret=NOODLES,
        extra_refused=NOT_STAFF,
    ),
    Route(
        "merchants:counter",
        "post",
        lambda w: f"{M}/{_pk(w)}/counter/",
        "keeper_a",
        OTHERS,
        data=lambda w: {"step": "code", **_code_body(w)},
        ok=(302,),
        secret=NOODLES,
        extra_refused=NOT_STAFF,
        writes=False,  # reading the customer's code only remembers them in the session
    ),
    Route(
        "merchants:sales",
        "get",
        _after(_sale, lambda w: f"{M}/{_pk(w)}/sales/"),
        "keeper_a",
        OTHERS,
        secret=NOODLES,
        extra_refused=NOT_STAFF,
    ),
    Route(
        "merchants:receipt",
        "get",
        lambda w: f"{M}/sales/{_sale(w).pk}/",
        "keeper_a",
        OTHERS,
        secret=NOODLES,
        extra_refused=NOT_STAFF,
    ),
    Route(
        "merchants:statement",
        "get",
        _after(_sale, lambda w: f"{M}/{_pk(w)}/statement/"),
        "clerk",
        OTHERS,
        secret=NOODLES,
        extra_refused=NOT_CENTRE,
    ),
    Route(
        "merchants:settle",
        "post",
        _after(lambda w: donate(w, 100_000), lambda w: f"{M}/{_pk(w)}/settle/"),
        "clerk",
        OTHERS,
        data=lambda w: {"month": f"{last_month():%Y-%m}"},
        ok=(302,),
        extra_refused=NOT_CENTRE,
    ),
    Route(
        "merchants:paid",
        "post",
        lambda w: f"{M}/settlements/{_settled(w).pk}/paid/",
        "clerk",
        OTHERS,
        ok=(302,),
        extra_refused=NOT_CENTRE,
    ),
    # --- API -----------------------------------------------------------------------------------
    Route(
        "api:get /api/merchants/merchants",
        "get",
        _after(noodle_shop, lambda w: f"{API}/merchants"),
        "villager_a",
        OTHERS,
        villager_allowed=True,
        secret=NOODLES,
        extra_refused=["collector_a"],
    ),
    Route(
        "api:post /api/merchants/merchants/{merchant_id}/customer",
        "post",
        lambda w: f"{API}/merchants/{_pk(w)}/customer",
        "keeper_a",
        OTHERS,
        data=_code_body,
        json=True,
        secret="percent_off",
        extra_refused=NOT_STAFF,
        writes=False,  # tells the grade discount; nothing is stored
    ),
    Route(
        "api:post /api/merchants/merchants/{merchant_id}/sales",
        "post",
        lambda w: f"{API}/merchants/{_pk(w)}/sales",
        "keeper_a",
        OTHERS,
        data=lambda w: {**_code_body(w), "client_id": str(uuid.uuid4()), "amount": "30"},
        json=True,
        ok=(201,),
        secret="coupon_fen",
        extra_refused=NOT_STAFF,
    ),
    Route(
        "api:get /api/merchants/figures",
        "get",
        _after(sold, lambda w: f"{API}/figures"),
        "clerk",
        OTHERS,
        secret="前双村",
        extra_refused=["keeper_a"],
    ),
]

# 老王面馆's second cashier (the cashier role in its unit, resting on her keeper role in village
# A) works its counter as keeper_a does, and is refused wherever keeper_a is.
ROUTES += [replace(r, right="cashier_a") for r in ROUTES if r.right == "keeper_a"]
for _route in ROUTES:
    if "keeper_a" in _route.extra_refused:
        _route.extra_refused = [*_route.extra_refused, "cashier_a"]
