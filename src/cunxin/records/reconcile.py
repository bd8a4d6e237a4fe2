"""How records explain their ledger transfers (registered with ``ledger.reconcile``).

- ``record.effect``: an effective record (not a correction) moved its points from the village's
  issuance accounts to the villager's score and spendable accounts.
- ``record.reversal``: an effective correction undid the transfer of the record it corrects:
  the spendable points always, the score points only if they still counted when it took effect
  (then the original's score was closed at that very moment).
- ``record.expiry``: an effective record whose score was closed, keyed ``record:<pk>:expire``,
  gave its score points back.
- ``carry_over``: each villager's transfer keyed ``carry:<village code>:<period end>:<resident>``
  belongs to the village's carry-over run of that period, whose totals it adds up to.

Volunteering hours and honours become records (``do_collect``), so they are explained here too.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Iterator, Sequence

from django.db.models import CharField, F, OuterRef, Q, QuerySet, Subquery, Value
from django.db.models.expressions import Combinable
from django.db.models.functions import Cast, Concat
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from cunxin.ledger import reconcile, witness
from cunxin.ledger.models import POINTS, AccountKind, Currency, Entry, Transfer
from cunxin.ledger.reconcile import Finding, Legs, Scope, leg
from cunxin.records.models import CarryOverRun, Notice, Record, Status
from cunxin.regions.models import Region

KINDS = {
    "record.effect": gettext_lazy("信用记录生效"),
    "record.reversal": gettext_lazy("信用记录更正"),
    "record.expiry": gettext_lazy("信用记录计分到期"),
}
CARRY_KINDS = {"carry_over": gettext_lazy("期末结转")}


def _scoped(records: QuerySet[Record], scope: Scope) -> QuerySet[Record]:
    return records if scope is None else records.filter(village_id__in=scope)


def _both_sides(
    rows: QuerySet[Record], currency: str, *, transfer: str, resident: str, points: Combinable
) -> list[Legs]:
    """The villager's account gets ``points``, the village's issuance account gives them."""
    return [
        leg(
            rows,
            transfer=transfer,
            account_kind=AccountKind.RESIDENT,
            currency=currency,
            resident=resident,
            amount=points,
        ),
        leg(
            rows,
            transfer=transfer,
            account_kind=AccountKind.ISSUANCE,
            currency=currency,
            village="village_id",
            amount=-points,
        ),
    ]


def expiry_transfer() -> Subquery:
    """The id of the record's expiry transfer (``record:<pk>:expire``), if posted."""
    key = Concat(Value("record:"), Cast(OuterRef("pk"), CharField()), Value(":expire"))
    return Subquery(Transfer.objects.filter(key=key).values("pk")[:1])


def legs(scope: Scope) -> Sequence[Legs]:
    effective = _scoped(Record.objects.filter(status=Status.EFFECTIVE), scope)
    originals = effective.filter(reverses__isnull=True).exclude(points=0)
    corrections = effective.filter(reverses__isnull=False).exclude(reverses__points=0)
    expired = originals.filter(score_closed_at__isnull=False).annotate(expiry=expiry_transfer())
    found: list[Legs] = []
    for currency in POINTS:
        found += _both_sides(
            originals, currency, transfer="transfer_id", resident="resident_id", points=F("points")
        )
        undone = corrections
        if currency == Currency.SCORE:
            undone = corrections.filter(reverses__score_closed_at=F("effective_at"))
        found += _both_sides(
            undone,
            currency,
            transfer="transfer_id",
            resident="reverses__resident_id",
            points=-F("reverses__points"),
        )
    found += _both_sides(
        expired.filter(expiry__isnull=False),
        Currency.SCORE,
        transfer="expiry",
        resident="resident_id",
        points=-F("points"),
    )
    return found


def not_their_own(scope: Scope) -> Iterator[Finding]:
    """An effective record whose transfer is not a record posting: it never posted."""
    effective = _scoped(Record.objects.filter(status=Status.EFFECTIVE), scope)
    wrong = effective.exclude(
        Q(reverses__isnull=True, transfer__kind="record.effect")
        | Q(reverses__isnull=False, transfer__kind="record.reversal")
    )
    for pk, village_id, resident_id, points in wrong.order_by("pk").values_list(
        "pk", "village_id", "resident_id", "points"
    ):
        yield Finding(
            reconcile.MISSING,
            _("信用记录 #%(pk)d（%(points)+d分）已生效，但它指向的转账不是它的记账")
            % {"pk": pk, "points": points},
            village_id=village_id,
            resident_id=resident_id,
        )


def carry_overs(scope: Scope) -> Iterator[Finding]:
    """Each carry-over transfer belongs to its village's run, and each run's transfers add up
    to the run's totals (count, score points returned, spendable points expired)."""
    entries = Entry.objects.filter(transfer__kind="carry_over")
    if scope is not None:
        entries = entries.filter(transfer__village_id__in=scope)
    per_transfer: dict[int, dict[str, object]] = {}
    for transfer_id, key, village_id, kind, currency, resident_id, amount in entries.values_list(
        "transfer_id",
        "transfer__key",
        "transfer__village_id",
        "account__kind",
        "account__currency",
        "account__resident_id",
        "amount",
    ).iterator():
        row = per_transfer.setdefault(
            transfer_id,
            {"key": key, "village": village_id, "residents": set(), "score": 0, "spendable": 0},
        )
        if kind == AccountKind.ISSUANCE:
            row[currency] = int(row[currency]) + amount  # type: ignore[call-overload]
        else:
            row["residents"].add(resident_id)  # type: ignore[attr-defined]
    runs = CarryOverRun.objects.all()
    if scope is not None:
        runs = runs.filter(village_id__in=scope)
    codes = dict(Region.objects.filter(pk__in=runs.values("village_id")).values_list("pk", "code"))
    totals: dict[tuple[int, datetime.date], list[int]] = defaultdict(lambda: [0, 0, 0])
    transfers: dict[tuple[int, datetime.date], list[int]] = defaultdict(list)
    for transfer_id, row in sorted(per_transfer.items()):
        parts = str(row["key"]).split(":")
        village_id = int(row["village"])  # type: ignore[call-overload]
        try:
            day = datetime.date.fromisoformat(parts[2])
            resident_id = int(parts[3])
        except (IndexError, ValueError):
            day, resident_id = datetime.date.min, 0
        if row["residents"] != {resident_id} or parts[1:2] != [codes.get(village_id, "")]:
            # Not the carry-over of the villager and village its key names.
            yield Finding(reconcile.UNEXPLAINED, "", village_id=village_id, transfer_id=transfer_id)
            continue
        total = totals[(village_id, day)]
        total[0] += 1
        total[1] += int(row["score"])  # type: ignore[call-overload]
        total[2] += int(row["spendable"])  # type: ignore[call-overload]
        transfers[(village_id, day)].append(transfer_id)
    for run in runs.order_by("pk").values(
        "village_id", "period_end", "residents_changed", "score_returned", "spendable_returned"
    ):
        run_key = (run["village_id"], run["period_end"])
        claimed = [run["residents_changed"], run["score_returned"], run["spendable_returned"]]
        posted = totals.pop(run_key, [0, 0, 0])
        if claimed != posted:
            yield Finding(
                reconcile.MISSING if posted[0] < claimed[0] else reconcile.AMOUNT,
                _(
                    "%(day)s 结转记载 %(n)d 人、退回信用分 %(score)d、作废积分 %(spendable)d；"
                    "账本为 %(pn)d 人、%(pscore)d、%(pspendable)d"
                )
                % {
                    "day": run["period_end"].isoformat(),
                    "n": claimed[0],
                    "score": claimed[1],
                    "spendable": claimed[2],
                    "pn": posted[0],
                    "pscore": posted[1],
                    "pspendable": posted[2],
                },
                village_id=run["village_id"],
            )
    for run_key in sorted(totals):  # carry-overs without a run
        for transfer_id in transfers[run_key]:
            yield Finding(reconcile.UNEXPLAINED, "", village_id=run_key[0], transfer_id=transfer_id)


def notice_heads(scope: Scope) -> Iterator[witness.Head]:
    """Every notice printed its village's chain head when it went up."""
    notices = Notice.objects.all()
    if scope is not None:
        notices = notices.filter(village_id__in=scope)
    for village_id, number, seq, digest in notices.order_by("pk").values_list(
        "village_id", "number", "chain_seq", "chain_hash"
    ):
        yield witness.Head(village_id, seq, digest, _("第%(n)d期公示") % {"n": number})


def register() -> None:
    reconcile.register(
        reconcile.Reconciler(app="records", kinds=KINDS, legs=legs, check=not_their_own)
    )
    reconcile.register(
        reconcile.Reconciler(app="records.carry_over", kinds=CARRY_KINDS, check=carry_overs)
    )
    witness.register(witness.Witness(app="records", heads=notice_heads))
