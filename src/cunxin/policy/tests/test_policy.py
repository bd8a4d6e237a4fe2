import datetime
from typing import Any

import pytest
from django.utils import timezone

from cunxin.conftest import World, login
from cunxin.core.errors import DomainError, Forbidden
from cunxin.core.models import AuditEntry
from cunxin.policy.actions import do_save_policy
from cunxin.policy.models import CreditPolicy, Grade
from cunxin.policy.selectors import policy_in_force

TODAY = timezone.localdate()


def test_the_default_policy_has_the_domains_numbers(policy_world: World) -> None:
    policy = policy_in_force(policy_world.village_a, TODAY)
    assert policy is not None
    assert policy.base_score == 1000
    assert [floor for _g, floor in policy.bands()] == [1050, 1030, 960, 850, 600, 0]
    assert policy.notice_days == 7
    assert policy.coupon_yuan_per_point == "10"
    assert policy.min_age == 18
    assert policy.blacklist_grade == Grade.D


@pytest.mark.parametrize(
    ("score", "grade"),
    [
        (1050, "AAA"),
        (1049, "AA"),
        (1030, "AA"),
        (1000, "A"),
        (960, "A"),
        (959, "B"),
        (850, "B"),
        (849, "C"),
        (600, "C"),
        (599, "D"),
        (0, "D"),
    ],
)
def test_scores_fall_into_the_six_grades(policy_world: World, score: int, grade: str) -> None:
    policy = policy_in_force(policy_world.village_a, TODAY)
    assert policy is not None
    assert policy.grade_for(score) == grade


def test_an_edit_is_a_new_version_and_history_keeps_the_old_one(policy_world: World) -> None:
    w = policy_world
    v2 = do_save_policy(
        w.town,
        values={"notice_days": 5},
        effective_from=TODAY,
        acting_user=w.clerk,
        reason="缩短公示期",
    )
    assert v2.version == 2
    assert v2.notice_days == 5
    v1 = CreditPolicy.objects.get(region=w.town, version=1)
    assert v1.notice_days == 7
    # A record of last year is still scored by the version in force then.
    last_year = policy_in_force(w.village_a, datetime.date(TODAY.year - 1, 6, 1))
    assert last_year is not None
    assert last_year.version == 1
    entry = AuditEntry.objects.get(action="policy.save_policy", object_id=str(v2.pk))
    assert entry.before == {"notice_days": 7}
    assert entry.after is not None
    assert entry.after["notice_days"] == 5
    assert entry.reason == "缩短公示期"
    assert entry.actor == w.clerk


def test_history_cannot_be_rewritten(policy_world: World) -> None:
    w = policy_world
    with pytest.raises(DomainError) as info:
        do_save_policy(
            w.town,
            values={"notice_days": 5},
            effective_from=TODAY - datetime.timedelta(days=1),
            acting_user=w.clerk,
            reason="补录",
        )
    assert info.value.code == "effective_in_past"


def test_a_change_needs_a_reason(policy_world: World) -> None:
    with pytest.raises(DomainError) as info:
        do_save_policy(
            policy_world.town,
            values={"notice_days": 5},
            effective_from=TODAY,
            acting_user=policy_world.clerk,
        )
    assert info.value.code == "reason_required"


@pytest.mark.parametrize(
    ("values", "code", "field"),
    [
        ({"aa_min": 1060}, "bands_order", "aaa_min"),
        ({"c_min": 960}, "bands_order", "aaa_min"),
        ({"notice_days": 0}, "notice_days", "notice_days"),
        ({"carry_over_percent": 150}, "carry_over_percent", "carry_over_percent"),
        ({"carry_over": "burn"}, "carry_over_invalid", "carry_over"),
        ({"blacklist_grade": "E"}, "blacklist_grade_invalid", "blacklist_grade"),
    ],
)
def test_impossible_policies_are_refused_on_the_right_field(
    policy_world: World, values: dict[str, Any], code: str, field: str
) -> None:
    with pytest.raises(DomainError) as info:
        do_save_policy(
            policy_world.town,
            values=values,
            effective_from=TODAY,
            acting_user=policy_world.clerk,
            reason="x",
        )
    assert info.value.code == code
    assert info.value.field == field
    assert CreditPolicy.objects.count() == 1


def test_a_village_override_applies_to_that_village_only(policy_world: World) -> None:
    w = policy_world
    do_save_policy(
        w.village_b,
        values={"notice_days": 3},
        effective_from=TODAY,
        acting_user=w.clerk,
        reason="本村会议决定",
    )
    b = policy_in_force(w.village_b, TODAY)
    a = policy_in_force(w.village_a, TODAY)
    assert b is not None
    assert a is not None
    assert (b.notice_days, a.notice_days) == (3, 7)
    assert b.name == a.name  # copied from the town's policy, then adjusted


def test_only_the_credit_centre_of_the_town_edits_its_policy(policy_world: World) -> None:
    w = policy_world
    for user in (w.collector_a, w.committee_a, w.villager_a, w.clerk2, None):
        with pytest.raises(Forbidden) as refusal:
            do_save_policy(
                w.town,
                values={"notice_days": 5},
                effective_from=TODAY,
                acting_user=user,
                reason="x",
            )
        assert refusal.value.code == "forbidden"


def test_the_policy_pages_show_and_edit_versions(policy_world: World) -> None:
    w = policy_world
    client = login(w.clerk)
    form = client.get(f"/policy/edit/?region={w.town.pk}").content.decode()
    assert 'value="测试办法"' in form
    data: dict[str, Any] = {
        "name": "测试办法",
        "base_score": 1000,
        "aaa_min": 1050,
        "aa_min": 1030,
        "a_min": 960,
        "b_min": 850,
        "c_min": 600,
        "notice_days": 5,
        "coupon_fen_per_point": 1000,
        "carry_over": "keep",
        "carry_over_percent": 100,
        "min_age": 18,
        "blacklist_grade": "D",
        "name_masking": "middle",
        "entry_window_days": 31,
        "publish_weekday": 0,
        "repair_min_months": 6,
        "stars_per_month": 3,
        "demonstration_grade": "AAA",
        "daily_wage_fen": 15000,
        "coupon_valid_days": 180,
        "effective_from": TODAY.isoformat(),
        "change_reason": "缩短公示期",
    }
    assert client.post(f"/policy/edit/?region={w.town.pk}", data).status_code == 302
    page = client.get(f"/policy/?region={w.town.pk}").content.decode()
    assert "v2" in page
    assert "v1" in page
    assert "缩短公示期" in page
    assert "每月 3 名" in page
    assert "全户 AAA 级及以上" in page
    assert "折算日工资 150 元" in page
    assert "有效期 180 天" in page
    bad = client.post(
        f"/policy/edit/?region={w.town.pk}", {**data, "aa_min": 2000}
    ).content.decode()
    assert "等级分数线必须从AAA到C依次降低" in bad
    # A villager reads the rules of their village (publicity is step 2 of the method) ...
    assert "测试办法" in login(w.villager_a).get("/policy/").content.decode()
    # ... but not another village's, and cannot edit.
    assert login(w.villager_a).get(f"/policy/?region={w.village_b.pk}").status_code == 404
    assert login(w.villager_a).get(f"/policy/edit/?region={w.town.pk}").status_code == 403
