"""Shapes of the volunteering API, and turning rows into them."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

from django.urls import reverse
from ninja import Field, Schema

from cunxin.core.fields import Code, Count, Hours, Id, Line, Moment, Name, Note, Secret
from cunxin.volunteering.models import Activity, SignUp, Team, TeamMember
from cunxin.volunteering.selectors import Figures, PositionLine


class MemberOut(Schema):
    id: int
    resident_id: int
    name: str
    joined_on: datetime.date


class TeamOut(Schema):
    id: int
    village_code: str
    village_name: str
    name: str
    description: str
    active: bool
    leader_id: int | None
    leader_name: str | None


class TeamDetailOut(TeamOut):
    members: list[MemberOut]


def team_out(team: Team, members: list[TeamMember] | None = None) -> dict[str, Any]:
    body: dict[str, Any] = {
        "id": team.pk,
        "village_code": team.village.code,
        "village_name": team.village.name,
        "name": team.name,
        "description": team.description,
        "active": team.active,
        "leader_id": team.leader_id,
        "leader_name": team.leader.name if team.leader else None,
    }
    if members is not None:
        body["members"] = [
            {
                "id": m.pk,
                "resident_id": m.resident_id,
                "name": m.resident.name,
                "joined_on": m.joined_on,
            }
            for m in members
        ]
    return body


class TeamIn(Schema):
    village_code: Code
    name: Name
    description: Line = ""


class TeamEditIn(Schema):
    name: Name
    description: Line = ""
    active: bool = True


class MemberIn(Schema):
    resident_id: Id


class LeaderIn(Schema):
    resident_id: Id | None = None


class PositionOut(Schema):
    id: int
    name: str
    quota: int
    planned_hours: Decimal
    taken: int
    waiting: int


class MySignUpOut(Schema):
    id: int
    position_id: int
    status: str
    status_label: str
    check_in_at: datetime.datetime | None
    check_out_at: datetime.datetime | None
    hours: Decimal | None
    record_id: int | None
    record_error: str


class ActivityOut(Schema):
    id: int
    region_code: str
    region_name: str
    team_id: int | None
    title: str
    description: str
    place: str
    starts_at: datetime.datetime
    ends_at: datetime.datetime
    sign_up_deadline: datetime.datetime
    item_code: str
    status: str
    status_label: str
    cancel_reason: str
    url: str


class ActivityDetailOut(ActivityOut):
    positions: list[PositionOut]
    mine: MySignUpOut | None


def activity_out(
    activity: Activity,
    lines: list[PositionLine] | None = None,
    mine: SignUp | None = None,
) -> dict[str, Any]:
    body: dict[str, Any] = {
        "id": activity.pk,
        "region_code": activity.region.code,
        "region_name": activity.region.name,
        "team_id": activity.team_id,
        "title": activity.title,
        "description": activity.description,
        "place": activity.place,
        "starts_at": activity.starts_at,
        "ends_at": activity.ends_at,
        "sign_up_deadline": activity.sign_up_deadline,
        "item_code": activity.item_code,
        "status": activity.status,
        "status_label": str(activity.get_status_display()),
        "cancel_reason": activity.cancel_reason,
        "url": reverse("volunteering:activity", args=[activity.pk]),
    }
    if lines is not None:
        body["positions"] = [
            {
                "id": line.position.pk,
                "name": line.position.name,
                "quota": line.position.quota,
                "planned_hours": line.position.planned_hours,
                "taken": line.taken,
                "waiting": line.waiting,
            }
            for line in lines
        ]
        body["mine"] = my_sign_up_out(mine) if mine is not None else None
    return body


def my_sign_up_out(s: SignUp) -> dict[str, Any]:
    return {
        "id": s.pk,
        "position_id": s.position_id,
        "status": s.status,
        "status_label": str(s.get_status_display()),
        "check_in_at": s.check_in_at,
        "check_out_at": s.check_out_at,
        "hours": s.hours,
        "record_id": s.record_id,
        "record_error": s.record_error,
    }


class SignUpOut(MySignUpOut):
    activity_id: int
    activity_title: str
    resident_id: int
    name: str
    village_name: str
    position_name: str
    queued_at: datetime.datetime


def sign_up_out(s: SignUp) -> dict[str, Any]:
    return {
        **my_sign_up_out(s),
        "activity_id": s.activity_id,
        "activity_title": s.activity.title,
        "resident_id": s.resident_id,
        "name": s.resident.name,
        "village_name": s.resident.village.name,
        "position_name": s.position.name,
        "queued_at": s.queued_at,
    }


class PositionIn(Schema):
    id: Id | None = None
    name: Name
    quota: Count
    planned_hours: Hours


class ActivityIn(Schema):
    region_code: Code
    title: Line
    place: Line
    starts_at: Moment
    ends_at: Moment
    sign_up_deadline: Moment
    item_code: Code = ""
    description: Note = ""
    team_id: Id | None = None
    positions: list[PositionIn] = Field(max_length=50)


class ActivityCancelIn(Schema):
    reason: Line


class SignUpIn(Schema):
    resident_id: Id | None = None  # none: the villager signs up themselves
    position_id: Id | None = None


class PositionChoiceIn(Schema):
    position_id: Id


class TimeIn(Schema):
    at: Moment | None = None


class ScanIn(Schema):
    token: Secret


class ScanOut(Schema):
    checked_out: bool
    sign_up: MySignUpOut


class AttendanceCodeOut(Schema):
    url: str
    token: str
    valid_seconds: int
    opens: datetime.datetime
    closes: datetime.datetime


class CompletionOut(Schema):
    activity: ActivityOut
    record_ids: list[int]
    approved_ids: list[int]
    refused: list[SignUpOut]


class VolunteerFiguresOut(Schema):
    region_code: str
    region_name: str
    year: int | None
    teams: int
    volunteers: int
    activities: int
    hours: float
    labour_value_fen: int


def figures_out(region: Any, year: int | None, f: Figures) -> dict[str, Any]:
    return {
        "region_code": region.code,
        "region_name": region.name,
        "year": year,
        "teams": f.teams,
        "volunteers": f.volunteers,
        "activities": f.activities,
        "hours": f.hours,
        "labour_value_fen": f.labour_value_fen,
    }
