"""Posting to the ledger: the one typed entry point through which points move.

``post_many`` is what jobs use (thousands of transfers in one transaction, a few queries per
village); ``post`` is the same for one transfer. Both must run inside the caller's transaction,
which owns the business change the transfer belongs to.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cunxin.core import bulk
from cunxin.core.errors import Conflict, DomainError
from cunxin.ledger.chain import keyring, link_digest
from cunxin.ledger.models import POINTS, Account, AccountKind, ChainHead, Entry, Transfer
from cunxin.regions.models import Region

BATCH = 2000
# Ids in one ``IN (…)`` list (within SQLite's parameter limit).
CHUNK = 900


@dataclass(frozen=True)
class TransferSpec:
    """What to post: legs are (account id, signed amount); they must balance per currency."""

    key: str
    kind: str
    village_id: int
    legs: tuple[tuple[int, int], ...]
    memo: str = ""
    reverses_id: int | None = None
    # Accounts this transfer may not leave below zero, checked under the accounts' locks: a
    # villager's spendable points may fall below zero through a penalty, never through spending.
    must_cover: tuple[int, ...] = ()


@dataclass
class _Planned:
    spec: TransferSpec
    transfer: Transfer
    legs: list[tuple[int, int]] = field(default_factory=list)


class LedgerError(DomainError):
    """A transfer that would break an invariant; nothing was posted."""


def _check_shape(spec: TransferSpec, currencies: dict[int, str]) -> list[tuple[int, int]]:
    if not spec.key or len(spec.key) > 100:
        raise LedgerError("ledger_key", _("转账必须有不超过100字的唯一编号。"))
    merged: dict[int, int] = defaultdict(int)
    for account_id, amount in spec.legs:
        if account_id not in currencies:
            raise LedgerError("ledger_account_unknown", _("账户不存在。"))
        merged[account_id] += amount
    legs = [(a, m) for a, m in sorted(merged.items()) if m != 0]
    if len(legs) < 2:
        raise LedgerError("ledger_empty", _("一笔转账至少要有两个账户。"))
    totals: dict[str, int] = defaultdict(int)
    for account_id, amount in legs:
        totals[currencies[account_id]] += amount
    if any(totals.values()):
        raise LedgerError("ledger_unbalanced", _("转账借贷不平衡，积分不能凭空产生或消失。"))
    return legs


def post_many(specs: Sequence[TransferSpec]) -> list[Transfer]:
    """Post transfers in order; a key already posted returns the earlier transfer unchanged."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("ledger.post_many must run inside the caller's transaction")
    if not specs:
        return []
    keys = [s.key for s in specs]
    if len(set(keys)) != len(keys):
        raise LedgerError("ledger_key_repeated", _("同一批转账中编号重复。"))
    existing = {t.key: t for t in _in_chunks(Transfer.objects.filter, "key__in", keys)}
    fresh = [s for s in specs if s.key not in existing]
    posted: dict[str, Transfer] = {}
    if fresh:
        posted = _post_fresh(fresh)
    return [existing.get(k) or posted[k] for k in keys]


def post(spec: TransferSpec) -> Transfer:
    """Post one transfer (idempotent by key)."""
    return post_many([spec])[0]


def _in_chunks(
    query: object, lookup: str, values: Sequence[object], size: int = 900
) -> list[Transfer]:
    rows: list[Transfer] = []
    for i in range(0, len(values), size):
        rows.extend(query(**{lookup: values[i : i + size]}))  # type: ignore[operator]
    return rows


def _post_fresh(specs: list[TransferSpec]) -> dict[str, Transfer]:
    account_ids = sorted({a for s in specs for a, _m in s.legs})
    # Lock every account touched, always in primary-key order, so concurrent posters cannot
    # deadlock; balances are then computed here and written back absolutely. Only the columns
    # used are read: a batch touches thousands of accounts.
    currencies: dict[int, str] = {}
    balances: dict[int, int] = {}
    no_overdraft: set[int] = set()
    for i in range(0, len(account_ids), CHUNK):
        rows = (
            Account.objects.select_for_update()
            .filter(pk__in=account_ids[i : i + CHUNK])
            .order_by("pk")
            .values_list("pk", "currency", "balance", "allow_negative")
        )
        for pk, currency, balance, allow_negative in rows:
            currencies[pk] = currency
            balances[pk] = balance
            if not allow_negative:
                no_overdraft.add(pk)
    village_ids = sorted({s.village_id for s in specs})
    ChainHead.objects.bulk_create(
        [ChainHead(village_id=v) for v in village_ids], ignore_conflicts=True
    )
    seqs: dict[int, int] = {}
    hashes: dict[int, str] = {}
    for village_id, seq, digest in (
        ChainHead.objects.select_for_update()
        .filter(village_id__in=village_ids)
        .order_by("pk")
        .values_list("village_id", "seq", "hash")
    ):
        seqs[village_id], hashes[village_id] = seq, digest
    codes = dict(Region.objects.filter(pk__in=village_ids).values_list("pk", "code"))
    reversed_keys = dict(
        Transfer.objects.filter(pk__in={s.reverses_id for s in specs if s.reverses_id}).values_list(
            "pk", "key"
        )
    )
    now = timezone.now()
    # Every link is signed with the current key (read once: a batch is signed by one key).
    ring = keyring()
    key_id = ring.signing_id
    secret = ring.secrets[key_id]
    planned: list[_Planned] = []
    for spec in specs:
        legs = _check_shape(spec, currencies)
        for account_id, amount in legs:
            balances[account_id] += amount
            if balances[account_id] < 0 and (
                account_id in no_overdraft or (amount < 0 and account_id in spec.must_cover)
            ):
                raise LedgerError("ledger_insufficient", _("余额不足，不能透支。"))
        if spec.reverses_id is not None and spec.reverses_id not in reversed_keys:
            raise LedgerError("ledger_reverses_unknown", _("要冲正的转账不存在。"))
        seq = seqs[spec.village_id] + 1
        memo = spec.memo[:200]  # the link covers the memo as stored
        digest = link_digest(
            secret,
            key_id=key_id,
            prev_hash=hashes[spec.village_id],
            village_code=codes[spec.village_id],
            seq=seq,
            key=spec.key,
            kind=spec.kind,
            memo=memo,
            reverses_key=reversed_keys.get(spec.reverses_id, "") if spec.reverses_id else "",
            created_at=now,
            entries=legs,
        )
        transfer = Transfer(
            key=spec.key,
            kind=spec.kind,
            memo=memo,
            village_id=spec.village_id,
            seq=seq,
            prev_hash=hashes[spec.village_id],
            hash=digest,
            key_id=key_id,
            reverses_id=spec.reverses_id,
            created_at=now,
        )
        seqs[spec.village_id], hashes[spec.village_id] = seq, digest
        planned.append(_Planned(spec=spec, transfer=transfer, legs=legs))
    _insert_transfers([p.transfer for p in planned])
    bulk.insert_rows(
        Entry,
        ("transfer_id", "account_id", "amount"),
        [(p.transfer.pk, a, m) for p in planned for a, m in p.legs],
    )
    changed = sorted({a for p in planned for a, _m in p.legs})
    bulk.update_rows(Account, ("balance",), [(a, balances[a]) for a in changed])
    bulk.update_rows(ChainHead, ("seq", "hash"), [(v, seqs[v], hashes[v]) for v in village_ids])
    return {p.transfer.key: p.transfer for p in planned}


def _insert_transfers(transfers: list[Transfer]) -> None:
    """Insert the transfers and set their primary keys (``core.bulk``: a batch writes tens of
    thousands of rows, and the ORM's per-value preparation cost more than the database)."""
    columns = (
        "key",
        "kind",
        "memo",
        "village_id",
        "seq",
        "prev_hash",
        "hash",
        "key_id",
        "reverses_id",
    )
    created = Transfer._meta.get_field("created_at")
    stamps: dict[datetime.datetime, Any] = {}
    rows: list[tuple[Any, ...]] = []
    for t in transfers:
        if t.created_at not in stamps:
            stamps[t.created_at] = created.get_db_prep_save(t.created_at, connection)
        rows.append(
            (
                t.key,
                t.kind,
                t.memo,
                t.village_id,
                t.seq,
                t.prev_hash,
                t.hash,
                t.key_id,
                t.reverses_id,
                stamps[t.created_at],
            )
        )
    if connection.vendor == "postgresql":
        # Ids drawn from the table's own sequence, in ascending order, so they grow with each
        # village's seq (the chain heads are locked already); then one COPY.
        ids = bulk.next_ids(Transfer, len(rows))
        bulk.copy_rows(
            Transfer,
            ("id", *columns, "created_at"),
            [(i, *r) for i, r in zip(ids, rows, strict=True)],
        )
    else:
        returned = bulk.insert_rows(
            Transfer, (*columns, "created_at"), rows, returning=("id", "key")
        )
        by_key = {key: pk for pk, key in returned}
        ids = [by_key[t.key] for t in transfers]
    for t, pk in zip(transfers, ids, strict=True):
        t.pk = pk
        t._state.adding = False
        t._state.db = connection.alias


def reversal_spec(original: Transfer, *, key: str, kind: str, memo: str = "") -> TransferSpec:
    """A transfer that undoes another exactly (its entries negated)."""
    legs = tuple((e.account_id, -e.amount) for e in original.entries.all())
    return TransferSpec(
        key=key,
        kind=kind,
        village_id=original.village_id,
        legs=legs,
        memo=memo,
        reverses_id=original.pk,
    )


# --- accounts ----------------------------------------------------------------------------------


def resident_accounts(
    residents: Sequence[tuple[int, int]], currencies: Sequence[str] = POINTS
) -> dict[tuple[int, str], Account]:
    """The accounts of residents given as (resident id, village id) in ``currencies`` (score
    and spendable points unless asked), made on first use."""
    ids = resident_account_ids(residents, currencies)
    accounts = Account.objects.in_bulk(list(ids.values()))
    return {key: accounts[pk] for key, pk in ids.items()}


def resident_account_ids(
    residents: Sequence[tuple[int, int]], currencies: Sequence[str] = POINTS
) -> dict[tuple[int, str], int]:
    """``resident_accounts`` as primary keys only, for batches (no model objects made)."""
    wanted = sorted({(r, v) for r, v in residents})
    found = _resident_account_ids([r for r, _v in wanted])
    missing = [
        (r, v, c) for r, v in wanted for c in currencies if (r, c) not in found
    ]  # usually none: most people have been posted to before
    if missing:
        Account.objects.bulk_create(
            [
                Account(kind=AccountKind.RESIDENT, currency=c, village_id=v, resident_id=r)
                for r, v, c in missing
            ],
            ignore_conflicts=True,
            batch_size=BATCH,
        )
        found.update(_resident_account_ids(sorted({r for r, _v, _c in missing})))
    return found


def _resident_account_ids(resident_ids: Sequence[int]) -> dict[tuple[int, str], int]:
    found: dict[tuple[int, str], int] = {}
    for i in range(0, len(resident_ids), CHUNK):
        rows = Account.objects.filter(
            kind=AccountKind.RESIDENT, resident_id__in=resident_ids[i : i + CHUNK]
        ).values_list("resident_id", "currency", "pk")
        for resident_id, currency, pk in rows:
            found[(resident_id, currency)] = pk
    return found


def issuance_accounts(
    village_ids: Sequence[int], currencies: Sequence[str] = POINTS
) -> dict[tuple[int, str], Account]:
    """Each village's issuance account per currency (points unless asked), made on first use."""
    ids = issuance_account_ids(village_ids, currencies)
    accounts = Account.objects.in_bulk(list(ids.values()))
    return {key: accounts[pk] for key, pk in ids.items()}


def issuance_account_ids(
    village_ids: Sequence[int], currencies: Sequence[str] = POINTS
) -> dict[tuple[int, str], int]:
    """``issuance_accounts`` as primary keys only."""
    villages = sorted(set(village_ids))

    def lookup() -> dict[tuple[int, str], int]:
        rows = Account.objects.filter(
            kind=AccountKind.ISSUANCE, village_id__in=villages, currency__in=currencies
        ).values_list("village_id", "currency", "pk")
        return {(v, c): pk for v, c, pk in rows}

    found = lookup()
    if len(found) < len(villages) * len(currencies):
        Account.objects.bulk_create(
            [
                Account(kind=AccountKind.ISSUANCE, currency=c, village_id=v)
                for v in villages
                for c in currencies
                if (v, c) not in found
            ],
            ignore_conflicts=True,
        )
        found = lookup()
    return found


def holder_account(
    kind: str, currency: str, region_id: int, holder: str, *, allow_negative: bool = False
) -> Account:
    """The account of a shop, merchant, fund or outside party (``holder``, e.g. ``shop:12``)
    in a region, made on first use. Such accounts may not go negative unless asked."""
    if kind in (AccountKind.RESIDENT, AccountKind.ISSUANCE) or not holder:
        raise ValueError("holder accounts are for shops, merchants, funds and outside parties")
    account, _created = Account.objects.get_or_create(
        kind=kind,
        currency=currency,
        village_id=region_id,
        holder=holder,
        resident=None,
        defaults={"allow_negative": allow_negative},
    )
    return account


def require_unreversed(transfer: Transfer) -> None:
    if Transfer.objects.filter(reverses=transfer).exists():
        raise Conflict("ledger_already_reversed", _("这笔转账已经冲正过。"))
