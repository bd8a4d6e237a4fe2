"""Posting records to the ledger: when a notice ends, when validity runs out, on correction.

These run as scheduled jobs (``cunxin scheduler``) and are safe to run twice, or at the same
moment in several processes: each batch claims its records with row locks (skipping rows
another process holds, on PostgreSQL; SQLite's BEGIN IMMEDIATE serialises writers), re-checks
their status inside the lock, and posts with idempotency keys the database keeps unique.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from django.db import connection, transaction
from django.db.models import Field, QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from cunxin.core import bulk
from cunxin.ledger import actions as ledger
from cunxin.ledger.models import POINTS, Currency, Entry, Transfer
from cunxin.notifications.actions import Note, notify
from cunxin.policy.models import CatalogueItem
from cunxin.records.models import Record, Status
from cunxin.records.scoring import expiry_date
from cunxin.records.standing import PolicyCache, balances, grade_text, record_grade_changes
from cunxin.records.workflow import RECORDS

BATCH = 1000
CURRENCIES = POINTS


@dataclass
class _Posting:
    record: Record
    spec: ledger.TransferSpec
    score_delta: int


def _in_batches(due: QuerySet[Record], batch: int, step: Callable[[QuerySet[Record]], int]) -> int:
    """Run ``step`` on the due records, ``batch`` at a time, each in its own transaction.

    The due records are listed once, ids only, and each batch claims its share with
    ``_claim``, which locks and re-checks them: asking for "the next ``batch`` due records"
    every time would sort every record still due once per batch. A record that becomes due
    while this runs is left to the next run, as one due just after it would be.
    """
    ids = list(due.order_by("pk").values_list("pk", flat=True))
    return sum(step(due.filter(pk__in=ids[i : i + batch])) for i in range(0, len(ids), batch))


def _claim(queryset: QuerySet[Record]) -> list[Record]:
    """Lock the records (skipping those another process holds, on PostgreSQL); the filter is
    evaluated again under the lock, so a record another run has just posted is not here."""
    if connection.features.has_select_for_update_skip_locked:
        queryset = queryset.select_for_update(skip_locked=True, of=("self",))
    # The item is not joined: a batch uses a few dozen items, read once (``_items``).
    return list(queryset.order_by("pk"))


def _lock_originals(records: list[Record]) -> dict[int, Record]:
    """The records the corrections among ``records`` correct, locked and read afresh.

    Expiry or carry-over may close an original's score while a correction of it is claimed;
    reading the original unlocked would post its score legs back a second time. Records are
    locked before accounts everywhere, in primary-key order, so this cannot deadlock.
    """
    ids = sorted({r.reverses_id for r in records if r.reverses_id is not None})
    if not ids:
        return {}
    return Record.objects.select_for_update(of=("self",)).order_by("pk").in_bulk(ids)


def _items(records: list[Record]) -> dict[int, CatalogueItem]:
    return CatalogueItem.objects.in_bulk({r.item_id for r in records})


def take_effect_due(now: datetime.datetime | None = None, batch: int = BATCH) -> int:
    """Every record whose notice period has ended with no open objection takes effect."""
    now = now or timezone.now()
    policies = PolicyCache()  # each village's policy is looked up once per run
    due = Record.objects.filter(status=Status.IN_NOTICE, notice__ends_at__lte=now)
    return _in_batches(due, batch, lambda chunk: _take_effect_batch(chunk, now, policies))


@transaction.atomic
def _take_effect_batch(
    chunk: QuerySet[Record], now: datetime.datetime, policies: PolicyCache
) -> int:
    records = _claim(chunk)
    if not records:
        return 0
    pairs = sorted({(r.resident_id, r.village_id) for r in records})
    accounts = ledger.resident_account_ids(pairs)
    issuance = ledger.issuance_account_ids([v for _r, v in pairs])
    corrected = _lock_originals(records)
    originals = _original_entries(list(corrected.values()))
    postings: list[_Posting] = []
    closing_originals: list[Record] = []
    for record in records:
        if record.reverses_id is None:
            legs: list[tuple[int, int]] = []
            for currency in CURRENCIES:
                legs.append((issuance[(record.village_id, currency)], -record.points))
                legs.append((accounts[(record.resident_id, currency)], record.points))
            spec = ledger.TransferSpec(
                key=f"record:{record.pk}:effect",
                kind="record.effect",
                village_id=record.village_id,
                legs=tuple(legs),
                memo=f"record:{record.pk}",
            )
            postings.append(_Posting(record, spec, record.points))
            continue
        original = corrected[record.reverses_id]
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
                if c == Currency.SCORE and a == accounts[(record.resident_id, Currency.SCORE)]
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
    _post_and_settle(postings, now, Status.EFFECTIVE, policies, _items(records))
    if closing_originals:
        Record.objects.filter(pk__in=[r.pk for r in closing_originals]).update(score_closed_at=now)
    return len(records)


def _original_entries(originals: list[Record]) -> dict[int, list[tuple[int, int, str]]]:
    transfer_ids = [r.transfer_id for r in originals]
    found: dict[int, list[tuple[int, int, str]]] = defaultdict(list)
    for transfer_id, account_id, amount, currency in Entry.objects.filter(
        transfer_id__in=transfer_ids
    ).values_list("transfer_id", "account_id", "amount", "account__currency"):
        found[transfer_id].append((account_id, amount, currency))
    return found


def _post_and_settle(
    postings: list[_Posting],
    now: datetime.datetime,
    status: str | None,
    policies: PolicyCache,
    items: dict[int, CatalogueItem] | None = None,
) -> None:
    """Post the transfers, move the records on, keep grade changes, tell the villagers."""
    transfers = ledger.post_many([p.spec for p in postings])
    for posting, transfer in zip(postings, transfers, strict=True):
        record = posting.record
        if status is not None:
            record.transfer_id = transfer.pk
            record.effective_at = now
            if record.reverses_id is None:
                assert items is not None
                record.expires_on = expiry_date(items[record.item_id], record.behaviour_date)
    if status is not None:
        RECORDS.apply_many(
            [p.record for p in postings],
            status,
            actor=None,
            write=lambda records: _write_postings(records, now, status),
        )
    _keep_grade_changes(postings, transfers, policies)


def _write_postings(records: Sequence[Record], now: datetime.datetime, status: str) -> None:
    """Each record's new status, transfer and expiry, and the time it took effect, each row
    written once (``core.bulk``: ``bulk_update`` would build a CASE WHEN per record and
    field, which cost more than the postings themselves)."""
    expires = _field("expires_on")
    bulk.update_rows(
        Record,
        ("transfer_id", "expires_on"),
        [
            (r.pk, r.transfer_id, expires.get_db_prep_save(r.expires_on, connection))
            for r in records
        ],
        constants={
            "effective_at": _field("effective_at").get_db_prep_save(now, connection),
            "status": status,
        },
    )


def _field(name: str) -> Field[Any, Any]:
    field = Record._meta.get_field(name)
    assert isinstance(field, Field)
    return field


def _keep_grade_changes(
    postings: list[_Posting], transfers: list[Transfer], policies: PolicyCache
) -> None:
    deltas: dict[tuple[int, int], int] = defaultdict(int)
    last_transfer: dict[int, int] = {}
    counts: dict[int, int] = defaultdict(int)
    for posting, transfer in zip(postings, transfers, strict=True):
        key = (posting.record.resident_id, posting.record.village_id)
        deltas[key] += posting.score_delta
        last_transfer[posting.record.resident_id] = transfer.pk
        counts[posting.record.resident_id] += 1
    after = balances([r for r, _v in deltas])
    # Looked up once a batch, not once a villager: a batch tells a thousand people.
    cause = _("%d条信用记录变动")
    effective_text = _("您有%(n)d条信用记录公示期满已生效，合计%(points)+d分。")
    statement = reverse("people:statement")
    changes = record_grade_changes(
        (
            (
                resident_id,
                village_id,
                after[(resident_id, Currency.SCORE)] - delta,
                after[(resident_id, Currency.SCORE)],
                cause % counts[resident_id],
                last_transfer[resident_id],
            )
            for (resident_id, village_id), delta in deltas.items()
            if delta
        ),
        policies,
    )
    notes = [
        Note(kind="grade_changed", resident_id=c.resident_id, text=grade_text(c), link=statement)
        for c in changes
    ]
    per_resident: dict[int, list[int]] = defaultdict(list)
    for posting in postings:
        if posting.record.status == Status.EFFECTIVE:
            per_resident[posting.record.resident_id].append(posting.record.points)
    notes.extend(
        Note(
            kind="records_effective",
            resident_id=resident_id,
            text=effective_text % {"n": len(points), "points": sum(points)},
            link=statement,
        )
        for resident_id, points in per_resident.items()
    )
    notify(notes)


def expire_due(today: datetime.date | None = None, batch: int = BATCH) -> int:
    """Points whose validity has ended stop counting in the score (spendable points stay)."""
    today = today or timezone.localdate()
    policies = PolicyCache()
    due = Record.objects.filter(
        status=Status.EFFECTIVE, score_closed_at__isnull=True, expires_on__lte=today
    )
    return _in_batches(due, batch, lambda chunk: _expire_batch(chunk, policies))


@transaction.atomic
def _expire_batch(chunk: QuerySet[Record], policies: PolicyCache) -> int:
    records = _claim(chunk)
    if not records:
        return 0
    pairs = sorted({(r.resident_id, r.village_id) for r in records})
    accounts = ledger.resident_account_ids(pairs)
    issuance = ledger.issuance_account_ids([v for _r, v in pairs])
    now = timezone.now()
    postings = []
    for record in records:
        legs = (
            (accounts[(record.resident_id, Currency.SCORE)], -record.points),
            (issuance[(record.village_id, Currency.SCORE)], record.points),
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
    _post_and_settle(postings, now, None, policies)
    Record.objects.filter(pk__in=[r.pk for r in records]).update(score_closed_at=now)
    return len(records)
