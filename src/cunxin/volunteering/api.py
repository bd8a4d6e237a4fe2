"""API of volunteering: the same actions and selectors as the pages, scoped the same way."""

from __future__ import annotations

import datetime
from typing import Any

from django.http import Http404, HttpRequest
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils import timezone
from ninja import Query, Router, Status

from cunxin.accounts.permissions import Perm
from cunxin.core.fields import Code, Id, Year
from cunxin.core.http import api_check
from cunxin.core.paging import Page, PageIn, paginate
from cunxin.people.models import Resident
from cunxin.volunteering import schemas, selectors
from cunxin.volunteering.actions.activities import (
    ActivityData,
    PositionData,
    do_cancel_activity,
    do_create_activity,
    do_edit_activity,
    do_publish_activity,
)
from cunxin.volunteering.actions.attendance import (
    QR_MAX_AGE,
    attendance_token,
    do_check_in,
    do_check_out,
    do_rotate_code,
    do_scan,
    window,
)
from cunxin.volunteering.actions.completion import do_complete_activity
from cunxin.volunteering.actions.signups import do_move_sign_up, do_sign_up, do_withdraw
from cunxin.volunteering.actions.teams import (
    do_add_member,
    do_create_team,
    do_edit_team,
    do_remove_member,
    do_set_leader,
)
from cunxin.volunteering.hourly import default_item_code
from cunxin.volunteering.models import Activity, Position, SignUp, SignUpStatus, Team, TeamMember

router = Router(tags=["volunteering"])


# --- teams -------------------------------------------------------------------------------------


def _team(request: HttpRequest, team_id: Id) -> Team:
    team: Team = get_object_or_404(selectors.teams_for(request.user), pk=team_id)
    return team


def _team_detail(team: Team) -> dict[str, Any]:
    team = Team.objects.select_related("village", "leader").get(pk=team.pk)
    return schemas.team_out(team, list(selectors.current_members(team)))


@router.get("/teams", response=Page[schemas.TeamOut], summary="志愿服务队")
def list_teams(
    request: HttpRequest, paging: Query[PageIn], village_code: Code = ""
) -> dict[str, Any]:
    api_check(request, Perm.CHECK_IN)
    teams = selectors.teams_for(request.user)
    if village_code:
        teams = teams.filter(village__code=village_code)
    return paginate(teams, paging, schemas.team_out)


@router.post("/teams", response={201: schemas.TeamDetailOut}, summary="新建志愿服务队")
def create_team(request: HttpRequest, payload: schemas.TeamIn) -> Status[dict[str, Any]]:
    api_check(request, Perm.MANAGE_TEAMS)
    village = get_object_or_404(selectors.team_villages(request.user), code=payload.village_code)
    team = do_create_team(
        village, name=payload.name, description=payload.description, acting_user=request.user
    )
    return Status(201, _team_detail(team))


@router.get("/teams/{team_id}", response=schemas.TeamDetailOut, summary="志愿服务队及队员")
def get_team(request: HttpRequest, team_id: Id) -> dict[str, Any]:
    api_check(request, Perm.CHECK_IN)
    return _team_detail(_team(request, team_id))


@router.post("/teams/{team_id}", response=schemas.TeamDetailOut, summary="修改志愿服务队")
def edit_team(request: HttpRequest, team_id: Id, payload: schemas.TeamEditIn) -> dict[str, Any]:
    api_check(request, Perm.MANAGE_TEAMS)
    team = do_edit_team(
        _team(request, team_id),
        name=payload.name,
        description=payload.description,
        active=payload.active,
        acting_user=request.user,
    )
    return _team_detail(team)


@router.post(
    "/teams/{team_id}/members",
    response={201: schemas.TeamDetailOut},
    summary="添加队员（本村村民）",
)
def add_member(
    request: HttpRequest, team_id: Id, payload: schemas.MemberIn
) -> Status[dict[str, Any]]:
    api_check(request, Perm.MANAGE_TEAMS)
    team = _team(request, team_id)
    resident = get_object_or_404(
        Resident.objects.restrict(request.user, Perm.MANAGE_TEAMS).select_related("village"),
        pk=payload.resident_id,
    )
    do_add_member(team, resident, acting_user=request.user)
    return Status(201, _team_detail(team))


@router.post(
    "/teams/{team_id}/members/{member_id}/remove",
    response=schemas.TeamDetailOut,
    summary="队员离队",
)
def remove_member(request: HttpRequest, team_id: Id, member_id: Id) -> dict[str, Any]:
    api_check(request, Perm.MANAGE_TEAMS)
    team = _team(request, team_id)
    member = get_object_or_404(
        TeamMember.objects.select_related("resident"), pk=member_id, team=team
    )
    do_remove_member(member, acting_user=request.user)
    return _team_detail(team)


@router.post("/teams/{team_id}/leader", response=schemas.TeamDetailOut, summary="设置队长")
def set_leader(request: HttpRequest, team_id: Id, payload: schemas.LeaderIn) -> dict[str, Any]:
    api_check(request, Perm.MANAGE_TEAMS)
    team = _team(request, team_id)
    resident = (
        get_object_or_404(Resident.objects.filter(village=team.village), pk=payload.resident_id)
        if payload.resident_id is not None
        else None
    )
    do_set_leader(team, resident, acting_user=request.user)
    return _team_detail(team)


# --- activities --------------------------------------------------------------------------------


def _visible(request: HttpRequest, activity_id: Id) -> Activity:
    activity: Activity = get_object_or_404(selectors.activities_for(request.user), pk=activity_id)
    return activity


def _managed(request: HttpRequest, activity_id: Id) -> Activity:
    activity: Activity = get_object_or_404(
        selectors.managed_activities(request.user), pk=activity_id
    )
    return activity


def _detail(request: HttpRequest, activity: Activity) -> dict[str, Any]:
    activity = Activity.objects.select_related("region", "team").get(pk=activity.pk)
    mine = selectors.live_sign_up(activity, getattr(request.user, "resident_id", None))
    return schemas.activity_out(activity, selectors.position_lines(activity), mine)


def _aware(moment: datetime.datetime) -> datetime.datetime:
    """A time sent without a zone is read as local (Asia/Shanghai) time."""
    return timezone.make_aware(moment) if timezone.is_naive(moment) else moment


def _data(request: HttpRequest, payload: schemas.ActivityIn) -> ActivityData:
    region = get_object_or_404(selectors.organising_regions(request.user), code=payload.region_code)
    team = (
        get_object_or_404(selectors.teams_to_organise(request.user), pk=payload.team_id)
        if payload.team_id is not None
        else None
    )
    starts_at = _aware(payload.starts_at)
    return ActivityData(
        region=region,
        title=payload.title,
        place=payload.place,
        starts_at=starts_at,
        ends_at=_aware(payload.ends_at),
        sign_up_deadline=_aware(payload.sign_up_deadline),
        item_code=payload.item_code
        or default_item_code(region, timezone.localtime(starts_at).date()),
        positions=[
            PositionData(name=p.name, quota=p.quota, planned_hours=p.planned_hours, id=p.id)
            for p in payload.positions
        ],
        description=payload.description,
        team=team,
    )


@router.get(
    "/activities",
    response=Page[schemas.ActivityOut],
    summary="志愿活动（村民：本村和本镇已发布的；past=true：往期）",
)
def list_activities(
    request: HttpRequest, paging: Query[PageIn], past: bool = False
) -> dict[str, Any]:
    api_check(request, Perm.VIEW_VOLUNTEERING, regions=False)
    activities = selectors.activities_for(request.user)
    if past:
        activities = activities.filter(status__in=["cancelled", "completed"]).order_by(
            "-starts_at", "-pk"
        )
    else:
        activities = activities.filter(status__in=["draft", "published"]).order_by(
            "starts_at", "pk"
        )
    return paginate(activities, paging, schemas.activity_out)


@router.post(
    "/activities", response={201: schemas.ActivityDetailOut}, summary="新建活动（草稿）及岗位"
)
def create_activity(request: HttpRequest, payload: schemas.ActivityIn) -> Status[dict[str, Any]]:
    api_check(request, Perm.MANAGE_ACTIVITIES)
    activity = do_create_activity(_data(request, payload), acting_user=request.user)
    return Status(201, _detail(request, activity))


@router.get(
    "/activities/{activity_id}", response=schemas.ActivityDetailOut, summary="活动详情与我的报名"
)
def get_activity(request: HttpRequest, activity_id: Id) -> dict[str, Any]:
    api_check(request, Perm.VIEW_VOLUNTEERING, regions=False)
    return _detail(request, _visible(request, activity_id))


@router.post(
    "/activities/{activity_id}",
    response=schemas.ActivityDetailOut,
    summary="修改活动（已报名的村民会收到通知）",
)
def edit_activity(
    request: HttpRequest, activity_id: Id, payload: schemas.ActivityIn
) -> dict[str, Any]:
    api_check(request, Perm.MANAGE_ACTIVITIES)
    activity = _managed(request, activity_id)
    activity = do_edit_activity(activity, _data(request, payload), acting_user=request.user)
    return _detail(request, activity)


@router.post(
    "/activities/{activity_id}/publish", response=schemas.ActivityDetailOut, summary="发布活动"
)
def publish_activity(request: HttpRequest, activity_id: Id) -> dict[str, Any]:
    api_check(request, Perm.MANAGE_ACTIVITIES)
    activity = do_publish_activity(_managed(request, activity_id), acting_user=request.user)
    return _detail(request, activity)


@router.post(
    "/activities/{activity_id}/cancel",
    response=schemas.ActivityDetailOut,
    summary="取消活动（须写原因，报名的村民会收到通知）",
)
def cancel_activity(
    request: HttpRequest, activity_id: Id, payload: schemas.ActivityCancelIn
) -> dict[str, Any]:
    api_check(request, Perm.MANAGE_ACTIVITIES)
    activity = do_cancel_activity(
        _managed(request, activity_id), reason=payload.reason, acting_user=request.user
    )
    return _detail(request, activity)


@router.post(
    "/activities/{activity_id}/complete",
    response=schemas.CompletionOut,
    summary="结束活动：工时生成加分记录（重复调用不会重复生成）",
)
def complete_activity(request: HttpRequest, activity_id: Id) -> dict[str, Any]:
    api_check(request, Perm.MANAGE_ACTIVITIES)
    done = do_complete_activity(_managed(request, activity_id), acting_user=request.user)
    return {
        "activity": schemas.activity_out(done.activity),
        "record_ids": [r.pk for r in done.records],
        "approved_ids": [r.pk for r in done.approved],
        "refused": [schemas.sign_up_out(s) for s in done.refused],
    }


# --- sign-up -----------------------------------------------------------------------------------


def _sign_ups(request: HttpRequest, activity: Activity, permission: str) -> list[dict[str, Any]]:
    return [
        schemas.sign_up_out(s)
        for s in selectors.sign_ups(activity, request.user, permission).select_related("activity")
    ]


@router.get(
    "/activities/{activity_id}/sign-ups",
    response=list[schemas.SignUpOut],
    summary="报名名单（含候补和已退出）",
)
def list_sign_ups(request: HttpRequest, activity_id: Id) -> list[dict[str, Any]]:
    api_check(request, Perm.MANAGE_ACTIVITIES)
    return _sign_ups(request, _managed(request, activity_id), Perm.MANAGE_ACTIVITIES)


@router.post(
    "/activities/{activity_id}/sign-ups",
    response={201: schemas.SignUpOut},
    summary="报名（村民为自己；采集员、评审会为本村村民）；岗位满员进入候补",
)
def sign_up(
    request: HttpRequest, activity_id: Id, payload: schemas.SignUpIn
) -> Status[dict[str, Any]]:
    api_check(request, Perm.SIGN_UP, regions=False)
    activity = _visible(request, activity_id)
    if payload.resident_id is None:
        resident = getattr(request.user, "resident", None)
        if resident is None:
            raise Http404
    else:
        resident = get_object_or_404(
            Resident.objects.restrict(request.user, Perm.SIGN_UP).select_related("village"),
            pk=payload.resident_id,
        )
    position = (
        get_object_or_404(Position, pk=payload.position_id, activity=activity)
        if payload.position_id is not None
        else None
    )
    done = do_sign_up(activity, resident, position=position, acting_user=request.user)
    return Status(201, schemas.sign_up_out(_reload(done)))


def _reload(sign_up: SignUp) -> SignUp:
    found: SignUp = SignUp.objects.select_related(
        "activity", "resident", "resident__village", "position"
    ).get(pk=sign_up.pk)
    return found


def _own_or_staff_sign_up(request: HttpRequest, sign_up_id: Id, permission: str) -> SignUp:
    sign_up: SignUp = get_object_or_404(
        SignUp.objects.restrict(request.user, permission).select_related("activity"),
        pk=sign_up_id,
    )
    return sign_up


@router.post(
    "/sign-ups/{sign_up_id}/withdraw",
    response=schemas.SignUpOut,
    summary="退出报名（候补第一位自动递补）",
)
def withdraw(request: HttpRequest, sign_up_id: Id) -> dict[str, Any]:
    api_check(request, Perm.SIGN_UP, regions=False)
    sign_up = _own_or_staff_sign_up(request, sign_up_id, Perm.SIGN_UP)
    return schemas.sign_up_out(_reload(do_withdraw(sign_up, acting_user=request.user)))


@router.post(
    "/sign-ups/{sign_up_id}/move", response=schemas.SignUpOut, summary="组织者调整岗位、安排候补"
)
def move(request: HttpRequest, sign_up_id: Id, payload: schemas.PositionChoiceIn) -> dict[str, Any]:
    api_check(request, Perm.MANAGE_ACTIVITIES)
    sign_up = get_object_or_404(
        SignUp.objects.filter(activity__in=selectors.managed_activities(request.user)),
        pk=sign_up_id,
    )
    position = get_object_or_404(Position, pk=payload.position_id, activity_id=sign_up.activity_id)
    return schemas.sign_up_out(
        _reload(do_move_sign_up(sign_up, position, acting_user=request.user))
    )


@router.get("/mine", response=Page[schemas.SignUpOut], summary="我的活动、工时和记录")
def mine(request: HttpRequest, paging: Query[PageIn]) -> dict[str, Any]:
    api_check(request, Perm.SIGN_UP, regions=False)
    sign_ups = selectors.my_sign_ups(request.user).select_related("resident__village")
    return paginate(sign_ups, paging, schemas.sign_up_out)


# --- attendance --------------------------------------------------------------------------------


def _checking(request: HttpRequest, activity_id: Id) -> Activity:
    activity = _visible(request, activity_id)
    if not selectors.overlaps(request.user, Perm.CHECK_IN, activity.region):
        raise Http404
    return activity


@router.get(
    "/activities/{activity_id}/code",
    response=schemas.AttendanceCodeOut,
    summary="签到二维码的地址（几分钟内有效）",
)
def code(request: HttpRequest, activity_id: Id) -> dict[str, Any]:
    api_check(request, Perm.CHECK_IN)
    activity = _checking(request, activity_id)
    token = attendance_token(activity)
    opens, closes = window(activity)
    return {
        "url": request.build_absolute_uri(reverse("volunteering:scan", args=[token])),
        "token": token,
        "valid_seconds": QR_MAX_AGE,
        "opens": opens,
        "closes": closes,
    }


@router.post(
    "/activities/{activity_id}/code/rotate",
    response=schemas.ActivityOut,
    summary="更换签到二维码（之前的全部失效）",
)
def rotate_code(request: HttpRequest, activity_id: Id) -> dict[str, Any]:
    api_check(request, Perm.MANAGE_ACTIVITIES)
    activity = do_rotate_code(_managed(request, activity_id), acting_user=request.user)
    return schemas.activity_out(activity)


@router.post("/scan", response=schemas.ScanOut, summary="扫码签到（第一次）或签退（再次）")
def scan(request: HttpRequest, payload: schemas.ScanIn) -> dict[str, Any]:
    api_check(request, Perm.SIGN_UP, regions=False)
    done = do_scan(payload.token, acting_user=request.user)
    return {"checked_out": done.checked_out, "sign_up": schemas.my_sign_up_out(done.sign_up)}


@router.get(
    "/activities/{activity_id}/attendance",
    response=list[schemas.SignUpOut],
    summary="签到表（本人可签到的村民）",
)
def attendance(request: HttpRequest, activity_id: Id) -> list[dict[str, Any]]:
    api_check(request, Perm.CHECK_IN)
    activity = _checking(request, activity_id)
    return [
        schemas.sign_up_out(s)
        for s in selectors.sign_ups(activity, request.user, Perm.CHECK_IN)
        .filter(status=SignUpStatus.SIGNED_UP)
        .select_related("activity")
    ]


def _checked(request: HttpRequest, sign_up_id: Id) -> SignUp:
    sign_up = _own_or_staff_sign_up(request, sign_up_id, Perm.CHECK_IN)
    _checking(request, sign_up.activity_id)
    return sign_up


@router.post(
    "/sign-ups/{sign_up_id}/check-in",
    response=schemas.SignUpOut,
    summary="手工签到（时间不填为现在）",
)
def check_in(request: HttpRequest, sign_up_id: Id, payload: schemas.TimeIn) -> dict[str, Any]:
    api_check(request, Perm.CHECK_IN)
    sign_up = _checked(request, sign_up_id)
    at = _aware(payload.at) if payload.at else None
    return schemas.sign_up_out(_reload(do_check_in(sign_up, at=at, acting_user=request.user)))


@router.post(
    "/sign-ups/{sign_up_id}/check-out",
    response=schemas.SignUpOut,
    summary="手工签退（时间不填为现在）",
)
def check_out(request: HttpRequest, sign_up_id: Id, payload: schemas.TimeIn) -> dict[str, Any]:
    api_check(request, Perm.CHECK_IN)
    sign_up = _checked(request, sign_up_id)
    at = _aware(payload.at) if payload.at else None
    return schemas.sign_up_out(_reload(do_check_out(sign_up, at=at, acting_user=request.user)))


# --- figures -----------------------------------------------------------------------------------


@router.get(
    "/figures",
    response=schemas.VolunteerFiguresOut,
    summary="志愿服务统计：队伍、志愿者、活动、工时、节省劳务费用（村或镇）",
)
def figures(
    request: HttpRequest, region_code: Code = "", year: Year | None = None
) -> dict[str, Any]:
    api_check(request, Perm.CHECK_IN)
    regions = selectors.figure_regions(request.user)
    region = regions.filter(code=region_code).first() if region_code else regions.first()
    if region is None:
        raise Http404
    return schemas.figures_out(region, year, selectors.figures(region, year))
