"""Scheduled work on coupons: expiry of coupons past their last day, and the lapse of gifts
not accepted in time. Both are safe to run twice."""

from __future__ import annotations

from datetime import timedelta

from cunxin.core.jobs import periodic
from cunxin.coupons.actions.expiry import expire_due_coupons
from cunxin.coupons.actions.gifts import lapse_due_gifts


@periodic("coupons.expire", every=timedelta(hours=6))
def expire_job() -> None:
    """Coupons past their last day go back to their village's issuance account."""
    expire_due_coupons()


@periodic("coupons.lapse_gifts", every=timedelta(hours=1))
def lapse_gifts_job() -> None:
    """Offers unanswered for seven days return to their givers."""
    lapse_due_gifts()
