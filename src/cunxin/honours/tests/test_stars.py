"""Monthly stars: the ranking, its tie-breaks and exclusions, and the committee's swaps."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

import pytest

from cunxin.blacklist.tests.helpers import listed_case
from cunxin.conftest import World
from cunxin.core.errors import Conflict, DomainError, Forbidden
from cunxin.honours import ranking
from cunxin.honours.actions import (
    do_open_round,
    do_recompute_round,
    do_swap_star,
    open_months,
)
from cunxin.honours.models import How, Period, StarPick
from cunxin.honours.tests.helpers import (
    LAST_MONTH,
    TODAY,
    effective,
    month_world,
    names,
    open_last_month,
)
from cunxin.people.actions import do_update_resident
from cunxin.policy.actions import do_save_policy
from cunxin.policy.selectors import policy_in_force


def _stars(round_: object) -> list[str]:
    return names(list(StarPick.objects.filter(round=round_).order_by("rank")))


def test_stars_are_ranked_by_points_then_hours_and_penalised_people_are_left_out(
    policy_world: World,
) -> None:
    w = policy_world
    month_world(w)
    r = open_last_month(w)
    # 王丽 has the most points but a penalty; 王建国 and 张三 tie on 20, 王建国 has 5 hours.
    assert _stars(r) == ["王建国", "张三", "李秀英", "张小明"]
    top = StarPick.objects.get(round=r, rank=1)
    assert (top.points, top.penalties, top.hours) == (20, 0, Decimal("5.0"))
    candidates = ranking.month_candidates(w.village_a, LAST_MONTH, TODAY, r.policy)
    assert [(c.resident.name, c.excluded) for c in candidates][:2] == [
        ("王丽", ranking.Exclusion.PENALTY),
        ("王建国", ""),
    ]
    assert candidates[0].excluded_label == "本期有扣分"


@pytest.mark.parametrize("places", [1, 2])
def test_the_hours_decide_a_tie_on_points_that_falls_at_the_cut(
    policy_world: World, places: int
) -> None:
    w = policy_world
    month_world(w)
    # One place: 王建国 and 张三 tie on 20 and only one is a star. 王建国 has 5 hours and the
    # higher resident id, so a ranking that forgot the hours would pick 张三. Two places: the
    # cut falls after the tie; both are stars, 王建国 first.
    do_save_policy(
        w.village_a,
        values={"stars_per_month": places},
        effective_from=datetime.date(2025, 1, 1),
        acting_user=w.clerk,
        reason="本村调整",
    )
    assert w.resident("王建国").pk > w.resident("张三").pk
    r = open_last_month(w)
    assert _stars(r) == ["王建国", "张三"][:places]
    # The set-based choice (SQL) agrees with the rule the committee's page shows (Python).
    found = ranking.month_candidates(w.village_a, LAST_MONTH, TODAY, r.policy)
    assert _stars(r) == names([c for c in found if c.eligible][:places])


def test_fewer_penalties_order_people_with_equal_points(policy_world: World) -> None:
    w = policy_world
    effective(
        w,
        [
            # 张三: 10 + 3 + 3 - 2 = 14 with one penalty.
            ("张三", "CM-R01", "1"),
            ("张三", "VM-R03", "1"),
            ("张三", "VM-R11", "1"),
            ("张三", "VM-P01", "1"),
            # 王建国: 10 + 3 + 3 + 3 - 2 - 3 = 14 with two.
            ("王建国", "CM-R01", "1"),
            ("王建国", "VM-R03", "1"),
            ("王建国", "VM-R11", "1"),
            ("王建国", "GV-R10", "1"),
            ("王建国", "VM-P01", "1"),
            ("王建国", "VM-P02", "1"),
        ],
    )
    policy = policy_in_force(w.village_a, TODAY)
    assert policy is not None
    found = ranking.month_candidates(w.village_a, LAST_MONTH, TODAY, policy)
    assert [(c.resident.name, c.points, c.penalties) for c in found] == [
        ("张三", 14, 1),
        ("王建国", 14, 2),
    ]
    assert not any(c.eligible for c in found)


def test_a_blacklisted_villager_is_not_a_star(policy_world: World) -> None:
    w = policy_world
    month_world(w)
    listed_case(w, "王建国")  # this month's serious penalty; last month is clean
    r = open_last_month(w)
    assert "王建国" not in _stars(r)
    found = ranking.month_candidates(w.village_a, LAST_MONTH, TODAY, r.policy)
    assert next(c for c in found if c.resident.name == "王建国").excluded == "blacklisted"


def test_minors_and_people_who_moved_out_are_not_stars(policy_world: World) -> None:
    w = policy_world
    month_world(w)
    # The village now scores only people of 36 and over: 张小明 (1992) is under age.
    do_save_policy(
        w.village_a,
        values={"min_age": 36},
        effective_from=datetime.date(2025, 1, 1),
        acting_user=w.clerk,
        reason="本村调整",
    )
    zhang = w.resident("张三")
    do_update_resident(
        zhang,
        name=zhang.name,
        phone=zhang.phone,
        relation=zhang.relation,
        status="moved_out",
        acting_user=w.clerk,
        reason="迁往外地",
    )
    r = open_last_month(w)
    assert _stars(r) == ["王建国", "李秀英"]
    found = {
        c.resident.name: c.excluded
        for c in ranking.month_candidates(w.village_a, LAST_MONTH, TODAY, r.policy)
    }
    assert found["张小明"] == "minor"
    assert found["张三"] == "inactive"


def test_the_policy_sets_how_many_stars(policy_world: World) -> None:
    w = policy_world
    month_world(w)
    do_save_policy(
        w.village_a,
        values={"stars_per_month": 2},
        effective_from=datetime.date(2025, 1, 1),
        acting_user=w.clerk,
        reason="本村调整",
    )
    assert _stars(open_last_month(w)) == ["王建国", "张三"]


def test_the_set_based_choice_agrees_with_the_candidate_list(policy_world: World) -> None:
    w = policy_world
    month_world(w)
    listed_case(w, "李秀英")
    policies = ranking.policies_in_force(
        [w.village_a, w.village_b], ranking.month_bounds(LAST_MONTH)[1]
    )
    assert policies[w.village_a.pk] == policy_in_force(w.village_a, LAST_MONTH)
    chosen = ranking.choose_stars([w.village_a, w.village_b], LAST_MONTH, TODAY, policies)
    policy = policies[w.village_a.pk]
    assert policy is not None
    listed = [
        c.resident.pk
        for c in ranking.month_candidates(w.village_a, LAST_MONTH, TODAY, policy)
        if c.eligible
    ]
    assert [f.resident_id for f in chosen[w.village_a.pk]] == listed[: policy.stars_per_month]
    assert chosen[w.village_b.pk] == []


def test_a_corrected_record_no_longer_counts(policy_world: World) -> None:
    from cunxin.records.actions.review import do_request_reversal
    from cunxin.records.models import Record, Status

    w = policy_world
    month_world(w)
    record = Record.objects.get(resident__name="王建国", item__code="PW-R01")
    reversal = do_request_reversal(record, reason="工时登记有误", acting_user=w.committee_a)
    # The reversal is reviewed by someone other than the member who asked for it.
    from cunxin.accounts.actions import do_create_user
    from cunxin.accounts.permissions import Role
    from cunxin.conftest import PASSWORD

    other = do_create_user(
        phone="13800000099",
        name="评审二",
        password=PASSWORD,
        role=Role.COMMITTEE,
        region=w.village_a,
        acting_user=w.clerk,
    )
    effective_reversal(w, reversal.pk, other)
    assert Record.objects.get(pk=reversal.pk).status == Status.EFFECTIVE
    r = open_last_month(w)
    # 王建国 is down to 10 points and no hours.
    pick = StarPick.objects.get(round=r, resident__name="王建国")
    assert (pick.points, pick.hours) == (10, Decimal("0.0"))
    assert _stars(r)[:2] == ["张三", "李秀英"]


def effective_reversal(w: World, record_id: int, reviewer: object) -> None:
    from django.utils import timezone

    from cunxin.records.actions.effect import take_effect_due
    from cunxin.records.actions.notices import do_publish_notice
    from cunxin.records.actions.review import do_approve

    do_approve([record_id], acting_user=reviewer)
    do_publish_notice(w.village_a, acting_user=w.committee_a)
    take_effect_due(timezone.now() + datetime.timedelta(days=8))


def test_a_swap_needs_a_reason_and_an_eligible_candidate(policy_world: World) -> None:
    w = policy_world
    month_world(w)
    r = open_last_month(w)
    with pytest.raises(DomainError) as no_reason:
        do_swap_star(r, rank=4, resident=w.resident("王丽"), reason=" ", acting_user=w.committee_a)
    assert no_reason.value.code == "reason_required"
    with pytest.raises(DomainError) as penalised:
        do_swap_star(
            r, rank=4, resident=w.resident("王丽"), reason="群众推荐", acting_user=w.committee_a
        )
    assert penalised.value.code == "not_eligible"
    with pytest.raises(Conflict) as refusal:
        do_swap_star(
            r, rank=4, resident=w.resident("张三"), reason="群众推荐", acting_user=w.committee_a
        )
    assert refusal.value.code == "already_star"
    assert _stars(r) == ["王建国", "张三", "李秀英", "张小明"]


def test_the_committee_swaps_a_star_for_another_eligible_candidate(policy_world: World) -> None:
    w = policy_world
    month_world(w)
    do_save_policy(
        w.village_a,
        values={"stars_per_month": 3},
        effective_from=datetime.date(2025, 1, 1),
        acting_user=w.clerk,
        reason="本村调整",
    )
    r = open_last_month(w)
    assert _stars(r) == ["王建国", "张三", "李秀英"]
    pick = do_swap_star(
        r,
        rank=3,
        resident=w.resident("张小明"),
        reason="长期照顾孤寡老人，群众推荐",
        acting_user=w.committee_a,
    )
    assert (pick.how, pick.replaced.name if pick.replaced else "", pick.points) == (
        How.SWAP,
        "李秀英",
        3,
    )
    assert _stars(r) == ["王建国", "张三", "张小明"]
    # Recomputing goes back to the rule.
    do_recompute_round(r, acting_user=w.committee_a)
    assert _stars(r) == ["王建国", "张三", "李秀英"]


def test_only_the_villages_committee_opens_its_month(policy_world: World) -> None:
    w = policy_world
    with pytest.raises(Forbidden) as refusal:
        do_open_round(w.village_b, period=Period.MONTH, day=LAST_MONTH, acting_user=w.committee_a)
    assert refusal.value.code == "forbidden"
    with pytest.raises(Forbidden) as refusal:
        open_months([w.village_a], LAST_MONTH, acting_user=w.collector_a)
    assert refusal.value.code == "forbidden"
    with pytest.raises(DomainError) as future:
        do_open_round(
            w.village_a,
            period=Period.MONTH,
            day=TODAY + datetime.timedelta(days=40),
            acting_user=w.committee_a,
        )
    assert future.value.code == "period_future"


def test_opening_twice_returns_the_same_round(policy_world: World) -> None:
    w = policy_world
    month_world(w)
    first = open_last_month(w)
    assert open_last_month(w) == first
    opened = open_months([w.village_a, w.village_b], LAST_MONTH)
    assert [r.village for r in opened] == [w.village_b]
    assert open_months([w.village_a, w.village_b], LAST_MONTH) == []


def test_choosing_costs_the_same_queries_for_one_village_or_many(
    policy_world: World, django_assert_num_queries: Any
) -> None:
    w = policy_world
    month_world(w)
    villages = [w.village_a, w.village_b, w.village_c]
    last = ranking.month_bounds(LAST_MONTH)[1]
    policies = ranking.policies_in_force(villages, last)
    with django_assert_num_queries(1):
        ranking.choose_stars(villages, LAST_MONTH, TODAY, policies)
    with django_assert_num_queries(1):
        ranking.choose_stars(villages[:1], LAST_MONTH, TODAY, policies)
    with django_assert_num_queries(1):
        ranking.policies_in_force(villages, last)
