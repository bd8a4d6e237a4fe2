import datetime
import io
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from decimal import Decimal
from typing import Any
from unittest import mock

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone

from cunxin.conftest import World
from cunxin.core.errors import Conflict, DomainError, Forbidden
from cunxin.core.images import sample_image
from cunxin.core.models import AuditEntry
from cunxin.ledger.checks import check_ledger
from cunxin.ledger.models import Transfer
from cunxin.records.actions.carryover import do_carry_over, kept_points, plan_carry_over
from cunxin.records.actions.collect import do_collect
from cunxin.records.actions.effect import expire_due, take_effect_due
from cunxin.records.actions.notices import do_publish_notice
from cunxin.records.actions.review import do_approve
from cunxin.records.models import CarryOverRun, GradeChange, Record, Status
from cunxin.records.standing import standing

TODAY = timezone.localdate()


@contextmanager
def travel(days: int) -> Iterator[None]:
    """Stand some days from now (every timezone.now() answers that moment)."""
    moment = timezone.now() + datetime.timedelta(days=days)
    with mock.patch("django.utils.timezone.now", return_value=moment):
        yield


def make_effective(w: World, lines: list[tuple[str, str, str]]) -> list[Record]:
    """Records (name, item code, quantity) collected, approved, noticed and in effect."""
    records = [
        do_collect(
            client_id=uuid.uuid4(),
            resident=w.resident(name),
            item_code=code,
            quantity=Decimal(qty),
            behaviour_date=timezone.localdate(),
            photos=[("p.jpg", sample_image())],
            acting_user=w.collector_a,
        )
        for name, code, qty in lines
    ]
    do_approve([r.pk for r in records], acting_user=w.committee_a)
    do_publish_notice(w.village_a, acting_user=w.committee_a)
    take_effect_due(timezone.now() + datetime.timedelta(days=8))
    return [Record.objects.get(pk=r.pk) for r in records]


def set_policy(w: World, **values: Any) -> None:
    from cunxin.policy.actions import do_save_policy

    do_save_policy(
        w.town, values=values, effective_from=TODAY, acting_user=w.clerk, reason="结转办法"
    )


def points(w: World, name: str) -> tuple[int, int]:
    mine = standing(w.resident(name))
    return mine.score - mine.base, mine.spendable


# 张三 earns 2 × 7 hours = +14 (then +1 hour = 16 would stay under the cap); 王建国 is fined
# 60 (VM-P11) and earns 2 hours (+4): −56. 王丽 earns 5 hours: +10.
STORY = [
    ("张三", "PW-R01", "7"),
    ("王建国", "VM-P11", "1"),
    ("王建国", "PW-R01", "2"),
    ("王丽", "PW-R01", "5"),
]


@pytest.mark.parametrize(
    ("p", "mode", "percent", "kept"),
    [
        (105, "fraction", 50, 52),
        (-105, "fraction", 50, -52),
        (1, "fraction", 99, 0),
        (-1, "fraction", 99, 0),
        (100, "fraction", 100, 100),
        (37, "fraction", 0, 0),
        (37, "keep", 10, 37),
        (-37, "reset", 10, 0),
    ],
)
def test_the_fraction_keeps_whole_points_of_the_size_for_both_signs(
    p: int, mode: str, percent: int, kept: int
) -> None:
    assert kept_points(p, mode, percent) == kept


def test_keep_moves_nothing_and_closes_nothing(policy_world: World) -> None:
    w = policy_world
    make_effective(w, STORY)
    before = {n: points(w, n) for n in ("张三", "王建国", "王丽")}
    transfers = Transfer.objects.count()
    result = do_carry_over(w.village_a, TODAY, acting_user=w.clerk)
    assert result.created
    assert result.run.mode == "keep"
    assert result.run.residents_changed == 0
    assert Transfer.objects.count() == transfers
    assert {n: points(w, n) for n in before} == before
    assert not Record.objects.filter(score_closed_at__isnull=False).exists()
    assert check_ledger() == []


def test_a_fraction_keeps_that_share_and_validity_never_posts_again(policy_world: World) -> None:
    w = policy_world
    set_policy(w, carry_over="fraction", carry_over_percent=50)
    make_effective(w, STORY)
    assert points(w, "张三") == (14, 14)
    assert points(w, "王建国") == (-56, -56)
    assert points(w, "王丽") == (10, 10)
    result = do_carry_over(w.village_a, TODAY, acting_user=w.clerk)
    assert points(w, "张三") == (7, 14)  # spendable points are not carried over
    assert points(w, "王建国") == (-28, -56)
    assert points(w, "王丽") == (5, 10)
    assert result.run.score_returned == 7 - 28 + 5
    assert result.run.records_closed == 4
    assert not Record.objects.filter(status=Status.EFFECTIVE, score_closed_at__isnull=True).exists()
    assert Transfer.objects.filter(key__startswith=f"carry:{w.village_a.code}:").count() == 3
    # The records' validity ends later: the job posts nothing, the carried points stay.
    assert expire_due(TODAY + datetime.timedelta(days=5000)) == 0
    assert points(w, "王建国") == (-28, -56)
    assert check_ledger() == []


def test_reset_returns_every_score_point_and_keeps_grade_changes(policy_world: World) -> None:
    w = policy_world
    set_policy(w, carry_over="reset")
    make_effective(w, STORY)
    wang = w.resident("王建国")
    assert standing(wang).grade == "B"
    do_carry_over(w.village_a, TODAY, acting_user=w.clerk)
    for name in ("张三", "王建国", "王丽"):
        assert standing(w.resident(name)).score == 1000
    assert points(w, "王丽") == (0, 10)
    change = GradeChange.objects.filter(resident=wang).first()
    assert change is not None
    assert (change.from_grade, change.to_grade) == ("B", "A")
    assert "结转" in change.cause
    assert check_ledger() == []


def test_unspent_points_expire_but_a_negative_balance_stays(policy_world: World) -> None:
    w = policy_world
    set_policy(w, unspent_points_expire=True)
    make_effective(w, STORY)
    result = do_carry_over(w.village_a, TODAY, acting_user=w.clerk)
    assert points(w, "张三") == (14, 0)  # keep: the score is untouched
    assert points(w, "王丽") == (10, 0)
    assert points(w, "王建国") == (-56, -56)
    assert result.run.spendable_returned == 24
    assert check_ledger() == []


def test_the_dry_run_shows_exactly_what_the_real_run_does(policy_world: World) -> None:
    w = policy_world
    set_policy(w, carry_over="fraction", carry_over_percent=30, unspent_points_expire=True)
    make_effective(w, STORY)
    transfers = Transfer.objects.count()
    plan = plan_carry_over(w.village_a, TODAY)
    assert Transfer.objects.count() == transfers  # the dry run writes nothing
    assert plan.done is None
    result = do_carry_over(w.village_a, TODAY, acting_user=w.clerk)
    assert result.plan is not None
    assert result.plan.lines == plan.lines
    assert result.plan.records_to_close == plan.records_to_close == result.run.records_closed
    for line in plan.lines:
        mine = standing(w.resident(line.name))
        assert (mine.score, mine.spendable) == (line.score_after, line.spendable_after)
    assert plan_carry_over(w.village_a, TODAY).done == result.run


def test_running_twice_changes_nothing_and_says_so(policy_world: World) -> None:
    w = policy_world
    set_policy(w, carry_over="reset", unspent_points_expire=True)
    make_effective(w, STORY)
    first = do_carry_over(w.village_a, TODAY, acting_user=w.clerk)
    transfers = Transfer.objects.count()
    again = do_carry_over(w.village_a, TODAY, acting_user=w.clerk)
    assert not again.created
    assert again.run == first.run
    assert Transfer.objects.count() == transfers
    assert CarryOverRun.objects.count() == 1
    assert AuditEntry.objects.filter(action="records.carry_over").count() == 1
    with pytest.raises(Conflict) as refusal:  # an earlier period cannot follow a later one
        do_carry_over(w.village_a, TODAY - datetime.timedelta(days=1), acting_user=w.clerk)
    assert refusal.value.code == "carry_over_order"
    assert check_ledger() == []


def test_records_taking_effect_later_count_in_the_new_period(policy_world: World) -> None:
    w = policy_world
    set_policy(w, carry_over="reset")
    make_effective(w, [("张三", "PW-R01", "3")])
    do_carry_over(w.village_a, TODAY, acting_user=w.clerk)
    assert points(w, "张三") == (0, 6)
    make_effective(w, [("张三", "PW-R01", "2")])
    assert points(w, "张三") == (4, 10)
    assert check_ledger() == []


def test_points_whose_validity_has_ended_are_not_carried(policy_world: World) -> None:
    w = policy_world
    set_policy(w, carry_over="fraction", carry_over_percent=50)
    make_effective(w, [("王建国", "VM-P11", "1"), ("王建国", "PW-R01", "2")])
    assert points(w, "王建国") == (-56, -56)
    # Two and a half years on, the fine (valid 2 years) has ended but the job has not run.
    with travel(days=int(2.5 * 366)):
        today = timezone.localdate()
        plan = plan_carry_over(w.village_a, today)
        (line,) = plan.changed
        assert line.lapsed_points == -60
        assert line.score_after == 1000 + 2  # half of the +4 reward; the fine is not carried
        do_carry_over(w.village_a, today, acting_user=w.clerk)
        assert points(w, "王建国") == (2, -56)
        assert expire_due(today) == 0
    assert check_ledger() == []


def test_only_the_credit_centre_of_the_town_carries_over(policy_world: World) -> None:
    w = policy_world
    for user in (w.clerk2, w.committee_a, w.collector_a, w.villager_a):
        with pytest.raises(Forbidden) as refusal:
            do_carry_over(w.village_a, TODAY, acting_user=user)
        assert refusal.value.code == "forbidden"
    with pytest.raises(DomainError) as info:
        do_carry_over(w.village_a, TODAY + datetime.timedelta(days=1), acting_user=w.clerk)
    assert info.value.code == "period_end_future"
    assert not CarryOverRun.objects.exists()


def test_the_command_shows_a_dry_run_then_runs_once(policy_world: World) -> None:
    w = policy_world
    set_policy(w, carry_over="reset")
    make_effective(w, STORY)
    args = ["--village", w.village_a.code, "--period-end", TODAY.isoformat(), "--user"]
    out = io.StringIO()
    call_command("carry_over", *args, w.clerk.phone, "--dry-run", stdout=out)
    assert "王建国\t944→1000" in out.getvalue()
    assert "预览" in out.getvalue()
    assert not CarryOverRun.objects.exists()
    out = io.StringIO()
    call_command("carry_over", *args, w.clerk.phone, stdout=out)
    assert "结转完成：3 人变动" in out.getvalue()
    out = io.StringIO()
    call_command("carry_over", *args, w.clerk.phone, stdout=out)
    assert "未做任何改动" in out.getvalue()
    with pytest.raises(CommandError):
        call_command("carry_over", *args, w.clerk2.phone, stdout=io.StringIO())
    assert check_ledger() == []
    call_command("check_ledger", stdout=io.StringIO())
