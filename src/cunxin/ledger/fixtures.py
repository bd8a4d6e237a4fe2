"""Points handed out by test and benchmark fixtures, explained as such.

Tests of the shop and coupons, and the spending benchmark, give villagers points with one
reward-shaped transfer of a fixture kind instead of walking a record through collection,
review, notice and effect. No business row explains such a transfer, so ``check-ledger`` would
rightly report it; the test session and the benchmark register the kind here, which explains a
transfer of it when it is what a reward is: the village's issuance accounts give the same
points to one villager's score and spendable accounts. Production never registers one.
"""

from __future__ import annotations

from collections.abc import Iterator

from django.db.models import Count, Q, Sum

from cunxin.ledger import reconcile
from cunxin.ledger.models import AccountKind, Currency, Entry
from cunxin.ledger.reconcile import Finding, Scope


def _reward_shaped(kind: str) -> reconcile.Reconciler:
    def check(scope: Scope) -> Iterator[Finding]:
        entries = Entry.objects.filter(transfer__kind=kind)
        if scope is not None:
            entries = entries.filter(transfer__village_id__in=scope)
        resident = Q(account__kind=AccountKind.RESIDENT)
        shapes = entries.values("transfer_id", "transfer__village_id").annotate(
            score=Sum("amount", filter=resident & Q(account__currency=Currency.SCORE)),
            spendable=Sum("amount", filter=resident & Q(account__currency=Currency.SPENDABLE)),
            people=Count("account__resident_id", distinct=True),
            legs=Count("pk"),
        )
        for row in shapes.order_by("transfer_id"):
            if not (row["people"] == 1 and row["legs"] == 4 and row["score"] == row["spendable"]):
                yield Finding(
                    reconcile.UNEXPLAINED,
                    "",
                    village_id=row["transfer__village_id"],
                    transfer_id=row["transfer_id"],
                )

    return reconcile.Reconciler(app=f"fixture:{kind}", kinds={kind: "fixture grant"}, check=check)


def explain_fixture_grants(kind: str) -> None:
    """Let transfers of ``kind`` stand for effective rewards (tests and benchmarks only)."""
    reconcile.register(_reward_shaped(kind))
