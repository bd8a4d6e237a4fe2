"""Building volunteering situations through the actions, as the organiser would."""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from django.utils import timezone

from cunxin.accounts.actions import do_create_user
from cunxin.accounts.models import User
from cunxin.accounts.permissions import Role
from cunxin.conftest import PASSWORD, World
from cunxin.regions.models import Region
from cunxin.volunteering.actions.activities import (
    ActivityData,
    PositionData,
    do_create_activity,
    do_edit_activity,
    do_publish_activity,
)
from cunxin.volunteering.actions.signups import do_sign_up
from cunxin.volunteering.forms import positions_initial
from cunxin.volunteering.models import Activity, SignUp

HOUR = datetime.timedelta(hours=1)
RIVER = "周六河道清理"


def data(
    w: World,
    *,
    region: Region | None = None,
    title: str = RIVER,
    starts_at: datetime.datetime | None = None,
    hours: float = 4,
    deadline: datetime.datetime | None = None,
    positions: Sequence[tuple[str, int, str]] = (("清理河道", 2, "4"), ("后勤保障", 1, "2")),
    item_code: str = "PW-R01",
) -> ActivityData:
    starts = starts_at or timezone.now() + datetime.timedelta(days=3)
    return ActivityData(
        region=region or w.village_a,
        title=title,
        place="村东河道",
        starts_at=starts,
        ends_at=starts + datetime.timedelta(hours=hours),
        sign_up_deadline=deadline or starts - datetime.timedelta(hours=12),
        item_code=item_code,
        positions=[PositionData(n, q, Decimal(h)) for n, q, h in positions],
        description="清理河道垃圾，自带手套。",
    )


def published(w: World, by: User | None = None, **kwargs: Any) -> Activity:
    """A published activity (of village A, three days ahead unless told otherwise)."""
    organiser = by or w.committee_a
    activity = do_create_activity(data(w, **kwargs), acting_user=organiser)
    return do_publish_activity(activity, acting_user=organiser)


def villager(w: World, name: str, phone: str) -> User:
    """A login for a resident (their own phone number)."""
    resident = w.resident(name)
    user = do_create_user(
        phone=phone,
        name=name,
        password=PASSWORD,
        role=Role.VILLAGER,
        region=resident.village,
        resident=resident,
        acting_user=w.admin,
    )
    User.objects.filter(pk=user.pk).update(must_change_password=False)
    user.refresh_from_db()
    return user


def sign(w: World, activity: Activity, name: str, position: int = 0) -> SignUp:
    """The collector signs a villager of village A up for the activity's n-th position."""
    positions = list(activity.positions.order_by("order", "pk"))
    return do_sign_up(
        activity, w.resident(name), position=positions[position], acting_user=w.collector_a
    )


def move_to(
    w: World, activity: Activity, starts_at: datetime.datetime, hours: float = 4
) -> Activity:
    """The organiser moves the activity's time (people stay signed up), e.g. to today."""
    old = data(w, region=activity.region, title=activity.title)
    new = ActivityData(
        region=activity.region,
        title=activity.title,
        place=activity.place,
        starts_at=starts_at,
        ends_at=starts_at + datetime.timedelta(hours=hours),
        sign_up_deadline=starts_at - datetime.timedelta(minutes=1),
        item_code=activity.item_code,
        positions=[
            PositionData(p["name"], p["quota"], p["planned_hours"], p["id"])
            for p in positions_initial(activity)
        ],
        description=old.description,
        team=activity.team,
    )
    return do_edit_activity(activity, new, acting_user=w.clerk)


def running(w: World, names: Sequence[str] = ("张三",), **kwargs: Any) -> Activity:
    """An activity going on now (started an hour ago, four hours long) with people signed up."""
    activity = published(w, **kwargs)
    for name in names:
        sign(w, activity, name)
    return move_to(w, activity, timezone.now() - HOUR)


def held(w: World, names: Sequence[str] = ("张三",), hours: float = 4, **kwargs: Any) -> Activity:
    """An activity that ended an hour ago, with people signed up (not yet checked in)."""
    activity = published(w, **kwargs)
    for name in names:
        sign(w, activity, name)
    return move_to(w, activity, timezone.now() - HOUR - datetime.timedelta(hours=hours), hours)
