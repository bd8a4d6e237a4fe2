"""Periodic jobs of the cards app."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from cunxin.cards.models import UsedCode
from cunxin.core.jobs import periodic

# A used code is refused as expired after 90 s and no longer matches its signature after about
# 28 hours; its row is kept a week longer only to help answer a question about a payment.
USED_CODES_KEPT = timedelta(days=7)


def purge_used_codes() -> int:
    """Delete the used-code rows that can no longer matter; the number deleted."""
    deleted, _ = UsedCode.objects.filter(issued_at__lt=timezone.now() - USED_CODES_KEPT).delete()
    return deleted


@periodic("cards.purge_used_codes", every=timedelta(hours=6))
def purge_old_used_codes() -> None:
    """The used-code table stays small: rows of long-expired codes go."""
    purge_used_codes()
