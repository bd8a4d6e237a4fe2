"""Posting records to the ledger: when a notice ends, when validity runs out, on correction.

These run as scheduled jobs (``cunxin scheduler``) and are safe to run twice, or at the same
moment in several processes: each batch claims its records with row locks (skipping rows
another process holds, on PostgreSQL; SQLite's BEGIN IMMEDIATE serialises writers), re-checks
their status inside the lock, and posts with idempotency keys the database keeps unique.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import dataclass

from django.db import connection, transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from cunxin.ledger import actions as ledger
from cunxin.ledger.models import Currency, Entry, Transfer
from cunxin.notifications.actions import Note, notify
from cunxin.records import workflow
from cunxin.records.models import Record, Status
from cunxin.records.scoring import expiry_date
from cunxin.records.standing import PolicyCache, balances, grade_text, record_grade_changes

BATCH = 1000


@dataclass
class _Posting:
    record: Record
    spec: ledger.TransferSpec
    score_delta: int


def _claim(queryset: QuerySet[Record], batch: int) -> list[Record]:
    if connection.features.has_select_for_update_skip_locked:
        queryset = queryset.select_for_update(skip_locked=True, of=("self",))
    return list(queryset.select_related("item", "reverses").order_by("pk")[:batch])


def take_effect_due(now: datetime.datetime | None = None, batch: int = BATCH) -> int:
    """Every record whose notice period has ended with no open objection takes effect."""
    now = now or timezone.now()
    total = 0
    while True:
        done = _take_effect_batch(now, batch)
        total += done
        if done == 0:
            return total


@transaction.atomic
def _take_effect_batch(now: datetime.datetime, batch: int) -> int:
    records = _claim(
        Record.objects.filter(status=Status.IN_NOTICE, notice__ends_at__lte=now), batch
    )
    if not records:
        return 0
    pairs = sorted({(r.resident_id, r.village_id) for r in records})
    accounts = ledger.resident_accounts(pairs)
    issuance = ledger.issuance_accounts([v for _r, v in pairs])
    originals = _original_entries([r for r in records if r.reverses_id is not None])
    postings: list[_Posting] = []
    closing_originals: list[Record] = []
    for record in records:
        if record.reverses_id is None:
            legs: list[tuple[int, int]] = []
            for currency in Currency.values:
                legs.append((issuance[(record.village_id, currency)].pk, -record.points))
                legs.append((accounts[(record.resident_id, currency)].pk, record.points))
            spec = ledger.TransferSpec(
                key=f"record:{record.pk}:effect",
                kind="record.effect",
                village_id=record.village_id,
                legs=tuple(legs),
                memo=f"record:{record.pk}",
            )
            postings.append(_Posting(record, spec, record.points))
            continue
        original = record.reverses
        assert original is not None
        assert original.transfer_id is not None
        entries = originals[original.transfer_id]
        score_still_counts = original.score_closed_at is None
        legs = [
            (a, -m)
            for a, m, currency in entries
            if score_still_counts or currency == Currency.SPENDABLE
        ]
        score_delta = (
            -sum(
                m
                for a, m, c in entries
                if c == Currency.SCORE and a == accounts[(record.resident_id, Currency.SCORE)].pk
            )
            if score_still_counts
            else 0
        )
        spec = ledger.TransferSpec(
            key=f"record:{record.pk}:effect",
            kind="record.reversal",
            village_id=record.village_id,
            legs=tuple(legs),
            memo=f"record:{record.pk} reverses record:{original.pk}",
            reverses_id=original.transfer_id,
        )
        postings.append(_Posting(record, spec, score_delta))
        if score_still_counts:
            original.score_closed_at = now
            closing_originals.append(original)
    _post_and_settle(postings, now, Status.EFFECTIVE)
    if closing_originals:
        Record.objects.bulk_update(closing_originals, ["score_closed_at"])
    return len(records)


def _original_entries(reversals: list[Record]) -> dict[int, list[tuple[int, int, str]]]:
    transfer_ids = [r.reverses.transfer_id for r in reversals if r.reverses is not None]
    found: dict[int, list[tuple[int, int, str]]] = defaultdict(list)
    for transfer_id, account_id, amount, currency in Entry.objects.filter(
        transfer_id__in=transfer_ids
    ).values_list("transfer_id", "account_id", "amount", "account__currency"):
        found[transfer_id].append((account_id, amount, currency))
    return found


def _post_and_settle(postings: list[_Posting], now: datetime.datetime, status: str | None) -> None:
    """Post the transfers, move the records on, keep grade changes, tell the villagers."""
    transfers = ledger.post_many([p.spec for p in postings])
    for posting, transfer in zip(postings, transfers, strict=True):
        record = posting.record
        if status is not None:
            record.transfer_id = transfer.pk
            record.effective_at = now
            if record.reverses_id is None:
                record.expires_on = expiry_date(record.item, record.behaviour_date)
    if status is not None:
        workflow.transition(
            [p.record for p in postings],
            status,
            actor=None,
            fields=["transfer", "effective_at", "expires_on"],
        )
    _keep_grade_changes(postings, transfers)


def _keep_grade_changes(postings: list[_Posting], transfers: list[Transfer]) -> None:
    deltas: dict[tuple[int, int], int] = defaultdict(int)
    last_transfer: dict[int, int] = {}
    counts: dict[int, int] = defaultdict(int)
    for posting, transfer in zip(postings, transfers, strict=True):
        key = (posting.record.resident_id, posting.record.village_id)
        deltas[key] += posting.score_delta
        last_transfer[posting.record.resident_id] = transfer.pk
        counts[posting.record.resident_id] += 1
    after = balances([r for r, _v in deltas])
    policies = PolicyCache()
    changes = record_grade_changes(
        (
            (
                resident_id,
                village_id,
                after[(resident_id, Currency.SCORE)] - delta,
                after[(resident_id, Currency.SCORE)],
                _("%d条信用记录变动") % counts[resident_id],
                last_transfer[resident_id],
            )
            for (resident_id, village_id), delta in deltas.items()
            if delta
        ),
        policies,
    )
    notes = [
        Note(kind="grade_changed", resident_id=c.resident_id, text=grade_text(c)) for c in changes
    ]
    effective = [p.record for p in postings if p.record.status == Status.EFFECTIVE]
    per_resident: dict[int, list[Record]] = defaultdict(list)
    for record in effective:
        per_resident[record.resident_id].append(record)
    for resident_id, records in per_resident.items():
        total = sum(r.points for r in records)
        notes.append(
            Note(
                kind="records_effective",
                resident_id=resident_id,
                text=_("您有%(n)d条信用记录公示期满已生效，合计%(points)+d分。")
                % {"n": len(records), "points": total},
            )
        )
    notify(notes)


def expire_due(today: datetime.date | None = None, batch: int = BATCH) -> int:
    """Points whose validity has ended stop counting in the score (spendable points stay)."""
    today = today or timezone.localdate()
    total = 0
    while True:
        done = _expire_batch(today, batch)
        total += done
        if done == 0:
            return total


@transaction.atomic
def _expire_batch(today: datetime.date, batch: int) -> int:
    records = _claim(
        Record.objects.filter(
            status=Status.EFFECTIVE, score_closed_at__isnull=True, expires_on__lte=today
        ),
        batch,
    )
    if not records:
        return 0
    pairs = sorted({(r.resident_id, r.village_id) for r in records})
    accounts = ledger.resident_accounts(pairs)
    issuance = ledger.issuance_accounts([v for _r, v in pairs])
    now = timezone.now()
    postings = []
    for record in records:
        legs = (
            (accounts[(record.resident_id, Currency.SCORE)].pk, -record.points),
            (issuance[(record.village_id, Currency.SCORE)].pk, record.points),
        )
        spec = ledger.TransferSpec(
            key=f"record:{record.pk}:expire",
            kind="record.expiry",
            village_id=record.village_id,
            legs=legs,
            memo=f"record:{record.pk} validity ended {record.expires_on}",
        )
        postings.append(_Posting(record, spec, -record.points))
        record.score_closed_at = now
    _post_and_settle(postings, now, status=None)
    Record.objects.bulk_update(records, ["score_closed_at"])
    return len(records)
