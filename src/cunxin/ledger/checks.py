"""Recompute everything from the entries and report every difference (``cunxin check-ledger``).

Each check is one pass of SQL (or one ordered scan for the chains), so it stays usable at
millions of entries: balances, books, reversals and chains are checked independently and all
problems are reported, not just the first.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from django.db import connection
from django.db.models import Count, F, Q, Sum
from django.db.models.functions import Coalesce

from cunxin.ledger.chain import GENESIS, link_hash
from cunxin.ledger.models import Account, ChainHead, Entry, Transfer
from cunxin.regions.models import Region


@dataclass(frozen=True)
class Problem:
    """One difference between what is stored and what the entries say."""

    check: str
    detail: str

    def __str__(self) -> str:
        return f"[{self.check}] {self.detail}"


def check_ledger(village_ids: list[int] | None = None) -> list[Problem]:
    """All problems found, across every check (an empty list means the books are sound)."""
    problems: list[Problem] = []
    problems += list(_transfers_balance(village_ids))
    problems += list(_balances_match(village_ids))
    if village_ids is None:
        problems += list(_books_balance())
    problems += list(_reversals(village_ids))
    problems += list(_chains(village_ids))
    return problems


def _transfers_balance(village_ids: list[int] | None) -> Iterator[Problem]:
    entries = Entry.objects.all()
    if village_ids is not None:
        entries = entries.filter(transfer__village_id__in=village_ids)
    unbalanced = (
        entries.values("transfer_id", "account__currency")
        .annotate(total=Sum("amount"))
        .exclude(total=0)
        .order_by("transfer_id")
    )
    for row in unbalanced.iterator():
        yield Problem(
            "transfer_balance",
            f"transfer {row['transfer_id']} does not balance in {row['account__currency']}: {row['total']:+d}",
        )
    transfers = Transfer.objects.all()
    if village_ids is not None:
        transfers = transfers.filter(village_id__in=village_ids)
    for row in transfers.annotate(n=Count("entries")).filter(n__lt=2).values("pk", "n").iterator():
        yield Problem("transfer_shape", f"transfer {row['pk']} has {row['n']} entries")


def _balances_match(village_ids: list[int] | None) -> Iterator[Problem]:
    accounts = Account.objects.all()
    if village_ids is not None:
        accounts = accounts.filter(village_id__in=village_ids)
    wrong = (
        accounts.annotate(recomputed=Coalesce(Sum("entries__amount"), 0))
        .exclude(balance=F("recomputed"))
        .values("pk", "balance", "recomputed")
    )
    for row in wrong.iterator():
        yield Problem(
            "balance",
            f"account {row['pk']} stores {row['balance']} but its entries sum to {row['recomputed']}",
        )


def _books_balance() -> Iterator[Problem]:
    for row in (
        Account.objects.values("currency").annotate(total=Sum("balance")).order_by("currency")
    ):
        if row["total"]:
            yield Problem("books", f"{row['currency']} balances sum to {row['total']:+d}, not 0")


def _reversals(village_ids: list[int] | None) -> Iterator[Problem]:
    reversals = Transfer.objects.filter(reverses__isnull=False)
    if village_ids is not None:
        reversals = reversals.filter(village_id__in=village_ids)
    bad = reversals.filter(
        Q(reverses_id=F("pk"))
        | ~Q(reverses__village_id=F("village_id"))
        | Q(reverses__seq__gte=F("seq"))
    )
    for row in bad.values("pk", "reverses_id").iterator():
        yield Problem(
            "reversal",
            f"transfer {row['pk']} reverses {row['reverses_id']}, which is not an earlier transfer of its village",
        )


def _chains(village_ids: list[int] | None) -> Iterator[Problem]:
    walks = _walk(village_ids)
    heads = {
        v: (seq, h) for v, seq, h in ChainHead.objects.values_list("village_id", "seq", "hash")
    }
    for walk in sorted(walks.values(), key=lambda w: w.code):
        if walk.problem is not None:
            yield walk.problem
        elif heads.get(walk.village_id) != (walk.seq, walk.hash):
            yield Problem("chain", f"{walk.code}: the stored head does not match the last transfer")


def walk_chain(village: Region, up_to: int | None = None) -> tuple[int, str, Problem | None]:
    """Recompute a village's chain in order; the last seq and hash, or the first break."""
    walk = _walk([village.pk], up_to).get(village.pk, _Walk(village.pk, village.code))
    return walk.seq, walk.hash, walk.problem


@dataclass
class _Walk:
    """How far a village's chain recomputes: its last good link, or the first break."""

    village_id: int
    code: str
    seq: int = 0
    hash: str = GENESIS
    problem: Problem | None = None


FETCH = 10_000


def _walk(village_ids: list[int] | None, up_to: int | None = None) -> dict[int, _Walk]:
    """Recompute the chains of the villages (all with transfers when None) in one ordered pass
    over transfers and one over entries, whatever the number of villages.

    Transfers are read in primary-key order, which is chain order within a village (seq and pk
    grow together: a village's postings are serialised by its chain head's lock); entries in
    transfer order, so each transfer's legs are the next run of entries. The ORM writes the
    queries, the rows are read from plain cursors: a million rows through the ORM's row
    machinery cost more than the hashing.
    """
    transfers = Transfer.objects.all()
    entries = Entry.objects.all()
    if village_ids is not None:
        transfers = transfers.filter(village_id__in=village_ids)
        entries = entries.filter(transfer__village_id__in=village_ids)
    if up_to is not None:
        transfers = transfers.filter(seq__lte=up_to)
        entries = entries.filter(transfer__seq__lte=up_to)
    transfer_rows = _rows(
        transfers.order_by("pk").values_list(
            "pk",
            "village_id",
            "seq",
            "key",
            "kind",
            "memo",
            "reverses__key",
            "created_at",
            "prev_hash",
            "hash",
        )
    )
    legs_iter = _rows(
        entries.order_by("transfer_id").values_list("transfer_id", "account_id", "amount")
    )
    # Every village with transfers has a chain head; a village without one is looked up alone.
    codes = dict(
        Region.objects.filter(
            pk__in=village_ids
            if village_ids is not None
            else ChainHead.objects.values("village_id")
        ).values_list("pk", "code")
    )
    # SQLite keeps datetimes in UTC without a zone; its backend's converter reads them back.
    convert = getattr(connection.ops, "convert_datetimefield_value", None)
    walks: dict[int, _Walk] = {}
    pending = next(legs_iter, None)
    for pk, village_id, seq, key, kind, memo, reverses_key, stamp, prev, stored in transfer_rows:
        legs: list[tuple[int, int]] = []
        while pending is not None and pending[0] < pk:
            pending = next(legs_iter, None)
        while pending is not None and pending[0] == pk:
            legs.append((pending[1], pending[2]))
            pending = next(legs_iter, None)
        walk = walks.get(village_id)
        if walk is None:
            code = codes.get(village_id) or Region.objects.get(pk=village_id).code
            walk = walks[village_id] = _Walk(village_id, code)
        if walk.problem is not None:
            continue
        if seq != walk.seq + 1:
            walk.problem = Problem(
                "chain", f"{walk.code}: link {walk.seq + 1} is missing (found {seq})"
            )
            continue
        if prev != walk.hash:
            walk.problem = Problem(
                "chain", f"{walk.code}: link {seq} does not follow link {seq - 1}"
            )
            continue
        if convert is not None:
            stamp = convert(stamp, None, connection)
        digest = link_hash(
            prev_hash=prev,
            village_code=walk.code,
            seq=seq,
            key=key,
            kind=kind,
            memo=memo,
            reverses_key=reverses_key or "",
            created_at=stamp,
            entries=legs,
        )
        if digest != stored:
            walk.problem = Problem("chain", f"{walk.code}: link {seq} ({key}) was altered")
            continue
        walk.seq, walk.hash = seq, stored
    return walks


def _rows(queryset: Any) -> Iterator[tuple[Any, ...]]:
    """The query's rows as the database returns them, fetched in chunks (server-side on
    PostgreSQL), without the ORM's per-row conversions."""
    sql, params = queryset.query.sql_with_params()
    with connection.chunked_cursor() as cursor:
        cursor.execute(sql, params)
        while rows := cursor.fetchmany(FETCH):
            yield from rows
