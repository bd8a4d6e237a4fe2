"""Notices and honours for the public-board tests, made through the actions as people make them."""

from __future__ import annotations

import datetime
import uuid
from collections.abc import Callable, Sequence
from decimal import Decimal

import pytest
from django.utils import timezone

from cunxin.conftest import World
from cunxin.core.images import sample_image
from cunxin.records.actions.collect import do_collect, do_collect_team
from cunxin.records.actions.effect import take_effect_due
from cunxin.records.actions.notices import do_publish_notice
from cunxin.records.actions.review import do_approve
from cunxin.records.models import Notice

TODAY = timezone.localdate()
AFTER_THE_PERIOD = timezone.now() + datetime.timedelta(days=8)
# A collector's note may hold anything, a phone number included: the board never shows notes.
NOTE = "张三家门口，联系电话13905371001"

Publish = Callable[..., Notice]


def collect(
    w: World, name: str, code: str = "PW-R01", qty: str = "2", day: datetime.date = TODAY
) -> int:
    return do_collect(
        client_id=uuid.uuid4(),
        resident=w.resident(name),
        item_code=code,
        quantity=Decimal(qty),
        behaviour_date=day,
        note=NOTE,
        photos=[("p.jpg", sample_image())],
        acting_user=w.collector_a,
    ).pk


@pytest.fixture
def publish(policy_world: World) -> Publish:
    """Collect, approve and publish lines for village A: ``publish(("张三", "PW-R01", "2"), …)``."""
    w = policy_world

    def make(*lines: Sequence[str]) -> Notice:
        lines = lines or (("张三", "PW-R01", "2"), ("王建国", "AP-P01", "1"))
        ids = [collect(w, *line) for line in lines]
        do_approve(ids, acting_user=w.committee_a)
        return do_publish_notice(w.village_a, acting_user=w.committee_a)

    return make


@pytest.fixture
def publish_team(policy_world: World) -> Callable[[list[str]], Notice]:
    """One behaviour for many villagers of village A, published as one notice."""
    w = policy_world

    def make(names: list[str]) -> Notice:
        from cunxin.people.models import Resident

        adult = TODAY.replace(year=TODAY.year - 19)
        residents = list(
            Resident.objects.filter(name__in=names, village=w.village_a, birth_date__lte=adult)
        )
        records = do_collect_team(
            client_id=uuid.uuid4(),
            residents=residents,
            item_code="VM-R01",
            quantity=Decimal(1),
            behaviour_date=TODAY,
            acting_user=w.collector_a,
        )
        do_approve([r.pk for r in records], acting_user=w.committee_a)
        return do_publish_notice(w.village_a, acting_user=w.committee_a)

    return make


def take_effect() -> int:
    """End every notice period now: the lines without objection post to the ledger."""
    return take_effect_due(AFTER_THE_PERIOD)


# The last day of last month: always inside the 31-day entry window.
LAST_MONTH_DAY = TODAY.replace(day=1) - datetime.timedelta(days=1)


@pytest.fixture
def honours(policy_world: World) -> World:
    """Village A's honours, chosen by the honours app's rules and confirmed by the committee.

    Last month: 王建国 and 王丽 15 hours of volunteering each (+30, grade AA), 张三 2 hours (+4);
    the stars are 王建国, 王丽 (a tie: the longer registered first) and 张三. 党员先锋队 (张三's
    team) has the red flag. Last year's round makes household 0002 (王建国, 王丽: both AA, no
    penalty) a demonstration household; 0001 (张三 1004, 李秀英 and 张小明 1000) is not.
    """
    from cunxin.honours.actions import do_confirm_round, do_open_round
    from cunxin.honours.models import Period
    from cunxin.volunteering.actions.teams import do_add_member, do_create_team

    w = policy_world
    ids = [
        collect(w, name, "PW-R01", hours, LAST_MONTH_DAY)
        for name, hours in (("王建国", "15"), ("王丽", "15"), ("张三", "2"))
    ]
    do_approve(ids, acting_user=w.committee_a)
    notice = do_publish_notice(w.village_a, acting_user=w.committee_a)
    take_effect()
    # As if the notice had gone up last month: its period is over.
    now = timezone.now()
    Notice.objects.filter(pk=notice.pk).update(
        published_at=now - datetime.timedelta(days=9), ends_at=now - datetime.timedelta(days=2)
    )
    team = do_create_team(w.village_a, name="党员先锋队", acting_user=w.committee_a)
    do_add_member(team, w.resident("张三"), acting_user=w.committee_a)
    for period, day in (
        (Period.MONTH, LAST_MONTH_DAY),
        (Period.YEAR, datetime.date(TODAY.year - 1, 6, 1)),
    ):
        found = do_open_round(w.village_a, period=period, day=day, acting_user=w.committee_a)
        do_confirm_round(found, acting_user=w.committee_a)
    return w
