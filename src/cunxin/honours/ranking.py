"""The rules that choose honours, as set-based queries over every village at once.

**The month's net effective points** of a villager are the sum of the points of their records
that are effective (生效) and whose *behaviour date* lies in the month — reversals included, so a
corrected record nets to nothing. Records, not the month's ledger postings: a record posts when
its notice ends, a week or more after the behaviour, so the postings of October are mostly
September's behaviour; the committee honours what people did in the month (DOMAIN.md: "chosen
from the month's records"). What becomes effective after the round is computed counts only if
the committee recomputes the draft.

**Penalties** are the month's effective penalty records, net of effective reversals of them.
**Volunteer hours** are the quantity of effective records of per-hour reward items (the items
an activity's hours are paid through, ``volunteering.hourly``: reward, scored per unit, unit 小时)
net of reversals — every category, since 治安巡逻 or 河道清理 by the hour is volunteer work too.

**Monthly stars**: candidates are ranked by net points, then fewer penalties, then more hours,
then the lower resident id (the longer registered; a true tie the committee may swap). Anyone
with a penalty in the month is excluded, so among the stars the "fewer penalties" step never
decides; it orders the whole list the committee sees, where excluded people stay, marked, so
the committee sees why a high scorer is not a star. Also excluded: anyone on the blacklist on
the day of computing (its restrictions include 评优评先), minors (under the policy's
``min_age`` on the month's last day), residents no longer active, and net points of 0 or less.
The top ``stars_per_month`` (policy in force on the month's last day) are the stars.

**Red flag**: a village's active teams ranked by the average net points of their current,
scored members (active adults), ties by more volunteer hours, then the older team; a team
needs at least one scored member and a positive average.

**Demonstration households** (per year): every scored member has a credit score at or above the
floor of the policy's ``demonstration_grade``, and no scored member has an effective penalty
in the year or is on the blacklist. The score is the villager's score when the round is
computed (the ledger keeps balances, not their past values).

**Yearly stars**: villagers ranked by how many of the year's confirmed monthly rounds made them
a star, then by the sum of their net points in those months, then hours; excluded as for
monthly stars, with the year in place of the month. The top ``stars_per_month`` are chosen.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db.models import (
    Case,
    Count,
    DecimalField,
    Exists,
    F,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Sum,
    Value,
    When,
    Window,
)
from django.db.models.functions import Coalesce, RowNumber
from django.utils.translation import gettext_lazy as _

from cunxin.blacklist.models import ACTIVE, BlacklistCase
from cunxin.honours.models import Conferral, Period, Round, RoundStatus, StarPick
from cunxin.people.models import Household, Resident, ResidentStatus
from cunxin.policy.models import CreditPolicy, Direction, Scoring
from cunxin.records.models import Record, Status
from cunxin.records.standing import balances, score_of
from cunxin.regions.models import Region
from cunxin.volunteering.hourly import HOUR_UNITS
from cunxin.volunteering.models import Team, TeamMember

# SQLite's limit on bound parameters is generous today, but villages are sent in chunks anyway.
CHUNK = 900


# --- periods, policies, ages -----------------------------------------------------------------


def month_bounds(month: datetime.date) -> tuple[datetime.date, datetime.date]:
    """The first and last day of the month the date lies in."""
    first = month.replace(day=1)
    following = (first + datetime.timedelta(days=32)).replace(day=1)
    return first, following - datetime.timedelta(days=1)


def year_bounds(year: int) -> tuple[datetime.date, datetime.date]:
    return datetime.date(year, 1, 1), datetime.date(year, 12, 31)


def born_by(day: datetime.date, min_age: int) -> datetime.date:
    """The latest birth date of someone at least ``min_age`` years old on the day."""
    try:
        return day.replace(year=day.year - min_age)
    except ValueError:  # 29 February: those born on 1 March are not yet of age
        return day.replace(year=day.year - min_age, day=28)


def policies_in_force(
    villages: Iterable[Region], day: datetime.date
) -> dict[int, CreditPolicy | None]:
    """Each village's policy on the day, in one query for all of them: the village's own newest
    version in force, else its town's (``policy.selectors.policy_in_force``, set-based)."""
    villages = list(villages)
    owners = {v.pk: (v.code, v.town_code()) for v in villages}
    codes = sorted({c for pair in owners.values() for c in pair})
    newest: dict[str, CreditPolicy] = {}
    for i in range(0, len(codes), CHUNK):
        rows = CreditPolicy.objects.filter(
            region_code__in=codes[i : i + CHUNK], effective_from__lte=day
        ).order_by("region_code", "-effective_from", "-version")
        for policy in rows:
            newest.setdefault(policy.region_code, policy)
    return {pk: newest.get(own) or newest.get(town) for pk, (own, town) in owners.items()}


# --- the month's figures per villager --------------------------------------------------------


def _signed(value: Any) -> Case:
    """A record's contribution: +value for a record, -value for a reversal of one."""
    return Case(When(reverses__isnull=True, then=value), default=-value)


HOURLY = Q(
    item__direction=Direction.REWARD, item__scoring=Scoring.PER_UNIT, item__unit__in=HOUR_UNITS
)
PENALTY = Q(item__direction=Direction.PENALTY)
FIGURES: dict[str, Any] = {
    "points": Sum("points"),
    "penalties": Sum(
        Case(
            When(PENALTY, then=_signed(Value(1))),
            default=Value(0),
            output_field=IntegerField(),
        )
    ),
    "hours": Coalesce(
        Sum(
            Case(
                When(HOURLY, then=_signed(F("quantity"))),
                default=Value(Decimal(0)),
                output_field=DecimalField(max_digits=12, decimal_places=1),
            )
        ),
        Value(Decimal(0)),
        output_field=DecimalField(max_digits=12, decimal_places=1),
    ),
}


def effective_between(first: datetime.date, last: datetime.date) -> QuerySet[Record]:
    """Effective records whose behaviour lies in the period, honour rewards left out.

    The reward an honour brings (and the reversal of a withdrawn one) is dated on the day the
    round is confirmed, in the next month: counted, it would make last month's stars this
    month's stars too. Honours are for what people did, not for having been honoured.
    """
    rewards = Conferral.objects.filter(record__isnull=False)
    return Record.objects.filter(
        status=Status.EFFECTIVE, behaviour_date__gte=first, behaviour_date__lte=last
    ).exclude(
        Exists(rewards.filter(record_id=OuterRef("pk")))
        | Exists(rewards.filter(record_id=OuterRef("reverses_id")))
    )


def blacklisted(today: datetime.date, field: str = "resident_id") -> Exists:
    """Whether the row's resident is on the blacklist today — ``blacklist.selectors.
    is_blacklisted`` as a subquery (a case in force whose end date has not come)."""
    return Exists(
        BlacklistCase.objects.filter(
            resident_id=OuterRef(field), status__in=list(ACTIVE), ends_on__gt=today
        )
    )


@dataclass(frozen=True)
class Figures:
    """A villager's figures for a period: net points, penalties and volunteer hours."""

    resident_id: int
    points: int
    penalties: int
    hours: Decimal


def figures_of(
    resident_ids: Sequence[int], first: datetime.date, last: datetime.date
) -> dict[int, Figures]:
    """The figures of these villagers (those with no effective record are left out)."""
    found: dict[int, Figures] = {}
    ids = sorted(set(resident_ids))
    for i in range(0, len(ids), CHUNK):
        rows = (
            effective_between(first, last)
            .filter(resident_id__in=ids[i : i + CHUNK])
            .values("resident_id")
            .annotate(**FIGURES)
            .order_by()
        )
        for row in rows:
            found[row["resident_id"]] = Figures(
                row["resident_id"], row["points"] or 0, row["penalties"] or 0, row["hours"]
            )
    return found


# --- monthly stars ---------------------------------------------------------------------------


class Exclusion:
    """Why a candidate cannot be a star (empty: they can)."""

    NONE = ""
    PENALTY = "penalty"
    BLACKLISTED = "blacklisted"
    MINOR = "minor"
    INACTIVE = "inactive"
    NO_POINTS = "no_points"

    LABELS: dict[str, Any] = {
        PENALTY: _("本期有扣分"),
        BLACKLISTED: _("在诚信黑名单中"),
        MINOR: _("未达参与评分年龄"),
        INACTIVE: _("已不在册"),
        NO_POINTS: _("净得分不为正"),
    }


@dataclass(frozen=True)
class Candidate:
    """A villager of the month (or year) as the committee sees them, in rank order."""

    resident: Resident
    points: int
    penalties: int
    hours: Decimal
    excluded: str = Exclusion.NONE
    months: int = 0  # yearly stars: months the villager was a star

    @property
    def eligible(self) -> bool:
        return not self.excluded

    @property
    def excluded_label(self) -> str:
        return str(Exclusion.LABELS.get(self.excluded, ""))


def _exclusion(
    resident: Resident, points: int, penalties: int, cutoff: datetime.date, listed: bool
) -> str:
    if resident.status != ResidentStatus.ACTIVE:
        return Exclusion.INACTIVE
    if resident.birth_date > cutoff:
        return Exclusion.MINOR
    if listed:
        return Exclusion.BLACKLISTED
    if penalties > 0:
        return Exclusion.PENALTY
    if points <= 0:
        return Exclusion.NO_POINTS
    return Exclusion.NONE


def star_key(points: int, penalties: int, hours: Decimal, resident_id: int) -> tuple[Any, ...]:
    """The ranking: more points, fewer penalties, more hours, then the lower id."""
    return (-points, penalties, -hours, resident_id)


def month_candidates(
    village: Region, month: datetime.date, today: datetime.date, policy: CreditPolicy
) -> list[Candidate]:
    """Everyone of the village with an effective record in the month, ranked, each marked
    eligible or excluded (with why): what the committee's page lists."""
    first, last = month_bounds(month)
    rows = list(
        effective_between(first, last)
        .filter(village=village)
        .values("resident_id")
        .annotate(**FIGURES)
        .order_by()
    )
    people = Resident.objects.in_bulk([r["resident_id"] for r in rows])
    listed = _blacklisted_ids(people, today)
    cutoff = born_by(last, policy.min_age)
    found = [
        Candidate(
            resident=people[r["resident_id"]],
            points=r["points"] or 0,
            penalties=r["penalties"] or 0,
            hours=r["hours"],
            excluded=_exclusion(
                people[r["resident_id"]],
                r["points"] or 0,
                r["penalties"] or 0,
                cutoff,
                r["resident_id"] in listed,
            ),
        )
        for r in rows
    ]
    found.sort(key=lambda c: star_key(c.points, c.penalties, c.hours, c.resident.pk))
    return found


def _blacklisted_ids(people: Iterable[int], today: datetime.date) -> set[int]:
    ids = sorted(people)
    found: set[int] = set()
    for i in range(0, len(ids), CHUNK):
        found |= set(
            BlacklistCase.objects.filter(
                resident_id__in=ids[i : i + CHUNK], status__in=list(ACTIVE), ends_on__gt=today
            ).values_list("resident_id", flat=True)
        )
    return found


def choose_stars(
    villages: Sequence[Region],
    month: datetime.date,
    today: datetime.date,
    policies: dict[int, CreditPolicy | None],
) -> dict[int, list[Figures]]:
    """Each village's stars of the month by rule, best first, for every village at once.

    One aggregate per chunk of villages sharing a minimum age (one in practice): the records of
    the month grouped by villager, the excluded filtered out in SQL (WHERE for who the person
    is, HAVING for their figures), ranked per village by a window function, the top of each
    village returned. ``month_candidates`` applies the same rule to one village in Python; the
    tests hold the two to the same answer.
    """
    first, last = month_bounds(month)
    groups: dict[int, list[Region]] = defaultdict(list)
    for village in villages:
        policy = policies.get(village.pk)
        if policy is not None:
            groups[policy.min_age].append(village)
    chosen: dict[int, list[Figures]] = {v.pk: [] for v in villages}
    for min_age, members in groups.items():
        cutoff = born_by(last, min_age)
        top = max(policies[v.pk].stars_per_month for v in members)  # type: ignore[union-attr]
        for i in range(0, len(members), CHUNK):
            ids = [v.pk for v in members[i : i + CHUNK]]
            rows = (
                effective_between(first, last)
                .filter(
                    village_id__in=ids,
                    resident__status=ResidentStatus.ACTIVE,
                    resident__birth_date__lte=cutoff,
                )
                .exclude(blacklisted(today))
                .values("village_id", "resident_id")
                .annotate(**FIGURES)
                .filter(penalties__lte=0, points__gt=0)  # type: ignore[misc]
                .annotate(
                    place=Window(
                        RowNumber(),
                        partition_by=[F("village_id")],
                        order_by=[
                            F("points").desc(),
                            F("penalties").asc(),
                            F("hours").desc(),
                            F("resident_id").asc(),
                        ],
                    )
                )
                .filter(place__lte=top)
                .order_by()
                .values_list("village_id", "resident_id", "points", "penalties", "hours", "place")
            )
            for village_id, resident_id, points, penalties, hours, _place in rows:
                chosen[village_id].append(Figures(resident_id, points, penalties, hours))
    for village in villages:
        policy = policies.get(village.pk)
        picks = chosen[village.pk]
        picks.sort(key=lambda f: star_key(f.points, f.penalties, f.hours, f.resident_id))
        chosen[village.pk] = picks[: policy.stars_per_month] if policy else []
    return chosen


# --- the red flag ----------------------------------------------------------------------------


@dataclass(frozen=True)
class TeamScore:
    """A team's month: its scored current members' net points and hours."""

    team: Team
    points: int
    members: int
    hours: Decimal

    @property
    def average(self) -> Decimal:
        return (Decimal(self.points) / self.members).quantize(Decimal("0.1"))

    @property
    def eligible(self) -> bool:
        return self.points > 0


def rank_teams(
    villages: Sequence[Region],
    month: datetime.date,
    policies: dict[int, CreditPolicy | None],
) -> dict[int, list[TeamScore]]:
    """Each village's active teams with at least one scored current member, best first.

    Two queries per chunk of villages: the current members, and the figures of the month of
    every member at once (the records joined to the membership as a subquery).
    The average is compared exactly (points × members of the other team), not rounded.
    """
    first, last = month_bounds(month)
    ids = [v.pk for v in villages if policies.get(v.pk) is not None]
    cutoffs = {pk: born_by(last, p.min_age) for pk, p in policies.items() if p is not None}
    scored: list[tuple[int, int]] = []
    figures: dict[int, Figures] = {}
    for i in range(0, len(ids), CHUNK):
        current = TeamMember.objects.filter(
            team__village_id__in=ids[i : i + CHUNK],
            team__active=True,
            left_on__isnull=True,
            resident__status=ResidentStatus.ACTIVE,
        )
        scored += [
            (team, resident)
            for team, village, resident, born in current.values_list(
                "team_id", "team__village_id", "resident_id", "resident__birth_date"
            )
            if born <= cutoffs[village]
        ]
        rows = (
            effective_between(first, last)
            .filter(resident_id__in=current.values("resident_id"))
            .values("resident_id")
            .annotate(**FIGURES)
            .order_by()
        )
        for row in rows:
            figures[row["resident_id"]] = Figures(
                row["resident_id"], row["points"] or 0, row["penalties"] or 0, row["hours"]
            )
    totals: dict[int, list[Any]] = {}
    for team_id, resident_id in scored:
        found = figures.get(resident_id)
        entry = totals.setdefault(team_id, [0, 0, Decimal(0)])
        entry[1] += 1
        if found is not None:
            entry[0] += found.points
            entry[2] += found.hours
    teams = Team.objects.in_bulk(list(totals))
    ranked: dict[int, list[TeamScore]] = {pk: [] for pk in ids}
    for team_id, (points, count, hours) in totals.items():
        team = teams[team_id]
        ranked[team.village_id].append(TeamScore(team, points, count, hours))
    for scores in ranked.values():
        scores.sort(key=_team_sort_key)
    return ranked


class _TeamKey:
    """Orders teams by average (exactly, by cross-multiplying), then hours, then age."""

    def __init__(self, score: TeamScore) -> None:
        self.score = score

    def __lt__(self, other: _TeamKey) -> bool:
        a, b = self.score, other.score
        left, right = a.points * b.members, b.points * a.members
        if left != right:
            return left > right
        if a.hours != b.hours:
            return a.hours > b.hours
        return a.team.pk < b.team.pk


def _team_sort_key(score: TeamScore) -> _TeamKey:
    return _TeamKey(score)


def choose_flag(ranked: list[TeamScore]) -> TeamScore | None:
    """The red flag: the best team with a positive average."""
    return next((s for s in ranked if s.eligible), None)


# --- the year: demonstration households and yearly stars -------------------------------------


@dataclass(frozen=True)
class HouseholdScore:
    """A household of the year: its scored members, their lowest score, whether it qualifies
    and, if not, why."""

    household: Household
    members: int
    lowest_score: int
    why_not: str = ""

    @property
    def eligible(self) -> bool:
        return not self.why_not


def _year_penalised(resident_ids: Sequence[int], year: int) -> set[int]:
    first, last = year_bounds(year)
    return {f.resident_id for f in figures_of(resident_ids, first, last).values() if f.penalties}


def rank_households(
    village: Region, year: int, today: datetime.date, policy: CreditPolicy
) -> list[HouseholdScore]:
    """Every household of the village with a scored member, those that qualify first."""
    _first, last = year_bounds(year)
    cutoff = born_by(last, policy.min_age)
    people = list(
        Resident.objects.filter(
            village=village, status=ResidentStatus.ACTIVE, birth_date__lte=cutoff
        ).values_list("pk", "household_id")
    )
    ids = [pk for pk, _h in people]
    points = balances(ids)
    penalised = _year_penalised(ids, year)
    listed = _blacklisted_ids(ids, today)
    floor = next(low for grade, low in policy.bands() if grade == policy.demonstration_grade)
    by_household: dict[int, list[int]] = defaultdict(list)
    for pk, household_id in people:
        by_household[household_id].append(pk)
    households = Household.objects.in_bulk(list(by_household))
    found = []
    for household_id, members in by_household.items():
        scores = [score_of(points[(pk, "score")], policy)[0] for pk in members]
        lowest = min(scores)
        why = ""
        if lowest < floor:
            why = str(_("有成员低于%s级") % policy.demonstration_grade)
        elif any(pk in penalised for pk in members):
            why = str(_("有成员当年有扣分"))
        elif any(pk in listed for pk in members):
            why = str(_("有成员在诚信黑名单中"))
        found.append(HouseholdScore(households[household_id], len(members), lowest, why))
    found.sort(key=lambda h: (not h.eligible, h.household.number, h.household.pk))
    return found


def year_candidates(
    village: Region, year: int, today: datetime.date, policy: CreditPolicy
) -> list[Candidate]:
    """The year's monthly stars (of confirmed rounds), ranked for the yearly stars, each marked
    eligible or excluded."""
    first, last = year_bounds(year)
    picks = (
        StarPick.objects.filter(
            round__village=village,
            round__period=Period.MONTH,
            round__status=RoundStatus.CONFIRMED,
            round__starts_on__gte=first,
            round__starts_on__lte=last,
        )
        .values("resident_id")
        .annotate(months=Count("pk"), points=Sum("points"), hours=Sum("hours"))
        .order_by()
    )
    rows = list(picks)
    people = Resident.objects.in_bulk([r["resident_id"] for r in rows])
    ids = list(people)
    penalised = figures_of(ids, first, last)
    listed = _blacklisted_ids(ids, today)
    cutoff = born_by(last, policy.min_age)
    found = []
    for r in rows:
        resident = people[r["resident_id"]]
        year_figures = penalised.get(resident.pk)
        penalties = year_figures.penalties if year_figures else 0
        found.append(
            Candidate(
                resident=resident,
                points=r["points"] or 0,
                penalties=penalties,
                hours=r["hours"] or Decimal(0),
                months=r["months"],
                excluded=_exclusion(
                    resident, r["points"] or 0, penalties, cutoff, resident.pk in listed
                ),
            )
        )
    found.sort(key=lambda c: (-c.months, *star_key(c.points, c.penalties, c.hours, c.resident.pk)))
    return found


def round_candidates(r: Round, today: datetime.date) -> list[Candidate]:
    """Everyone the round's stars are chosen from, ranked and marked, as the committee sees them."""
    if r.is_month:
        return month_candidates(r.village, r.starts_on, today, r.policy)
    return year_candidates(r.village, r.year, today, r.policy)
