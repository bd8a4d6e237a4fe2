"""A villager's two numbers (credit score and spendable points), grade and history, read from
the ledger.

Reading costs the same whatever the history: balances are stored on the accounts, and a history
page is a bounded range of the (account, -id) index of entries.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from cunxin.core import bulk
from cunxin.ledger.models import Account, AccountKind, Currency, Entry, Transfer
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


@dataclass(frozen=True)
class HistoryLine:
    """One posting on a villager's accounts: the transfer, and how it moved each number."""

    transfer: Transfer
    score: int
    spendable: int
    # Pass as ``before`` to read the lines older than this one.
    cursor: int


def history(resident: Resident, *, limit: int = 20, before: int | None = None) -> list[HistoryLine]:
    """The villager's newest postings first, at most ``limit`` of them; ``before`` (the last
    line's ``cursor``) turns the page.

    Each of the villager's accounts is read as a range of the (account, -id) index, so a page
    costs the same with ten entries in the ledger or ten million. The entries of one transfer on
    a villager's accounts are adjacent in id order (posting locks every account it touches, and
    ids are drawn after the locks), so a line never straddles two pages.
    """
    currencies = dict(
        Account.objects.filter(kind=AccountKind.RESIDENT, resident_id=resident.pk).values_list(
            "pk", "currency"
        )
    )
    entries: list[Entry] = []
    for account_id in currencies:
        rows = Entry.objects.filter(account_id=account_id)
        if before is not None:
            rows = rows.filter(pk__lt=before)
        # A line has at most one entry per account, so ``limit`` entries of each are enough.
        entries += rows.select_related("transfer").order_by("-pk")[:limit]
    entries.sort(key=lambda e: e.pk, reverse=True)
    moves: dict[int, dict[str, int]] = {}
    transfers: dict[int, Transfer] = {}
    cursors: dict[int, int] = {}
    for entry in entries:
        if entry.transfer_id not in transfers:
            if len(transfers) == limit:
                break
            transfers[entry.transfer_id] = entry.transfer
            moves[entry.transfer_id] = defaultdict(int)
        moves[entry.transfer_id][currencies[entry.account_id]] += entry.amount
        cursors[entry.transfer_id] = entry.pk
    return [
        HistoryLine(
            transfer=transfer,
            score=moves[pk][Currency.SCORE],
            spendable=moves[pk][Currency.SPENDABLE],
            cursor=cursors[pk],
        )
        for pk, transfer in transfers.items()
    ]


# What each kind of transfer on a villager's accounts means to them.
LINE_LABELS = {
    "record.effect": gettext_lazy("记录生效"),
    "record.reversal": gettext_lazy("更正生效"),
    "record.expiry": gettext_lazy("有效期满，不再计入信用分"),
    "carry_over": gettext_lazy("期末结转"),
    # Spending (shop, coupons) posts its own kinds; the statement names them.
    "shop.redeem": gettext_lazy("信用超市兑换"),
    "shop.cancel": gettext_lazy("信用超市兑换撤销，积分退回"),
    "coupon.convert": gettext_lazy("兑换信用券"),
}


@dataclass(frozen=True)
class StatementLine:
    """A history line as the villager reads it: what happened, to which record, and when."""

    line: HistoryLine
    label: str
    record_id: int | None
    item_name: str

    @property
    def at(self) -> datetime.datetime:
        return self.line.transfer.created_at


def statement(
    resident: Resident, *, limit: int = 20, before: int | None = None
) -> list[StatementLine]:
    """``history`` with each line explained: its kind in words and the record behind it (the
    transfer key names it, ``record:<id>:…``), read in one query for the page."""
    from cunxin.records.models import Record

    lines = history(resident, limit=limit, before=before)
    record_ids = {
        int(parts[1])
        for line in lines
        if (parts := line.transfer.key.split(":"))[0] == "record" and parts[1].isdigit()
    }
    names = dict(
        Record.objects.filter(pk__in=record_ids, resident=resident).values_list("pk", "item__name")
    )
    explained = []
    for line in lines:
        parts = line.transfer.key.split(":")
        record_id = int(parts[1]) if parts[0] == "record" and parts[1].isdigit() else None
        if record_id not in names:
            record_id = None
        explained.append(
            StatementLine(
                line=line,
                label=str(LINE_LABELS.get(line.transfer.kind, line.transfer.kind)),
                record_id=record_id,
                item_name=names.get(record_id, "") if record_id else "",
            )
        )
    return explained


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
    bulk.insert_objects(rows, set_pk=True)
    return rows


def grade_text(change: GradeChange) -> str:
    return _("您的信用等级由 %(a)s 变为 %(b)s（信用分 %(s)d）。") % {
        "a": change.from_grade,
        "b": change.to_grade,
        "s": change.score_after,
    }
