"""The red flag, demonstration households, yearly stars, and last month's drafts by the job."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest

from cunxin.conftest import World
from cunxin.core.errors import DomainError
from cunxin.honours.actions import (
    do_confirm_round,
    do_open_round,
    do_recompute_round,
    do_strike_household,
    do_swap_flag,
    open_months,
)
from cunxin.honours.jobs import open_due_months
from cunxin.honours.models import Conferral, FlagPick, Kind, Period, Round, StarPick
from cunxin.honours.selectors import board_honours
from cunxin.honours.tests.helpers import (
    LAST_MONTH,
    THIS_MONTH,
    TODAY,
    effective,
    month_world,
    names,
    open_last_month,
    team,
)
from cunxin.people.models import Household
from cunxin.volunteering.actions.teams import do_remove_member
from cunxin.volunteering.models import TeamMember

# --- the red flag ------------------------------------------------------------------------------


def test_the_red_flag_goes_to_the_best_average_not_the_biggest_team(policy_world: World) -> None:
    w = policy_world
    month_world(w)
    # 党员先锋队: 王建国 20 + 张三 20 + 张小明 3 = 43 over 3 (14.3).
    # 巾帼服务队: 李秀英 13 + 王丽 28 = 41 over 2 (20.5).
    big = team(w, "党员先锋队", ["王建国", "张三", "张小明"])
    small = team(w, "巾帼服务队", ["李秀英", "王丽"])
    r = open_last_month(w)
    flag = FlagPick.objects.get(round=r)
    assert (flag.team, flag.points, flag.members, flag.average) == (small, 41, 2, Decimal("20.5"))
    with pytest.raises(DomainError) as no_reason:
        do_swap_flag(r, team=big, reason="", acting_user=w.committee_a)
    assert no_reason.value.code == "reason_required"
    swapped = do_swap_flag(r, team=big, reason="抗洪抢险表现突出", acting_user=w.committee_a)
    assert (swapped.team, swapped.replaced) == (big, small)
    do_confirm_round(r, acting_user=w.committee_a)
    members = Conferral.objects.filter(round=r, kind=Kind.RED_FLAG)
    assert sorted(names(list(members))) == sorted(["王建国", "张三", "张小明"])
    assert board_honours(w.village_a, TODAY).red_flag == big


def test_equal_averages_go_to_the_team_with_more_hours(policy_world: World) -> None:
    w = policy_world
    month_world(w)
    # 王建国 and 张三 both have 20 points; only 王建国 has hours.
    team(w, "治安联防队", ["张三"])
    hours = team(w, "青年志愿者", ["王建国"])
    assert FlagPick.objects.get(round=open_last_month(w)).team == hours


def test_members_who_left_do_not_count(policy_world: World) -> None:
    w = policy_world
    month_world(w)
    small = team(w, "巾帼服务队", ["李秀英", "王丽"])
    team(w, "党员先锋队", ["王建国", "张三"])
    do_remove_member(
        TeamMember.objects.get(team=small, resident__name="王丽"), acting_user=w.committee_a
    )
    # 巾帼服务队 is down to 李秀英's 13; 党员先锋队 has 20 a member.
    assert FlagPick.objects.get(round=open_last_month(w)).team.name == "党员先锋队"


def test_no_team_no_flag(policy_world: World) -> None:
    w = policy_world
    month_world(w)
    team(w, "青年志愿者", [])
    r = open_last_month(w)
    assert not FlagPick.objects.filter(round=r).exists()


# --- demonstration households --------------------------------------------------------------------


def _household(w: World, number: str) -> Household:
    return Household.objects.get(village=w.village_a, number=number)


def test_a_household_qualifies_when_every_scored_member_is_at_the_grade(
    policy_world: World,
) -> None:
    w = policy_world
    # Household 0002: 王建国 and 王丽 reach 1030 (AA); household 0001: 张小明 stays at 1000.
    effective(
        w,
        [(n, "CM-R01", "1") for n in ("王建国", "王丽", "张三", "李秀英") for _ in range(3)],
        day=TODAY,
    )
    r = do_open_round(
        w.village_a, period=Period.YEAR, day=datetime.date(2025, 6, 1), acting_user=w.committee_a
    )
    picks = list(r.households.all())
    assert [(p.household.number, p.members, p.lowest_score) for p in picks] == [("0002", 2, 1030)]
    do_confirm_round(r, acting_user=w.committee_a)
    conferred = Conferral.objects.filter(round=r, kind=Kind.DEMONSTRATION)
    assert sorted(names(list(conferred))) == sorted(["王建国", "王丽"])
    assert board_honours(w.village_a, TODAY).demonstration_households == [_household(w, "0002")]


def test_a_penalty_in_the_year_keeps_the_household_out(policy_world: World) -> None:
    w = policy_world
    effective(w, [(n, "CM-R01", "1") for n in ("王建国", "王丽") for _ in range(4)], day=TODAY)
    effective(w, [("王丽", "VM-P01", "1")], day=TODAY)  # 1038: still AA, but penalised
    r = do_open_round(w.village_a, period=Period.YEAR, day=TODAY, acting_user=w.committee_a)
    assert not r.households.exists()
    # Last year's round does not look at this year's penalty.
    earlier = do_open_round(
        w.village_a, period=Period.YEAR, day=datetime.date(2025, 1, 1), acting_user=w.committee_a
    )
    assert [p.household.number for p in earlier.households.all()] == ["0002"]


def test_the_committee_strikes_a_household_with_a_reason(policy_world: World) -> None:
    w = policy_world
    effective(w, [(n, "CM-R01", "1") for n in ("王建国", "王丽") for _ in range(3)], day=TODAY)
    r = do_open_round(
        w.village_a, period=Period.YEAR, day=datetime.date(2025, 1, 1), acting_user=w.committee_a
    )
    with pytest.raises(DomainError) as refusal:
        do_strike_household(
            r, household=_household(w, "0002"), reason="", acting_user=w.committee_a
        )
    assert refusal.value.code == "reason_required"
    do_strike_household(
        r, household=_household(w, "0002"), reason="邻里纠纷未调解", acting_user=w.committee_a
    )
    do_confirm_round(r, acting_user=w.committee_a)
    assert not Conferral.objects.filter(round=r).exists()
    assert board_honours(w.village_a, TODAY).demonstration_households == []


# --- yearly stars --------------------------------------------------------------------------------


def test_yearly_stars_come_from_the_confirmed_months(policy_world: World) -> None:
    w = policy_world
    month_world(w)
    do_confirm_round(open_last_month(w), acting_user=w.committee_a)
    effective(w, [("李秀英", "CM-R01", "1"), ("李秀英", "CM-R01", "1")], day=TODAY)
    # This month's draft is not confirmed: it does not count.
    do_open_round(w.village_a, period=Period.MONTH, day=THIS_MONTH, acting_user=w.committee_a)
    r = do_open_round(w.village_a, period=Period.YEAR, day=LAST_MONTH, acting_user=w.committee_a)
    picks = list(StarPick.objects.filter(round=r).order_by("rank"))
    assert names(picks) == ["王建国", "张三", "李秀英", "张小明"]
    assert [p.months for p in picks] == [1, 1, 1, 1]


# --- drafts opened for every village ----------------------------------------------------------


def test_the_job_opens_last_months_drafts_once_from_the_eighth(policy_world: World) -> None:
    w = policy_world
    month_world(w)
    assert open_due_months(THIS_MONTH.replace(day=7)) == []
    opened = open_due_months(THIS_MONTH.replace(day=8))
    # Every village with a policy: A and B of town 1 (town 2 has none).
    assert sorted(r.village.name for r in opened) == ["前双村", "庄头村"]
    assert open_due_months(THIS_MONTH.replace(day=9)) == []
    r = Round.objects.get(village=w.village_a, period=Period.MONTH, starts_on=LAST_MONTH)
    assert r.opened_by is None
    assert names(list(r.stars.order_by("rank"))) == ["王建国", "张三", "李秀英", "张小明"]


def test_opening_villages_together_chooses_as_opening_each(policy_world: World) -> None:
    w = policy_world
    month_world(w)
    team(w, "巾帼服务队", ["李秀英", "王丽"])
    team(w, "党员先锋队", ["王建国", "张三"])

    def picks(r: Round) -> tuple[list[tuple[int, int]], int]:
        stars = list(r.stars.order_by("rank").values_list("resident_id", "points"))
        return stars, FlagPick.objects.get(round=r).team_id

    together = open_months([w.village_a, w.village_b], LAST_MONTH)[0]
    assert together.village == w.village_a
    before = picks(together)
    # Recomputing computes the one village alone.
    alone = do_recompute_round(together, acting_user=w.committee_a)
    assert picks(alone) == before
    assert len(before[0]) == 4
