"""Read queries of the public board: what a notice board on the village wall shows, no more.

Everything here is read without a user (these pages need no login), so nothing is scoped by
``restrict``: instead each query names the few columns a notice board shows (a masked name, the
behaviour, the date, the points, the status), and no personal column (ID number, phone,
household, free-text note) is ever read. A notice costs the same few queries with 2 lines or
200: one for the village and its town, one for the notice, at most two for the policy, one for
the lines.
"""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Count, QuerySet
from django.utils import timezone

from cunxin.policy.masking import mask_name
from cunxin.policy.models import NameMasking, Scoring
from cunxin.policy.selectors import policy_in_force
from cunxin.public.verification import grouped
from cunxin.records.models import Notice, Record, Status
from cunxin.regions.models import Level, Region

_CODE = re.compile(r"^[0-9]{12}$")


def public_village(code: str) -> Region | None:
    """The village with this 12-digit code, with its town (None for anything else)."""
    if not _CODE.match(code):
        return None
    return Region.objects.select_related("parent").filter(code=code, level=Level.VILLAGE).first()


def public_town(code: str) -> Region | None:
    """The town (街道/镇) with this 12-digit code, with its county (None for anything else)."""
    if not _CODE.match(code):
        return None
    return Region.objects.select_related("parent").filter(code=code, level=Level.TOWN).first()


def village_notices(village: Region) -> QuerySet[Notice]:
    """The village's notices, newest first, each with its number of lines."""
    return (
        Notice.objects.filter(village=village)
        .annotate(line_count=Count("records"))
        .only("pk", "number", "status", "published_at", "ends_at", "village_id")
        .order_by("-number")
    )


def name_masking(village: Region, today: datetime.date | None = None) -> str:
    """The masking the village's policy asks for today.

    Today's policy, not the one of the notice's day: a village that tightens its setting hides
    the names on its older notices too. Without a policy, the model's default applies.
    """
    policy = policy_in_force(village, today or timezone.localdate())
    return policy.name_masking if policy is not None else NameMasking.MIDDLE


@dataclass(frozen=True)
class Line:
    """One line of a notice as the public sees it."""

    number: int
    name: str  # masked per policy
    behaviour: str
    amount: str  # "2 小时" for items scored per unit, "" for fixed items
    date: datetime.date
    points: int
    status: str
    status_label: str
    correction: bool

    @property
    def points_signed(self) -> str:
        return f"{self.points:+d}"

    @property
    def flagged(self) -> bool:
        """A line that did not simply pass (disputed or cancelled)."""
        return self.status in (Status.DISPUTED, Status.CANCELLED)


@dataclass(frozen=True)
class Period:
    """The notice period, and where today stands in it."""

    starts_at: datetime.datetime
    ends_at: datetime.datetime
    days: int
    open: bool
    days_left: int  # whole calendar days until the end date; 0 = it ends today


@dataclass(frozen=True)
class Board:
    """A notice as posted: village, period, lines, and the ledger's chain head at publication."""

    village: Region
    notice: Notice
    period: Period
    lines: list[Line]
    masking: str

    @property
    def chain_hash_grouped(self) -> str:
        return grouped(self.notice.chain_hash)

    @property
    def town_name(self) -> str:
        return self.village.parent.name if self.village.parent else ""

    @property
    def rewards(self) -> int:
        return sum(1 for line in self.lines if line.points > 0)

    @property
    def penalties(self) -> int:
        return sum(1 for line in self.lines if line.points < 0)

    @property
    def disputed(self) -> int:
        return sum(1 for line in self.lines if line.status == Status.DISPUTED)


def period_of(notice: Notice, now: datetime.datetime | None = None) -> Period:
    now = now or timezone.now()
    ends_day = timezone.localtime(notice.ends_at).date()
    return Period(
        starts_at=notice.published_at,
        ends_at=notice.ends_at,
        days=(notice.ends_at - notice.published_at).days,
        open=now < notice.ends_at,
        days_left=max((ends_day - timezone.localtime(now).date()).days, 0),
    )


def _amount(scoring: str, unit: str, quantity: Decimal) -> str:
    if scoring != Scoring.PER_UNIT:
        return ""
    return f"{quantity.normalize():f}{unit}"


def notice_board(
    village: Region, number: int, now: datetime.datetime | None = None
) -> Board | None:
    """The notice with this number in the village, with its lines; None if there is none."""
    notice = Notice.objects.filter(village=village, number=number).first()
    if notice is None:
        return None
    masking = name_masking(village)
    rows = (
        Record.objects.filter(notice=notice)
        .order_by("pk")
        .values_list(
            "resident__name",
            "item__name",
            "item__scoring",
            "item__unit",
            "quantity",
            "behaviour_date",
            "points",
            "status",
            "reverses_id",
        )
    )
    lines = [
        Line(
            number=i,
            name=mask_name(name, masking),
            behaviour=behaviour,
            amount=_amount(scoring, unit, quantity),
            date=date,
            points=points,
            status=status,
            status_label=str(Status(status).label),
            correction=reverses_id is not None,
        )
        for i, (
            name,
            behaviour,
            scoring,
            unit,
            quantity,
            date,
            points,
            status,
            reverses_id,
        ) in enumerate(rows, start=1)
    ]
    return Board(
        village=village,
        notice=notice,
        period=period_of(notice, now),
        lines=lines,
        masking=masking,
    )
