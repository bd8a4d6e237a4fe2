"""The chain heads a fund's public report prints, kept as witnesses of the ledger.

The report (web page and PDF) prints the fund region's chain head as it is when shown. Each
head shown is kept once (``ReportHead``, unique per fund and link), so ``check-ledger`` can
compare every head that may be on paper somewhere with the chain as it is now. Keeping it is
not a user's change of anything (no audit row): it is a note of what the public was shown,
idempotent, at most one row per link of the chain.
"""

from __future__ import annotations

from collections.abc import Iterator

from django.db import transaction
from django.utils.translation import gettext as _

from cunxin.fund.models import Fund, ReportHead
from cunxin.ledger import witness
from cunxin.ledger.witness import Head, Scope


def note_report_head(fund: Fund, seq: int, digest: str) -> None:
    """Keep the head the report is about to print, unless it is kept already."""
    if seq == 0 or ReportHead.objects.filter(fund=fund, seq=seq).exists():
        return
    with transaction.atomic():
        ReportHead.objects.bulk_create(
            [ReportHead(fund=fund, seq=seq, hash=digest)], ignore_conflicts=True
        )


def report_heads(scope: Scope) -> Iterator[Head]:
    heads = ReportHead.objects.all()
    if scope is not None:
        heads = heads.filter(fund__region_id__in=scope)
    for region_id, name, seq, digest in heads.order_by("pk").values_list(
        "fund__region_id", "fund__name", "seq", "hash"
    ):
        yield Head(region_id, seq, digest, _("%(fund)s的收支公开") % {"fund": name})


def register() -> None:
    witness.register(witness.Witness(app="fund", heads=report_heads))
