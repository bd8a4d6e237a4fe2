"""Routes of the blacklist and credit repair, and of carry-over (结转).

Each URL builds the situation it needs through the actions (a candidate, a listed case, a
pending repair application, a carry-over run) before it is tried.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from typing import Any

from django.utils import timezone

from cunxin.blacklist.models import BlacklistCase, RepairApplication
from cunxin.blacklist.tests.helpers import (
    JPEG,
    applied,
    listed_case,
    make_effective,
    repairable_case,
    serious_candidate,
)
from cunxin.conftest import World
from cunxin.records.actions.carryover import do_carry_over
from cunxin.records.models import CarryOverRun
from cunxin.tests.access import Route, resident, upload

TODAY = timezone.localdate()
IN_A_YEAR = TODAY + datetime.timedelta(days=365)
REASON = "家庭暴力经公安机关查实"  # the listed case's reason (see helpers.listed_case)

STAFF_OTHERS = ["clerk2", "collector_b"]
NOT_COMMITTEE = ["collector_a", "clerk", "keeper_a"]
NOT_VILLAGER = ["committee_a", "collector_a", "clerk"]
NOT_CENTRE = ["committee_a", "collector_a"]


def _after(
    setup: Callable[[World], object], url: str | Callable[[World], str]
) -> Callable[[World], str]:
    """The URL, once the situation it needs is built."""

    def build(w: World) -> str:
        setup(w)
        return url(w) if callable(url) else url

    return build


def _candidate(w: World) -> int:
    serious_candidate(w)
    return resident(w).pk


def _case(w: World) -> BlacklistCase:
    return listed_case(w)


def _pending(w: World) -> RepairApplication:
    return applied(w, repairable_case(w))


def _confirm_data(w: World) -> dict[str, Any]:
    return {
        "reason": "家庭暴力经公安机关查实",
        "restrictions": ["政策扶持", "评优评先"],
        "other_restrictions": "",
        "ends_on": IN_A_YEAR.isoformat(),
    }


def _repair_form(w: World) -> dict[str, Any]:
    return {
        "volunteer_hours": "12",
        "text": "列入以来参加环境整治志愿服务十次。",
        "commitment_signed": "on",
        "commitment_file": upload(JPEG, "承诺书.jpg"),
    }


def _with_points(w: World) -> str:
    make_effective(w, [("张三", "PW-R01", "2")])
    return w.village_a.code


def _run(w: World) -> CarryOverRun:
    _with_points(w)
    return do_carry_over(w.village_a, TODAY, acting_user=w.clerk).run


ROUTES = [
    # --- pages: the committee ------------------------------------------------------------------
    Route(
        "blacklist:index",
        "get",
        _after(_candidate, "/blacklist/"),
        "committee_a",
        STAFF_OTHERS,
        extra_refused=NOT_COMMITTEE,
    ),
    Route(
        "blacklist:cases",
        "get",
        _after(_case, "/blacklist/cases/?status=listed"),
        "committee_a",
        STAFF_OTHERS,
        extra_refused=NOT_COMMITTEE,
    ),
    Route(
        "blacklist:case",
        "get",
        lambda w: f"/blacklist/cases/{_case(w).pk}/",
        "committee_a",
        STAFF_OTHERS,
        extra_refused=NOT_COMMITTEE,
        secret=REASON,
    ),
    Route(
        "blacklist:candidate",
        "get",
        lambda w: f"/blacklist/candidates/{_candidate(w)}/",
        "committee_a",
        STAFF_OTHERS,
        extra_refused=NOT_COMMITTEE,
        secret="家庭暴力经查实",
    ),
    Route(
        "blacklist:confirm",
        "post",
        lambda w: f"/blacklist/candidates/{_candidate(w)}/confirm/",
        "committee_a",
        STAFF_OTHERS,
        data=_confirm_data,
        extra_refused=NOT_COMMITTEE,
        ok=(302,),
    ),
    Route(
        "blacklist:dismiss",
        "post",
        lambda w: f"/blacklist/candidates/{_candidate(w)}/dismiss/",
        "committee_a",
        STAFF_OTHERS,
        data=lambda w: {"reason": "已真诚悔改并取得谅解"},
        extra_refused=NOT_COMMITTEE,
        ok=(302,),
    ),
    Route(
        "blacklist:repairs",
        "get",
        _after(_pending, "/blacklist/repairs/"),
        "committee_a",
        STAFF_OTHERS,
        extra_refused=NOT_COMMITTEE,
    ),
    Route(
        "blacklist:rule",
        "post",
        lambda w: f"/blacklist/repairs/{_pending(w).pk}/rule/",
        "committee_a",
        STAFF_OTHERS,
        data=lambda w: {"approve": "0", "reason": "志愿服务时长不足"},
        extra_refused=NOT_COMMITTEE,
        ok=(302,),
    ),
    Route(
        "blacklist:repair_file",
        "get",
        lambda w: f"/blacklist/repairs/{_pending(w).pk}/file/",
        "committee_a",
        STAFF_OTHERS,
        villager_allowed=True,  # the applicant sees their own scan
        extra_refused=NOT_COMMITTEE,
        secret="JFIF",  # the marker of a JPEG (the test photos are real now)
    ),
    # --- pages: the villager -------------------------------------------------------------------
    Route(
        "blacklist:me",
        "get",
        _after(_case, "/blacklist/me/"),
        "villager_a",
        [],
        villager_allowed=True,
        extra_refused=NOT_VILLAGER,
        secret=REASON,
    ),
    Route(
        "blacklist:apply",
        "post",
        lambda w: f"/blacklist/cases/{repairable_case(w).pk}/repair/",
        "villager_a",
        [],
        data=_repair_form,
        villager_allowed=True,
        extra_refused=NOT_VILLAGER,
        ok=(302,),
    ),
    # --- pages: carry-over ---------------------------------------------------------------------
    Route(
        "carryover:index",
        "get",
        _after(_run, "/records/carry-over/"),
        "clerk",
        ["clerk2"],
        extra_refused=NOT_CENTRE,
        secret="前双村",
    ),
    Route(
        "carryover:preview",
        "get",
        _after(
            _with_points,
            lambda w: (
                f"/records/carry-over/preview/?village={w.village_a.pk}"
                f"&period_end={TODAY.isoformat()}&all=1"
            ),
        ),
        "clerk",
        ["clerk2"],
        extra_refused=NOT_CENTRE,
    ),
    Route(
        "carryover:run",
        "post",
        _after(_with_points, "/records/carry-over/run/"),
        "clerk",
        ["clerk2"],
        data=lambda w: {"village": w.village_a.pk, "period_end": TODAY.isoformat()},
        extra_refused=NOT_CENTRE,
        ok=(302,),
    ),
    Route(
        "carryover:detail",
        "get",
        lambda w: f"/records/carry-over/{_run(w).pk}/",
        "clerk",
        ["clerk2"],
        extra_refused=NOT_CENTRE,
        secret="前双村",
    ),
    # --- API -----------------------------------------------------------------------------------
    Route(
        "api:get /api/blacklist/candidates",
        "get",
        _after(_candidate, "/api/blacklist/candidates"),
        "committee_a",
        STAFF_OTHERS,
        json=True,
        extra_refused=NOT_COMMITTEE,
    ),
    Route(
        "api:post /api/blacklist/candidates/{resident_id}/confirm",
        "post",
        lambda w: f"/api/blacklist/candidates/{_candidate(w)}/confirm",
        "committee_a",
        STAFF_OTHERS,
        json=True,
        data=lambda w: {
            "reason": REASON,
            "restrictions": ["政策扶持"],
            "ends_on": IN_A_YEAR.isoformat(),
        },
        extra_refused=NOT_COMMITTEE,
        ok=(201,),
    ),
    Route(
        "api:post /api/blacklist/candidates/{resident_id}/dismiss",
        "post",
        lambda w: f"/api/blacklist/candidates/{_candidate(w)}/dismiss",
        "committee_a",
        STAFF_OTHERS,
        json=True,
        data=lambda w: {"reason": "已真诚悔改并取得谅解"},
        extra_refused=NOT_COMMITTEE,
        ok=(201,),
    ),
    Route(
        "api:get /api/blacklist/cases",
        "get",
        _after(_case, "/api/blacklist/cases"),
        "committee_a",
        STAFF_OTHERS,
        json=True,
        extra_refused=NOT_COMMITTEE,
    ),
    Route(
        "api:get /api/blacklist/cases/{case_id}",
        "get",
        lambda w: f"/api/blacklist/cases/{_case(w).pk}",
        "committee_a",
        STAFF_OTHERS,
        json=True,
        villager_allowed=True,  # their own case
        extra_refused=NOT_COMMITTEE,
        secret=REASON,
    ),
    Route(
        "api:get /api/blacklist/me",
        "get",
        _after(_case, "/api/blacklist/me"),
        "villager_a",
        [],
        json=True,
        villager_allowed=True,
        extra_refused=NOT_VILLAGER,
        secret=REASON,
    ),
    Route(
        "api:post /api/blacklist/cases/{case_id}/repair",
        "post",
        lambda w: f"/api/blacklist/cases/{repairable_case(w).pk}/repair",
        "villager_a",
        [],
        data=_repair_form,
        villager_allowed=True,
        extra_refused=NOT_VILLAGER,
        ok=(201,),
        secret="pending",
    ),
    Route(
        "api:get /api/blacklist/repairs",
        "get",
        _after(_pending, "/api/blacklist/repairs"),
        "committee_a",
        STAFF_OTHERS,
        json=True,
        extra_refused=NOT_COMMITTEE,
    ),
    Route(
        "api:post /api/blacklist/repairs/{application_id}/rule",
        "post",
        lambda w: f"/api/blacklist/repairs/{_pending(w).pk}/rule",
        "committee_a",
        STAFF_OTHERS,
        json=True,
        data=lambda w: {"approve": True, "reason": "表现良好"},
        extra_refused=NOT_COMMITTEE,
        secret="approved",
    ),
    Route(
        "api:get /api/blacklist/carry-over/plan",
        "get",
        lambda w: (
            f"/api/blacklist/carry-over/plan?village_code={_with_points(w)}"
            f"&period_end={TODAY.isoformat()}"
        ),
        "clerk",
        ["clerk2"],
        json=True,
        extra_refused=NOT_CENTRE,
    ),
    Route(
        "api:post /api/blacklist/carry-over/runs",
        "post",
        lambda w: "/api/blacklist/carry-over/runs",
        "clerk",
        ["clerk2"],
        json=True,
        data=lambda w: {"village_code": _with_points(w), "period_end": TODAY.isoformat()},
        extra_refused=NOT_CENTRE,
        ok=(201,),
        secret="residents_changed",
    ),
    Route(
        "api:get /api/blacklist/carry-over/runs",
        "get",
        _after(_run, "/api/blacklist/carry-over/runs"),
        "clerk",
        ["clerk2"],
        json=True,
        extra_refused=NOT_CENTRE,
        secret=TODAY.isoformat(),
    ),
]
