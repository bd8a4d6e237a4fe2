"""Building blacklist situations through the actions, for tests and the access matrix."""

from __future__ import annotations

import datetime
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from decimal import Decimal
from typing import Any
from unittest import mock

from django.utils import timezone

from cunxin.blacklist.actions import do_apply_repair, do_confirm_candidate
from cunxin.blacklist.models import BlacklistCase, RepairApplication
from cunxin.conftest import World
from cunxin.core.images import sample_image
from cunxin.records.actions.collect import do_collect
from cunxin.records.actions.effect import take_effect_due
from cunxin.records.actions.notices import do_publish_notice
from cunxin.records.actions.review import do_approve
from cunxin.records.models import Record

JPEG = sample_image()
# CM-P15 家庭暴力经查实: a serious penalty of 100 points (the score stays at B, above D).
SERIOUS = "CM-P15"
# VM-P11 在村级选举中贿选: 60 points, not serious.
HEAVY = "VM-P11"


@contextmanager
def travel(days: int) -> Iterator[None]:
    """Stand some days from now (every timezone.now() answers that moment)."""
    moment = timezone.now() + datetime.timedelta(days=days)
    with mock.patch("django.utils.timezone.now", return_value=moment):
        yield


def make_effective(w: World, lines: list[tuple[str, str, str]]) -> list[Record]:
    """Records (name, item code, quantity) of village A, collected, approved, noticed, in effect."""
    records = [
        do_collect(
            client_id=uuid.uuid4(),
            resident=w.resident(name),
            item_code=code,
            quantity=Decimal(qty),
            behaviour_date=timezone.localdate(),
            photos=[("p.jpg", JPEG)],
            acting_user=w.collector_a,
        )
        for name, code, qty in lines
    ]
    do_approve([r.pk for r in records], acting_user=w.committee_a)
    do_publish_notice(w.village_a, acting_user=w.committee_a)
    take_effect_due(timezone.now() + datetime.timedelta(days=8))
    return [Record.objects.get(pk=r.pk) for r in records]


def village_policy(w: World, **values: Any) -> None:
    """Village A's own policy version from today."""
    from cunxin.policy.actions import do_save_policy

    do_save_policy(
        w.village_a,
        values=values,
        effective_from=timezone.localdate(),
        acting_user=w.clerk,
        reason="本村调整",
    )


def serious_candidate(w: World, name: str = "张三") -> Record:
    return make_effective(w, [(name, SERIOUS, "1")])[0]


def listed_case(w: World, name: str = "张三", **changes: Any) -> BlacklistCase:
    serious_candidate(w, name)
    values: dict[str, Any] = {
        "reason": "家庭暴力经公安机关查实",
        "restrictions": ["政策扶持", "评优评先"],
        "ends_on": timezone.localdate() + datetime.timedelta(days=365),
        **changes,
    }
    return do_confirm_candidate(w.resident(name), acting_user=w.committee_a, **values)


def repairable_case(w: World, name: str = "张三") -> BlacklistCase:
    """A listed case the villager may apply to repair today (the policy waits 0 months)."""
    village_policy(w, repair_min_months=0)
    return listed_case(w, name)


def applied(w: World, case: BlacklistCase, photo: bool = True) -> RepairApplication:
    return do_apply_repair(
        case,
        volunteer_hours=Decimal("24.5"),
        commitment_signed=True,
        text="列入以来参加了十次环境整治志愿服务，家庭和睦。",
        commitment_file=("承诺书.jpg", JPEG) if photo else None,
        acting_user=w.villager_a,
    )
