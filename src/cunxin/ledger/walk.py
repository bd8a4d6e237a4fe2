"""Recomputing the villages' chains from their transfers and entries, link by link.

One ordered pass over transfers and one over entries, whatever the number of villages: each
link is recomputed under the key it names (``chain.py``) and compared with the stored hash.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from django.db import connection

from cunxin.ledger.chain import GENESIS, LEGACY, keyring, link_digest
from cunxin.ledger.models import ChainHead, Entry, Transfer
from cunxin.regions.models import Region

FETCH = 10_000


@dataclass
class Break:
    """Where and how a village's chain stops recomputing."""

    seq: int  # the first link that does not hold
    why: str  # "missing", "order", "altered", "key"
    key: str = ""  # the transfer's key, when there is one
    key_id: str = ""  # the key id the link names (``why == "key"``)
    found_seq: int = 0  # the seq found instead (``why == "missing"``)


@dataclass
class Walk:
    """How far a village's chain recomputes: its last good link, or the first break."""

    village_id: int
    code: str
    seq: int = 0
    hash: str = GENESIS
    broken: Break | None = None
    # The last link written before the chain was keyed (0: none). Such links are a plain
    # SHA-256 that anyone can recompute: they hold only until ``rekey-ledger`` signs them.
    unkeyed_until: int = 0


@dataclass
class Link:
    """One stored link: the transfer's fields the hash covers, its legs and what it stores."""

    pk: int
    village_id: int
    seq: int
    key: str
    kind: str
    memo: str
    reverses_key: str
    created_at: datetime.datetime
    prev_hash: str
    hash: str
    key_id: str
    former_hash: str
    legs: list[tuple[int, int]]


def links(village_ids: list[int] | None, up_to: int | None = None) -> Iterator[Link]:
    """The villages' links (all villages with transfers when None), in chain order.

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
    transfer_rows = rows(
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
            "key_id",
            "former_hash",
        )
    )
    legs_iter = rows(
        entries.order_by("transfer_id").values_list("transfer_id", "account_id", "amount")
    )
    # SQLite keeps datetimes in UTC without a zone; its backend's converter reads them back.
    convert = getattr(connection.ops, "convert_datetimefield_value", None)
    pending = next(legs_iter, None)
    for row in transfer_rows:
        pk, village_id, seq, key, kind, memo, reverses_key, stamp, prev, digest, key_id, former = (
            row
        )
        legs: list[tuple[int, int]] = []
        while pending is not None and pending[0] < pk:
            pending = next(legs_iter, None)
        while pending is not None and pending[0] == pk:
            legs.append((pending[1], pending[2]))
            pending = next(legs_iter, None)
        if convert is not None:
            stamp = convert(stamp, None, connection)
        yield Link(
            pk=pk,
            village_id=village_id,
            seq=seq,
            key=key,
            kind=kind,
            memo=memo,
            reverses_key=reverses_key or "",
            created_at=stamp,
            prev_hash=prev,
            hash=digest,
            key_id=key_id,
            former_hash=former,
            legs=legs,
        )


def walk(village_ids: list[int] | None, up_to: int | None = None) -> dict[int, Walk]:
    """Recompute the chains of the villages (all with transfers when None), in one ordered
    pass over transfers and one over entries, whatever the number of villages."""
    # Every village with transfers has a chain head; a village without one is looked up alone.
    codes = dict(
        Region.objects.filter(
            pk__in=village_ids
            if village_ids is not None
            else ChainHead.objects.values("village_id")
        ).values_list("pk", "code")
    )
    secrets = keyring().secrets
    walks: dict[int, Walk] = {}
    for link in links(village_ids, up_to):
        chain = walks.get(link.village_id)
        if chain is None:
            code = codes.get(link.village_id) or Region.objects.get(pk=link.village_id).code
            chain = walks[link.village_id] = Walk(link.village_id, code)
        if chain.broken is not None:
            continue
        seq, key_id = link.seq, link.key_id
        if seq != chain.seq + 1:
            chain.broken = Break(chain.seq + 1, "missing", found_seq=seq)
            continue
        # A link signed before the chain was keyed may only come before every keyed link:
        # otherwise anyone could rewrite the tail as "unkeyed" links.
        if link.prev_hash != chain.hash or (key_id == LEGACY and chain.unkeyed_until != chain.seq):
            chain.broken = Break(seq, "order", link.key)
            continue
        if key_id != LEGACY and key_id not in secrets:
            chain.broken = Break(seq, "key", link.key, key_id=key_id)
            continue
        if recompute(
            link, chain.code, None if key_id == LEGACY else secrets[key_id]
        ) != link.hash or (key_id == LEGACY and link.former_hash):
            chain.broken = Break(seq, "altered", link.key)
            continue
        chain.seq, chain.hash = seq, link.hash
        if key_id == LEGACY:
            chain.unkeyed_until = seq
    return walks


def recompute(
    link: Link,
    code: str,
    secret: bytes | None,
    *,
    key_id: str | None = None,
    prev_hash: str | None = None,
    former_hash: str | None = None,
) -> str:
    """The link's hash from its content (under ``secret``; the stored key id, previous hash and
    former hash unless others are given, as when re-keying)."""
    return link_digest(
        secret,
        key_id=link.key_id if key_id is None else key_id,
        prev_hash=link.prev_hash if prev_hash is None else prev_hash,
        village_code=code,
        seq=link.seq,
        key=link.key,
        kind=link.kind,
        memo=link.memo,
        reverses_key=link.reverses_key,
        created_at=link.created_at,
        entries=link.legs,
        former_hash=link.former_hash if former_hash is None else former_hash,
    )


def walk_chain(village: Region, up_to: int | None = None) -> Walk:
    """Recompute one village's chain in order: its last good link, or the first break."""
    return walk([village.pk], up_to).get(village.pk, Walk(village.pk, village.code))


def rows(queryset: Any) -> Iterator[tuple[Any, ...]]:
    """The query's rows as the database returns them, fetched in chunks (server-side on
    PostgreSQL), without the ORM's per-row conversions."""
    sql, params = queryset.query.sql_with_params()
    with connection.chunked_cursor() as cursor:
        cursor.execute(sql, params)
        while batch := cursor.fetchmany(FETCH):
            yield from batch
