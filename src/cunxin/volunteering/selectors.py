"""Reading volunteering data, always through ``restrict`` for users; public readers below.

A town's activity is open to the villages of the town, so its villagers and staff see it
(``Activity.scope_include_ancestors``); managing it stays with those who hold the permission
in the town itself.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import ROUND_DOWN, Decimal
from typing import Any

from django.db.models import Count, Q, QuerySet, Sum
from django.utils import timezone

from cunxin.accounts.permissions import Perm
from cunxin.core.scoping import may
from cunxin.people.models import Resident, ResidentStatus
from cunxin.people.selectors import search
from cunxin.policy.models import CreditPolicy
from cunxin.policy.selectors import policy_in_force
from cunxin.regions.models import Level, Region
from cunxin.volunteering.models import (
    LIVE_SIGN_UPS,
    Activity,
    ActivityStatus,
    Position,
    SignUp,
    SignUpStatus,
    Team,
    TeamMember,
)

# Shown on the public board's calendar and counted in the figures.
HELD = (ActivityStatus.PUBLISHED, ActivityStatus.COMPLETED)


def _regions(user: Any, permission: str, *levels: int) -> QuerySet[Region]:
    """Regions of these levels inside the user's reach (regions' own scoping also lets a user
    read the regions above theirs; here only their own and those below count)."""
    regions = Region.objects.restrict(user, permission, ancestors=False)
    return regions.filter(level__in=levels).order_by("code")


def covers(user: Any, permission: str, region: Region) -> bool:
    """Whether the permission reaches the region (a town's activity needs the town)."""
    return may(user, permission, region.code)


def overlaps(user: Any, permission: str, region: Region) -> bool:
    """Whether the permission reaches the region or some village inside it (a collector of a
    village checks in its villagers at the town's activity)."""
    if may(user, permission, region.code):
        return True
    inside = Region.objects.restrict(user, permission, ancestors=False)
    return inside.filter(code__startswith=region.prefix).exists()


def is_staff(user: Any) -> bool:
    """Whether the user runs volunteering somewhere (every such role checks people in)."""
    return may(user, Perm.CHECK_IN, beyond_self=True)


# --- activities --------------------------------------------------------------------------------


def activities_for(user: Any) -> QuerySet[Activity]:
    """The activities the user may see: published ones of their village or town; drafts only
    for those who may manage them."""
    manage = Q(pk__in=managed_activities(user).values("pk"))
    return (
        Activity.objects.restrict(user, Perm.VIEW_VOLUNTEERING)
        .filter(~Q(status=ActivityStatus.DRAFT) | manage)
        .select_related("region", "team")
    )


def managed_activities(user: Any) -> QuerySet[Activity]:
    """The activities the user organises (their village's, or their town's and its villages')."""
    return Activity.objects.restrict(user, Perm.MANAGE_ACTIVITIES, ancestors=False).select_related(
        "region", "team"
    )


def organising_regions(user: Any) -> QuerySet[Region]:
    """The villages and towns where the user may organise activities."""
    return _regions(user, Perm.MANAGE_ACTIVITIES, Level.TOWN, Level.VILLAGE)


@dataclass(frozen=True)
class PositionLine:
    """A position with how many hold a place and how many wait."""

    position: Position
    taken: int
    waiting: int

    @property
    def free(self) -> int:
        return max(self.position.quota - self.taken, 0)


def position_lines(activity: Activity) -> list[PositionLine]:
    positions = activity.positions.annotate(
        taken=Count("sign_ups", filter=Q(sign_ups__status=SignUpStatus.SIGNED_UP)),
        waiting=Count("sign_ups", filter=Q(sign_ups__status=SignUpStatus.WAITLISTED)),
    ).order_by("order", "pk")
    return [PositionLine(p, p.taken, p.waiting) for p in positions]


def sign_ups(activity: Activity, user: Any, permission: str) -> QuerySet[SignUp]:
    """The activity's sign-ups the permission lets the user see (by the villager's village)."""
    return (
        SignUp.objects.restrict(user, permission)
        .filter(activity=activity)
        .select_related("resident", "resident__village", "position", "record", "signed_up_by")
        .order_by("position__order", "position_id", "status", "queued_at", "pk")
    )


def live_sign_up(activity: Activity, resident_id: int | None) -> SignUp | None:
    """The villager's current sign-up for the activity, if any."""
    if resident_id is None:
        return None
    return (
        SignUp.objects.filter(activity=activity, resident_id=resident_id, status__in=LIVE_SIGN_UPS)
        .select_related("position", "record")
        .first()
    )


def my_sign_ups(user: Any) -> QuerySet[SignUp]:
    """The villager's own sign-ups, newest activity first, with hours and records."""
    resident_id: int | None = getattr(user, "resident_id", None)
    if resident_id is None:
        return SignUp.objects.none()
    return (
        SignUp.objects.filter(resident_id=resident_id)
        .select_related("activity", "activity__region", "position", "record")
        .order_by("-activity__starts_at", "-pk")
    )


def residents_to_sign_up(user: Any, activity: Activity, query: str) -> QuerySet[Resident]:
    """Active villagers the user may sign up for this activity, found by what was typed."""
    residents = Resident.objects.restrict(user, Perm.SIGN_UP).filter(
        status=ResidentStatus.ACTIVE, village__code__startswith=activity.region.prefix
    )
    return (
        search(residents, query)
        .select_related("village", "household")
        .order_by("village__code", "name", "pk")
    )


# --- teams -------------------------------------------------------------------------------------


def teams_for(user: Any) -> QuerySet[Team]:
    """Teams of the villages the user runs volunteering in, with their current member count."""
    return (
        Team.objects.restrict(user, Perm.CHECK_IN, ancestors=False)
        .select_related("village", "leader")
        .annotate(member_count=Count("members", filter=Q(members__left_on__isnull=True)))
        .order_by("village__code", "-active", "name")
    )


def teams_to_organise(user: Any) -> QuerySet[Team]:
    """Active teams an organiser may name on an activity (those of the regions they organise)."""
    return (
        Team.objects.restrict(user, Perm.MANAGE_ACTIVITIES, ancestors=False)
        .filter(active=True)
        .select_related("village")
        .order_by("village__code", "name")
    )


def current_members(team: Team) -> QuerySet[TeamMember]:
    return (
        TeamMember.objects.filter(team=team, left_on__isnull=True)
        .select_related("resident")
        .order_by("joined_on", "pk")
    )


def team_villages(user: Any) -> QuerySet[Region]:
    """The villages where the user may set up teams."""
    return _regions(user, Perm.MANAGE_TEAMS, Level.VILLAGE)


def member_candidates(user: Any, team: Team, query: str) -> QuerySet[Resident]:
    """Active villagers of the team's own village who are not current members."""
    current = TeamMember.objects.filter(team=team, left_on__isnull=True).values("resident_id")
    residents = (
        Resident.objects.restrict(user, Perm.MANAGE_TEAMS)
        .filter(village=team.village, status=ResidentStatus.ACTIVE)
        .exclude(pk__in=current)
    )
    return search(residents, query).select_related("household").order_by("name", "pk")


# --- the public board and the figures ----------------------------------------------------------


def _day_start(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


def calendar(village: Region, start: datetime.date, days: int = 31) -> list[Any]:
    """Published, not cancelled activities of the village or its town that start within
    ``days`` days from ``start``, in start order (for the public board's calendar)."""
    return list(
        Activity.objects.filter(
            status__in=HELD,
            region__code__in=[village.code, village.town_code()],
            starts_at__gte=_day_start(start),
            starts_at__lt=_day_start(start + datetime.timedelta(days=days)),
        )
        .select_related("region", "team")
        .order_by("starts_at", "pk")
    )


@dataclass(frozen=True)
class Figures:
    """What the seeds report of a village's or town's volunteering (seed 000: 9 organisations,
    152 volunteers, 63 activities)."""

    teams: int
    volunteers: int
    activities: int
    hours: float
    labour_value_fen: int


def _wage(village_id: int, day: datetime.date) -> int:
    region = Region.objects.get(pk=village_id)
    policy = policy_in_force(region, day)
    if policy is None:
        # No policy yet: the platform's default wage, so the figure is not silently zero.
        default: int = CreditPolicy._meta.get_field("daily_wage_fen").get_default()
        return default
    return policy.daily_wage_fen


def figures(region: Region, year: int | None = None) -> Figures:
    """The region's (a village, or a town with all its villages) volunteering figures, for the
    year or all time; labour value = hours ÷ 8 × the policy's daily wage."""
    prefix = region.prefix
    activities = Activity.objects.filter(
        status=ActivityStatus.COMPLETED, region__code__startswith=prefix
    )
    attended = SignUp.objects.filter(
        activity__status=ActivityStatus.COMPLETED,
        check_in_at__isnull=False,
        resident__village__code__startswith=prefix,
    )
    today = timezone.localdate()
    wage_day = today
    if year is not None:
        start, end = (
            _day_start(datetime.date(year, 1, 1)),
            _day_start(datetime.date(year + 1, 1, 1)),
        )
        activities = activities.filter(starts_at__gte=start, starts_at__lt=end)
        attended = attended.filter(activity__starts_at__gte=start, activity__starts_at__lt=end)
        wage_day = min(today, datetime.date(year, 12, 31))
    total = Decimal(0)
    value = Decimal(0)
    # The wage is the village's own (a village may override its town's policy).
    for row in attended.values("resident__village_id").annotate(hours=Sum("hours")):
        hours = row["hours"] or Decimal(0)
        total += hours
        value += hours * _wage(row["resident__village_id"], wage_day) / 8
    return Figures(
        teams=Team.objects.filter(active=True, village__code__startswith=prefix).count(),
        volunteers=attended.values("resident_id").distinct().count(),
        activities=activities.count(),
        hours=float(total),
        labour_value_fen=int(value.to_integral_value(rounding=ROUND_DOWN)),
    )


def figure_regions(user: Any) -> QuerySet[Region]:
    """The towns and villages whose figures a staff member may read."""
    return _regions(user, Perm.CHECK_IN, Level.TOWN, Level.VILLAGE)
