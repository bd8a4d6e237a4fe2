"""Recompute everything from the entries and report every difference (``cunxin check-ledger``).

Each check is one pass of SQL (or one ordered scan for the chains): balances, books, reversals,
chains, witnessed heads and the reconciliation with the business rows are checked independently
and all problems are reported, not just the first. Every problem names what it concerns: the
village (name and code), the transfer (key and what it was for) and the resident.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

from django.db.models import Count, F, Q, Sum
from django.db.models.functions import Coalesce
from django.utils.translation import gettext as _

from cunxin.ledger import reconcile, witness
from cunxin.ledger.models import Account, ChainHead, Entry, Transfer
from cunxin.ledger.walk import Walk, walk
from cunxin.people.models import Resident
from cunxin.regions.models import Region


@dataclass(frozen=True)
class Problem:
    """One difference between what is stored and what it should be, in words."""

    check: str
    detail: str
    village_id: int | None = None
    transfer_id: int | None = None
    resident_id: int | None = None

    def __str__(self) -> str:
        return f"[{self.check}] {self.detail}"


@dataclass(frozen=True)
class _Raw:
    """A problem before names are looked up: ``text`` has %(village)s, %(transfer)s and
    %(resident)s where they go, and ``params`` the rest."""

    check: str
    text: str
    params: dict[str, object] = field(default_factory=dict)
    village_id: int | None = None
    transfer_id: int | None = None
    resident_id: int | None = None


def check_ledger(village_ids: list[int] | None = None) -> list[Problem]:
    """All problems found, across every check (an empty list means the books are sound)."""
    raw: list[_Raw] = []
    raw += _transfers_balance(village_ids)
    raw += _balances_match(village_ids)
    if village_ids is None:
        raw += _books_balance()
    raw += _reversals(village_ids)
    raw += _chains(village_ids)
    raw += _witnessed(village_ids)
    raw += _reconciled(village_ids)
    return _named(raw)


def _transfers_balance(village_ids: list[int] | None) -> Iterator[_Raw]:
    entries = Entry.objects.all()
    if village_ids is not None:
        entries = entries.filter(transfer__village_id__in=village_ids)
    unbalanced = (
        entries.values("transfer_id", "transfer__village_id", "account__currency")
        .annotate(total=Sum("amount"))
        .exclude(total=0)
        .order_by("transfer_id")
    )
    for row in unbalanced.iterator():
        yield _Raw(
            "transfer_balance",
            _("%(village)s：转账 %(transfer)s 在%(currency)s上借贷不平衡（%(total)+d）"),
            {"currency": row["account__currency"], "total": row["total"]},
            village_id=row["transfer__village_id"],
            transfer_id=row["transfer_id"],
        )
    transfers = Transfer.objects.all()
    if village_ids is not None:
        transfers = transfers.filter(village_id__in=village_ids)
    for row in (
        transfers.annotate(n=Count("entries"))
        .filter(n__lt=2)
        .values("pk", "n", "village_id")
        .iterator()
    ):
        yield _Raw(
            "transfer_shape",
            _("%(village)s：转账 %(transfer)s 只有 %(n)d 条分录"),
            {"n": row["n"]},
            village_id=row["village_id"],
            transfer_id=row["pk"],
        )


def _balances_match(village_ids: list[int] | None) -> Iterator[_Raw]:
    accounts = Account.objects.all()
    if village_ids is not None:
        accounts = accounts.filter(village_id__in=village_ids)
    wrong = (
        accounts.annotate(recomputed=Coalesce(Sum("entries__amount"), 0))
        .exclude(balance=F("recomputed"))
        .values("pk", "balance", "recomputed", "village_id", "resident_id", "kind", "currency")
    )
    for row in wrong.iterator():
        yield _Raw(
            "balance",
            _(
                "%(village)s：账户 %(account)s（%(resident)s）记的余额是 %(stored)d，"
                "分录合计却是 %(recomputed)d"
            ),
            {
                "account": f"{row['pk']} {row['kind']}:{row['currency']}",
                "stored": row["balance"],
                "recomputed": row["recomputed"],
            },
            village_id=row["village_id"],
            resident_id=row["resident_id"],
        )


def _books_balance() -> Iterator[_Raw]:
    for row in (
        Account.objects.values("currency").annotate(total=Sum("balance")).order_by("currency")
    ):
        if row["total"]:
            yield _Raw(
                "books",
                _("全部账户的%(currency)s余额合计为 %(total)+d，不是 0"),
                {"currency": row["currency"], "total": row["total"]},
            )


def _reversals(village_ids: list[int] | None) -> Iterator[_Raw]:
    reversals = Transfer.objects.filter(reverses__isnull=False)
    if village_ids is not None:
        reversals = reversals.filter(village_id__in=village_ids)
    bad = reversals.filter(
        Q(reverses_id=F("pk"))
        | ~Q(reverses__village_id=F("village_id"))
        | Q(reverses__seq__gte=F("seq"))
    )
    for row in bad.values("pk", "village_id").iterator():
        yield _Raw(
            "reversal",
            _("%(village)s：转账 %(transfer)s 冲正的不是本村更早的转账"),
            village_id=row["village_id"],
            transfer_id=row["pk"],
        )


def _chains(village_ids: list[int] | None) -> Iterator[_Raw]:
    walks = walk(village_ids)
    heads = {
        v: (seq, h) for v, seq, h in ChainHead.objects.values_list("village_id", "seq", "hash")
    }
    for chain in sorted(walks.values(), key=lambda w: w.code):
        if chain.broken is not None:
            yield _break(chain)
        elif heads.get(chain.village_id) != (chain.seq, chain.hash):
            yield _Raw(
                "chain",
                _("%(village)s：账本记的最新链头与最后一条转账不符（链实为第 %(seq)d 条）"),
                {"seq": chain.seq},
                village_id=chain.village_id,
            )
        if chain.unkeyed_until:
            yield _Raw(
                "chain_unkeyed",
                _(
                    "%(village)s：账本第 1 至 %(n)d 条还没有用密钥签名，能写数据库的人就能重算；"
                    "请运行 cunxin rekey-ledger"
                ),
                {"n": chain.unkeyed_until},
                village_id=chain.village_id,
            )


def _break(chain: Walk) -> _Raw:
    assert chain.broken is not None
    b = chain.broken
    texts = {
        "missing": _("%(village)s：账本缺少第 %(seq)d 条（接着的是第 %(found)d 条）"),
        "order": _("%(village)s：账本第 %(seq)d 条 %(transfer)s 接不上前一条"),
        "altered": _("%(village)s：账本第 %(seq)d 条 %(transfer)s 的内容或签名被改动过"),
        "key": _(
            "%(village)s：账本第 %(seq)d 条 %(transfer)s 用密钥“%(key)s”签名，但配置里没有这个密钥"
        ),
    }
    transfer_id = (
        Transfer.objects.filter(village_id=chain.village_id, seq=b.seq)
        .values_list("pk", flat=True)
        .first()
    )
    return _Raw(
        "chain",
        texts[b.why],
        {"seq": b.seq, "found": b.found_seq, "key": b.key_id},
        village_id=chain.village_id,
        transfer_id=transfer_id,
    )


def _witnessed(village_ids: list[int] | None) -> Iterator[_Raw]:
    for m in witness.mismatches(village_ids):
        text = (
            _(
                "%(village)s：%(where)s记下的链头（第 %(seq)d 条）与账本现在的第 %(seq)d 条不符，账本被重写过"
            )
            if m.link_exists
            else _("%(village)s：%(where)s记下的链头是第 %(seq)d 条，账本现在没有这一条")
        )
        yield _Raw(
            "witness",
            text,
            {"where": m.head.where, "seq": m.head.seq},
            village_id=m.head.village_id,
        )


def _reconciled(village_ids: list[int] | None) -> Iterator[_Raw]:
    texts = {
        reconcile.UNEXPLAINED: _(
            "%(village)s：转账 %(transfer)s（%(resident)s）没有业务记录说明它从何而来"
        ),
        reconcile.MISSING: _(
            "%(village)s：业务记录说已记账，账本却没有它的记账（%(resident)s）：%(what)s"
        ),
        reconcile.AMOUNT: _(
            "%(village)s：转账 %(transfer)s（%(resident)s）与业务记录的金额不符：%(what)s"
        ),
    }
    claimed_elsewhere = _(
        "%(village)s：业务记录说已记账，指向的却是转账 %(transfer)s，那不是它的记账（%(resident)s）"
    )
    for f in reconcile.reconcile(village_ids):
        missing_posting = f.problem == reconcile.MISSING and f.transfer_id and not f.what
        yield _Raw(
            f"reconcile_{f.problem}",
            claimed_elsewhere if missing_posting else texts[f.problem],
            {"what": f.what},
            village_id=f.village_id,
            transfer_id=f.transfer_id,
            resident_id=f.resident_id,
        )


# --- names ---------------------------------------------------------------------------------------


def _named(raw: Iterable[_Raw]) -> list[Problem]:
    """The problems with village, transfer and resident named, looked up once for all."""
    raw = list(raw)
    transfers = {
        pk: (key, kind, memo, village_id)
        for pk, key, kind, memo, village_id in Transfer.objects.filter(
            pk__in={r.transfer_id for r in raw if r.transfer_id}
        ).values_list("pk", "key", "kind", "memo", "village_id")
    }
    # A transfer's resident, when a problem does not name one: the first resident it touches.
    owners: dict[int, int] = {}
    for transfer_id, owner_id in (
        Entry.objects.filter(transfer_id__in=transfers, account__resident__isnull=False)
        .order_by("pk")
        .values_list("transfer_id", "account__resident_id")
    ):
        if owner_id is not None:
            owners.setdefault(transfer_id, owner_id)
    villages = dict(
        Region.objects.filter(
            pk__in={r.village_id for r in raw if r.village_id} | {t[3] for t in transfers.values()}
        ).values_list("pk", "name")
    )
    codes = dict(Region.objects.filter(pk__in=villages).values_list("pk", "code"))
    residents = dict(
        Resident.objects.filter(
            pk__in={r.resident_id for r in raw if r.resident_id} | set(owners.values())
        ).values_list("pk", "name")
    )
    labels = reconcile.kind_labels()
    problems = []
    for r in raw:
        village_id = r.village_id or (transfers[r.transfer_id][3] if r.transfer_id else None)
        resident_id = r.resident_id or owners.get(r.transfer_id or 0)
        names = {
            "village": f"{villages[village_id]}（{codes[village_id]}）"
            if village_id in villages
            else _("全部账本"),
            "transfer": _transfer_name(transfers.get(r.transfer_id or 0), labels),
            "resident": residents.get(resident_id or 0) or _("不涉及村民"),
        }
        problems.append(
            Problem(
                r.check,
                r.text % {**r.params, **names},
                village_id=village_id,
                transfer_id=r.transfer_id,
                resident_id=resident_id,
            )
        )
    return problems


def _transfer_name(row: tuple[str, str, str, int] | None, labels: dict[str, object]) -> str:
    if row is None:
        return ""
    key, kind, memo, _village = row
    what = str(labels.get(kind, kind))
    return f"{key}（{what}{'：' + memo if memo else ''}）"
