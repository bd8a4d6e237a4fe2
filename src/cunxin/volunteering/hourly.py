"""Which catalogue items can pay volunteer hours: per-hour reward items of the catalogue."""

from __future__ import annotations

import datetime

from cunxin.policy.models import CatalogueItem, Direction, Scoring
from cunxin.policy.selectors import catalogue_in_force
from cunxin.regions.models import Region

# The default catalogue's "参加村内志愿服务", offered first when the catalogue has it.
DEFAULT_ITEM = "PW-R01"
HOUR_UNITS = ("小时", "时", "h", "hour", "hours")


def hourly_items(region: Region, day: datetime.date) -> list[CatalogueItem]:
    """The active reward items of the region's catalogue on the day that are scored per hour."""
    return [
        item
        for item in catalogue_in_force(region, day).values()
        if item.active
        and item.direction == Direction.REWARD
        and item.scoring == Scoring.PER_UNIT
        and item.unit.strip().lower() in HOUR_UNITS
    ]


def default_item_code(region: Region, day: datetime.date) -> str:
    """The item an activity's hours go to unless the organiser picks another."""
    codes = [i.code for i in hourly_items(region, day)]
    if DEFAULT_ITEM in codes:
        return DEFAULT_ITEM
    return codes[0] if codes else ""
