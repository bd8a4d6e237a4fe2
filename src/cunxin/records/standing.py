"""A villager's two numbers (credit score and spendable points) and grade, read from the ledger.

Reading costs the same whatever the history: balances are stored on the accounts.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from django.utils import timezone
from django.utils.translation import gettext as _

from cunxin.ledger.models import Account, AccountKind, Currency
from cunxin.people.models import Resident
from cunxin.policy.models import CreditPolicy, Grade
from cunxin.policy.selectors import policy_in_force
from cunxin.records.models import GradeChange
from cunxin.regions.models import Region


@dataclass(frozen=True)
class Standing:
    """What a villager sees first: score, grade, and points they can spend."""

    score: int
    grade: Grade
    spendable: int
    base: int
    policy: CreditPolicy | None


def balances(resident_ids: Sequence[int]) -> dict[tuple[int, str], int]:
    """(resident, currency) → balance; a resident with no account yet has 0."""
    found: dict[tuple[int, str], int] = defaultdict(int)
    ids = list(resident_ids)
    for i in range(0, len(ids), 900):
        rows = Account.objects.filter(
            kind=AccountKind.RESIDENT, resident_id__in=ids[i : i + 900]
        ).values_list("resident_id", "currency", "balance")
        for resident_id, currency, balance in rows:
            found[(resident_id, currency)] = balance
    return found


class PolicyCache:
    """The policy in force today per village, looked up once per village."""

    def __init__(self, day: datetime.date | None = None) -> None:
        self.day = day or timezone.localdate()
        self._by_village: dict[int, CreditPolicy | None] = {}

    def for_village(self, village_id: int) -> CreditPolicy | None:
        if village_id not in self._by_village:
            self._by_village[village_id] = policy_in_force(
                Region.objects.get(pk=village_id), self.day
            )
        return self._by_village[village_id]


def score_of(points: int, policy: CreditPolicy | None) -> tuple[int, Grade]:
    base = policy.base_score if policy else 1000
    total = base + points
    return total, (policy.grade_for(total) if policy else Grade.A)


def standing(resident: Resident, day: datetime.date | None = None) -> Standing:
    """The villager's score, grade and spendable points today."""
    policy = policy_in_force(resident.village, day or timezone.localdate())
    found = balances([resident.pk])
    score, grade = score_of(found[(resident.pk, Currency.SCORE)], policy)
    return Standing(
        score=score,
        grade=grade,
        spendable=found[(resident.pk, Currency.SPENDABLE)],
        base=policy.base_score if policy else 1000,
        policy=policy,
    )


def record_grade_changes(
    changes: Iterable[tuple[int, int, int, int, str, int | None]], policies: PolicyCache
) -> list[GradeChange]:
    """Keep every change of grade: (resident, village, points before, points after, cause, transfer)."""
    rows = []
    for resident_id, village_id, before, after, cause, transfer_id in changes:
        policy = policies.for_village(village_id)
        score_before, grade_before = score_of(before, policy)
        score_after, grade_after = score_of(after, policy)
        if grade_before != grade_after:
            rows.append(
                GradeChange(
                    resident_id=resident_id,
                    from_grade=grade_before,
                    to_grade=grade_after,
                    score_before=score_before,
                    score_after=score_after,
                    cause=cause[:200],
                    transfer_id=transfer_id,
                )
            )
    return GradeChange.objects.bulk_create(rows, batch_size=1000)


def grade_text(change: GradeChange) -> str:
    return _("您的信用等级由 %(a)s 变为 %(b)s（信用分 %(s)d）。") % {
        "a": change.from_grade,
        "b": change.to_grade,
        "s": change.score_after,
    }
