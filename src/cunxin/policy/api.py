"""API of the credit policy and the behaviour catalogue."""

from __future__ import annotations

import datetime

from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from django.utils import timezone
from ninja import Field, Router, Schema, Status

from cunxin.accounts.permissions import Perm
from cunxin.core.fields import Code, Day, Int, Line, Note
from cunxin.core.http import api_check
from cunxin.core.scoping import may
from cunxin.policy import actions, selectors
from cunxin.policy.models import CatalogueItem, Category, CreditPolicy, Direction, Scoring
from cunxin.regions.models import Level, Region

router = Router(tags=["policy"])


def _region(request: HttpRequest, code: str, permission: str) -> Region:
    region = get_object_or_404(
        Region.objects.restrict(request.user, permission).filter(
            level__in=[Level.TOWN, Level.VILLAGE]
        ),
        code=code,
    )
    # A village user may read its town's rules (ancestry), but not another village's.
    if not region.is_town and not may(request.user, permission, region.code):
        from django.http import Http404

        raise Http404
    return region


class PolicyOut(Schema):
    id: int
    region_code: str
    version: int
    effective_from: datetime.date
    name: str
    base_score: int
    aaa_min: int
    aa_min: int
    a_min: int
    b_min: int
    c_min: int
    notice_days: int
    coupon_fen_per_point: int
    carry_over: str
    carry_over_percent: int
    unspent_points_expire: bool
    min_age: int
    blacklist_grade: str
    name_masking: str
    repeat_penalty_doubles: bool
    two_approvals: bool
    stars_per_month: int
    demonstration_grade: str
    volunteer_hours_approved: bool
    daily_wage_fen: int
    coupon_valid_days: int
    change_reason: str


@router.get("/policy", response=PolicyOut, summary="某村或镇某日现行的信用管理办法")
def get_policy(request: HttpRequest, region_code: Code, day: Day | None = None) -> CreditPolicy:
    api_check(request, Perm.VIEW_POLICY, regions=False)
    region = _region(request, region_code, Perm.VIEW_POLICY)
    policy = selectors.policy_in_force(region, day or timezone.localdate())
    if policy is None:
        from django.http import Http404

        raise Http404
    return policy


class PolicyIn(Schema):
    effective_from: Day
    change_reason: Line = ""
    values: dict[Code, Int | bool | Line] = Field(max_length=100)


@router.post("/policy", response={201: PolicyOut}, summary="保存新版本的信用管理办法")
def save_policy(request: HttpRequest, region_code: Code, payload: PolicyIn) -> Status[CreditPolicy]:
    api_check(request, Perm.EDIT_POLICY)
    region = _region(request, region_code, Perm.EDIT_POLICY)
    policy = actions.do_save_policy(
        region,
        values=payload.values,
        effective_from=payload.effective_from,
        acting_user=request.user,
        reason=payload.change_reason,
    )
    return Status(201, policy)


class CatalogueItemOut(Schema):
    id: int
    region_code: str
    code: str
    version: int
    effective_from: datetime.date
    name: str
    category: str
    direction: str
    scoring: str
    points: int
    unit: str
    monthly_cap: int | None
    evidence_required: bool
    serious: bool
    validity_years: int | None
    active: bool
    description: str


@router.get("/catalogue", response=list[CatalogueItemOut], summary="某村或镇某日现行的行为目录")
def get_catalogue(
    request: HttpRequest, region_code: Code, day: Day | None = None
) -> list[CatalogueItem]:
    api_check(request, Perm.VIEW_POLICY, regions=False)
    region = _region(request, region_code, Perm.VIEW_POLICY)
    return list(selectors.catalogue_in_force(region, day or timezone.localdate()).values())


class CatalogueItemIn(Schema):
    code: Code
    name: Line
    category: Category
    direction: Direction
    scoring: Scoring = Scoring.FIXED
    points: Int
    unit: Code = ""
    monthly_cap: Int | None = None
    evidence_required: bool = False
    serious: bool = False
    validity_years: Int | None = None
    active: bool = True
    description: Note = ""
    effective_from: Day
    change_reason: Line = ""


@router.post("/catalogue", response={201: CatalogueItemOut}, summary="新增条目或保存条目的新版本")
def save_item(
    request: HttpRequest, region_code: Code, payload: CatalogueItemIn
) -> Status[CatalogueItem]:
    api_check(request, Perm.EDIT_POLICY)
    region = _region(request, region_code, Perm.EDIT_POLICY)
    values = payload.dict(exclude={"code", "effective_from", "change_reason"})
    for key in ("category", "direction", "scoring"):
        values[key] = str(values[key].value if hasattr(values[key], "value") else values[key])
    item = actions.do_save_catalogue_item(
        region,
        code=payload.code,
        values=values,
        effective_from=payload.effective_from,
        acting_user=request.user,
        reason=payload.change_reason,
    )
    return Status(201, item)
