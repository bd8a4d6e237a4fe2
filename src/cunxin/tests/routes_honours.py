"""Routes of honours (信用表彰): the committee's rounds, the villager's own honours, the API.

Each URL builds what it needs through the actions first: last month's records in village A,
the month's draft (three stars: 王建国, 张三, 李秀英), two teams, a confirmed round, a year's
draft with household 0002 qualifying.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from typing import Any

from cunxin.conftest import World
from cunxin.honours.actions import do_confirm_round, do_open_round
from cunxin.honours.models import Period, Round
from cunxin.honours.tests.helpers import (
    LAST_MONTH,
    effective,
    month_world,
    open_last_month,
    team,
)
from cunxin.people.models import Household
from cunxin.policy.actions import do_save_policy
from cunxin.tests.access import Route

STAFF_OTHERS = ["clerk2", "collector_b"]
NOT_COMMITTEE = ["collector_a", "clerk", "keeper_a"]
NOT_VILLAGER = ["committee_a", "collector_a", "clerk"]
A_CODE = "370811009201"


def _after(
    setup: Callable[[World], object], url: str | Callable[[World], str]
) -> Callable[[World], str]:
    def build(w: World) -> str:
        setup(w)
        return url(w) if callable(url) else url

    return build


def _month(w: World) -> Round:
    """Last month's draft in village A with three stars and two teams."""
    do_save_policy(
        w.village_a,
        values={"stars_per_month": 3},
        effective_from=datetime.date(2025, 1, 1),
        acting_user=w.clerk,
        reason="本村调整",
    )
    month_world(w)
    team(w, "党员先锋队", ["王建国", "张三"])
    team(w, "巾帼服务队", ["李秀英", "王丽"])
    return open_last_month(w)


def _confirmed(w: World) -> Round:
    return do_confirm_round(_month(w), acting_user=w.committee_a)


def _year(w: World) -> Round:
    """The 2025 round of village A: household 0002 (王建国, 王丽) is at AA."""
    effective(w, [(n, "CM-R01", "1") for n in ("王建国", "王丽") for _ in range(3)])
    return do_open_round(
        w.village_a, period=Period.YEAR, day=datetime.date(2025, 1, 1), acting_user=w.committee_a
    )


def _household(w: World) -> int:
    return Household.objects.get(village=w.village_a, number="0002").pk


def _open_data(w: World) -> dict[str, Any]:
    return {"village": w.village_a.pk, "period": "month", "month": f"{LAST_MONTH:%Y-%m}"}


def _swap_data(w: World) -> dict[str, Any]:
    return {"rank": 3, "resident": w.resident("张小明").pk, "reason": "长期照顾孤寡老人"}


def _flag_data(w: World) -> dict[str, Any]:
    from cunxin.volunteering.models import Team

    return {"team": Team.objects.get(name="党员先锋队").pk, "reason": "抗洪抢险表现突出"}


ROUTES = [
    # --- pages ---------------------------------------------------------------------------------
    Route(
        "honours:index",
        "get",
        _after(_confirmed, "/honours/"),
        "committee_a",
        STAFF_OTHERS,
        villager_allowed=True,  # the village's confirmed honours are public to it
        extra_refused=["keeper_a"],
    ),
    Route(
        "honours:open",
        "post",
        _after(month_world, "/honours/open/"),
        "committee_a",
        STAFF_OTHERS,
        data=_open_data,
        extra_refused=NOT_COMMITTEE,
        ok=(302,),
    ),
    Route(
        "honours:round",
        "get",
        lambda w: f"/honours/rounds/{_month(w).pk}/",
        "committee_a",
        STAFF_OTHERS,
        extra_refused=NOT_COMMITTEE,  # a draft is the committee's
    ),
    Route(
        "honours:round",
        "get",
        lambda w: f"/honours/rounds/{_confirmed(w).pk}/",
        "committee_a",
        STAFF_OTHERS,
        villager_allowed=True,  # confirmed, it is the village's
        extra_refused=["keeper_a"],
    ),
    Route(
        "honours:swap",
        "post",
        lambda w: f"/honours/rounds/{_month(w).pk}/swap/",
        "committee_a",
        STAFF_OTHERS,
        data=_swap_data,
        extra_refused=NOT_COMMITTEE,
        ok=(302,),
    ),
    Route(
        "honours:swap_flag",
        "post",
        lambda w: f"/honours/rounds/{_month(w).pk}/flag/",
        "committee_a",
        STAFF_OTHERS,
        data=_flag_data,
        extra_refused=NOT_COMMITTEE,
        ok=(302,),
    ),
    Route(
        "honours:strike",
        "post",
        lambda w: f"/honours/rounds/{_year(w).pk}/strike/",
        "committee_a",
        STAFF_OTHERS,
        data=lambda w: {"household": _household(w), "reason": "家庭成员有未处理的纠纷"},
        extra_refused=NOT_COMMITTEE,
        ok=(302,),
    ),
    Route(
        "honours:recompute",
        "post",
        lambda w: f"/honours/rounds/{_month(w).pk}/recompute/",
        "committee_a",
        STAFF_OTHERS,
        extra_refused=NOT_COMMITTEE,
        ok=(302,),
    ),
    Route(
        "honours:confirm",
        "post",
        lambda w: f"/honours/rounds/{_month(w).pk}/confirm/",
        "committee_a",
        STAFF_OTHERS,
        extra_refused=NOT_COMMITTEE,
        ok=(302,),
    ),
    Route(
        "honours:reopen",
        "post",
        lambda w: f"/honours/rounds/{_confirmed(w).pk}/reopen/",
        "committee_a",
        STAFF_OTHERS,
        data=lambda w: {"reason": "张三的记录有误，需复核"},
        extra_refused=NOT_COMMITTEE,
        ok=(302,),
    ),
    Route(
        "honours:rewards",
        "get",
        lambda w: f"/honours/villages/{w.village_a.pk}/rewards/",
        "committee_a",
        STAFF_OTHERS,
        extra_refused=NOT_COMMITTEE,
        secret="CM-R15",
    ),
    Route(
        "honours:rewards",
        "post",
        lambda w: f"/honours/villages/{w.village_a.pk}/rewards/",
        "committee_a",
        STAFF_OTHERS,
        data=lambda w: {"star": "CM-R15"},
        extra_refused=NOT_COMMITTEE,
        ok=(302,),
    ),
    Route(
        "honours:mine",
        "get",
        _after(_confirmed, "/honours/mine/"),
        "villager_a",
        [],
        villager_allowed=True,
        extra_refused=NOT_VILLAGER,  # staff without a resident record see nothing of 张三's
        secret="月度信用之星",
    ),
    # --- API -----------------------------------------------------------------------------------
    Route(
        "api:get /api/honours/rounds",
        "get",
        _after(_confirmed, "/api/honours/rounds"),
        "committee_a",
        STAFF_OTHERS,
        json=True,
        villager_allowed=True,
        extra_refused=["keeper_a"],
        secret=A_CODE,
    ),
    Route(
        "api:post /api/honours/rounds",
        "post",
        _after(month_world, "/api/honours/rounds"),
        "committee_a",
        STAFF_OTHERS,
        json=True,
        data=lambda w: {"village_code": A_CODE, "period": "month", "day": LAST_MONTH.isoformat()},
        extra_refused=NOT_COMMITTEE,
        ok=(201,),
    ),
    Route(
        "api:get /api/honours/rounds/{round_id}",
        "get",
        lambda w: f"/api/honours/rounds/{_month(w).pk}",
        "committee_a",
        STAFF_OTHERS,
        json=True,
        extra_refused=NOT_COMMITTEE,
    ),
    Route(
        "api:get /api/honours/rounds/{round_id}/candidates",
        "get",
        lambda w: f"/api/honours/rounds/{_month(w).pk}/candidates",
        "committee_a",
        STAFF_OTHERS,
        json=True,
        extra_refused=NOT_COMMITTEE,
        secret="王丽",  # excluded, but listed with why
    ),
    Route(
        "api:post /api/honours/rounds/{round_id}/swap",
        "post",
        lambda w: f"/api/honours/rounds/{_month(w).pk}/swap",
        "committee_a",
        STAFF_OTHERS,
        json=True,
        data=lambda w: {
            "rank": 3,
            "resident_id": w.resident("张小明").pk,
            "reason": "长期照顾孤寡老人",
        },
        extra_refused=NOT_COMMITTEE,
        secret="张小明",
    ),
    Route(
        "api:post /api/honours/rounds/{round_id}/flag",
        "post",
        lambda w: f"/api/honours/rounds/{_month(w).pk}/flag",
        "committee_a",
        STAFF_OTHERS,
        json=True,
        data=lambda w: {"team_id": _flag_data(w)["team"], "reason": "抗洪抢险表现突出"},
        extra_refused=NOT_COMMITTEE,
        secret="抗洪抢险表现突出",
    ),
    Route(
        "api:post /api/honours/rounds/{round_id}/strike",
        "post",
        lambda w: f"/api/honours/rounds/{_year(w).pk}/strike",
        "committee_a",
        STAFF_OTHERS,
        json=True,
        data=lambda w: {"household_id": _household(w), "reason": "家庭成员有未处理的纠纷"},
        extra_refused=NOT_COMMITTEE,
        secret="家庭成员有未处理的纠纷",
    ),
    Route(
        "api:post /api/honours/rounds/{round_id}/recompute",
        "post",
        lambda w: f"/api/honours/rounds/{_month(w).pk}/recompute",
        "committee_a",
        STAFF_OTHERS,
        json=True,
        extra_refused=NOT_COMMITTEE,
    ),
    Route(
        "api:post /api/honours/rounds/{round_id}/confirm",
        "post",
        lambda w: f"/api/honours/rounds/{_month(w).pk}/confirm",
        "committee_a",
        STAFF_OTHERS,
        json=True,
        extra_refused=NOT_COMMITTEE,
        secret="confirmed",
    ),
    Route(
        "api:post /api/honours/rounds/{round_id}/reopen",
        "post",
        lambda w: f"/api/honours/rounds/{_confirmed(w).pk}/reopen",
        "committee_a",
        STAFF_OTHERS,
        json=True,
        data=lambda w: {"reason": "张三的记录有误，需复核"},
        extra_refused=NOT_COMMITTEE,
    ),
    Route(
        "api:get /api/honours/mine",
        "get",
        _after(_confirmed, "/api/honours/mine"),
        "villager_a",
        [],
        json=True,
        villager_allowed=True,
        extra_refused=NOT_VILLAGER,
        secret="月度信用之星",
    ),
    Route(
        "api:get /api/honours/rewards",
        "get",
        lambda w: "/api/honours/rewards",
        "committee_a",
        STAFF_OTHERS,
        json=True,
        extra_refused=NOT_COMMITTEE,
        secret=A_CODE,
    ),
    Route(
        "api:post /api/honours/rewards",
        "post",
        lambda w: "/api/honours/rewards",
        "committee_a",
        STAFF_OTHERS,
        json=True,
        data=lambda w: {"village_code": A_CODE, "kind": "star", "item_code": "CM-R15"},
        extra_refused=NOT_COMMITTEE,
        secret="CM-R15",
    ),
]
