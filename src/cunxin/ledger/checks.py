"""Recompute everything from the entries and report every difference (``cunxin check-ledger``).

Each check is one pass of SQL (or one ordered scan for the chains), so it stays usable at
millions of entries: balances, books, reversals and chains are checked independently and all
problems are reported, not just the first.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

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
    villages = Region.objects.filter(pk__in=Transfer.objects.values("village_id").distinct())
    if village_ids is not None:
        villages = villages.filter(pk__in=village_ids)
    heads = {h.village_id: h for h in ChainHead.objects.all()}
    for village in villages.order_by("code"):
        last_seq, last_hash, problem = walk_chain(village)
        if problem is not None:
            yield problem
            continue
        head = heads.get(village.pk)
        if head is None or (head.seq, head.hash) != (last_seq, last_hash):
            yield Problem(
                "chain", f"{village.code}: the stored head does not match the last transfer"
            )


def walk_chain(village: Region, up_to: int | None = None) -> tuple[int, str, Problem | None]:
    """Recompute a village's chain in order; the last seq and hash, or the first break."""
    transfers = Transfer.objects.filter(village=village).order_by("seq")
    if up_to is not None:
        transfers = transfers.filter(seq__lte=up_to)
    rows = transfers.values_list(
        "pk", "seq", "key", "kind", "memo", "reverses__key", "created_at", "prev_hash", "hash"
    )
    entries = Entry.objects.filter(transfer__village=village).order_by("transfer_id")
    if up_to is not None:
        entries = entries.filter(transfer__seq__lte=up_to)
    legs_iter = entries.values_list("transfer_id", "account_id", "amount").iterator(chunk_size=5000)
    pending = next(legs_iter, None)
    expected_prev, seq_expected = GENESIS, 1
    # Transfers and entries are both read in primary-key order, which is chain order within a
    # village (seq and pk grow together), so one pass over each suffices.
    for pk, seq, key, kind, memo, reverses_key, created_at, prev_hash, stored in rows.order_by(
        "pk"
    ).iterator(chunk_size=5000):
        legs: list[tuple[int, int]] = []
        while pending is not None and pending[0] < pk:
            pending = next(legs_iter, None)
        while pending is not None and pending[0] == pk:
            legs.append((pending[1], pending[2]))
            pending = next(legs_iter, None)
        if seq != seq_expected:
            return (
                seq_expected - 1,
                expected_prev,
                Problem("chain", f"{village.code}: link {seq_expected} is missing (found {seq})"),
            )
        if prev_hash != expected_prev:
            return (
                seq - 1,
                expected_prev,
                Problem("chain", f"{village.code}: link {seq} does not follow link {seq - 1}"),
            )
        digest = link_hash(
            prev_hash=prev_hash,
            village_code=village.code,
            seq=seq,
            key=key,
            kind=kind,
            memo=memo,
            reverses_key=reverses_key or "",
            created_at=created_at,
            entries=legs,
        )
        if digest != stored:
            return (
                seq - 1,
                expected_prev,
                Problem("chain", f"{village.code}: link {seq} ({key}) was altered"),
            )
        expected_prev, seq_expected = stored, seq + 1
    return seq_expected - 1, expected_prev, None
