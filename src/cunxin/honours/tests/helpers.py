"""Building honours situations through the actions, for tests and the access matrix."""

from __future__ import annotations

import datetime
import uuid
from decimal import Decimal
from typing import Any

from django.utils import timezone

from cunxin.conftest import World
from cunxin.core.images import sample_image
from cunxin.honours.actions import do_open_round
from cunxin.honours.models import Period, Round
from cunxin.records.actions.collect import do_collect
from cunxin.records.actions.effect import take_effect_due
from cunxin.records.actions.notices import do_publish_notice
from cunxin.records.actions.review import do_approve
from cunxin.records.models import Record
from cunxin.volunteering.actions.teams import do_add_member, do_create_team
from cunxin.volunteering.models import Team

JPEG = sample_image()
TODAY = timezone.localdate()
THIS_MONTH = TODAY.replace(day=1)
# The last day of last month: always inside the 31-day entry window.
LAST_MONTH_DAY = THIS_MONTH - datetime.timedelta(days=1)
LAST_MONTH = LAST_MONTH_DAY.replace(day=1)


def effective(
    w: World, lines: list[tuple[str, str, str]], day: datetime.date | None = None
) -> list[Record]:
    """Records (name, item code, quantity) of village A on the day (default: last month's last
    day), collected, approved, noticed and in effect."""
    records = [
        do_collect(
            client_id=uuid.uuid4(),
            resident=w.resident(name),
            item_code=code,
            quantity=Decimal(qty),
            behaviour_date=day or LAST_MONTH_DAY,
            photos=[("p.jpg", JPEG)],
            acting_user=w.collector_a,
        )
        for name, code, qty in lines
    ]
    do_approve([r.pk for r in records], acting_user=w.committee_a)
    do_publish_notice(w.village_a, acting_user=w.committee_a)
    take_effect_due(timezone.now() + datetime.timedelta(days=8))
    return [Record.objects.get(pk=r.pk) for r in records]


def month_world(w: World) -> None:
    """Last month in village A: 王建国 20 points of which 5 volunteer hours; 张三 20 points
    (no hours); 李秀英 13; 王丽 23 with a penalty; 张小明 3."""
    effective(
        w,
        [
            ("王建国", "CM-R01", "1"),
            ("王建国", "PW-R01", "5"),
            ("张三", "CM-R01", "1"),
            ("张三", "CM-R01", "1"),
            ("李秀英", "CM-R01", "1"),
            ("李秀英", "VM-R03", "1"),
            ("王丽", "CM-R01", "1"),
            ("王丽", "CM-R01", "1"),
            ("王丽", "CM-R01", "1"),
            ("王丽", "VM-P01", "1"),
            ("张小明", "VM-R11", "1"),
        ],
    )


def open_last_month(w: World) -> Round:
    return do_open_round(
        w.village_a, period=Period.MONTH, day=LAST_MONTH, acting_user=w.committee_a
    )


def team(w: World, name: str, members: list[str]) -> Team:
    created = do_create_team(w.village_a, name=name, acting_user=w.committee_a)
    for member in members:
        do_add_member(created, w.resident(member), acting_user=w.committee_a)
    return created


def names(items: list[Any]) -> list[str]:
    return [getattr(i, "resident", i).name for i in items]
