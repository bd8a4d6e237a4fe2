"""Posting to the ledger: the one typed entry point through which points move.

``post_many`` is what jobs use (thousands of transfers in one transaction, a few queries per
village); ``post`` is the same for one transfer. Both must run inside the caller's transaction,
which owns the business change the transfer belongs to.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cunxin.core.errors import Conflict, DomainError
from cunxin.ledger.chain import link_hash
from cunxin.ledger.models import Account, AccountKind, ChainHead, Currency, Entry, Transfer
from cunxin.regions.models import Region

BATCH = 2000


@dataclass(frozen=True)
class TransferSpec:
    """What to post: legs are (account id, signed amount); they must balance per currency."""

    key: str
    kind: str
    village_id: int
    legs: tuple[tuple[int, int], ...]
    memo: str = ""
    reverses_id: int | None = None


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
    # deadlock; balances are then computed here and written back absolutely.
    accounts = {
        a.pk: a
        for chunk in (account_ids[i : i + 900] for i in range(0, len(account_ids), 900))
        for a in Account.objects.select_for_update().filter(pk__in=chunk).order_by("pk")
    }
    currencies = {pk: a.currency for pk, a in accounts.items()}
    village_ids = sorted({s.village_id for s in specs})
    ChainHead.objects.bulk_create(
        [ChainHead(village_id=v) for v in village_ids], ignore_conflicts=True
    )
    heads = {
        h.village_id: h
        for h in ChainHead.objects.select_for_update()
        .filter(village_id__in=village_ids)
        .order_by("pk")
    }
    codes = dict(Region.objects.filter(pk__in=village_ids).values_list("pk", "code"))
    reversed_keys = dict(
        Transfer.objects.filter(pk__in={s.reverses_id for s in specs if s.reverses_id}).values_list(
            "pk", "key"
        )
    )
    now = timezone.now()
    planned: list[_Planned] = []
    for spec in specs:
        legs = _check_shape(spec, currencies)
        for account_id, amount in legs:
            account = accounts[account_id]
            account.balance += amount
            if not account.allow_negative and account.balance < 0:
                raise LedgerError("ledger_insufficient", _("余额不足，不能透支。"))
        if spec.reverses_id is not None and spec.reverses_id not in reversed_keys:
            raise LedgerError("ledger_reverses_unknown", _("要冲正的转账不存在。"))
        head = heads[spec.village_id]
        head.seq += 1
        digest = link_hash(
            prev_hash=head.hash,
            village_code=codes[spec.village_id],
            seq=head.seq,
            key=spec.key,
            kind=spec.kind,
            memo=spec.memo,
            reverses_key=reversed_keys.get(spec.reverses_id, "") if spec.reverses_id else "",
            created_at=now,
            entries=legs,
        )
        transfer = Transfer(
            key=spec.key,
            kind=spec.kind,
            memo=spec.memo[:200],
            village_id=spec.village_id,
            seq=head.seq,
            prev_hash=head.hash,
            hash=digest,
            reverses_id=spec.reverses_id,
            created_at=now,
        )
        head.hash = digest
        planned.append(_Planned(spec=spec, transfer=transfer, legs=legs))
    transfers = Transfer.objects.bulk_create([p.transfer for p in planned], batch_size=BATCH)
    Entry.objects.bulk_create(
        [
            Entry(transfer_id=t.pk, account_id=account_id, amount=amount)
            for p, t in zip(planned, transfers, strict=True)
            for account_id, amount in p.legs
        ],
        batch_size=BATCH,
    )
    changed = [accounts[a] for a in sorted({a for p in planned for a, _m in p.legs})]
    Account.objects.bulk_update(changed, ["balance"], batch_size=500)
    ChainHead.objects.bulk_update(list(heads.values()), ["seq", "hash"])
    return {t.key: t for t in transfers}


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


def resident_accounts(residents: Sequence[tuple[int, int]]) -> dict[tuple[int, str], Account]:
    """The score and spendable accounts of residents given as (resident id, village id), made
    on first use."""
    wanted = {(r, v) for r, v in residents}
    Account.objects.bulk_create(
        [
            Account(kind=AccountKind.RESIDENT, currency=c, village_id=v, resident_id=r)
            for r, v in sorted(wanted)
            for c in Currency.values
        ],
        ignore_conflicts=True,
        batch_size=BATCH,
    )
    ids = sorted(r for r, _v in wanted)
    found: dict[tuple[int, str], Account] = {}
    for i in range(0, len(ids), 900):
        for account in Account.objects.filter(
            kind=AccountKind.RESIDENT, resident_id__in=ids[i : i + 900]
        ):
            assert account.resident_id is not None
            found[(account.resident_id, account.currency)] = account
    return found


def issuance_accounts(village_ids: Sequence[int]) -> dict[tuple[int, str], Account]:
    """Each village's issuance account per currency, made on first use."""
    Account.objects.bulk_create(
        [
            Account(kind=AccountKind.ISSUANCE, currency=c, village_id=v)
            for v in sorted(set(village_ids))
            for c in Currency.values
        ],
        ignore_conflicts=True,
    )
    return {
        (a.village_id, a.currency): a
        for a in Account.objects.filter(kind=AccountKind.ISSUANCE, village_id__in=set(village_ids))
    }


def require_unreversed(transfer: Transfer) -> None:
    if Transfer.objects.filter(reverses=transfer).exists():
        raise Conflict("ledger_already_reversed", _("这笔转账已经冲正过。"))
