"""Routes of volunteering: activities, sign-up, attendance, completion, teams and figures.

Each URL builds what it needs through the actions first: a published activity of 前双村 with
张三 signed up (three days ahead), one going on now, one held and attended, a team.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from typing import Any

from django.utils import timezone

from cunxin.conftest import World
from cunxin.tests.access import Route
from cunxin.volunteering.actions.activities import do_create_activity
from cunxin.volunteering.actions.attendance import attendance_token, do_check_in, do_check_out
from cunxin.volunteering.actions.teams import do_add_member, do_create_team
from cunxin.volunteering.models import Activity, SignUp, Team, TeamMember
from cunxin.volunteering.tests.helpers import RIVER, data, held, published, running, sign

STAFF_OTHERS = ["clerk2", "collector_b"]
NOT_ORGANISER = ["collector_a", "keeper_a"]
V = "/volunteering"
API = "/api/volunteering"


def _activity(w: World) -> Activity:
    """Published, three days ahead, 张三 signed up."""
    activity = published(w)
    sign(w, activity, "张三")
    return activity


def _draft(w: World) -> Activity:
    return do_create_activity(data(w), acting_user=w.committee_a)


def _running(w: World) -> Activity:
    return running(w)


def _attended(w: World) -> Activity:
    """Ended an hour ago; 张三 checked in and out by hand."""
    activity = held(w)
    sign_up = SignUp.objects.get(activity=activity)
    do_check_in(sign_up, at=activity.starts_at, acting_user=w.collector_a)
    do_check_out(sign_up, at=activity.ends_at, acting_user=w.collector_a)
    return activity


def _sign_up(w: World) -> SignUp:
    return SignUp.objects.get(activity=_activity(w))


def _waiting(w: World) -> SignUp:
    """李秀英 waits for the full river position (one place, 张三 holds it)."""
    activity = published(w, positions=[("清理河道", 1, "4"), ("后勤保障", 1, "2")])
    sign(w, activity, "张三")
    return sign(w, activity, "李秀英")


def _team(w: World) -> Team:
    team = do_create_team(w.village_a, name="党员先锋队", acting_user=w.committee_a)
    do_add_member(team, w.resident("张三"), acting_user=w.committee_a)
    return team


def _member(w: World) -> TeamMember:
    return TeamMember.objects.get(team=_team(w))


def _after(setup: Callable[[World], object], url: str) -> Callable[[World], str]:
    def build(w: World) -> str:
        setup(w)
        return url

    return build


def _position(w: World) -> int:
    activity = Activity.objects.order_by("-pk").first()
    assert activity is not None
    return activity.positions.order_by("order", "pk").first().pk  # type: ignore[union-attr]


def _support(w: World) -> int:
    return SignUp.objects.get(resident__name="李秀英").activity.positions.get(name="后勤保障").pk


def _local(moment: datetime.datetime) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%dT%H:%M")


def _form(w: World) -> dict[str, Any]:
    start = timezone.now() + datetime.timedelta(days=5)
    return {
        "region": w.village_a.pk,
        "title": RIVER,
        "team": "",
        "place": "村东河道",
        "starts_at": _local(start),
        "ends_at": _local(start + datetime.timedelta(hours=4)),
        "sign_up_deadline": _local(start - datetime.timedelta(hours=12)),
        "item_code": "PW-R01",
        "description": "",
        "positions-TOTAL_FORMS": "1",
        "positions-INITIAL_FORMS": "0",
        "positions-0-name": "清理河道",
        "positions-0-quota": "20",
        "positions-0-planned_hours": "4",
    }


def _json(w: World) -> dict[str, Any]:
    start = timezone.now() + datetime.timedelta(days=5)
    return {
        "region_code": w.village_a.code,
        "title": RIVER,
        "place": "村东河道",
        "starts_at": start.isoformat(),
        "ends_at": (start + datetime.timedelta(hours=4)).isoformat(),
        "sign_up_deadline": (start - datetime.timedelta(hours=12)).isoformat(),
        "positions": [{"name": "清理河道", "quota": 20, "planned_hours": "4"}],
    }


def _edit_json(w: World) -> dict[str, Any]:
    """The activity just made, moved to the west river, its positions kept."""
    activity = Activity.objects.get()
    positions = [
        {"id": p.pk, "name": p.name, "quota": p.quota, "planned_hours": str(p.planned_hours)}
        for p in activity.positions.all()
    ]
    return {**_json(w), "place": "村西河道", "positions": positions}


def _scan(w: World) -> dict[str, Any]:
    return {"token": attendance_token(Activity.objects.get())}


ROUTES = [
    # --- pages: activities ---------------------------------------------------------------------
    Route(
        "volunteering:index",
        "get",
        _after(_activity, f"{V}/"),
        "committee_a",
        STAFF_OTHERS,
        villager_allowed=True,
        secret=RIVER,
        extra_refused=["keeper_a"],
    ),
    Route(
        "volunteering:mine",
        "get",
        _after(_activity, f"{V}/mine/"),
        "villager_a",
        [],
        villager_allowed=True,
        secret=RIVER,
        extra_refused=["keeper_a", "committee_a", "collector_a"],
    ),
    Route(
        "volunteering:activity",
        "get",
        lambda w: f"{V}/activities/{_activity(w).pk}/",
        "committee_a",
        STAFF_OTHERS,
        villager_allowed=True,
        secret=RIVER,
        extra_refused=["keeper_a"],
    ),
    Route(
        "volunteering:activity_new",
        "get",
        lambda w: f"{V}/activities/new/",
        "committee_a",
        ["clerk2"],
        secret="前双村",
        extra_refused=NOT_ORGANISER,
    ),
    Route(
        "volunteering:activity_new",
        "post",
        lambda w: f"{V}/activities/new/",
        "committee_a",
        ["clerk2"],
        data=_form,
        ok=(302,),
        secret="前双村",  # their own title comes back in the form; the village must not
        extra_refused=NOT_ORGANISER,
    ),
    Route(
        "volunteering:activity_edit",
        "get",
        lambda w: f"{V}/activities/{_activity(w).pk}/edit/",
        "committee_a",
        ["clerk2"],
        secret=RIVER,
        extra_refused=NOT_ORGANISER,
    ),
    Route(
        "volunteering:publish",
        "post",
        lambda w: f"{V}/activities/{_draft(w).pk}/publish/",
        "committee_a",
        ["clerk2"],
        ok=(302,),
        extra_refused=NOT_ORGANISER,
    ),
    Route(
        "volunteering:cancel",
        "post",
        lambda w: f"{V}/activities/{_activity(w).pk}/cancel/",
        "committee_a",
        ["clerk2"],
        data=lambda w: {"reason": "暴雨预警"},
        ok=(302,),
        extra_refused=NOT_ORGANISER,
    ),
    Route(
        "volunteering:complete",
        "post",
        lambda w: f"{V}/activities/{_attended(w).pk}/complete/",
        "committee_a",
        ["clerk2"],
        ok=(302,),
        extra_refused=NOT_ORGANISER,
    ),
    Route(
        "volunteering:signups",
        "get",
        lambda w: f"{V}/activities/{_activity(w).pk}/sign-ups/",
        "committee_a",
        ["clerk2"],
        extra_refused=NOT_ORGANISER,
    ),
    Route(
        "volunteering:move",
        "post",
        lambda w: f"{V}/activities/{(s := _waiting(w)).activity_id}/sign-ups/{s.pk}/move/",
        "committee_a",
        ["clerk2"],
        data=lambda w: {"position": _support(w)},
        ok=(302,),
        extra_refused=NOT_ORGANISER,
    ),
    Route(
        "volunteering:sign_up",
        "post",
        lambda w: f"{V}/activities/{published(w).pk}/sign-up/",
        "villager_a",
        [],
        data=lambda w: {"position": _position(w)},
        villager_allowed=True,
        ok=(302,),
        extra_refused=["keeper_a", "committee_a"],
    ),
    Route(
        "volunteering:sign_up_others",
        "get",
        lambda w: f"{V}/activities/{_activity(w).pk}/sign-up/others/?q=zs",
        "collector_a",
        STAFF_OTHERS,
        extra_refused=["keeper_a"],
    ),
    Route(
        "volunteering:withdraw",
        "post",
        lambda w: f"{V}/sign-ups/{_sign_up(w).pk}/withdraw/",
        "villager_a",
        ["collector_b", "clerk2"],
        villager_allowed=True,
        ok=(302,),
        extra_refused=["keeper_a"],
    ),
    # --- pages: attendance ---------------------------------------------------------------------
    Route(
        "volunteering:qr",
        "get",
        lambda w: f"{V}/activities/{_running(w).pk}/qr/",
        "committee_a",
        STAFF_OTHERS,
        secret="data:image/svg+xml",
        extra_refused=["keeper_a"],
    ),
    Route(
        "volunteering:qr_rotate",
        "post",
        lambda w: f"{V}/activities/{_running(w).pk}/qr/rotate/",
        "committee_a",
        ["clerk2"],
        ok=(302,),
        extra_refused=NOT_ORGANISER,
    ),
    Route(
        "volunteering:attendance",
        "get",
        lambda w: f"{V}/activities/{_running(w).pk}/attendance/",
        "collector_a",
        STAFF_OTHERS,
        extra_refused=["keeper_a"],
    ),
    Route(
        "volunteering:check",
        "post",
        lambda w: (
            f"{V}/activities/{(a := _running(w)).pk}/attendance/"
            f"{SignUp.objects.get(activity=a).pk}/"
        ),
        "collector_a",
        STAFF_OTHERS,
        data=lambda w: {"direction": "in"},
        ok=(302,),
        extra_refused=["keeper_a"],
    ),
    Route(
        "volunteering:scan",
        "get",
        lambda w: f"{V}/scan/{attendance_token(_running(w))}/",
        "villager_a",
        ["collector_b", "clerk2"],
        villager_allowed=True,
        secret=RIVER,
        extra_refused=["keeper_a"],
    ),
    # --- pages: teams and figures --------------------------------------------------------------
    Route(
        "volunteering:teams",
        "get",
        _after(_team, f"{V}/teams/"),
        "committee_a",
        STAFF_OTHERS,
        secret="党员先锋队",
        extra_refused=["keeper_a"],
    ),
    Route(
        "volunteering:team_new",
        "get",
        lambda w: f"{V}/teams/new/",
        "committee_a",
        ["clerk2"],
        secret="前双村",
        extra_refused=NOT_ORGANISER,
    ),
    Route(
        "volunteering:team",
        "get",
        lambda w: f"{V}/teams/{_team(w).pk}/",
        "committee_a",
        STAFF_OTHERS,
        extra_refused=["keeper_a"],
    ),
    Route(
        "volunteering:team_edit",
        "post",
        lambda w: f"{V}/teams/{_team(w).pk}/edit/",
        "committee_a",
        ["clerk2"],
        data=lambda w: {"name": "党员先锋队", "description": "村两委党员", "active": "on"},
        ok=(302,),
        extra_refused=NOT_ORGANISER,
    ),
    Route(
        "volunteering:add_member",
        "post",
        lambda w: f"{V}/teams/{_team(w).pk}/members/",
        "committee_a",
        ["clerk2"],
        data=lambda w: {"resident": w.resident("李秀英").pk},
        ok=(302,),
        extra_refused=NOT_ORGANISER,
    ),
    Route(
        "volunteering:remove_member",
        "post",
        lambda w: f"{V}/teams/{(m := _member(w)).team_id}/members/{m.pk}/remove/",
        "committee_a",
        ["clerk2"],
        ok=(302,),
        extra_refused=NOT_ORGANISER,
    ),
    Route(
        "volunteering:leader",
        "post",
        lambda w: f"{V}/teams/{_team(w).pk}/leader/",
        "committee_a",
        ["clerk2"],
        data=lambda w: {"resident": w.resident("张三").pk},
        ok=(302,),
        extra_refused=NOT_ORGANISER,
    ),
    Route(
        "volunteering:figures",
        "get",
        _after(_attended, f"{V}/figures/"),
        "committee_a",
        STAFF_OTHERS,
        secret="前双村",
        extra_refused=["keeper_a"],
    ),
    # --- API: teams ----------------------------------------------------------------------------
    Route(
        "api:get /api/volunteering/teams",
        "get",
        _after(_team, f"{API}/teams"),
        "committee_a",
        STAFF_OTHERS,
        json=True,
        secret="党员先锋队",
        extra_refused=["keeper_a"],
    ),
    Route(
        "api:post /api/volunteering/teams",
        "post",
        lambda w: f"{API}/teams",
        "committee_a",
        ["clerk2"],
        json=True,
        data=lambda w: {"village_code": w.village_a.code, "name": "巾帼服务队"},
        ok=(201,),
        secret="巾帼服务队",
        extra_refused=NOT_ORGANISER,
    ),
    Route(
        "api:get /api/volunteering/teams/{team_id}",
        "get",
        lambda w: f"{API}/teams/{_team(w).pk}",
        "committee_a",
        STAFF_OTHERS,
        json=True,
        extra_refused=["keeper_a"],
    ),
    Route(
        "api:post /api/volunteering/teams/{team_id}",
        "post",
        lambda w: f"{API}/teams/{_team(w).pk}",
        "committee_a",
        ["clerk2"],
        json=True,
        data=lambda w: {"name": "党员先锋队", "description": "村两委党员"},
        secret="村两委党员",
        extra_refused=NOT_ORGANISER,
    ),
    Route(
        "api:post /api/volunteering/teams/{team_id}/members",
        "post",
        lambda w: f"{API}/teams/{_team(w).pk}/members",
        "committee_a",
        ["clerk2"],
        json=True,
        data=lambda w: {"resident_id": w.resident("李秀英").pk},
        ok=(201,),
        secret="李秀英",
        extra_refused=NOT_ORGANISER,
    ),
    Route(
        "api:post /api/volunteering/teams/{team_id}/members/{member_id}/remove",
        "post",
        lambda w: f"{API}/teams/{(m := _member(w)).team_id}/members/{m.pk}/remove",
        "committee_a",
        ["clerk2"],
        json=True,
        secret="党员先锋队",
        extra_refused=NOT_ORGANISER,
    ),
    Route(
        "api:post /api/volunteering/teams/{team_id}/leader",
        "post",
        lambda w: f"{API}/teams/{_team(w).pk}/leader",
        "committee_a",
        ["clerk2"],
        json=True,
        data=lambda w: {"resident_id": w.resident("张三").pk},
        extra_refused=NOT_ORGANISER,
    ),
    # --- API: activities -----------------------------------------------------------------------
    Route(
        "api:get /api/volunteering/activities",
        "get",
        _after(_activity, f"{API}/activities"),
        "committee_a",
        STAFF_OTHERS,
        json=True,
        villager_allowed=True,
        secret=RIVER,
        extra_refused=["keeper_a"],
    ),
    Route(
        "api:post /api/volunteering/activities",
        "post",
        lambda w: f"{API}/activities",
        "committee_a",
        ["clerk2"],
        json=True,
        data=_json,
        ok=(201,),
        secret=RIVER,
        extra_refused=NOT_ORGANISER,
    ),
    Route(
        "api:get /api/volunteering/activities/{activity_id}",
        "get",
        lambda w: f"{API}/activities/{_activity(w).pk}",
        "villager_a",
        STAFF_OTHERS,
        json=True,
        villager_allowed=True,
        secret="signed_up",  # their own sign-up
        extra_refused=["keeper_a"],
    ),
    Route(
        "api:post /api/volunteering/activities/{activity_id}",
        "post",
        lambda w: f"{API}/activities/{_activity(w).pk}",
        "committee_a",
        ["clerk2"],
        json=True,
        data=_edit_json,
        secret="村西河道",
        extra_refused=NOT_ORGANISER,
    ),
    Route(
        "api:post /api/volunteering/activities/{activity_id}/publish",
        "post",
        lambda w: f"{API}/activities/{_draft(w).pk}/publish",
        "committee_a",
        ["clerk2"],
        json=True,
        secret="published",
        extra_refused=NOT_ORGANISER,
    ),
    Route(
        "api:post /api/volunteering/activities/{activity_id}/cancel",
        "post",
        lambda w: f"{API}/activities/{_activity(w).pk}/cancel",
        "committee_a",
        ["clerk2"],
        json=True,
        data=lambda w: {"reason": "暴雨预警"},
        secret="暴雨预警",
        extra_refused=NOT_ORGANISER,
    ),
    Route(
        "api:post /api/volunteering/activities/{activity_id}/complete",
        "post",
        lambda w: f"{API}/activities/{_attended(w).pk}/complete",
        "committee_a",
        ["clerk2"],
        json=True,
        secret="completed",
        extra_refused=NOT_ORGANISER,
    ),
    Route(
        "api:get /api/volunteering/activities/{activity_id}/sign-ups",
        "get",
        lambda w: f"{API}/activities/{_activity(w).pk}/sign-ups",
        "committee_a",
        ["clerk2"],
        json=True,
        extra_refused=NOT_ORGANISER,
    ),
    Route(
        "api:post /api/volunteering/activities/{activity_id}/sign-ups",
        "post",
        lambda w: f"{API}/activities/{published(w).pk}/sign-ups",
        "villager_a",
        [],
        json=True,
        data=lambda w: {},
        villager_allowed=True,
        ok=(201,),
        extra_refused=["keeper_a", "committee_a"],
    ),
    Route(
        "api:post /api/volunteering/sign-ups/{sign_up_id}/withdraw",
        "post",
        lambda w: f"{API}/sign-ups/{_sign_up(w).pk}/withdraw",
        "villager_a",
        ["collector_b", "clerk2"],
        json=True,
        villager_allowed=True,
        secret="withdrawn",
        extra_refused=["keeper_a"],
    ),
    Route(
        "api:post /api/volunteering/sign-ups/{sign_up_id}/move",
        "post",
        lambda w: f"{API}/sign-ups/{_waiting(w).pk}/move",
        "committee_a",
        ["clerk2"],
        json=True,
        data=lambda w: {"position_id": _support(w)},
        secret="李秀英",
        extra_refused=NOT_ORGANISER,
    ),
    Route(
        "api:get /api/volunteering/mine",
        "get",
        _after(_activity, f"{API}/mine"),
        "villager_a",
        [],
        json=True,
        villager_allowed=True,
        secret=RIVER,
        extra_refused=["keeper_a", "committee_a", "collector_a"],
    ),
    # --- API: attendance and figures -----------------------------------------------------------
    Route(
        "api:get /api/volunteering/activities/{activity_id}/code",
        "get",
        lambda w: f"{API}/activities/{_running(w).pk}/code",
        "committee_a",
        STAFF_OTHERS,
        json=True,
        secret="/volunteering/scan/",
        extra_refused=["keeper_a"],
    ),
    Route(
        "api:post /api/volunteering/activities/{activity_id}/code/rotate",
        "post",
        lambda w: f"{API}/activities/{_running(w).pk}/code/rotate",
        "committee_a",
        ["clerk2"],
        json=True,
        secret=RIVER,
        extra_refused=NOT_ORGANISER,
    ),
    Route(
        "api:post /api/volunteering/scan",
        "post",
        _after(_running, f"{API}/scan"),
        "villager_a",
        [],
        json=True,
        data=_scan,
        villager_allowed=True,
        secret="check_in_at",
        extra_refused=["keeper_a", "collector_b"],
    ),
    Route(
        "api:get /api/volunteering/activities/{activity_id}/attendance",
        "get",
        lambda w: f"{API}/activities/{_running(w).pk}/attendance",
        "collector_a",
        STAFF_OTHERS,
        json=True,
        extra_refused=["keeper_a"],
    ),
    Route(
        "api:post /api/volunteering/sign-ups/{sign_up_id}/check-in",
        "post",
        lambda w: f"{API}/sign-ups/{SignUp.objects.get(activity=_running(w)).pk}/check-in",
        "collector_a",
        STAFF_OTHERS,
        json=True,
        data=lambda w: {},
        extra_refused=["keeper_a"],
    ),
    Route(
        "api:post /api/volunteering/sign-ups/{sign_up_id}/check-out",
        "post",
        lambda w: f"{API}/sign-ups/{_checked_in(w).pk}/check-out",
        "collector_a",
        STAFF_OTHERS,
        json=True,
        data=lambda w: {},
        secret="hours",
        extra_refused=["keeper_a"],
    ),
    Route(
        "api:get /api/volunteering/figures",
        "get",
        _after(_attended, f"{API}/figures"),
        "committee_a",
        STAFF_OTHERS,
        json=True,
        secret="前双村",
        extra_refused=["keeper_a"],
    ),
]


def _checked_in(w: World) -> SignUp:
    sign_up = SignUp.objects.get(activity=_running(w))
    do_check_in(sign_up, acting_user=w.collector_a)
    return sign_up
