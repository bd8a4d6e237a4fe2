"""API of honours: rounds, their candidates, the committee's changes and confirmation, reward
settings, and a villager's own honours. The same actions and selectors as the pages."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from django.utils import timezone
from ninja import Query, Router, Schema, Status

from cunxin.accounts.permissions import Perm
from cunxin.core.fields import Code, Count, Day, Id, Reason
from cunxin.core.http import api_check
from cunxin.core.paging import Page, PageIn, paginate
from cunxin.honours import actions, ranking, selectors
from cunxin.honours.models import FlagPick, Kind, Round
from cunxin.people.models import Household, Resident
from cunxin.policy.masking import name_view
from cunxin.volunteering.models import Team

router = Router(tags=["honours"])


class StarOut(Schema):
    rank: int
    resident_id: Id
    name: str
    points: int
    penalties: int
    hours: Decimal
    months: int
    how: str
    reason: str
    replaced: str


class FlagOut(Schema):
    team_id: Id
    team: str
    average: Decimal
    points: int
    members: int
    hours: Decimal
    how: str
    reason: str


class DemonstrationHouseholdOut(Schema):
    household_id: Id
    number: str
    members: int
    lowest_score: int
    struck: bool
    reason: str


class RoundEventOut(Schema):
    from_status: str
    to_status: str
    at: datetime.datetime
    actor: str
    reason: str


class ConferralOut(Schema):
    kind: str
    kind_label: str
    resident_id: Id
    name: str
    village_code: str
    period: str
    label: str
    starts_on: datetime.date
    rank: int | None
    record_id: Id | None
    reward_points: int | None
    reward_error: str
    withdrawn: bool
    withdrawn_reason: str


class RoundOut(Schema):
    id: int
    village_code: str
    village: str
    period: str
    label: str
    starts_on: datetime.date
    status: str
    status_label: str
    computed_at: datetime.datetime
    confirmed_at: datetime.datetime | None
    stars: list[StarOut]
    red_flag: FlagOut | None
    households: list[DemonstrationHouseholdOut]
    history: list[RoundEventOut]
    conferrals: list[ConferralOut]


def _conferral_out(c: Any) -> dict[str, Any]:
    return {
        "kind": c.kind,
        "kind_label": str(Kind(c.kind).label),
        "resident_id": c.resident_id,
        "name": c.resident.name,
        "village_code": c.round.village.code,
        "period": c.round.period,
        "label": c.round.label,
        "starts_on": c.round.starts_on,
        "rank": c.rank,
        "record_id": c.record_id,
        "reward_points": c.record.points if c.record else None,
        "reward_error": c.reward_error,
        "withdrawn": c.withdrawn_at is not None,
        "withdrawn_reason": c.withdrawn_reason,
    }


def _round_out(r: Round, request: HttpRequest) -> dict[str, Any]:
    flag = FlagPick.objects.select_related("team").filter(round=r).first()
    choosing = selectors.can_choose(request.user, r.village)
    # A villager reads the village's honours with names masked as the policy says.
    names = name_view(request.user, r.village)
    conferrals = (
        r.conferrals.select_related("resident", "record", "round", "round__village").order_by(
            "kind", "rank", "pk"
        )
        if choosing
        else []
    )
    return {
        "id": r.pk,
        "village_code": r.village.code,
        "village": r.village.name,
        "period": r.period,
        "label": r.label,
        "starts_on": r.starts_on,
        "status": r.status,
        "status_label": r.get_status_display(),
        "computed_at": r.computed_at,
        "confirmed_at": r.confirmed_at,
        "stars": [
            {
                "rank": s.rank,
                "resident_id": s.resident_id,
                "name": names.of(s.resident),
                "points": s.points,
                "penalties": s.penalties,
                "hours": s.hours,
                "months": s.months,
                "how": s.how,
                "reason": s.reason,
                "replaced": names.of(s.replaced),
            }
            for s in r.stars.select_related("resident", "replaced").order_by("rank")
        ],
        "red_flag": (
            {
                "team_id": flag.team_id,
                "team": flag.team.name,
                "average": flag.average,
                "points": flag.points,
                "members": flag.members,
                "hours": flag.hours,
                "how": flag.how,
                "reason": flag.reason,
            }
            if flag
            else None
        ),
        "households": [
            {
                "household_id": h.household_id,
                "number": h.household.number,
                "members": h.members,
                "lowest_score": h.lowest_score,
                "struck": h.struck,
                "reason": h.reason,
            }
            for h in r.households.select_related("household").order_by("household__number")
        ],
        "history": [
            {
                "from_status": e.from_status,
                "to_status": e.to_status,
                "at": e.at,
                "actor": e.actor.name if e.actor else "",
                "reason": e.reason,
            }
            for e in r.events.select_related("actor").order_by("at", "pk")
        ],
        "conferrals": [_conferral_out(c) for c in conferrals],
    }


class RoundRow(Schema):
    id: int
    village_code: str
    period: str
    label: str
    starts_on: datetime.date
    status: str


def _round_row(r: Round) -> dict[str, Any]:
    return {
        "id": r.pk,
        "village_code": r.village.code,
        "period": r.period,
        "label": r.label,
        "starts_on": r.starts_on,
        "status": r.status,
    }


@router.get("/rounds", response=Page[RoundRow], summary="评选列表（草稿仅评审会可见）")
def list_rounds(
    request: HttpRequest,
    paging: Query[PageIn],
    village_code: Code = "",
    period: Code = "",
    status: Code = "",
) -> dict[str, Any]:
    api_check(request, Perm.VIEW_HONOURS)
    rounds = selectors.visible_rounds(request.user)
    if village_code:
        rounds = rounds.filter(village__code=village_code)
    if period:
        rounds = rounds.filter(period=period)
    if status:
        rounds = rounds.filter(status=status)
    return paginate(rounds, paging, _round_row)


class OpenIn(Schema):
    village_code: Code
    period: Code
    # Any day of the month (or year): 2026-10-01.
    day: Day


@router.post("/rounds", response={201: RoundOut}, summary="发起评选：按规则计算候选人（评审会）")
def open_round(request: HttpRequest, payload: OpenIn) -> Status[dict[str, Any]]:
    api_check(request, Perm.CHOOSE_HONOURS)
    village = get_object_or_404(
        selectors.honour_villages(request.user, Perm.CHOOSE_HONOURS), code=payload.village_code
    )
    r = actions.do_open_round(
        village, period=payload.period, day=payload.day, acting_user=request.user
    )
    return Status(201, _round_out(r, request))


def _visible(request: HttpRequest, round_id: Id) -> Round:
    return get_object_or_404(selectors.visible_rounds(request.user), pk=round_id)


def _choosing(request: HttpRequest, round_id: Id) -> Round:
    return get_object_or_404(
        Round.objects.restrict(request.user, Perm.CHOOSE_HONOURS).select_related(
            "village", "policy"
        ),
        pk=round_id,
    )


@router.get("/rounds/{round_id}", response=RoundOut, summary="评选详情")
def get_round(request: HttpRequest, round_id: Id) -> dict[str, Any]:
    api_check(request, Perm.VIEW_HONOURS)
    return _round_out(_visible(request, round_id), request)


class HonourCandidateOut(Schema):
    resident_id: Id
    name: str
    points: int
    penalties: int
    hours: Decimal
    months: int
    eligible: bool
    excluded: str
    excluded_label: str


@router.get(
    "/rounds/{round_id}/candidates",
    response=list[HonourCandidateOut],
    summary="全部候选人（评审会）",
)
def candidates(request: HttpRequest, round_id: Id) -> list[dict[str, Any]]:
    api_check(request, Perm.CHOOSE_HONOURS)
    r = _choosing(request, round_id)
    found = ranking.round_candidates(r, timezone.localdate())
    return [
        {
            "resident_id": c.resident.pk,
            "name": c.resident.name,
            "points": c.points,
            "penalties": c.penalties,
            "hours": c.hours,
            "months": c.months,
            "eligible": c.eligible,
            "excluded": c.excluded,
            "excluded_label": c.excluded_label,
        }
        for c in found
    ]


class SwapIn(Schema):
    rank: Count
    resident_id: Id
    reason: Reason


@router.post("/rounds/{round_id}/swap", response=RoundOut, summary="调整信用之星人选（须说明理由）")
def swap(request: HttpRequest, round_id: Id, payload: SwapIn) -> dict[str, Any]:
    api_check(request, Perm.CHOOSE_HONOURS)
    r = _choosing(request, round_id)
    resident = get_object_or_404(Resident, pk=payload.resident_id, village=r.village)
    actions.do_swap_star(
        r, rank=payload.rank, resident=resident, reason=payload.reason, acting_user=request.user
    )
    return _round_out(r, request)


class FlagIn(Schema):
    team_id: Id
    reason: Reason


@router.post("/rounds/{round_id}/flag", response=RoundOut, summary="调整流动红旗（须说明理由）")
def swap_flag(request: HttpRequest, round_id: Id, payload: FlagIn) -> dict[str, Any]:
    api_check(request, Perm.CHOOSE_HONOURS)
    r = _choosing(request, round_id)
    team = get_object_or_404(Team, pk=payload.team_id, village=r.village)
    actions.do_swap_flag(r, team=team, reason=payload.reason, acting_user=request.user)
    return _round_out(r, request)


class StrikeIn(Schema):
    household_id: Id
    reason: Reason


@router.post(
    "/rounds/{round_id}/strike", response=RoundOut, summary="信用示范户不予评定（须说明理由）"
)
def strike(request: HttpRequest, round_id: Id, payload: StrikeIn) -> dict[str, Any]:
    api_check(request, Perm.CHOOSE_HONOURS)
    r = _choosing(request, round_id)
    household = get_object_or_404(Household, pk=payload.household_id, village=r.village)
    actions.do_strike_household(
        r, household=household, reason=payload.reason, acting_user=request.user
    )
    return _round_out(r, request)


@router.post("/rounds/{round_id}/recompute", response=RoundOut, summary="按规则重新计算草稿")
def recompute(request: HttpRequest, round_id: Id) -> dict[str, Any]:
    api_check(request, Perm.CHOOSE_HONOURS)
    r = actions.do_recompute_round(_choosing(request, round_id), acting_user=request.user)
    return _round_out(r, request)


@router.post(
    "/rounds/{round_id}/confirm", response=RoundOut, summary="确认评选结果（重复确认不会重复授予）"
)
def confirm(request: HttpRequest, round_id: Id) -> dict[str, Any]:
    api_check(request, Perm.CHOOSE_HONOURS)
    r = actions.do_confirm_round(_choosing(request, round_id), acting_user=request.user)
    return _round_out(r, request)


class ReopenIn(Schema):
    reason: Reason


@router.post(
    "/rounds/{round_id}/reopen", response=RoundOut, summary="重新打开已确认的评选（须说明理由）"
)
def reopen(request: HttpRequest, round_id: Id, payload: ReopenIn) -> dict[str, Any]:
    api_check(request, Perm.CHOOSE_HONOURS)
    r = actions.do_reopen_round(
        _choosing(request, round_id), reason=payload.reason, acting_user=request.user
    )
    return _round_out(r, request)


@router.get("/mine", response=Page[ConferralOut], summary="本人所获荣誉")
def mine(request: HttpRequest, paging: Query[PageIn]) -> dict[str, Any]:
    api_check(request, Perm.VIEW_HONOURS, regions=False)
    conferrals = selectors.own_conferrals(request.user).select_related("resident")
    return paginate(conferrals, paging, _conferral_out)


class RewardOut(Schema):
    village_code: str
    kind: str
    kind_label: str
    item_code: str


class RewardIn(Schema):
    village_code: Code
    kind: Code
    item_code: Code


@router.get("/rewards", response=list[RewardOut], summary="表彰奖励设置（评审会）")
def rewards(request: HttpRequest, village_code: Code = "") -> list[dict[str, Any]]:
    api_check(request, Perm.CHOOSE_HONOURS)
    villages = selectors.honour_villages(request.user, Perm.CHOOSE_HONOURS)
    if village_code:
        villages = villages.filter(code=village_code)
    return [
        {
            "village_code": v.code,
            "kind": kind,
            "kind_label": str(Kind(kind).label),
            "item_code": code,
        }
        for v in villages
        for kind, code in selectors.reward_settings(v).items()
    ]


@router.post("/rewards", response=RewardOut, summary="设置某种荣誉的奖励行为（空：不奖励积分）")
def set_reward(request: HttpRequest, payload: RewardIn) -> dict[str, Any]:
    api_check(request, Perm.CHOOSE_HONOURS)
    village = get_object_or_404(
        selectors.honour_villages(request.user, Perm.CHOOSE_HONOURS), code=payload.village_code
    )
    setting = actions.do_set_reward(
        village, kind=payload.kind, item_code=payload.item_code, acting_user=request.user
    )
    return {
        "village_code": village.code,
        "kind": setting.kind,
        "kind_label": str(Kind(setting.kind).label),
        "item_code": setting.item_code,
    }
