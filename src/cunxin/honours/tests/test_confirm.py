"""Confirming a round: conferrals, reward records (once), messages, reopening, the board."""

from __future__ import annotations

import datetime
from unittest import mock

import pytest
from django.utils import timezone

from cunxin.conftest import World
from cunxin.core.errors import Conflict, DomainError, Forbidden
from cunxin.honours import ranking
from cunxin.honours.actions import (
    do_confirm_round,
    do_open_round,
    do_reopen_round,
    do_set_reward,
    do_swap_star,
)
from cunxin.honours.models import Conferral, Kind, Period, RoundEvent, RoundStatus
from cunxin.honours.selectors import board_honours
from cunxin.honours.tests.helpers import (
    THIS_MONTH,
    TODAY,
    effective,
    month_world,
    names,
    open_last_month,
)
from cunxin.notifications.models import Message
from cunxin.policy.selectors import policy_in_force
from cunxin.records.actions.effect import take_effect_due
from cunxin.records.actions.notices import do_publish_notice
from cunxin.records.actions.review import do_approve
from cunxin.records.models import Record, Status


def _messages(kind: str) -> list[str]:
    return list(Message.objects.filter(kind=kind).order_by("pk").values_list("text", flat=True))


def test_confirming_twice_confers_tells_and_rewards_once(policy_world: World) -> None:
    w = policy_world
    month_world(w)
    do_set_reward(w.village_a, kind=Kind.STAR, item_code="cm-r15", acting_user=w.committee_a)
    r = open_last_month(w)
    do_confirm_round(r, acting_user=w.committee_a)
    do_confirm_round(r, acting_user=w.committee_a)
    r.refresh_from_db()
    assert r.status == RoundStatus.CONFIRMED
    assert r.confirmed_by == w.committee_a
    assert RoundEvent.objects.filter(round=r, to_status=RoundStatus.CONFIRMED).count() == 1
    stars = Conferral.objects.filter(round=r, kind=Kind.STAR).order_by("rank")
    assert names(list(stars)) == ["王建国", "张三", "李秀英", "张小明"]
    records = Record.objects.filter(item__code="CM-R15")
    assert records.count() == 4
    record = records.get(resident__name="张三")
    # A reward record like any other: collected by the confirming member, to be reviewed.
    assert (record.status, record.points, record.behaviour_date) == (Status.COLLECTED, 10, TODAY)
    assert record.collected_by == w.committee_a
    assert "月度信用之星" in record.note
    # CM-R15 asks for evidence: the record carries the honour's QR code.
    evidence = record.evidence.get()
    assert evidence.content_type == "image/png"
    texts = _messages("honour")
    assert len(texts) == 4
    assert any("第2名" in t and "奖励+10分" in t for t in texts)


def test_a_reopened_round_confirmed_again_with_the_same_picks_makes_nothing_twice(
    policy_world: World,
) -> None:
    w = policy_world
    month_world(w)
    do_set_reward(w.village_a, kind=Kind.STAR, item_code="CM-R15", acting_user=w.committee_a)
    r = open_last_month(w)
    do_confirm_round(r, acting_user=w.committee_a)
    with pytest.raises(DomainError) as refusal:
        do_swap_star(
            r, rank=1, resident=w.resident("王丽"), reason="群众推荐", acting_user=w.committee_a
        )
    assert refusal.value.code == "round_confirmed"
    with pytest.raises(DomainError) as no_reason:
        do_reopen_round(r, reason="", acting_user=w.committee_a)
    assert no_reason.value.code == "reason_required"
    do_reopen_round(r, reason="张小明的记录有误，需复核", acting_user=w.committee_a)
    assert board_honours(w.village_a, TODAY).stars == []  # not confirmed any more
    do_confirm_round(r, acting_user=w.committee_a)
    assert Record.objects.filter(item__code="CM-R15").count() == 4
    assert len(_messages("honour")) == 4
    assert _messages("honour_withdrawn") == []
    events = list(RoundEvent.objects.filter(round=r).values_list("to_status", "reason"))
    assert events[-2:] == [
        (RoundStatus.DRAFT, "张小明的记录有误，需复核"),
        (RoundStatus.CONFIRMED, ""),
    ]


def test_a_star_swapped_out_after_reopening_is_told_and_keeps_no_honour(
    policy_world: World,
) -> None:
    from cunxin.policy.actions import do_save_policy

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
    do_confirm_round(r, acting_user=w.committee_a)
    do_reopen_round(r, reason="李秀英的事迹需复核", acting_user=w.committee_a)
    do_swap_star(
        r,
        rank=3,
        resident=w.resident("张小明"),
        reason="长期照顾孤寡老人",
        acting_user=w.committee_a,
    )
    do_confirm_round(r, acting_user=w.committee_a)
    current = Conferral.objects.filter(round=r, withdrawn_at__isnull=True)
    assert sorted(names(list(current))) == sorted(["王建国", "张三", "张小明"])
    gone = Conferral.objects.get(round=r, resident__name="李秀英")
    assert gone.withdrawn_reason == "李秀英的事迹需复核"
    assert _messages("honour_withdrawn") == [
        f"前双村{r.label}的“月度信用之星”经评审会复核已撤回：李秀英的事迹需复核"
    ]
    assert len(_messages("honour")) == 4  # three, then 张小明
    assert names(board_honours(w.village_a, TODAY).stars) == ["王建国", "张三", "张小明"]


def test_the_month_is_confirmed_only_once_it_has_ended(policy_world: World) -> None:
    w = policy_world
    mid_month = datetime.datetime.combine(
        THIS_MONTH.replace(day=15), datetime.time(12), tzinfo=datetime.UTC
    )
    with mock.patch("django.utils.timezone.now", return_value=mid_month):
        r = do_open_round(
            w.village_a, period=Period.MONTH, day=THIS_MONTH, acting_user=w.committee_a
        )
        with pytest.raises(DomainError) as early:
            do_confirm_round(r, acting_user=w.committee_a)
    assert early.value.code == "too_early"


def test_only_the_villages_committee_confirms(policy_world: World) -> None:
    w = policy_world
    month_world(w)
    r = open_last_month(w)
    for user in (w.collector_a, w.clerk, w.villager_a, w.collector_b):
        with pytest.raises(Forbidden) as refusal:
            do_confirm_round(r, acting_user=user)
        assert refusal.value.code == "forbidden"
    with pytest.raises(Conflict) as refusal:
        do_reopen_round(r, reason="还没确认就重开", acting_user=w.committee_a)
    assert refusal.value.code == "round_draft"


def test_a_reward_item_must_be_a_fixed_reward_of_the_catalogue(policy_world: World) -> None:
    w = policy_world
    for code, error in (
        ("VM-P01", "item_not_reward"),
        ("PW-R01", "item_not_reward"),
        ("XX-1", "item_unknown"),
    ):
        with pytest.raises(DomainError) as refused:
            do_set_reward(w.village_a, kind=Kind.STAR, item_code=code, acting_user=w.committee_a)
        assert refused.value.code == error
    setting = do_set_reward(w.village_a, kind=Kind.STAR, item_code="", acting_user=w.committee_a)
    assert setting.item_code == ""


def test_a_reward_that_cannot_be_recorded_is_shown_not_lost(policy_world: World) -> None:
    from cunxin.people.actions import do_update_resident

    w = policy_world
    month_world(w)
    do_set_reward(w.village_a, kind=Kind.STAR, item_code="VM-R03", acting_user=w.committee_a)
    r = open_last_month(w)
    zhang = w.resident("张小明")
    do_update_resident(
        zhang,
        name=zhang.name,
        phone=zhang.phone,
        relation=zhang.relation,
        status="moved_out",
        acting_user=w.clerk,
        reason="迁往外地",
    )
    do_confirm_round(r, acting_user=w.committee_a)
    refused = Conferral.objects.get(round=r, resident=zhang)
    assert refused.record is None
    assert "不在册" in refused.reward_error
    assert Record.objects.filter(item__code="VM-R03", note__contains="信用之星").count() == 3


def test_the_board_shows_the_latest_confirmed_month_never_a_draft(policy_world: World) -> None:
    w = policy_world
    month_world(w)
    r = open_last_month(w)
    assert board_honours(w.village_a, TODAY).month is None
    do_confirm_round(r, acting_user=w.committee_a)
    # This month's draft does not hide last month's stars.
    do_open_round(w.village_a, period=Period.MONTH, day=THIS_MONTH, acting_user=w.committee_a)
    found = board_honours(w.village_a, TODAY)
    assert found.month == r.starts_on
    assert names(found.stars) == ["王建国", "张三", "李秀英", "张小明"]
    assert board_honours(w.village_b, TODAY).stars == []


def test_a_year_is_confirmed_from_december(policy_world: World) -> None:
    w = policy_world
    june = datetime.datetime(TODAY.year, 6, 15, 12, tzinfo=datetime.UTC)
    with mock.patch("django.utils.timezone.now", return_value=june):
        r = do_open_round(
            w.village_a, period=Period.YEAR, day=june.date(), acting_user=w.committee_a
        )
        with pytest.raises(DomainError) as early:
            do_confirm_round(r, acting_user=w.committee_a)
    assert early.value.code == "too_early"
    assert str(early.value) == f"{TODAY.year}年度的评选要到{TODAY.year}-12-01才能确认。"


def test_an_honours_reward_does_not_count_towards_the_next_months_honours(
    policy_world: World,
) -> None:
    """The reward is dated the day the round is confirmed, in the next month: counting it would
    make last month's stars this month's stars again, for having been honoured."""
    w = policy_world
    month_world(w)
    do_set_reward(w.village_a, kind=Kind.STAR, item_code="CM-R15", acting_user=w.committee_a)
    r = open_last_month(w)
    do_confirm_round(r, acting_user=w.committee_a)
    rewards = list(Record.objects.filter(item__code="CM-R15"))
    assert len(rewards) == 4
    do_approve([x.pk for x in rewards], acting_user=w.users["admin"])  # not the collector
    do_publish_notice(w.village_a, acting_user=w.committee_a)
    take_effect_due(timezone.now() + datetime.timedelta(days=8))
    assert Record.objects.filter(item__code="CM-R15", status=Status.EFFECTIVE).count() == 4
    # This month only 李秀英 did something: one good deed of her own.
    effective(w, [("李秀英", "CM-R01", "1")], day=TODAY)
    policy = policy_in_force(w.village_a, TODAY)
    assert policy is not None
    candidates = ranking.month_candidates(w.village_a, THIS_MONTH, TODAY, policy)
    assert [c.resident.name for c in candidates] == ["李秀英"]
    chosen = ranking.choose_stars([w.village_a], THIS_MONTH, TODAY, {w.village_a.pk: policy})
    assert [f.resident_id for f in chosen.get(w.village_a.pk, [])] == [w.resident("李秀英").pk]
