"""Read queries of a village's public board (信用公开栏): the page, the A4 poster and the TV.

Like the notices (``selectors``), nothing here is read for a user: the board is public, so each
panel reads only what a board on the village wall shows. Names go through the policy's masking;
an ID number, a phone number, an address or a note is never read. The grade distribution is one
aggregate query over the village's scored villagers, whatever their number; the honours, the
calendar and the volunteering figures come from their own apps' selectors.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.db.models import Case, Count, F, FilteredRelation, IntegerField, Q, Sum, Value, When
from django.db.models.functions import Coalesce
from django.utils import timezone

from cunxin.coupons.models import Conversion
from cunxin.coupons.selectors import Figures as CouponFigures
from cunxin.coupons.selectors import figures as coupon_figures
from cunxin.honours.selectors import BoardHonours, board_honours
from cunxin.ledger.models import AccountKind, Currency
from cunxin.people.models import Resident, ResidentStatus
from cunxin.policy.masking import mask_name
from cunxin.policy.models import CreditPolicy, Grade, NameMasking
from cunxin.policy.selectors import policy_in_force
from cunxin.public.selectors import Period, period_of
from cunxin.public.verification import grouped
from cunxin.records.models import Notice
from cunxin.regions.models import Level, Region
from cunxin.shop.models import Redemption, RedemptionStatus
from cunxin.volunteering.selectors import Figures, calendar, figures

CALENDAR_DAYS = 31


def born_on_or_before(today: datetime.date, years: int) -> datetime.date:
    """The latest birth date of someone at least ``years`` old today (29 February → 28th)."""
    try:
        return today.replace(year=today.year - years)
    except ValueError:
        return today.replace(year=today.year - years, day=28)


@dataclass(frozen=True)
class GradeCount:
    """How many scored villagers hold one grade, and the band's scores."""

    grade: str
    floor: int  # lowest score of the band
    ceiling: int | None  # highest score of the band (None: no upper bound)
    count: int
    percent: int  # of all scored villagers, rounded; bars are drawn from it

    @property
    def band(self) -> str:
        if self.ceiling is None:
            return f"≥ {self.floor}"
        if self.floor == 0:
            return f"< {self.ceiling + 1}"
        return f"{self.floor}–{self.ceiling}"


def grade_distribution(
    village: Region, policy: CreditPolicy | None, today: datetime.date
) -> list[GradeCount]:
    """The village's scored villagers (active, of scoring age) counted per grade, best first.

    A villager's score is the base plus the balance of their score account (no account yet:
    the base). The balances are stored on the accounts, so one grouped query over the village's
    residents answers it, never one per villager. Without a policy nobody is scored: empty.
    """
    if policy is None:
        return []
    base = policy.base_score
    bands = policy.bands()
    # Each grade's lowest score as points above (or below) the base, best first.
    grade_of = Case(
        *[When(points__gte=floor - base, then=Value(str(grade))) for grade, floor in bands[:-1]],
        default=Value(str(Grade.D)),
    )
    rows = (
        Resident.objects.filter(
            village=village,
            status=ResidentStatus.ACTIVE,
            birth_date__lte=born_on_or_before(today, policy.min_age),
        )
        .annotate(
            score_account=FilteredRelation(
                "accounts",
                condition=Q(accounts__kind=AccountKind.RESIDENT, accounts__currency=Currency.SCORE),
            ),
            points=Coalesce(F("score_account__balance"), Value(0), output_field=IntegerField()),
        )
        .annotate(grade=grade_of)
        .order_by()
        .values("grade")
        .annotate(n=Count("pk"))
        .values_list("grade", "n")
    )
    counts: dict[str, int] = defaultdict(int, rows)
    total = sum(counts.values())
    found = []
    for i, (grade, floor) in enumerate(bands):
        ceiling = bands[i - 1][1] - 1 if i else None
        count = counts[str(grade)]
        found.append(
            GradeCount(
                grade=str(grade),
                floor=floor,
                ceiling=ceiling,
                count=count,
                percent=round(100 * count / total) if total else 0,
            )
        )
    return found


@dataclass(frozen=True)
class OpenNotice:
    """A notice still in its period, as the board lists it."""

    notice: Notice
    lines: int
    period: Period

    @property
    def chain_hash_grouped(self) -> str:
        return grouped(self.notice.chain_hash)


def open_notices(village: Region, now: datetime.datetime) -> list[OpenNotice]:
    """The village's notices whose period has not ended, the one ending first first."""
    rows = (
        Notice.objects.filter(village=village, ends_at__gt=now)
        .annotate(line_count=Count("records"))
        .only("pk", "number", "status", "published_at", "ends_at", "chain_seq", "chain_hash")
        .order_by("ends_at", "number")
    )
    return [OpenNotice(notice=n, lines=n.line_count, period=period_of(n, now)) for n in rows]


@dataclass(frozen=True)
class Household:
    """A demonstration household as the board names it: by its head, masked."""

    name: str


@dataclass(frozen=True)
class Honours:
    """The honours panel with names already masked."""

    month: datetime.date | None
    stars: list[str]
    red_flag: str
    year: int | None
    households: list[Household]


def _person_name(obj: Any) -> str:
    """A star as the honours app returns it: a resident (or a row holding one)."""
    resident = getattr(obj, "resident", obj)
    return str(getattr(resident, "name", "") or "")


def _households(found: Iterable[Any], masking: str) -> list[Household]:
    """Each household named after its head (or, without one, its oldest active member)."""
    ids = [getattr(h, "household_id", None) or h.pk for h in found]
    if not ids:
        return []
    heads: dict[int, str] = {}
    rows = (
        Resident.objects.filter(household_id__in=ids, status=ResidentStatus.ACTIVE)
        .order_by("household_id", "-is_head", "birth_date", "pk")
        .values_list("household_id", "name")
    )
    for household_id, name in rows:
        heads.setdefault(household_id, name)
    return [Household(name=mask_name(heads.get(pk, ""), masking)) for pk in ids]


def masked_honours(found: BoardHonours, masking: str) -> Honours:
    flag = found.red_flag
    return Honours(
        month=found.month,
        stars=[mask_name(_person_name(s), masking) for s in found.stars],
        red_flag=str(getattr(flag, "name", flag) or "") if flag is not None else "",
        year=found.year,
        households=_households(found.demonstration_households, masking),
    )


@dataclass(frozen=True)
class Event:
    """One activity of the calendar: what, when, where (nothing about who signed up)."""

    title: str
    starts_at: datetime.datetime
    ends_at: datetime.datetime
    place: str
    town_wide: bool


@dataclass(frozen=True)
class Day:
    date: datetime.date
    events: list[Event]


def _event(activity: Any, village: Region) -> Event:
    """An activity (``volunteering.Activity``) as the calendar shows it."""
    return Event(
        title=activity.title,
        starts_at=timezone.localtime(activity.starts_at),
        ends_at=timezone.localtime(activity.ends_at),
        place=activity.place,
        # Published by the town for all its villages, not by the village itself.
        town_wide=activity.region_id != village.pk,
    )


def calendar_days(village: Region, start: datetime.date, days: int) -> list[Day]:
    """The calendar's activities grouped by their local start day, days without any left out."""
    by_day: dict[datetime.date, list[Event]] = defaultdict(list)
    for activity in calendar(village, start, days):
        event = _event(activity, village)
        by_day[event.starts_at.date()].append(event)
    return [Day(date=d, events=by_day[d]) for d in sorted(by_day)]


@dataclass(frozen=True)
class FiguresShown:
    """The volunteering figures of a year, as the board prints them."""

    figures: Figures
    year: int

    @property
    def hours(self) -> str:
        """Hours to one decimal, without a trailing ".0" (1,234.5 / 36)."""
        return f"{self.figures.hours:,.1f}".removesuffix(".0")

    @property
    def labour_yuan(self) -> str:
        """The labour value in yuan (stored in fen), to the fen only when there are any."""
        yuan, fen = divmod(self.figures.labour_value_fen, 100)
        return f"{yuan:,}" if fen == 0 else f"{yuan:,}.{fen:02d}"

    @property
    def empty(self) -> bool:
        f = self.figures
        return not (f.teams or f.volunteers or f.activities or f.hours)


def region_figures(region: Region, year: int) -> FiguresShown:
    """A village's or a town's volunteering figures of the year."""
    return FiguresShown(figures(region, year), year)


@dataclass(frozen=True)
class Spending:
    """信用有价 as the seeds report it, for the village, all time: points redeemed in the credit
    shop (cancellations left out), points turned into coupons, and the coupons issued and spent."""

    points_redeemed: int
    points_converted: int
    coupons: CouponFigures

    @property
    def shown(self) -> bool:
        return bool(self.points_redeemed or self.points_converted or self.coupons.issued)


def village_spending(village: Region) -> Spending:
    redeemed = Redemption.objects.filter(
        shop__village=village, status=RedemptionStatus.DONE
    ).aggregate(total=Sum("points"))["total"]
    converted = Conversion.objects.filter(village=village).aggregate(total=Sum("points"))["total"]
    return Spending(
        points_redeemed=redeemed or 0,
        points_converted=converted or 0,
        coupons=coupon_figures(village),
    )


@dataclass(frozen=True)
class VillageBoard:
    """Everything a village's board shows, read once for the page, the poster and the TV."""

    village: Region
    today: datetime.date
    now: datetime.datetime
    masking: str
    notices: list[OpenNotice]
    honours: Honours
    grades: list[GradeCount]
    calendar: list[Day]
    figures: FiguresShown
    calendar_end: datetime.date
    spending: Spending

    @property
    def town_name(self) -> str:
        return self.village.parent.name if self.village.parent else ""

    @property
    def scored(self) -> int:
        return sum(g.count for g in self.grades)


def village_board(village: Region, now: datetime.datetime | None = None) -> VillageBoard:
    """The village's board as of now."""
    now = now or timezone.now()
    today = timezone.localtime(now).date()
    policy = policy_in_force(village, today)
    masking = policy.name_masking if policy is not None else NameMasking.MIDDLE
    return VillageBoard(
        village=village,
        today=today,
        now=now,
        masking=masking,
        notices=open_notices(village, now),
        honours=masked_honours(board_honours(village, today), masking),
        grades=grade_distribution(village, policy, today),
        calendar=calendar_days(village, today, CALENDAR_DAYS),
        calendar_end=today + datetime.timedelta(days=CALENDAR_DAYS - 1),
        figures=region_figures(village, today.year),
        spending=village_spending(village),
    )


@dataclass(frozen=True)
class TownVillage:
    village: Region
    open_notices: int


def town_villages(town: Region, now: datetime.datetime | None = None) -> list[TownVillage]:
    """The town's villages by code, each with its number of notices in their period."""
    now = now or timezone.now()
    rows = (
        Region.objects.filter(parent=town, level=Level.VILLAGE)
        .order_by("code")
        .only("pk", "code", "name")
    )
    open_counts = dict(
        Notice.objects.filter(village__parent=town, ends_at__gt=now)
        .order_by()
        .values("village_id")
        .annotate(n=Count("pk"))
        .values_list("village_id", "n")
    )
    return [TownVillage(village=v, open_notices=open_counts.get(v.pk, 0)) for v in rows]
