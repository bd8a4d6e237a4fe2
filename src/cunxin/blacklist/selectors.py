"""Read queries: who is a blacklist candidate, who is on the blacklist, cases and applications.

A villager is a candidate when, in their village, their grade is at or under the policy's
``blacklist_grade`` or they have a serious penalty in force (an effective record of a catalogue
item marked ``serious``, not itself a correction, not corrected, and still within its validity),
and they have no case in force. A decision that closed (a dismissal, a repair, an end date)
holds until something new happens: a serious penalty it did not weigh, or a change of grade
into the threshold after it. Otherwise a dismissed villager would reappear at once.

Other domains ask ``is_blacklisted(resident)`` (the shop refuses blacklisted villagers) or
``active_case(resident)`` for the restrictions and the end date.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Max, OuterRef, Q, QuerySet, Subquery, Sum, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from cunxin.accounts.permissions import Perm
from cunxin.blacklist.models import (
    ACTIVE,
    Basis,
    BlacklistCase,
    RepairApplication,
    RepairStatus,
)
from cunxin.ledger.models import Account, AccountKind, Currency
from cunxin.people.models import Resident, ResidentStatus
from cunxin.policy.models import CreditPolicy, Grade
from cunxin.policy.selectors import policy_in_force
from cunxin.records.models import GradeChange, Record, Status
from cunxin.records.standing import score_of
from cunxin.regions.models import Level, Region

# Grades best first, as the policy's bands are.
GRADE_ORDER: list[str] = list(Grade.values)


def at_or_under(grade: str, threshold: str) -> bool:
    """Whether a grade is the threshold grade or worse."""
    return GRADE_ORDER.index(grade) >= GRADE_ORDER.index(threshold)


def score_limit(policy: CreditPolicy) -> int | None:
    """Scores below this fall at or under the blacklist grade (None: every score does)."""
    index = GRADE_ORDER.index(policy.blacklist_grade)
    if index == 0:
        return None
    return policy.bands()[index - 1][1]


@dataclass(frozen=True)
class Candidate:
    """A villager the committee should decide on, and why."""

    resident: Resident
    score: int
    grade: str
    basis: str
    serious_records: tuple[Record, ...]
    policy: CreditPolicy | None

    @property
    def basis_label(self) -> str:
        return str(Basis(self.basis).label)


def serious_in_force(today: datetime.date) -> QuerySet[Record]:
    """Effective serious penalties that still count: not a correction, not corrected, valid."""
    return (
        Record.objects.filter(status=Status.EFFECTIVE, item__serious=True, reverses__isnull=True)
        .exclude(reversals__status=Status.EFFECTIVE)
        .filter(Q(expires_on__isnull=True) | Q(expires_on__gt=today))
    )


def _with_points(residents: QuerySet[Resident]) -> QuerySet[Resident]:
    balance = Account.objects.filter(
        kind=AccountKind.RESIDENT, currency=Currency.SCORE, resident_id=OuterRef("pk")
    ).values("balance")[:1]
    return residents.annotate(points=Coalesce(Subquery(balance), Value(0)))


def village_candidates(
    village: Region, today: datetime.date | None = None, resident_id: int | None = None
) -> list[Candidate]:
    """The village's candidates (or only the one resident's candidacy), lowest score first."""
    today = today or timezone.localdate()
    policy = policy_in_force(village, today)
    residents = _with_points(Resident.objects.filter(village=village, status=ResidentStatus.ACTIVE))
    if resident_id is not None:
        residents = residents.filter(pk=resident_id)
    by_grade: set[int] = set()
    if policy is not None:
        limit = score_limit(policy)
        low = (
            residents if limit is None else residents.filter(points__lt=limit - policy.base_score)  # type: ignore[misc]
        )
        by_grade = set(low.values_list("pk", flat=True))
    serious: dict[int, list[Record]] = defaultdict(list)
    records = serious_in_force(today).filter(
        village=village, resident__status=ResidentStatus.ACTIVE
    )
    if resident_id is not None:
        records = records.filter(resident_id=resident_id)
    for record in records.select_related("item").order_by("effective_at", "pk"):
        serious[record.resident_id].append(record)
    ids = by_grade | set(serious)
    if not ids:
        return []
    cases = BlacklistCase.objects.filter(resident_id__in=sorted(ids))
    in_force = set(cases.filter(status__in=ACTIVE).values_list("resident_id", flat=True))
    closed: dict[int, datetime.datetime] = dict(
        cases.exclude(status__in=ACTIVE)
        .order_by()
        .values("resident_id")
        .annotate(last=Max("closed_at"))
        .values_list("resident_id", "last")
    )
    if closed and by_grade and policy is not None:
        under = [g for g in GRADE_ORDER if at_or_under(g, policy.blacklist_grade)]
        dropped: dict[int, datetime.datetime] = dict(
            GradeChange.objects.filter(resident_id__in=sorted(closed), to_grade__in=under)
            .order_by()
            .values("resident_id")
            .annotate(last=Max("at"))
            .values_list("resident_id", "last")
        )
        by_grade = {
            r for r in by_grade if r not in closed or (r in dropped and dropped[r] > closed[r])
        }
    if closed:
        # A serious penalty counts once: not again after a decision that already weighed it.
        decided = set(
            BlacklistCase.serious_records.through.objects.filter(
                blacklistcase__resident_id__in=sorted(closed)
            ).values_list("record_id", flat=True)
        )
        for rid in closed:
            if rid in serious:
                serious[rid] = [r for r in serious[rid] if r.pk not in decided]
    wanted = (by_grade | {r for r, found in serious.items() if found}) - in_force
    found: list[Candidate] = []
    for resident in residents.filter(pk__in=sorted(wanted)).select_related("village", "household"):
        score, grade = score_of(resident.points, policy)  # type: ignore[attr-defined]
        low_grade = resident.pk in by_grade
        serious_found = tuple(serious.get(resident.pk, ()))
        basis = (
            Basis.BOTH
            if low_grade and serious_found
            else (Basis.GRADE if low_grade else Basis.SERIOUS)
        )
        found.append(Candidate(resident, score, grade, basis, serious_found, policy))
    found.sort(key=lambda c: (c.score, c.resident.name, c.resident.pk))
    return found


def candidate(resident: Resident, today: datetime.date | None = None) -> Candidate | None:
    """The resident's candidacy today, or None."""
    found = village_candidates(resident.village, today, resident_id=resident.pk)
    return found[0] if found else None


def blacklist_villages(user: Any) -> QuerySet[Region]:
    """The villages whose blacklist the user keeps."""
    return Region.objects.restrict(user, Perm.MANAGE_BLACKLIST).filter(level=Level.VILLAGE)


def candidate_residents(user: Any) -> QuerySet[Resident]:
    """Residents the user may decide on (a candidate outside this answers 404)."""
    return Resident.objects.restrict(user, Perm.MANAGE_BLACKLIST).filter(
        village__level=Level.VILLAGE
    )


def cases_for(user: Any) -> QuerySet[BlacklistCase]:
    """The cases the committee member keeps."""
    return BlacklistCase.objects.restrict(user, Perm.MANAGE_BLACKLIST).select_related(
        "resident", "village", "decided_by"
    )


def own_cases(user: Any) -> QuerySet[BlacklistCase]:
    """A villager's own cases, newest first (nothing for a user without a resident record)."""
    resident_id = getattr(user, "resident_id", None)
    if resident_id is None:
        return BlacklistCase.objects.none()
    return (
        BlacklistCase.objects.restrict(user, Perm.APPLY_REPAIR)
        .filter(resident_id=resident_id)
        .select_related("resident", "village")
    )


def visible_cases(user: Any) -> QuerySet[BlacklistCase]:
    """Cases the committee keeps plus the villager's own."""
    return (cases_for(user) | own_cases(user)).distinct()


def repairs_for(user: Any) -> QuerySet[RepairApplication]:
    """Repair applications the committee member rules on."""
    return RepairApplication.objects.restrict(user, Perm.MANAGE_BLACKLIST).select_related(
        "case", "case__resident", "case__village"
    )


def visible_repairs(user: Any) -> QuerySet[RepairApplication]:
    """Applications the committee keeps plus the villager's own."""
    own = RepairApplication.objects.filter(case__in=own_cases(user))
    return (repairs_for(user) | own).distinct()


def active_case(
    resident: Resident | int, today: datetime.date | None = None
) -> BlacklistCase | None:
    """The resident's case in force today (listed, or with a repair pending), or None."""
    today = today or timezone.localdate()
    resident_id = resident if isinstance(resident, int) else resident.pk
    return (
        BlacklistCase.objects.filter(resident_id=resident_id, status__in=ACTIVE, ends_on__gt=today)
        .order_by("-decided_at")
        .first()
    )


def is_blacklisted(resident: Resident | int, today: datetime.date | None = None) -> bool:
    """Whether the resident is on the blacklist today (a case ends on its end date)."""
    return active_case(resident, today) is not None


def blacklisted_ids(resident_ids: Iterable[int], today: datetime.date | None = None) -> set[int]:
    """Which of these residents are on the blacklist today (one query, for lists)."""
    today = today or timezone.localdate()
    return set(
        BlacklistCase.objects.filter(
            resident_id__in=sorted(set(resident_ids)), status__in=ACTIVE, ends_on__gt=today
        ).values_list("resident_id", flat=True)
    )


@dataclass(frozen=True)
class Conduct:
    """What the records say of a villager since the case was decided (for the ruling)."""

    rewards: int
    reward_points: int
    penalties: int
    penalty_points: int


def conduct_since(case: BlacklistCase) -> Conduct:
    rows = (
        Record.objects.filter(
            resident_id=case.resident_id,
            status=Status.EFFECTIVE,
            reverses__isnull=True,
            effective_at__gt=case.decided_at,
        )
        .order_by()
        .values("item__direction")
        .annotate(n=Count("pk"), points=Sum("points"))
    )
    found = {r["item__direction"]: (r["n"], r["points"] or 0) for r in rows}
    rewards = found.get("reward", (0, 0))
    penalties = found.get("penalty", (0, 0))
    return Conduct(rewards[0], rewards[1], penalties[0], -penalties[1])


def pending_repair(case: BlacklistCase) -> RepairApplication | None:
    return case.applications.filter(status=RepairStatus.PENDING).first()
