"""Notices for the public-board tests, made through the actions as the committee makes them."""

from __future__ import annotations

import datetime
import uuid
from collections.abc import Callable, Sequence
from decimal import Decimal

import pytest
from django.utils import timezone

from cunxin.conftest import World
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
        photos=[("p.jpg", b"\xff\xd8\xff\xe0 fake jpeg body")],
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
